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
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { planCpus } from './lib/cpu-plan.js';
import { partsBenchArgs, withPartsStand } from './lib/parts-stand.js';
import { hasCommand } from './lib/system-tool.js';

const argv = process.argv.slice(2);
if (argv.includes('--help') || argv.includes('-h')) {
  process.stdout.write('usage: node --import tsx bench/syscalls.ts [--parts passthrough,audit] [--connections 64] [--requests 20000] [--warmup 10000] [--root DIR]\n');
  process.exit(0);
}
const { requests, warmup, connections, rootDir, parts } = partsBenchArgs(argv, { connections: 64, parts: ['passthrough', 'audit'] });
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
  await withPartsStand({ name: 'sys', connections, rootDir }, async (stand) => {
    for (const p of parts) {
      const run = await stand.startPart(p, { cpus: plan.proxyCpu });
      await run.load(warmup);
      const out = join(stand.dir, `strace-${p}.txt`);
      // -f with -p: every thread of the process (the event loop, libuv's pool, V8's helpers)
      const strace = spawn('strace', ['-f', '-c', '-o', out, '-p', String(run.gw.proc.child.pid)], { stdio: 'ignore' });
      await new Promise((r) => setTimeout(r, 500)); // attached
      const r = await run.load(requests);
      strace.kill('SIGINT');
      await new Promise((r2) => strace.once('exit', r2));
      const calls = parseSummary(readFileSync(out, 'utf8'));
      const total = [...calls.values()].reduce((a, b) => a + b, 0);
      const top = [...calls.entries()].sort((a, b) => b[1] - a[1]).slice(0, 10);
      process.stdout.write(`${p}${rootDir ? ` (${rootDir})` : ''}: ${(total / r.requests).toFixed(2)} syscalls per request over ${r.requests} requests — ${top.map(([n, c]) => `${n} ${(c / r.requests).toFixed(2)}`).join(', ')}\n`);
      await run.gw.proc.stop();
    }
  });
}

main().catch((err: unknown) => {
  process.stderr.write(`bench/syscalls.ts: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
