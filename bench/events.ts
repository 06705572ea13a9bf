/**
 * Event emitter benchmark (issue 6).
 *
 *   npm run bench:events -- [--quick] [--rounds 3] [--case spool] [--redis redis://127.0.0.1:6379] [--json out.json]
 *
 * Measures against a real Redis (BullMQ queues under a throw-away prefix, deleted afterwards):
 * 1. emitAudit() wall time per call (encode the OPA-style event + mask + push into the batch, and
 *    joining the batch when one is sealed);
 * 2. Node CPU per event end to end: process CPU (user+sys) from the first emit until every
 *    batch is acknowledged by Redis, divided by the events — building, batching, JSON
 *    serialisation, BullMQ's Lua `addJob`, ioredis. Goal: ≤ 10 µs per request.
 *    - "policy route": contexts as the pipeline leaves them after a policy decision (the
 *      authorize stage has kept `ctx.policyInput`, which the event records);
 *    - "no policy input": the emitter rebuilds the input from the request (routes without a
 *      policy, requests refused before authorization) — the older bench measured only this;
 *    - "new token each request": no two requests share a token, so the per-token JSON cache
 *      (audit-encoder.ts) never hits — the worst case; the others reuse one cached TokenInfo,
 *      as requests of one user do;
 *    - "masked": the policy route with two JSON-pointer mask rules (copy-on-write masking).
 * 3. the same with Redis unreachable (every batch goes to the disk spool).
 * Contexts are prepared before the clock starts, and a full GC runs before it too, so that the
 * garbage collector copying and promoting 20k freshly made contexts is not billed to the events
 * (in the gateway a context is young and dies soon after its event is built); consumers are not
 * in the process. Each row is the median of `--rounds` runs (3 by default), the cases
 * interleaved round by round; `cpu_us_runs` lists every run.
 *
 * Numbers depend on the machine and on whatever else runs on it: the load average is printed
 * with the results. Run it on an idle machine for numbers worth comparing.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { createAuditEventBuilder } from '../src/gateway/events/audit-event.js';
import { createAuditEncoder } from '../src/gateway/events/audit-encoder.js';
import { BatchBuffer } from '../src/gateway/events/batch-buffer.js';
import { normaliseTokenInfo } from '../src/gateway/authn/token-info.js';
import { createEventEmitter } from '../src/gateway/events/index.js';
import type { EventsConfig } from '../src/gateway/config/types.js';
import { buildPolicyInput } from '../src/gateway/shared/policy-input.js';
import { createRequestContext, type RequestContext } from '../src/gateway/pipeline/context.js';
import { argValue } from './lib/args.js';
import { configSections } from '../test/helpers/config-sections.js';

const arg = (name: string): string | undefined => argValue(name);
const quick = process.argv.includes('--quick');
const redisUrl = arg('--redis') ?? 'redis://127.0.0.1:6379';
const jsonOut = arg('--json');
const N = quick ? 20_000 : 200_000;
const rounds = Math.max(1, Math.min(9, Number(arg('--rounds') ?? 3)));
const maskHeaders = ['authorization', 'cookie', 'api-key', 'token', 'secret', 'password', 'credential', 'session'];

const base: RequestContext = {
  id: 'req',
  endNs: null,
  method: 'GET',
  path: '/car/insurance',
  rawQuery: 'a=1',
  hasQuery: true,
  strippedHeaders: null,
  headers: { authorization: 'Bearer abc.def.ghi', 'x-device': 'ios', 'user-agent': 'bench', accept: '*/*', host: 'api.example.com' },
  host: 'api.example.com',
  scheme: 'https',
  remoteAddr: '203.0.113.9',
  // frozen, one per route, as the gateway builds it (server/gateway.ts)
  route: Object.freeze({ id: 'car-insurance', upstream: 'car', auth: 'jwt' as const, policy: 'gateway/decision' }),
  startNs: process.hrtime.bigint(),
  // one TokenInfo per token, deeply frozen, as the authenticate stage's cache hands it out
  auth: { token: normaliseTokenInfo({ sub: 'u123', client_id: 'mobile-app', scope: 'car:read', exp: 1767225600, iss: 'https://idp', aud: 'car-api', iat: 1767222000, jti: 'b1f0c6a2' }, true), degraded: false, cache: 'hit' },
  decision: { allow: true, labels: { product: 'car' }, raw: { allow: true }, revision: 'r1', evalNs: 1000 },
  mapping: { name: 'car', path: '/car/u123', setHeaders: {}, removeHeaders: [] },
  responseHeaders: {},
  rateLimited: false,
  degraded: false,
  error: null,
  status: 200,
  trace: null,
  encryption: null,
  tls: null,
};

/**
 * A context made the way the gateway makes one (createRequestContext, as server/gateway.ts
 * does), the stages' results assigned afterwards. Not `{ ...base }`: a spread copy gets object
 * shapes the gateway's contexts never have, and adding the decision id to such copies alone
 * cost microseconds per event here.
 */
function contextLike(b: RequestContext, id: string): RequestContext {
  const c = createRequestContext({ id, method: b.method, path: b.path, rawQuery: b.rawQuery, headers: { ...b.headers }, rawHeaders: [], host: b.host, scheme: b.scheme, remoteAddr: b.remoteAddr, route: b.route });
  c.auth = b.auth;
  c.decision = { ...b.decision! };
  c.mapping = b.mapping;
  c.status = b.status;
  return c;
}

/**
 * Fresh context objects (each gets its own decision id), made before the clock starts. With
 * `policyInput`, as the authorize stage leaves them (it builds the input for the policy).
 */
function contexts(n: number, policyInput: boolean, newTokens = false): RequestContext[] {
  const out: RequestContext[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const c = contextLike(base, `req-${i}`);
    // every request with a token of its own (no two share a cached TokenInfo): the worst case
    if (newTokens) c.auth = { ...base.auth!, token: normaliseTokenInfo({ ...base.auth!.token.claims, sub: `u${i}`, jti: `j${i}` }, true) };
    if (policyInput) c.policyInput = buildPolicyInput(c);
    out[i] = c;
  }
  return out;
}

interface Case {
  target: string;
  url: string;
  policyInput: boolean;
  newTokens?: boolean;
  events?: Partial<EventsConfig>;
}

async function run(k: Case): Promise<Record<string, number | string>> {
  const { url, target: label } = k;
  const spool = mkdtempSync(join(tmpdir(), 'regate-bench-spool-'));
  const prefix = `bench${process.pid}`;
  const up = !url.endsWith(':9');
  const em = createEventEmitter(
    configSections({ redis: { url, prefix, connect_timeout_ms: 500 }, events: { spool_dir: spool, spool_max_bytes: 8 * 2 ** 30, mask_headers: maskHeaders, ...k.events } }),
    { logger: pino({ level: 'silent' }), registry: new Registry() },
  );
  if (up) for (let i = 0; i < 500 && em.stats().redis !== 'ready'; i++) await new Promise((r) => setTimeout(r, 10));
  // warm-up (JIT), not counted
  for (const c of contexts(5000, k.policyInput, k.newTokens)) em.emitAudit(c);
  await em.flush();
  const ctxs = contexts(N, k.policyInput, k.newTokens);
  gc();
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
  if (up) {
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

/**
 * The parts alone. The emitter encodes each event straight to JSON (audit-encoder.ts) and writes
 * it into its batch's buffer (batch-buffer.ts); the rows "object + stringify" measure the way it
 * was done before — build the event object, then one JSON.stringify per 500-event batch.
 */
function parts(): Record<string, number | string>[] {
  const build = createAuditEventBuilder({ mask_headers: maskHeaders });
  const encode = createAuditEncoder({ mask_headers: maskHeaders });
  const ctxs = contexts(N, true);
  for (let i = 0; i < 5000; i++) build(ctxs[i]!, 'warm');
  for (let i = 0; i < 5000; i++) encode(ctxs[i]!, 'warm');
  gc();
  let c0 = process.cpuUsage();
  const evs = ctxs.map((c, i) => build(c, String(i)));
  let c = process.cpuUsage(c0);
  const buildUs = (c.user + c.system) / N;
  c0 = process.cpuUsage();
  let bytes = 0;
  for (let i = 0; i < N; i += 500) bytes += JSON.stringify({ events: evs.slice(i, i + 500) }).length;
  c = process.cpuUsage(c0);
  const stringifyUs = (c.user + c.system) / N;
  evs.length = 0;
  gc();
  c0 = process.cpuUsage();
  let encBytes = 0;
  const batch = new BatchBuffer();
  for (let i = 0; i < N; i += 500) {
    for (let j = i; j < i + 500 && j < N; j++) batch.append(encode(ctxs[j]!, String(j)));
    encBytes += batch.seal().length;
  }
  c = process.cpuUsage(c0);
  return [
    { target: 'encode event into batch (emitter)', events: N, cpu_us_per_event: +((c.user + c.system) / N).toFixed(2), bytes_per_event: Math.round(encBytes / N) },
    { target: 'object + stringify: build', events: N, cpu_us_per_event: +buildUs.toFixed(2) },
    { target: 'object + stringify: stringify', events: N, cpu_us_per_event: +stringifyUs.toFixed(2), bytes_per_event: Math.round(bytes / N) },
  ];
}

const cases: Case[] = [
  { target: 'redis, policy route', url: redisUrl, policyInput: true },
  { target: 'redis, no policy input', url: redisUrl, policyInput: false },
  { target: 'redis, new token each request', url: redisUrl, policyInput: true, newTokens: true },
  { target: 'redis, masked', url: redisUrl, policyInput: true, events: { mask: ['/input/token/claims/sub', { path: '/input/request/headers/x-device', value: '***' }] } },
  { target: 'spool (redis down)', url: 'redis://127.0.0.1:9', policyInput: true },
];
const only = arg('--case'); // run the cases whose target contains this text
if (only !== undefined) cases.splice(0, cases.length, ...cases.filter((k) => k.target.includes(only)));
// A full collection before each clock start (see the header); `gc` without --expose-gc on the command line.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
/** per case and numeric column, the median over the rounds (the rounds interleave the cases) */
function medians(runs: Record<string, number | string>[][]): Record<string, number | string>[] {
  return runs[0]!.map((row, i) =>
    Object.fromEntries(Object.entries(row).map(([key, v]) => [key, typeof v === 'number' ? median(runs.map((r) => r[i]![key] as number)) : v])),
  );
}
const all: Record<string, number | string>[][] = [];
for (let r = 0; r < rounds; r++) {
  // with --case, the parts rows only when asked for ("encode", "object")
  const row = only === undefined || /encode|object/.test(only) ? [...parts()] : [];
  for (const k of cases) row.push(await run(k));
  all.push(row);
}
const results = medians(all).map((row, i) => ({ ...row, cpu_us_runs: all.map((r) => r[i]!.cpu_us_per_event).join(' ') }));
const meta = { node: process.version, cpus: cpus().length, loadavg: loadavg().map((x) => +x.toFixed(2)), quick, rounds };
console.log(`events bench — node ${meta.node}, ${meta.cpus} cpus, load ${meta.loadavg.join(' ')}`);
console.table(results);
if (jsonOut) writeFileSync(jsonOut, JSON.stringify({ meta, results }, null, 2));
process.exit(0);
