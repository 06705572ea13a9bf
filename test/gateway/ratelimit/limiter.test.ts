import { Redis } from 'ioredis';
import t from 'tap';
import type { Test } from 'tap';
import { GatewayError } from '../../../src/gateway/errors.js';
import { decisionIdOf } from '../../../src/gateway/shared/decision-id.js';
import type { RateLimitEventInput } from '../../../src/gateway/shared/event-types.js';
import type { RateLimitBucket, RequestContext } from '../../../src/gateway/pipeline/context.js';
import { createRateLimitStage } from '../../../src/gateway/ratelimit/index.js';
import { makeCtx, quietDeps, uniquePrefix, waitFor } from '../events/fixtures.js';
import { configSections } from '../../helpers/config-sections.js';

/** a `ratelimit` section as written in a file (the loader fills the rest) */
type RateLimitInput = Record<string, unknown>;

const URL = 'redis://127.0.0.1:6379';

function ctxWith(buckets: RateLimitBucket[], sub = 'u1'): RequestContext {
  const c = makeCtx({ sub });
  c.decision!.rate_limit = buckets;
  return c;
}

/** Runs the stage; 'ok' or the GatewayError code. */
async function check(stage: { run(c: RequestContext): void | Promise<void> }, c: RequestContext): Promise<string> {
  try {
    await stage.run(c);
    return 'ok';
  } catch (err) {
    if (err instanceof GatewayError) return err.code;
    throw err;
  }
}

function mkStage(t: Test, rl: RateLimitInput, events?: RateLimitEventInput[], url = URL) {
  const key_prefix = `{${uniquePrefix('rl')}}:`;
  // a generous timeout: these tests are about Redis semantics, not the fallback (fallback.test.ts)
  const stage = createRateLimitStage(configSections({ redis: { url }, ratelimit: { key_prefix, timeout_ms: 5000, ...rl } }), { ...quietDeps(), emitter: events ? { emitRateLimit: (e) => events.push(e) } : null });
  t.teardown(() => stage.close());
  return { stage, key_prefix };
}

async function ready(...stages: { stats(): { redis: string } }[]): Promise<void> {
  await waitFor(() => stages.every((s) => s.stats().redis === 'ready'), 10000);
}

t.test('GCRA in Redis: limit, 429, headers, events', async (t) => {
  const events: RateLimitEventInput[] = [];
  const { stage } = mkStage(t, { leases: { enabled: false } }, events);
  await ready(stage);
  const b = [{ key: 'user:u1', limit: 5, window_s: 3600 }];
  const results: string[] = [];
  let last: RequestContext | null = null;
  for (let i = 0; i < 5; i++) {
    last = ctxWith(b);
    results.push(await check(stage, last));
  }
  t.same(results, ['ok', 'ok', 'ok', 'ok', 'ok']);
  t.equal(last!.responseHeaders['ratelimit-policy'], '"b0";q=5;w=3600');
  t.match(last!.responseHeaders['ratelimit'], /^"b0";r=0;t=\d+$/);
  t.notOk(last!.degraded);
  const denied = ctxWith(b);
  let err: GatewayError | null = null;
  try {
    await stage.run(denied);
  } catch (e) {
    err = e as GatewayError;
  }
  t.equal(err?.code, 'GW_ERR_RATE_LIMITED');
  t.equal(err?.status, 429);
  t.equal(err?.headers['ratelimit-policy'], '"b0";q=5;w=3600');
  t.match(err?.headers['ratelimit'], /^"b0";r=0;t=\d+$/);
  const retry = Number(err?.headers['retry-after']);
  t.ok(retry >= 700 && retry <= 721, `Retry-After ${retry}s ≈ one emission interval (720 s)`);
  t.ok(denied.rateLimited);
  const ex = events.filter((e) => e.type === 'limit_exceeded');
  t.equal(ex.length, 1);
  t.match(ex[0], { key: 'user:u1', limit: 5, window_s: 3600, remaining: 0, route: 'car-insurance', client_id: 'mobile-app', sub: 'u1', decision_id: decisionIdOf(denied) });
  await stage.close();
  const sums = events.filter((e) => e.type === 'window_summary');
  t.equal(sums.length, 1, 'summary on close');
  t.match(sums[0], { key: 'user:u1', allowed: 5, denied: 1, limit: 5 });
  t.equal(stage.stats().redisCalls, 6, 'one Redis call per check without leases');
});

t.test('several buckets are all-or-nothing; route defaults apply', async (t) => {
  const { stage } = mkStage(t, { leases: { enabled: false }, routes: { '*': [{ key: 'client:{client_id}', limit: 100, window_s: 60 }] } });
  await ready(stage);
  const small = { key: 'user:{sub}-literal', limit: 2, window_s: 60 };
  const out: string[] = [];
  let c: RequestContext | null = null;
  for (let i = 0; i < 4; i++) {
    c = ctxWith([small]);
    out.push(await check(stage, c));
  }
  t.same(out, ['ok', 'ok', 'GW_ERR_RATE_LIMITED', 'GW_ERR_RATE_LIMITED']);
  // the client bucket was charged only for the 2 admitted requests
  const ok = ctxWith([]);
  t.equal(await check(stage, ok), 'ok');
  t.equal(ok.responseHeaders['ratelimit-policy'], '"b0";q=100;w=60');
  t.match(ok.responseHeaders['ratelimit'], /^"b0";r=97;t=\d+$/);
  t.match(c!.responseHeaders, {}, 'denied request has no allow headers');
});

t.test('two instances sharing Redis never over-admit, with leases', async (t) => {
  const key_prefix = `{${uniquePrefix('rl2')}}:`;
  // a generous timeout: a check that times out may still take cells in Redis (stricter, never looser),
  // which would make the exact total below depend on machine load
  const cfg: RateLimitInput = { key_prefix, timeout_ms: 10000, leases: { enabled: true, min_limit: 10, fraction: 0.1, max_tokens: 10, ttl_ms: 200 } };
  const a = createRateLimitStage(configSections({ redis: { url: URL }, ratelimit: cfg }), { ...quietDeps(), emitter: null });
  const b = createRateLimitStage(configSections({ redis: { url: URL }, ratelimit: cfg }), { ...quietDeps(), emitter: null });
  t.teardown(async () => {
    await a.close();
    await b.close();
  });
  await ready(a, b);
  const bucket = [{ key: 'hot', limit: 100, window_s: 3600 }];
  let admitted = 0;
  // 4 rounds of 100 concurrent checks, spread over both instances
  for (let round = 0; round < 4; round++) {
    const rs = await Promise.all(Array.from({ length: 100 }, (_, i) => check(i % 2 ? a : b, ctxWith(bucket))));
    admitted += rs.filter((r) => r === 'ok').length;
    t.ok(admitted <= 100, `round ${round}: ${admitted} admitted ≤ 100`);
  }
  // Leased cells left unused are refunded when the leases expire; then the quota fills up exactly.
  // (bounded retry rather than a fixed sleep: the sweep that refunds runs on a timer, which a loaded
  // machine delays; bounded by time, not by a count of tries, so a slow sweep is waited for)
  const until = Date.now() + 30_000;
  for (let i = 0; admitted < 100 && Date.now() < until; i++) {
    if ((await check(i % 2 ? a : b, ctxWith(bucket))) === 'ok') admitted++;
    else await new Promise((r) => setTimeout(r, 20));
  }
  t.equal(admitted, 100, 'exactly the limit is admitted overall');
  t.equal(await check(a, ctxWith(bucket)), 'GW_ERR_RATE_LIMITED');
  const sa = a.stats();
  t.equal(sa.fallbacks + b.stats().fallbacks, 0, 'Redis answered every check');
  const sb = b.stats();
  t.comment(`checks=${sa.checks + sb.checks} redisCalls=${sa.redisCalls + sb.redisCalls} (refunds ${sa.refunds + sb.refunds}) leaseHits=${sa.leaseHits + sb.leaseHits}`);
});

t.test('leases cut Redis calls per check on a hot key', async (t) => {
  const { stage } = mkStage(t, { leases: { enabled: true, min_limit: 50, fraction: 0.05, max_tokens: 100, ttl_ms: 1000 } });
  await ready(stage);
  const bucket = [{ key: 'hot', limit: 100000, window_s: 86400 }];
  let refused = 0;
  for (let i = 0; i < 2000; i++) if ((await check(stage, ctxWith(bucket))) !== 'ok') refused++;
  t.equal(refused, 0, 'all 2000 admitted');
  const s = stage.stats();
  t.equal(s.checks, 2000);
  t.ok(s.redisCalls < 2000 / 10, `${s.redisCalls} Redis calls for ${s.checks} checks`);
  t.comment(`Redis calls per check with leases: ${(s.redisCalls / s.checks).toFixed(4)} (lease hits ${s.leaseHits})`);
  const c = ctxWith(bucket);
  await check(stage, c);
  t.match(c.responseHeaders['ratelimit'], /^"b0";r=\d+;t=\d+$/);
  const r = Number(/r=(\d+)/.exec(c.responseHeaders['ratelimit']!)![1]);
  t.ok(r <= 100000 - 2001 + 10 && r > 100000 - 2001 - 200, `remaining ${r} accounts for leased cells`);
});

t.test('small limits are never leased', async (t) => {
  const { stage } = mkStage(t, { leases: { enabled: true, min_limit: 50 } });
  await ready(stage);
  for (let i = 0; i < 10; i++) await check(stage, ctxWith([{ key: 'k', limit: 20, window_s: 60 }]));
  t.equal(stage.stats().redisCalls, 10);
  t.equal(stage.stats().leaseHits, 0);
});

t.test('construction misuse: a bad section is a config error, a bad Redis URL a TypeError', async (t) => {
  t.throws(() => configSections({ redis: { url: URL }, ratelimit: { routes: { r: [{ key: 'k', limit: 0, window_s: 1 }] } } }), { code: 'GW_ERR_CONFIG', key: 'ratelimit.routes.r[0].limit' });
  t.throws(() => createRateLimitStage(configSections({ redis: { url: 'http://x' }, ratelimit: {} }), { ...quietDeps(), emitter: null }), TypeError);
});

t.test('Redis keys expire with the bucket', async (t) => {
  const { stage, key_prefix } = mkStage(t, { leases: { enabled: false } });
  await ready(stage);
  await check(stage, ctxWith([{ key: 'exp', limit: 10, window_s: 60 }]));
  const r = new Redis(URL);
  t.teardown(() => r.disconnect());
  const ttl = await r.pttl(`${key_prefix}exp:10:60`);
  t.ok(ttl > 0 && ttl <= 6000, `pttl ${ttl} ≈ one emission interval`);
});

t.test('two buckets of one key with different limits and windows are counted apart', async (t) => {
  // a bucket's cell is its key + limit + window (the lease id, formatted once per pair in a row):
  // the second bucket must never count in the first one's cell
  const { stage } = mkStage(t, { leases: { enabled: false } });
  await ready(stage);
  const b = [
    { key: 'user:same', limit: 2, window_s: 3600 },
    { key: 'user:same', limit: 1000, window_s: 60 },
  ];
  const results: string[] = [];
  let last: RequestContext | null = null;
  for (let i = 0; i < 2; i++) results.push(await check(stage, (last = ctxWith(b))));
  t.same(results, ['ok', 'ok']);
  t.equal(last!.responseHeaders['ratelimit-policy'], '"b0";q=2;w=3600, "b1";q=1000;w=60');
  t.match(last!.responseHeaders['ratelimit'], /^"b0";r=0;t=\d+, "b1";r=998;t=\d+$/);
  t.equal(await check(stage, ctxWith(b)), 'GW_ERR_RATE_LIMITED');
  t.equal(await check(stage, ctxWith([b[1]!])), 'ok', 'the larger bucket alone still admits');
});
