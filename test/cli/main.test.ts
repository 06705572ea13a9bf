// The dispatcher: --version, --help on every command (answered before a command runs, so asking
// for help never starts anything), unknown commands and options.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { main, wantsHelp } from '../../src/cli/main.js';
import { REGATE_VERSION } from '../../src/gateway/server/version.js';
import { root, spawnRegate } from './spawn-regate.js';

const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };

t.test('--version prints the package version', async (t) => {
  t.equal(REGATE_VERSION, pkg.version, 'the version in logs and /readyz is the package version');
  const r = await spawnRegate(['--version']).done;
  t.equal(r.code, 0);
  t.equal(r.stdout, `regate ${pkg.version}\n`);
  for (const flag of ['-V', 'version']) {
    const out = await inProcess([flag]);
    t.same(out, { code: 0, stdout: `regate ${pkg.version}\n` }, flag);
  }
});

/** main() in this process with stdout/stderr captured (for paths that start nothing). */
async function inProcess(argv: string[]): Promise<{ code: number; stdout: string }> {
  const out = process.stdout.write;
  const err = process.stderr.write;
  let stdout = '';
  process.stdout.write = ((s: string) => ((stdout += s), true)) as typeof process.stdout.write;
  process.stderr.write = (() => true) as typeof process.stderr.write;
  try {
    return { code: await main(argv), stdout };
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
  }
}

t.test('--help on every command prints its usage and exits 0', async (t) => {
  const top = await inProcess(['--help']);
  t.equal(top.code, 0);
  const commands = ['start', 'demo', 'config', 'policy', 'conformance', 'audit'];
  for (const c of commands) t.match(top.stdout, new RegExp(`regate ${c}\\b`), `top-level help lists ${c}`);
  const asks = [...commands.map((c) => [c, '--help']), ['audit', 'tail', '--help'], ['config', 'check', '-h'], ['policy', 'build', '--help'], ['help', 'start']];
  const results: Awaited<ReturnType<typeof inProcess>>[] = [];
  for (const a of asks) results.push(await inProcess(a));
  asks.forEach((a, i) => {
    t.equal(results[i]!.code, 0, `${a.join(' ')}: exit 0`);
    t.match(results[i]!.stdout, /^usage:/, `${a.join(' ')}: usage on stdout`);
  });
});

t.test('demo --help prints help and starts nothing', async (t) => {
  // Without the dispatcher's check this starts the token server, four APIs and the gateway and
  // runs until a signal: the guard would kill it and the test fail on the signal.
  const r = await spawnRegate(['demo', '--port', '0', '--help'], { guardMs: 60_000 }).done;
  t.equal(r.signal, null, 'exited by itself');
  t.equal(r.code, 0);
  t.match(r.stdout, /^usage: regate demo/);
  t.notMatch(r.stdout + r.stderr, /regate demo: gateway/, 'no stack was started');
});

t.test('unknown commands and demo options are usage errors (exit 2), not starts', async (t) => {
  const [unknown, badOpt, badPort] = [await inProcess(['nope']), await inProcess(['demo', '--prot', '1']), await inProcess(['demo', '--port', 'x'])];
  t.equal(unknown.code, 2);
  t.equal(badOpt.code, 2);
  t.equal(badPort.code, 2);
});

t.test('help flags after -- are arguments, not a request for help', async (t) => {
  t.ok(wantsHelp(['build', '-h']));
  t.notOk(wantsHelp(['eval', '--', '--help']));
  t.notOk(wantsHelp([]));
});

t.test('a reader that closes stdout early ends the command quietly (141, no stack trace)', async (t) => {
  // `regate policy fmt --list dir | head`: more names than a pipe holds, written one by one
  const dir = mkdtempSync(join(tmpdir(), 'regate-epipe-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  for (let i = 0; i < 1500; i++) writeFileSync(join(dir, `a_file_name_long_enough_to_fill_a_pipe_quickly_${i}.rego`), `package p${i}\nx:=1\n`);
  const { child, done } = spawnRegate(['policy', 'fmt', '--list', dir]);
  child.stdout!.once('data', () => child.stdout!.destroy());
  const r = await done;
  t.equal(r.code, 141);
  t.notMatch(r.stderr, /EPIPE|\n\s+at /);
});

t.test('output larger than a pipe holds reaches the reader whole before the process exits', async (t) => {
  // `regate policy test --format json | jq` on fugue/regula's suite got 65,536 of 73,852 bytes:
  // past the pipe's buffer a write is queued in libuv, and exiting at once dropped the rest.
  // (The test's pipe is a socket pair with a larger buffer, hence 2 MB.)
  const dir = mkdtempSync(join(tmpdir(), 'regate-pipe-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const text = `package big\n\nx := "${'abcdefgh'.repeat(250_000)}"\n`;
  const file = join(dir, 'big.rego');
  writeFileSync(file, text);
  const r = await spawnRegate(['policy', 'fmt', file]).done;
  t.equal(r.code, 0);
  t.equal(r.stdout.length, text.length, 'every byte of the formatted file');
  t.ok(r.stdout === text, 'formatted file printed whole');
});
