/**
 * Token server outage: the oidc-provider is stopped mid-run. Cached tokens keep passing, new
 * tokens get 503 + Retry-After (never 401), the breaker opens, stale entries serve with
 * `degraded`, and everything recovers after a restart on the same port.
 */
import t from 'tap';
import { setTimeout as sleep } from 'node:timers/promises';
import { createAuthenticateStage } from '../../../src/gateway/authn/index.js';
import { startTokenServer } from '../../helpers/oidc-provider.js';
import { bearer, createClock, createDeps, makeContext, runStage } from './stage-harness.js';
import { tokensSection } from '../../helpers/config-sections.js';

t.test('introspection outage and recovery', async (t) => {
  const ts = await startTokenServer();
  t.teardown(() => ts.stop());
  const clock = createClock();
  const { deps, registry, lines } = createDeps(clock.now);
  const stage = createAuthenticateStage(
    tokensSection({
      introspection: {
        endpoint: ts.introspectionEndpoint,
        client_id: ts.clients.gateway.client_id,
        client_secret: ts.clients.gateway.client_secret,
        max_ttl_s: 30,
        stale_if_error_s: 60,
        breaker: { volume_threshold: 3, error_threshold_percentage: 50, reset_timeout_ms: 200, timeout_ms: 1000 },
      },
    }),
    deps,
  );
  t.teardown(() => stage.close());
  const run = (token: string) => runStage(stage, makeContext({ auth: 'introspection', authorization: bearer(token) }));
  const breakerState = async () => /breaker="introspection"\} (\d)/.exec(await registry.getSingleMetricAsString('regate_token_server_breaker_state'))?.[1];

  const staleToken = await ts.issueOpaque();
  t.ok((await run(staleToken)).ok);
  clock.advance(31_000); // staleToken is past max_ttl now, but within stale_if_error and exp
  const cachedToken = await ts.issueOpaque();
  t.ok((await run(cachedToken)).ok);
  const fresh = await Promise.all(Array.from({ length: 6 }, () => ts.issueOpaque()));
  t.equal(await breakerState(), '0', 'breaker closed');

  await ts.stop();

  const cached = await run(cachedToken);
  t.ok(cached.ok, 'a cached token still passes');
  t.equal(cached.ctx.auth?.cache, 'hit');
  t.equal(cached.ctx.degraded, false);

  const statuses: number[] = [];
  for (const token of fresh.slice(0, 5)) {
    const r = await run(token);
    t.notOk(r.ok, 'an uncached token cannot be checked');
    if (!r.ok) {
      statuses.push(r.error.status);
      t.equal(r.error.code, 'GW_ERR_TOKEN_SERVER_UNAVAILABLE');
      t.match(r.error.headers['retry-after'], /^\d+$/);
      t.notOk(r.error.headers['www-authenticate'], 'no challenge: the caller did nothing wrong');
    }
  }
  t.same([...new Set(statuses)], [503], 'only 503s, no 401 caused by the outage');
  // The breaker may already be half-open again on a slow machine (reset_timeout_ms), so the
  // opening is checked through its log line rather than the current gauge value.
  t.ok(lines.some((l) => l.includes('token server breaker opened')), 'breaker opened');
  t.not(await breakerState(), '0', 'breaker not closed');
  t.not(stage.status().introspection?.breaker, 'closed', 'status() tells readiness checks');

  const stale = await run(staleToken);
  t.ok(stale.ok, 'stale_if_error serves a cached result past max_ttl');
  t.equal(stale.ctx.auth?.cache, 'stale');
  t.equal(stale.ctx.auth?.degraded, true);
  t.equal(stale.ctx.degraded, true, 'the request is marked degraded for the audit event');

  clock.advance(61_000); // past stale_if_error
  const tooStale = await run(staleToken);
  t.notOk(tooStale.ok);
  if (!tooStale.ok) t.equal(tooStale.error.status, 503, 'stale window over: 503, still not 401');

  await ts.restart();
  // The breaker half-opens after reset_timeout_ms; poll (bounded) until a trial call succeeds.
  let recovered = false;
  const seen = new Set<number>();
  for (let i = 0; i < 100 && !recovered; i++) {
    const r = await run(fresh[5]!);
    if (r.ok) recovered = true;
    else {
      seen.add(r.error.status);
      await sleep(50);
    }
  }
  t.ok(recovered, 'recovers after the restart');
  t.notOk(seen.has(401), 'no 401 while recovering');
  t.equal(await breakerState(), '0', 'breaker closed again');
  t.same(stage.status(), { introspection: { breaker: 'closed' }, revocation: null }, 'breaker closed; revocation is off here');
  const again = await run(fresh[0]!);
  t.ok(again.ok, 'tokens refused during the outage pass now');
});

t.test('JWT outage: cached tokens and cached keys keep working; unknown kids get 503', async (t) => {
  const ts = await startTokenServer();
  t.teardown(() => ts.stop());
  const { deps } = createDeps();
  const stage = createAuthenticateStage(tokensSection({ jwt: { jwks_uri: ts.jwksUri, issuer: ts.issuer, audience: ts.audience, jwks_cooldown_ms: 0 } }), deps);
  t.teardown(() => stage.close());
  const run = (token: string) => runStage(stage, makeContext({ authorization: bearer(token) }));
  const cachedToken = await ts.issueJwt();
  t.ok((await run(cachedToken)).ok);
  const newToken = await ts.issueJwt();
  await ts.rotateKeys();
  const rotated = await ts.issueJwt();
  await ts.stop();
  t.ok((await run(cachedToken)).ok, 'cached token');
  t.ok((await run(newToken)).ok, 'uncached token with a known key: the JWKS is cached');
  const r = await run(rotated);
  t.notOk(r.ok);
  if (!r.ok) t.equal(r.error.status, 503, 'a key we cannot fetch is an outage, not a 401');
  await ts.restart();
  // The JWKS is retried at most every retry_after_s (5 s) after a failure: poll, bounded.
  let recovered = false;
  const seen = new Set<number>();
  for (let i = 0; i < 100 && !recovered; i++) {
    const again = await run(rotated);
    if (again.ok) recovered = true;
    else {
      seen.add(again.error.status);
      await sleep(100);
    }
  }
  t.ok(recovered, 'after restart the new key is fetched');
  t.notOk(seen.has(401), 'no 401 while recovering');
});

t.test('JWKS past its max age during an outage: the last fetched keys keep verifying', async (t) => {
  const ts = await startTokenServer();
  t.teardown(() => ts.stop());
  const { deps, lines } = createDeps();
  // max age 0: every verification wants a fresh JWKS, so jose alone would fail every new token.
  const stage = createAuthenticateStage(tokensSection({ jwt: { jwks_uri: ts.jwksUri, issuer: ts.issuer, audience: ts.audience, jwks_cache_max_age_ms: 0 } }), deps);
  t.teardown(() => stage.close());
  const run = (token: string) => runStage(stage, makeContext({ authorization: bearer(token) }));
  t.ok((await run(await ts.issueJwt())).ok);
  const uncached = [await ts.issueJwt(), await ts.issueJwt({ alg: 'ES256' }), await ts.issueJwt()];
  await ts.rotateKeys();
  const rotated = await ts.issueJwt();
  await ts.stop();
  for (const token of uncached) t.ok((await run(token)).ok, 'new token, known key, server down');
  const r = await run(rotated);
  t.notOk(r.ok);
  if (!r.ok) t.equal(r.error.status, 503, 'a kid outside the last set is still an outage');
  const forged = await run(uncached[0]!.slice(0, -6) + 'AAAAAA');
  t.notOk(forged.ok);
  if (!forged.ok) t.equal(forged.error.status, 401, 'signatures are still checked');
  t.ok(lines.some((l) => l.includes('verifying with the last fetched keys')), 'the fallback is logged');
});
