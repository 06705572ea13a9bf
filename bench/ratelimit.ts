/**
 * Rate-limit stage benchmark (issue 6).
 *
 *   npx tsx bench/ratelimit.ts [--quick] [--redis redis://127.0.0.1:6379] [--json out.json]
 *
 * Against a real Redis (keys under a throw-away prefix, deleted afterwards), per scenario:
 * wall µs and process CPU µs per check, checks/s, and Redis round trips per check:
 * 1. one hot key, leases on (the common "per-client limit" case) — sequential and 32 concurrent;
 * 2. one hot key, leases off — every check is one GCRA script call;
 * 3. 10k distinct keys (cold: leases never kick in);
 * 4. Redis unreachable → local fallback limiter.
 *
 * Numbers depend on the machine and on whatever else runs on it: the load average is printed
 * with the results. Run it on an idle machine for numbers worth comparing.
 */
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { createRequestContext, type RequestContext } from '../src/gateway/pipeline/context.js';
import { createRateLimitStage } from '../src/gateway/ratelimit/index.js';
import { argValue } from './lib/args.js';
import { configSections } from '../test/helpers/config-sections.js';

/** a `ratelimit` section as written in a file (the loader fills the rest) */
type RateLimitInput = Record<string, unknown>;

const arg = (name: string): string | undefined => argValue(name);
const quick = process.argv.includes('--quick');
const redisUrl = arg('--redis') ?? 'redis://127.0.0.1:6379';
const jsonOut = arg('--json');
const N = quick ? 20_000 : 200_000;
const prefix = `{bench${process.pid}}:rl:`;

function ctx(key: string, limit: number): RequestContext {
  const c = createRequestContext({
    id: 'r', method: 'GET', path: '/x', rawQuery: '', headers: {}, host: 'h', scheme: 'http', remoteAddr: '127.0.0.1',
    route: { id: 'bench', upstream: 'u', auth: 'none' }, startNs: 0n,
  });
  c.decision = { allow: true, rate_limit: [{ key, limit, window_s: 60 }], raw: true, revision: 'r', evalNs: 0 };
  return c;
}

async function scenario(name: string, url: string, rl: RateLimitInput, keyOf: (i: number) => string, concurrency: number): Promise<Record<string, string | number>> {
  const stage = createRateLimitStage(configSections({ redis: { url, connect_timeout_ms: 300 }, ratelimit: { key_prefix: prefix, summaries: false, timeout_ms: 2000, ...rl } }), { logger: pino({ level: 'silent' }), registry: new Registry(), emitter: null });
  if (!url.endsWith(':9')) for (let i = 0; i < 500 && stage.stats().redis !== 'ready'; i++) await new Promise((r) => setTimeout(r, 10));
  const limit = 1_000_000_000; // never refuse: we measure the check, not 429s
  for (let i = 0; i < 2000; i++) await stage.run(ctx(keyOf(i), limit)); // warm-up
  const s0 = stage.stats();
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  let next = 0;
  let denied = 0;
  async function worker(): Promise<void> {
    for (let k = 0; next < N; k++) {
      // a synchronous run never yields: give timers and I/O a turn now and then
      if (k % 1000 === 999) await new Promise((r) => setImmediate(r));
      const c = ctx(keyOf(next++), limit);
      try {
        // like the pipeline composer: await only a real promise (lease hits are synchronous)
        const p = stage.run(c);
        if (p) await p;
      } catch {
        denied++;
      }
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker));
  const ns = Number(process.hrtime.bigint() - t0);
  const cpu = process.cpuUsage(cpu0);
  const s = stage.stats();
  await stage.close();
  return {
    scenario: name,
    concurrency,
    checks: s.checks - s0.checks,
    wall_us_per_check: +(ns / 1000 / N).toFixed(2),
    cpu_us_per_check: +((cpu.user + cpu.system) / N).toFixed(2),
    checks_per_s: Math.round(N / (ns / 1e9)),
    redis_calls_per_check: +((s.redisCalls - s0.redisCalls) / N).toFixed(4),
    fallbacks: s.fallbacks - s0.fallbacks,
    denied,
  };
}

const leasesOn: RateLimitInput = { leases: { enabled: true, min_limit: 50, fraction: 0.05, max_tokens: 100, ttl_ms: 250 } };
const leasesOff: RateLimitInput = { leases: { enabled: false } };
const results = [
  await scenario('hot key, leases', redisUrl, leasesOn, () => 'hot', 1),
  await scenario('hot key, leases', redisUrl, leasesOn, () => 'hot', 32),
  await scenario('hot key, no leases', redisUrl, leasesOff, () => 'hot2', 32),
  await scenario('10k cold keys, leases', redisUrl, leasesOn, (i) => `k${i % 10000}`, 32),
  await scenario('redis down → local', 'redis://127.0.0.1:9', { ...leasesOn, on_unavailable: 'local' }, () => 'hot', 1),
];
const r = new Redis(redisUrl);
const keys = await r.keys(`${prefix}*`);
for (let i = 0; i < keys.length; i += 500) await r.del(...keys.slice(i, i + 500));
r.disconnect();
const meta = { node: process.version, cpus: cpus().length, loadavg: loadavg().map((x) => +x.toFixed(2)), quick };
console.log(`ratelimit bench — node ${meta.node}, ${meta.cpus} cpus, load ${meta.loadavg.join(' ')}`);
console.table(results);
if (jsonOut) writeFileSync(jsonOut, JSON.stringify({ meta, results }, null, 2));
process.exit(0);
