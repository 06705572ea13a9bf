/**
 * What every `regate policy` command shares: --help, --version, --v0-compatible, and errors
 * printed once, located, without a stack trace.
 */
import t from 'tap';
import { join } from 'node:path';
import { regate } from '../run-regate.js';
import { policyDir } from './files.js';


const COMMANDS = ['test', 'fmt', 'check', 'eval', 'build', 'sign', 'capabilities'];

t.test('--help and --version on every subcommand', async (t) => {
  for (const c of COMMANDS) {
    const h = regate(['policy', c, '--help']);
    t.equal(h.code, 0, `${c} --help`);
    t.match(h.stdout, new RegExp(`^usage: regate policy ${c} `));
    t.match(h.stdout, /--v0-compatible/);
    const v = regate(['policy', c, '--version']);
    t.equal(v.code, 0);
    t.match(v.stdout, /^regate \d+\.\d+\.\d+\n/);
  }
  t.match(regate(['--version']).stdout, /^regate \d+\.\d+\.\d+\n$/);
});

t.test('an unknown flag is a usage error (exit 2) naming it', async (t) => {
  const r = regate(['policy', 'test', '--bogus', '.']);
  t.equal(r.code, 2);
  t.match(r.stderr, /unknown flag --bogus/);
});

t.test('a missing file, and a file where a directory is expected: one located line, no stack trace', async (t) => {
  const dir = policyDir(t, { 'p.rego': 'package p\n\nr := 1\n' });
  const missing = join(dir, 'nope');
  for (const args of [
    ['test', missing],
    ['check', missing],
    ['fmt', missing],
    ['eval', '-f', 'pretty', '-d', missing, 'data.p.r'],
    ['eval', '-i', dir, '-d', dir, 'data.p.r'],
    ['eval', '-f', 'raw', '-b', join(dir, 'p.rego'), 'data.p.r'],
    ['build', '-e', 'p/r', missing],
  ]) {
    const r = regate(['policy', ...args]);
    t.equal(r.code, 1, args.join(' '));
    // `opa build` prints its error on stdout (cmd/build.go), the other commands on stderr
    const out = args[0] === 'build' ? r.stdout : r.stderr;
    t.match(out, /REGO_ERR_FILE/, args.join(' '));
    t.equal(out.trim().split('\n').length, 1, `one line: ${out}`);
    t.notMatch(out, /\n\s+at /);
  }
});

t.test('--v0-compatible is accepted by every command and reaches the compiler', async (t) => {
  // Rego v0: no `if` (a v1 file fails to parse under --v0-compatible, as with opa)
  const dir = policyDir(t, { 'p.rego': 'package p\n\nr := 1\n', 'p_test.rego': 'package p_test\n\ntest_r { data.p.r == 1 }\n' });
  t.equal(regate(['policy', 'test', '--v0-compatible', dir]).code, 0);
  t.equal(regate(['policy', 'check', '--v0-compatible', dir]).code, 0);
  t.equal(regate(['policy', 'eval', '--v0-compatible', '-d', dir, 'data.p.r']).code, 0);
  t.equal(regate(['policy', 'build', '--v0-compatible', '-e', 'p/r', '-o', join(dir, 'plan.json'), dir]).code, 0);
  t.equal(regate(['policy', 'fmt', '--v0-compatible', '--list', dir]).code, 0);
});
