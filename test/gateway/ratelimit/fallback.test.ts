// Redis away → the configured fallback, never a hang: killed (connection refused) and paused
// (connection open, no answers: only the timeout saves the request).
import t from 'tap';
import { GatewayError } from '../../../src/gateway/errors.js';
import type { RequestContext } from '../../../src/gateway/pipeline/context.js';
import { createRateLimitStage } from '../../../src/gateway/ratelimit/index.js';
import { startRedisServer } from '../../helpers/redis-server.js';
import { makeCtx, quietDeps, waitFor } from '../events/fixtures.js';
import { configSections } from '../../helpers/config-sections.js';

/** a `ratelimit` section as written in a file (the loader fills the rest) */
type RateLimitInput = Record<string, unknown>;

const bucket = [{ key: 'user:u1', limit: 10, window_s: 3600 }];

function ctx(): RequestContext {
  const c = makeCtx();
  c.decision!.rate_limit = bucket;
  return c;
}

async function check(stage: { run(c: RequestContext): void | Promise<void> }, c: RequestContext): Promise<string> {
  try {
    await stage.run(c);
    return 'ok';
  } catch (err) {
    if (err instanceof GatewayError) return err.code;
    throw err;
  }
}

t.test('fallback modes with Redis killed and paused', async (t) => {
  const redis = await startRedisServer();
  t.teardown(() => redis.stop());
  const mk = (rl: RateLimitInput) => {
    const s = createRateLimitStage(configSections({ redis: { url: redis.url, connect_timeout_ms: 200 }, ratelimit: { timeout_ms: 1000, leases: { enabled: false }, ...rl } }), { ...quietDeps(), emitter: null });
    t.teardown(() => s.close());
    return s;
  };
  const local = mk({ on_unavailable: 'local', local_share: 0.5 });
  const open = mk({ on_unavailable: 'open' });
  const closed = mk({ on_unavailable: 'closed' });
  await waitFor(() => [local, open, closed].every((s) => s.stats().redis === 'ready'), 10000);

  // Redis up: 3 admissions in Redis.
  for (let i = 0; i < 3; i++) t.equal(await check(local, ctx()), 'ok');
  t.equal(local.stats().fallbacks, 0);

  await redis.kill();
  await waitFor(() => local.stats().redis !== 'ready' && closed.stats().redis !== 'ready' && open.stats().redis !== 'ready', 10000);
  // local: half of the limit (5) per instance, on its own clock
  const outs: string[] = [];
  let last: RequestContext | null = null;
  for (let i = 0; i < 7; i++) {
    last = ctx();
    outs.push(await check(local, last));
  }
  t.same(outs, ['ok', 'ok', 'ok', 'ok', 'ok', 'GW_ERR_RATE_LIMITED', 'GW_ERR_RATE_LIMITED']);
  t.ok(last!.degraded, 'marked degraded for the audit event');
  const c5 = ctx();
  let e: GatewayError | null = null;
  try {
    await local.run(c5);
  } catch (err) {
    e = err as GatewayError;
  }
  t.equal(e?.headers['ratelimit-policy'], '"b0";q=5;w=3600', 'headers tell the local share');
  const o = ctx();
  t.equal(await check(open, o), 'ok');
  t.ok(o.degraded);
  t.equal(await check(closed, ctx()), 'GW_ERR_RATE_LIMIT_UNAVAILABLE');

  await redis.restart();
  await waitFor(() => local.stats().redis === 'ready' && closed.stats().redis === 'ready', 15000);
  // back on Redis: the 3 earlier admissions are still counted there (AOF), so 7 more
  const back: string[] = [];
  for (let i = 0; i < 8; i++) back.push(await check(local, ctx()));
  t.same(back, ['ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'GW_ERR_RATE_LIMITED']);
  const other = makeCtx();
  other.decision!.rate_limit = [{ key: 'user:other', limit: 10, window_s: 3600 }];
  t.equal(await check(closed, other), 'ok', 'closed works again once Redis is back');

  // Paused: the connection stays up and nothing answers; the timeout turns it into a fallback.
  await redis.pause(3000);
  const p = ctx();
  t.equal(await check(closed, p), 'GW_ERR_RATE_LIMIT_UNAVAILABLE', 'closed: 503 instead of a hang');
  const p2 = ctx();
  t.equal(await check(open, p2), 'ok');
  t.ok(p2.degraded);
  t.ok(closed.stats().fallbacks >= 2);
  // after a timed-out check the stage skips Redis for backoff_ms: no second wait, no new call
  const calls = open.stats().redisCalls;
  const p3 = ctx();
  t.equal(await check(open, p3), 'ok');
  t.ok(p3.degraded);
  t.equal(open.stats().redisCalls, calls, 'no Redis call during the backoff');
});
