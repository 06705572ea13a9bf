/**
 * Revocation while Redis is away (README "Token revocation"): two instances on a private
 * redis-server that the test kills — one `fail_open` (keeps serving with the last known list, so
 * a token revoked before the outage stays refused), one `fail_closed` (503
 * GW_ERR_TOKEN_REVOCATION_UNAVAILABLE for tokens it cannot check) — and both back in step once
 * Redis returns, including a revocation written while they were disconnected.
 */
import t from 'tap';
import { revokeTokens } from '../../../src/cli/token.js';
import { startRedisServer } from '../../helpers/redis-server.js';
import { startTokenServer } from '../../helpers/oidc-provider.js';
import { startUpstream } from '../helpers.js';
import { call, claimsOf, startInstance, untilAll } from './revocation-helpers.js';

const redis = await startRedisServer();
t.teardown(() => redis.stop());
const ts = await startTokenServer();
t.teardown(() => ts.stop());
const upstream = await startUpstream();
t.teardown(() => upstream.close());
const prefix = 'outage';
const open = await startInstance({ ts, upstream: upstream.url, redis: redis.url, prefix, mode: 'fail_open' });
t.teardown(() => open.close());
const closed = await startInstance({ ts, upstream: upstream.url, redis: redis.url, prefix, mode: 'fail_closed' });
t.teardown(() => closed.close());

const metric = async (base: string, name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(await (await fetch(`${base}/metrics`)).text())?.[1]);

t.test('fail_open keeps the last known list, fail_closed refuses what it cannot check, both recover', async (t) => {
  const good = await ts.issueJwt();
  const bad = await ts.issueJwt();
  const later = await ts.issueJwt();
  for (const i of [open, closed]) for (const tok of [good, bad, later]) t.equal((await call(i.url, '/jwt/x', tok)).status, 200);
  await revokeTokens({ redis: redis.url, prefix, kind: 'jti', value: claimsOf(bad).jti, exp: claimsOf(bad).exp });
  await untilAll([open.url, closed.url], '/jwt/x', bad, 401, performance.now());
  t.equal(await metric(open.adminUrl, 'regate_token_revocation_feed_up'), 1);

  await redis.kill();
  // the feed notices the closed connection (or a missed PING) and fail_closed starts refusing
  await untilAll([closed.url], '/jwt/x', good, 503, performance.now(), 5000);
  t.same(await call(closed.url, '/jwt/x', good), { status: 503, error: 'GW_ERR_TOKEN_REVOCATION_UNAVAILABLE' }, 'fail_closed: a valid token cannot be cleared');
  t.same(await call(open.url, '/jwt/x', good), { status: 200 }, 'fail_open: a valid token passes');
  t.same(await call(open.url, '/jwt/x', bad), { status: 401, error: 'GW_ERR_TOKEN_REVOKED' }, 'fail_open: the last known list still refuses');
  t.equal(await metric(open.adminUrl, 'regate_token_revocation_feed_up'), 0, 'the metric says the feed is down');
  const ready = await fetch(`${closed.adminUrl}/readyz`);
  t.equal(ready.status, 200, 'not taken out of the load balancer (routes without tokens still work)');
  t.match(((await ready.json()) as { checks: Record<string, unknown> }).checks, { revocation: { ok: true, detail: { connected: false, mode: 'fail_closed' } } });

  await redis.restart();
  // written while the feeds are usually still in their reconnect backoff: then no subscriber hears
  // it (receivers 0) and only the reload of the stored set on reconnection makes them refuse it
  const { receivers } = await revokeTokens({ redis: redis.url, prefix, kind: 'jti', value: claimsOf(later).jti, exp: claimsOf(later).exp });
  t.comment(`subscribers that heard the revocation written right after the restart: ${receivers}`);
  await untilAll([closed.url], '/jwt/x', good, 200, performance.now(), 10_000);
  await untilAll([open.url, closed.url], '/jwt/x', later, 401, performance.now(), 10_000);
  for (const i of [open, closed]) {
    t.same(await call(i.url, '/jwt/x', bad), { status: 401, error: 'GW_ERR_TOKEN_REVOKED' }, 'the entry from before the outage (persisted by Redis)');
    t.same(await call(i.url, '/jwt/x', later), { status: 401, error: 'GW_ERR_TOKEN_REVOKED' }, 'the entry written around the reconnection');
    t.same(await call(i.url, '/jwt/x', good), { status: 200 });
  }
  t.equal(await metric(closed.adminUrl, 'regate_token_revocation_feed_up'), 1);
});
