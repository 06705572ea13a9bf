/**
 * What each part of the pipeline costs: the suite's full-pipeline route measured with its parts
 * switched on one at a time (bench/lib/parts.ts: passthrough, jwt, policy, ratelimit, audit), in
 * rounds, so that every step's cost comes from the same session. Same upstream, same compiled gateway (`regate start`, one uWS worker, NODE_ENV=production),
 * pinned as bench/lib/cpu-plan.ts plans. The gateway's CPU µs per request comes from /proc; the
 * rows are medians over the rounds, and the "step" column is the difference to the row above.
 * These machines are noisy: a step smaller than the spread of its two rows says nothing.
 *
 * Run:  node --import tsx bench/pipeline-parts.ts [--rounds 3] [--duration 6] [--connections 64] [--generator wrk|autocannon] [--only a,b] [--json out.json]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTokenServer } from '../src/devtools/token-server.js';
import { argValue } from './lib/args.js';
import { planCpus } from './lib/cpu-plan.js';
import { GENERATORS, measureLoad, resolveGenerator, type GeneratorName } from './lib/load.js';
import { freePort } from './lib/ports.js';
import { probe } from './lib/probe.js';
import { spawnPinned, type Proc } from './lib/procs.js';
import { PARTS, partConfig, partHeaders, type Part, type PartsEnv } from './lib/parts.js';
import { startRegate, startUpstream } from './lib/servers.js';
import { hasCommand } from './lib/system-tool.js';

const argv = process.argv.slice(2);
const arg = (name: string, fallback: string): string => argValue(name, argv) ?? fallback;
const rounds = Math.max(1, Number(arg('--rounds', '3')));
const duration = Number(arg('--duration', '6'));
const connections = Number(arg('--connections', '64'));
const generatorName = arg('--generator', 'wrk') as GeneratorName;
const jsonOut = argv.includes('--json') ? arg('--json', '') : '';
if (!GENERATORS.includes(generatorName)) throw new TypeError(`--generator: one of ${GENERATORS.join(', ')}`);

const only = argv.includes('--only') ? new Set(arg('--only', '').split(',')) : null;
const parts = PARTS.filter((p) => only === null || only.has(p));

const log = (line: string) => process.stderr.write(line + '\n');
const plan = planCpus();
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

async function main(): Promise<void> {
  const generator = resolveGenerator(generatorName, connections, plan.loadCpuCount, log);
  if ('reason' in generator) throw new Error(generator.reason);
  if (!hasCommand('redis-server', ['--version'])) throw new Error('redis-server is needed (apt-get install -y redis-server)');
  const dir = mkdtempSync(join(tmpdir(), 'regate-bench-parts-'));
  const procs: Proc[] = [];
  const ts = await startTokenServer({ accessTokenTtlS: 3600 });
  const samples = new Map<Part, { cpu: number[]; rps: number[] }>(parts.map((p) => [p, { cpu: [], rps: [] }]));
  try {
    const up = await startUpstream(plan.loadCpus);
    procs.push(up.proc);
    // a private Redis: the audit jobs of a run pile up (no consumer) and are thrown away with it
    const redisPort = await freePort();
    procs.push(await spawnPinned(plan.loadCpus, 'redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], /Ready to accept connections/));
    const jwt = await ts.issueJwt({ scope: 'read' });
    const env: PartsEnv = { upstreamUrl: up.url, connections, ts, redisUrl: `redis://127.0.0.1:${redisPort}`, dir };
    for (let r = 0; r < rounds; r++) {
      for (const p of parts) {
        const gw = await startRegate({ name: p, dir, cpus: plan.proxyCpu, config: partConfig(p, env) });
        procs.push(gw.proc);
        const url = gw.url + '/api/bench';
        const headers = partHeaders(p, jwt);
        const bad = await probe(url, headers);
        if (bad) throw new Error(`${p}: ${url}: ${bad}`);
        const m = await measureLoad(url, { generator, connections, duration, amount: null, headers, cpus: plan.loadCpus, warmup: 3, proc: gw.proc });
        await gw.proc.stop();
        if (m.errors > 0 || m.non2xx > 0) throw new Error(`${p}: ${m.errors} errors, ${m.non2xx} non-2xx responses`);
        samples.get(p)!.cpu.push(m.cpuUsPerReq ?? NaN);
        samples.get(p)!.rps.push(m.rps);
        log(`round ${r + 1}/${rounds} ${p}: ${m.rps.toFixed(0)} rps, ${(m.cpuUsPerReq ?? NaN).toFixed(1)} CPU µs/req`);
      }
    }
  } finally {
    for (const p of procs) await p.stop();
    await ts.stop();
    rmSync(dir, { recursive: true, force: true });
  }

  process.stdout.write(
    `\npipeline parts (${cpus()[0]?.model ?? '?'}, ${cpus().length} cpus, load ${loadavg()[0]!.toFixed(2)} at the end): ${generator.name} ${generator.version}, ` +
      `${connections} connections, ${duration} s per run after 3 s warm-up, ${rounds} rounds, medians; ` +
      (plan.pinned ? `gateway on CPU ${plan.proxyCpu}, the rest on CPU ${plan.loadCpus}\n` : 'no CPU pinning\n'),
  );
  process.stdout.write('part          rps      CPU µs/req  (runs)                 step\n');
  let prev: number | null = null;
  const out: Record<string, unknown> = {};
  for (const p of parts) {
    const s = samples.get(p)!;
    const cpu = median(s.cpu);
    const step = prev === null ? '' : `${cpu - prev >= 0 ? '+' : ''}${(cpu - prev).toFixed(1)}`;
    process.stdout.write(`${p.padEnd(12)} ${median(s.rps).toFixed(0).padStart(6)}  ${cpu.toFixed(1).padStart(8)}    (${s.cpu.map((x) => x.toFixed(1)).join(', ')})`.padEnd(62) + `${step}\n`);
    out[p] = { rps: s.rps, cpu_us_per_req: s.cpu, median_cpu_us_per_req: cpu };
    prev = cpu;
  }
  if (jsonOut) writeFileSync(jsonOut, JSON.stringify({ generator: { name: generator.name, version: generator.version }, connections, duration, rounds, load: loadavg(), parts: out }, null, 2));
}

main().catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exitCode = 1;
});
