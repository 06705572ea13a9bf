/**
 * Event emitter benchmark (issue 6).
 *
 *   npx tsx bench/events.ts [--quick] [--redis redis://127.0.0.1:6379] [--json out.json]
 *
 * Measures against a real Redis (BullMQ queues under a throw-away prefix, deleted afterwards):
 * 1. emitAudit() wall time per call (build the OPA-style event + mask + push into the batch);
 * 2. Node CPU per event end to end: process CPU (user+sys) from the first emit until every
 *    batch is acknowledged by Redis, divided by the events — building, batching, JSON
 *    serialisation, BullMQ's Lua `addJob`, ioredis. Goal: ≤ 10 µs per request.
 * 3. the same with Redis unreachable (every batch goes to the disk spool).
 * Contexts are prepared before the clock starts; consumers are not in the process.
 *
 * Numbers depend on the machine and on whatever else runs on it: the load average is printed
 * with the results. Run it on an idle machine for numbers worth comparing.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { createAuditEventBuilder } from '../src/gateway/events/audit-event.js';
import { createEventEmitter } from '../src/gateway/events/index.js';
import type { RequestContext } from '../src/gateway/pipeline/context.js';

const arg = (name: string): string | undefined => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : undefined);
const quick = process.argv.includes('--quick');
const redisUrl = arg('--redis') ?? 'redis://127.0.0.1:6379';
const jsonOut = arg('--json');
const N = quick ? 20_000 : 200_000;

const base: RequestContext = {
  id: 'req',
  method: 'GET',
  path: '/car/insurance',
  rawQuery: 'a=1',
  headers: { authorization: 'Bearer abc.def.ghi', 'x-device': 'ios', 'user-agent': 'bench', accept: '*/*', host: 'api.example.com' },
  host: 'api.example.com',
  scheme: 'https',
  remoteAddr: '203.0.113.9',
  route: { id: 'car-insurance', upstream: 'car', auth: 'jwt', policy: 'gateway/decision' },
  startNs: process.hrtime.bigint(),
  auth: { token: { active: true, sub: 'u123', client_id: 'mobile-app', scope: ['car:read'], exp: 1767225600, iss: 'https://idp', claims: { sub: 'u123', client_id: 'mobile-app', scope: 'car:read' } }, degraded: false, cache: 'hit' },
  decision: { allow: true, labels: { product: 'car' }, raw: { allow: true }, revision: 'r1', evalNs: 1000 },
  mapping: { name: 'car', path: '/car/u123', setHeaders: {}, removeHeaders: [] },
  responseHeaders: {},
  rateLimited: false,
  degraded: false,
  error: null,
  status: 200,
};

/** Fresh context objects (each gets its own decision id), made before the clock starts. */
function contexts(n: number): RequestContext[] {
  const out: RequestContext[] = new Array(n);
  for (let i = 0; i < n; i++) out[i] = { ...base, id: `req-${i}` };
  return out;
}

async function run(url: string, label: string): Promise<Record<string, number | string>> {
  const spool = mkdtempSync(join(tmpdir(), 'regate-bench-spool-'));
  const prefix = `bench${process.pid}`;
  const em = createEventEmitter({ redis: { url, prefix, connect_timeout_ms: 500 }, events: { spool_dir: spool, spool_max_bytes: 8 * 2 ** 30 } }, { logger: pino({ level: 'silent' }), registry: new Registry() });
  if (label === 'redis') for (let i = 0; i < 500 && em.stats().redis !== 'ready'; i++) await new Promise((r) => setTimeout(r, 10));
  // warm-up (JIT), not counted
  for (const c of contexts(5000)) em.emitAudit(c);
  await em.flush();
  const ctxs = contexts(N);
  const s0 = { ...em.stats() };
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  let emitNs = 0n;
  // 1000 events per macrotask, like requests completing between I/O callbacks
  for (let i = 0; i < N; i += 1000) {
    const a = process.hrtime.bigint();
    for (let j = i; j < i + 1000 && j < N; j++) em.emitAudit(ctxs[j]!);
    emitNs += process.hrtime.bigint() - a;
    await new Promise((r) => setImmediate(r));
  }
  await em.flush();
  for (let i = 0; i < 6000; i++) {
    const s = em.stats();
    if (s.sent + s.spooled - s0.sent - s0.spooled >= N && s.inflight === 0) break;
    await new Promise((r) => setTimeout(r, 5));
  }
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const cpu = process.cpuUsage(cpu0);
  const s = em.stats();
  await em.close();
  rmSync(spool, { recursive: true, force: true });
  if (label === 'redis') {
    const r = new Redis(url);
    const keys = await r.keys(`${prefix}:*`);
    for (let i = 0; i < keys.length; i += 500) await r.del(...keys.slice(i, i + 500));
    r.disconnect();
  }
  return {
    target: label,
    events: N,
    emit_ns_per_call: Math.round(Number(emitNs) / N),
    cpu_us_per_event: +((cpu.user + cpu.system) / N).toFixed(2),
    events_per_s: Math.round(N / (wallMs / 1000)),
    sent: s.sent - s0.sent,
    spooled: s.spooled - s0.spooled,
    dropped: s.dropped,
  };
}

/** The parts alone: building (+ masking) an event, and serialising it (BullMQ does it once per batch). */
function parts(): Record<string, number | string>[] {
  const build = createAuditEventBuilder({ mask_headers: ['authorization', 'cookie', 'api-key', 'token', 'secret', 'password', 'credential', 'session'] });
  const ctxs = contexts(N);
  for (let i = 0; i < 5000; i++) build(ctxs[i]!, 'warm');
  let c0 = process.cpuUsage();
  const evs = ctxs.map((c, i) => build(c, String(i)));
  let c = process.cpuUsage(c0);
  const buildUs = (c.user + c.system) / N;
  c0 = process.cpuUsage();
  let bytes = 0;
  for (let i = 0; i < N; i += 500) bytes += JSON.stringify({ events: evs.slice(i, i + 500) }).length;
  c = process.cpuUsage(c0);
  return [
    { target: 'build event only', events: N, cpu_us_per_event: +buildUs.toFixed(2) },
    { target: 'JSON.stringify only', events: N, cpu_us_per_event: +((c.user + c.system) / N).toFixed(2), bytes_per_event: Math.round(bytes / N) },
  ];
}

const results = [...parts(), await run(redisUrl, 'redis'), await run('redis://127.0.0.1:9', 'spool (redis down)')];
const meta = { node: process.version, cpus: cpus().length, loadavg: loadavg().map((x) => +x.toFixed(2)), quick };
console.log(`events bench — node ${meta.node}, ${meta.cpus} cpus, load ${meta.loadavg.join(' ')}`);
console.table(results);
if (jsonOut) writeFileSync(jsonOut, JSON.stringify({ meta, results }, null, 2));
process.exit(0);
