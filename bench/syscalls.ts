/**
 * System calls per request, counted by strace attached to a warmed-up gateway: the kernel's share
 * of a request's cost, which callgrind (user space only) cannot see and CPU time on a loaded
 * machine cannot resolve. Counts, not times, so the host's load does not move them; use it to
 * compare two builds (`--root`) or two parts.
 *
 * Run:  node --import tsx bench/syscalls.ts [--parts passthrough,audit] [--connections 64] [--requests 20000] [--warmup 10000] [--root DIR]
 * Needs strace (Debian: apt-get install -y strace) and redis-server.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startTokenServer } from '../src/devtools/token-server.js';
import { argValue } from './lib/args.js';
import { autocannonVersion } from './lib/autocannon.js';
import { planCpus } from './lib/cpu-plan.js';
import { runLoad } from './lib/load.js';
import { PARTS, partConfig, partHeaders, type Part, type PartsEnv } from './lib/parts.js';
import { freePort } from './lib/ports.js';
import { probe } from './lib/probe.js';
import { spawnPinned, type Proc } from './lib/procs.js';
import { startRegate, startUpstream } from './lib/servers.js';
import { hasCommand } from './lib/system-tool.js';

const argv = process.argv.slice(2);
if (argv.includes('--help') || argv.includes('-h')) {
  process.stdout.write('usage: node --import tsx bench/syscalls.ts [--parts passthrough,audit] [--connections 64] [--requests 20000] [--warmup 10000] [--root DIR]\n');
  process.exit(0);
}
const arg = (name: string, fallback: string): string => argValue(name, argv) ?? fallback;
const requests = Number(arg('--requests', '20000'));
const warmup = Number(arg('--warmup', '10000'));
const connections = Number(arg('--connections', '64'));
const rootDir = argv.includes('--root') ? resolve(arg('--root', '')) : '';
const parts = (argv.includes('--parts') ? arg('--parts', '').split(',') : ['passthrough', 'audit']) as Part[];
for (const p of parts) if (!PARTS.includes(p)) throw new TypeError(`--parts: each one of ${PARTS.join(', ')}`);
const log = (line: string) => process.stderr.write(line + '\n');
const plan = planCpus();

/** strace -c's table: syscall name → calls. */
function parseSummary(text: string): Map<string, number> {
  const calls = new Map<string, number>();
  for (const line of text.split('\n')) {
    // % time     seconds  usecs/call     calls    errors syscall
    const m = /^\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(?:\d+\s+)?([a-z_0-9]+)\s*$/.exec(line);
    if (m && m[2] !== 'total') calls.set(m[2] as string, Number(m[1]));
  }
  return calls;
}

async function main(): Promise<void> {
  for (const tool of ['strace', 'redis-server']) if (!hasCommand(tool, tool === 'strace' ? ['-V'] : ['--version'])) throw new Error(`${tool} is needed (Debian: apt-get install -y ${tool})`);
  const dir = mkdtempSync(join(tmpdir(), 'regate-bench-sys-'));
  const procs: Proc[] = [];
  const ts = await startTokenServer({ accessTokenTtlS: 3600 });
  try {
    const up = await startUpstream(plan.loadCpus);
    procs.push(up.proc);
    const redisPort = await freePort();
    procs.push(await spawnPinned(plan.loadCpus, 'redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], /Ready to accept connections/));
    const env: PartsEnv = { upstreamUrl: up.url, connections, ts, redisUrl: `redis://127.0.0.1:${redisPort}`, dir };
    const jwt = await ts.issueJwt({ scope: 'read' });
    const generator = { name: 'autocannon' as const, version: autocannonVersion(), threads: 1 as const };
    for (const p of parts) {
      const gw = await startRegate({ name: p, dir, cpus: plan.proxyCpu, config: partConfig(p, env), ...(rootDir ? { root: rootDir } : {}) });
      procs.push(gw.proc);
      const url = gw.url + '/api/bench';
      const headers = partHeaders(p, jwt);
      const bad = await probe(url, headers);
      if (bad) throw new Error(`${p}: ${url}: ${bad}`);
      const load = (amount: number) => runLoad(url, { generator, connections, duration: null, amount, headers, cpus: plan.loadCpus });
      await load(warmup);
      const out = join(dir, `strace-${p}.txt`);
      // -f with -p: every thread of the process (the event loop, libuv's pool, V8's helpers)
      const strace = spawn('strace', ['-f', '-c', '-o', out, '-p', String(gw.proc.child.pid)], { stdio: 'ignore' });
      await new Promise((r) => setTimeout(r, 500)); // attached
      const r = await load(requests);
      strace.kill('SIGINT');
      await new Promise((r2) => strace.once('exit', r2));
      const calls = parseSummary(readFileSync(out, 'utf8'));
      const total = [...calls.values()].reduce((a, b) => a + b, 0);
      const top = [...calls.entries()].sort((a, b) => b[1] - a[1]).slice(0, 10);
      process.stdout.write(`${p}${rootDir ? ` (${rootDir})` : ''}: ${(total / r.requests).toFixed(2)} syscalls per request over ${r.requests} requests — ${top.map(([n, c]) => `${n} ${(c / r.requests).toFixed(2)}`).join(', ')}\n`);
      await gw.proc.stop();
    }
  } finally {
    for (const p of procs) await p.stop();
    await ts.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench/syscalls.ts: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
