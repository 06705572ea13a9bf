/**
 * Bundle activation: how long a new revision takes to become live, and what it does to request
 * latency meanwhile.
 *
 *   npx tsx bench/bundle-activation.ts [--rules 10000] [--runs 3] [--workers 1] [--seconds 3] [--latency-rules N] [--latency-only | --activation-only]
 *
 * 1. Activation time (read + verify-free parse + compile + evaluator), median of --runs, for the
 *    example policies (policies/, three entrypoints) and for a generated bundle of --rules rule
 *    bodies, two ways: all on this thread (createPolicyLoader, as every reload did before issue
 *    #19), and compiled in the compile thread with only the instantiation here (what a gateway
 *    reload does now, the thread warm as a gateway keeps it). For each: wall time, and of this
 *    (the serving) thread: its CPU time (/proc, Linux: the load does not stretch it), how long
 *    its event loop was busy (performance.eventLoopUtilization's `active`) and its longest
 *    single block (monitorEventLoopDelay's max, 1 ms resolution) — what requests of this thread
 *    wait for.
 * 2. Latency during activation: a gateway (--workers) polls a local bundle server; 8 concurrent
 *    keep-alive clients send allowed requests; steady state for --seconds, then the bundle server
 *    serves a new revision of the generated bundle, then again steady. Reported: p50/p99 of
 *    requests in steady state vs of requests that overlapped the activation window (from the
 *    first download of the new revision to the moment /readyz shows it), that window, and the
 *    longest event-loop block of the serving loop(s) in it (with 1 worker the gateway runs on
 *    this thread; with more, each worker's regate_worker_eventloop_delay_seconds max).
 * Note the machine load (`uptime`) with the numbers: on a shared 2-core machine they are indicative.
 */
import http from 'node:http';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { execSync } from 'node:child_process';
import pino from 'pino';
import { Pool, request } from 'undici';
import { createCompileThread, createPolicyLoader, instantiatePolicySet, policyBuiltins, type CompileThread } from '../src/gateway/authz/index.js';
import { loadConfigText } from '../src/gateway/config/load.js';
import { startRegate } from '../src/gateway/server/run.js';
import { writeTarGz } from '../src/policy/index.js';
import { generatedPolicy } from './lib/generated-policy.js';

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] !== undefined ? (process.argv[i + 1] as string) : dflt;
};
const RULES = Number(arg('--rules', '10000'));
const RUNS = Number(arg('--runs', '3'));
const WORKERS = Number(arg('--workers', '1'));
const SECONDS = Number(arg('--seconds', '3'));
// the bundle re-activated under load (default --rules)
const LATENCY_RULES = Number(arg('--latency-rules', String(RULES)));

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((s.length * p) / 100))] ?? NaN;
};

async function examplesBundle(rev: string): Promise<Buffer> {
  const files: { name: string; data: Uint8Array }[] = [{ name: '/.manifest', data: Buffer.from(JSON.stringify({ revision: rev })) }];
  for (const [dir, names] of [['insurance', ['insurance.rego', 'data.json']], ['mobile', ['mobile.rego']], ['scopes', ['scopes.rego']]] as const) {
    for (const n of names) files.push({ name: `/${dir}/${n}`, data: readFileSync(join('policies', dir, n)) });
  }
  return writeTarGz(files);
}

/** `--rules` bodies of one rule (as a generated route table would be), plus the entrypoint. */
async function generatedBundle(rev: string, rules = RULES): Promise<Buffer> {
  return writeTarGz([
    { name: '/.manifest', data: Buffer.from(JSON.stringify({ revision: rev, roots: ['gen'] })) },
    { name: '/gen/gen.rego', data: Buffer.from(generatedPolicy(rules)) },
  ]);
}

interface Activation {
  wallMs: number;
  /** CPU time of this (the serving) thread during the activation; the load does not stretch it */
  cpuMs: number;
  /** this thread's event loop busy (not waiting for I/O) during the activation */
  busyMs: number;
  /** its longest single block */
  maxBlockMs: number;
}

const work = mkdtempSync(join(tmpdir(), 'regate-bench-activation-'));

/**
 * CPU time (user + system) of this process's main thread, from /proc (Linux; 10 ms ticks):
 * process.cpuUsage() would add the compile thread's, and Node 20 has no per-thread call.
 */
function mainThreadCpuMs(): number {
  const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10; // utime, stime (fields 14, 15 of stat(5))
}

/**
 * One activation of `bytes` (a bundle file): all here ('here'), or compiled in `thread` and
 * instantiated here. The thread is warm, as a gateway's is (started before, not timed).
 */
async function activation(file: string, entrypoints: string[], thread?: CompileThread): Promise<Activation> {
  const load = thread ? async () => instantiatePolicySet(await thread.compile(), policyBuiltins(undefined)) : createPolicyLoader({ engine: 'js', entrypoints, bundle: file });
  const eld = monitorEventLoopDelay({ resolution: 1 });
  eld.enable();
  const elu0 = performance.eventLoopUtilization();
  const cpu0 = mainThreadCpuMs();
  const t0 = process.hrtime.bigint();
  await load();
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const cpuMs = mainThreadCpuMs() - cpu0;
  const busyMs = performance.eventLoopUtilization(elu0).active;
  // the sampler records a block when its next timer runs
  await new Promise((r) => setTimeout(r, 5));
  eld.disable();
  return { wallMs, cpuMs, busyMs, maxBlockMs: eld.max / 1e6 };
}

async function activations(label: string, bytes: Buffer, entrypoints: string[]): Promise<void> {
  const file = join(work, `bundle-${entrypoints.length}.tar.gz`);
  writeFileSync(file, bytes);
  for (const mode of ['here', 'thread'] as const) {
    const thread = mode === 'thread' ? createCompileThread({ bundle: file, engine: 'js', entrypoints }) : undefined;
    await thread?.compile(); // started and warmed up, not timed
    const runs: Activation[] = [];
    for (let i = 0; i < RUNS; i++) runs.push(await activation(file, entrypoints, thread));
    await thread?.close();
    const m = (f: (a: Activation) => number) => median(runs.map(f));
    const how = mode === 'here' ? 'all on the serving thread (before #19)' : 'compile thread + instantiate here (now)';
    console.log(`activation, ${label}, ${how}: median of ${RUNS}: wall ${m((a) => a.wallMs).toFixed(0)} ms; serving thread: CPU ${m((a) => a.cpuMs).toFixed(0)} ms, loop busy ${m((a) => a.busyMs).toFixed(1)} ms, longest block ${m((a) => a.maxBlockMs).toFixed(1)} ms`);
  }
}

async function latencyDuringActivation(): Promise<void> {
  const upstream = http.createServer((_q, s) => s.end('ok'));
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  let current = { etag: '"g1"', bytes: await generatedBundle('g1', LATENCY_RULES) };
  let firstNewDownload = 0;
  const bundles = http.createServer((q, s) => {
    if (q.headers['if-none-match'] === current.etag) return void s.writeHead(304).end();
    if (current.etag === '"g2"' && firstNewDownload === 0) firstNewDownload = performance.now();
    s.writeHead(200, { etag: current.etag }).end(current.bytes);
  });
  await new Promise<void>((r) => bundles.listen(0, '127.0.0.1', r));
  const dir = mkdtempSync(join(tmpdir(), 'regate-bench-bundles-'));
  const config = loadConfigText(
    `
listen: { host: 127.0.0.1, port: 0, workers: ${WORKERS} }
admin: { host: 127.0.0.1, port: 0 }
log: { level: silent }
upstreams: { echo: { url: "http://127.0.0.1:${(upstream.address() as AddressInfo).port}" } }
policies:
  persist_dir: ${dir}
  bundles: { gen: { url: "http://127.0.0.1:${(bundles.address() as AddressInfo).port}/gen.tar.gz", polling: { min_delay_s: 0.2, max_delay_s: 0.4 } } }
routes:
  - { id: echo, match: { path_prefix: /echo }, upstream: echo, auth: none, policy: gen/decision }
`,
    { file: join(dir, 'bench.yaml'), env: {} },
  );
  const gw = await startRegate(config, pino({ level: 'silent' }));
  const pool = new Pool(`http://127.0.0.1:${gw.port}`, { connections: 8 });
  const samples: { start: number; end: number; ms: number }[] = [];
  let stop = false;
  const client = async () => {
    while (!stop) {
      const start = performance.now();
      const r = await pool.request({ path: '/echo/ok', method: 'GET' });
      await r.body.dump();
      if (r.statusCode !== 200) throw new Error(`status ${r.statusCode}`);
      const end = performance.now();
      samples.push({ start, end, ms: end - start });
    }
  };
  const clients = Array.from({ length: 8 }, client);
  // warm-up (JIT, connections) not counted
  await new Promise((r) => setTimeout(r, 1000));
  const steadyStart = performance.now();
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  const steadyEnd = performance.now();
  const g2 = await generatedBundle('g2', LATENCY_RULES);
  // the serving loop(s): this thread with 1 worker; else each worker's delay gauge, reset by a scrape
  const eld = monitorEventLoopDelay({ resolution: 1 });
  if (WORKERS === 1) eld.enable();
  else await workerLoopMax(gw.adminPort!);
  current = { etag: '"g2"', bytes: g2 };
  let active = 0;
  for (let i = 0; i < 600 && active === 0; i++) {
    await new Promise((r) => setTimeout(r, 50));
    const rz = (await (await request(`http://127.0.0.1:${gw.adminPort}/readyz`)).body.json()) as { checks: { bundles: { detail: { active_revision: string }[] } } };
    if (rz.checks.bundles.detail[0]?.active_revision === 'g2') active = performance.now();
  }
  const blocked = WORKERS === 1 ? (await new Promise((r) => setTimeout(r, 5)), eld.disable(), [eld.max / 1e6]) : await workerLoopMax(gw.adminPort!);
  await new Promise((r) => setTimeout(r, 1000));
  stop = true;
  await Promise.all(clients);
  const steady = samples.filter((s) => s.start >= steadyStart && s.end <= steadyEnd).map((s) => s.ms);
  const during = samples.filter((s) => s.end >= firstNewDownload && s.start <= active).map((s) => s.ms);
  console.log(`latency, ${WORKERS} worker(s), 8 clients, ${LATENCY_RULES}-rule bundle re-activated:`);
  console.log(`  steady:            n=${steady.length} p50=${pct(steady, 50).toFixed(2)} ms p99=${pct(steady, 99).toFixed(2)} ms`);
  console.log(`  during activation: n=${during.length} p50=${pct(during, 50).toFixed(2)} ms p99=${pct(during, 99).toFixed(2)} ms max=${Math.max(...during).toFixed(1)} ms`);
  console.log(`  activation window (download → live): ${(active - firstNewDownload).toFixed(0)} ms`);
  console.log(`  longest event-loop block of the serving loop${WORKERS === 1 ? '' : 's'} from the new revision's arrival to live: ${blocked.map((x) => `${x.toFixed(1)} ms`).join(', ')}`);
  await pool.close();
  await gw.close();
  upstream.close();
  bundles.close();
}

/** Each worker's longest event-loop delay since the previous scrape, in ms (the gauge resets on scrape). */
async function workerLoopMax(adminPort: number): Promise<number[]> {
  const text = await (await request(`http://127.0.0.1:${adminPort}/metrics`)).body.text();
  return [...text.matchAll(/^regate_worker_eventloop_delay_seconds\{[^}]*quantile="1"[^}]*\} (\S+)$/gm)].map((m) => Number(m[1]) * 1000);
}

console.log(`uptime: ${execSync('uptime').toString().trim()}`);
const ex = await examplesBundle('e1');
await activations('example policies (policies/)', ex, ['insurance/decision', 'scopes/decision', 'mobile/decision']);
const gen = await generatedBundle('g0');
if (process.argv.includes('--latency-only')) {
  await latencyDuringActivation();
  process.exit(0);
}
await activations(`generated ${RULES}-rule bundle (${(gen.length / 1024).toFixed(0)} KiB gz)`, gen, ['gen/decision']);
if (!process.argv.includes('--activation-only')) await latencyDuringActivation();
