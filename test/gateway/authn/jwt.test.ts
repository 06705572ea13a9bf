/**
 * JWT access tokens (RFC 9068) from a real oidc-provider, verified through its JWKS.
 */
import t from 'tap';
import { setTimeout as sleep } from 'node:timers/promises';
import { createAuthenticateStage } from '../../../src/gateway/authn/index.js';
import { startTokenServer, type TokenServer } from '../../helpers/oidc-provider.js';
import { bearer, createClock, createDeps, makeContext, runStage } from './stage-harness.js';
import { tokensSection } from '../../helpers/config-sections.js';

const ts: TokenServer = await startTokenServer();
t.teardown(() => ts.stop());

function jwtConfig(extra: Record<string, unknown> = {}) {
  return { jwt: { jwks_uri: ts.jwksUri, issuer: ts.issuer, audience: ts.audience, typ: 'at+jwt', ...extra } };
}

t.test('RS256 token: verified, normalised, then served from the cache synchronously', async (t) => {
  const { deps, lines, registry } = createDeps();
  const stage = createAuthenticateStage(tokensSection(jwtConfig()), deps);
  t.teardown(() => stage.close());
  const token = await ts.issueJwt({ scope: 'read car:read' });

  const first = await runStage(stage, makeContext({ authorization: bearer(token) }));
  t.ok(first.ok, 'accepted');
  t.equal(first.sync, false, 'first sight verifies asynchronously');
  const auth = first.ctx.auth;
  t.ok(auth);
  t.equal(auth?.cache, 'miss');
  t.equal(auth?.degraded, false);
  t.same(auth?.token.scope, ['read', 'car:read']);
  t.equal(auth?.token.sub, ts.clients.app.client_id);
  t.equal(auth?.token.client_id, ts.clients.app.client_id);
  t.equal(auth?.token.iss, ts.issuer);
  t.equal(auth?.token.active, true);
  t.type(auth?.token.exp, 'number');
  t.equal(auth?.token.claims.aud, ts.audience);
  t.notOk(JSON.stringify(auth).includes(token), 'the raw token is not in the outcome');

  const second = await runStage(stage, makeContext({ authorization: bearer(token) }));
  t.ok(second.ok);
  t.equal(second.sync, true, 'a cached token answers without a promise');
  t.equal(second.ctx.auth?.cache, 'hit');
  t.equal(second.ctx.auth?.token, auth?.token, 'the same frozen TokenInfo');
  t.ok(Object.isFrozen(second.ctx.auth?.token.claims));

  const metrics = await registry.getSingleMetricAsString('regate_authn_cache_total');
  t.match(metrics, /regate_authn_cache_total\{kind="jwt",result="hit"\} 1/);
  t.match(metrics, /regate_authn_cache_total\{kind="jwt",result="miss"\} 1/);
  t.match(await registry.getSingleMetricAsString('regate_token_server_request_duration_seconds'), /endpoint="jwks",outcome="ok"/);

  const bad = await runStage(stage, makeContext({ authorization: bearer(token.slice(0, -4) + 'AAAA') }));
  t.notOk(bad.ok);
  t.notOk(lines.join('').includes(token.split('.')[2]!), 'no signature part of any token in the logs');
  t.ok(lines.some((l) => l.includes('GW_ERR_TOKEN_INVALID')), 'the refusal is logged with its code');
});

t.test('ES256 token verified', async (t) => {
  const { deps } = createDeps();
  const stage = createAuthenticateStage(tokensSection(jwtConfig()), deps);
  t.teardown(() => stage.close());
  const r = await runStage(stage, makeContext({ authorization: bearer(await ts.issueJwt({ alg: 'ES256' })) }));
  t.ok(r.ok);
  t.same(r.ctx.auth?.token.scope, ['read', 'write', 'admin', 'car:read', 'car:write']);
});

t.test('the algorithm allow-list is enforced: ES256-only config refuses RS256 tokens', async (t) => {
  const { deps } = createDeps();
  const stage = createAuthenticateStage(tokensSection(jwtConfig({ algorithms: ['ES256'] })), deps);
  t.teardown(() => stage.close());
  const rs = await runStage(stage, makeContext({ authorization: bearer(await ts.issueJwt()) }));
  t.notOk(rs.ok);
  if (!rs.ok) t.equal(rs.error.code, 'GW_ERR_TOKEN_INVALID');
  const es = await runStage(stage, makeContext({ authorization: bearer(await ts.issueJwt({ alg: 'ES256' })) }));
  t.ok(es.ok);
});

t.test('RFC 9068 typ is required when configured', async (t) => {
  const { deps } = createDeps();
  const stage = createAuthenticateStage(tokensSection(jwtConfig()), deps);
  t.teardown(() => stage.close());
  const now = Math.floor(Date.now() / 1000);
  const claims = { iss: ts.issuer, aud: ts.audience, sub: 'u1', client_id: 'c', exp: now + 300, iat: now };
  const plain = await ts.signJwt(claims, { header: { typ: 'JWT' } });
  const r = await runStage(stage, makeContext({ authorization: bearer(plain) }));
  t.notOk(r.ok);
  if (!r.ok) t.equal(r.error.code, 'GW_ERR_TOKEN_INVALID');
  const ok = await runStage(stage, makeContext({ authorization: bearer(await ts.signJwt(claims)) }));
  t.ok(ok.ok, 'the same claims with typ at+jwt pass');
});

t.test('key rotation is picked up through the JWKS; old keys keep verifying', async (t) => {
  const { deps } = createDeps();
  // cooldown 0: every unknown kid may refetch — rotation is visible at once.
  const stage = createAuthenticateStage(tokensSection(jwtConfig({ jwks_cooldown_ms: 0 })), deps);
  t.teardown(() => stage.close());
  const before = await ts.issueJwt();
  t.ok((await runStage(stage, makeContext({ authorization: bearer(before) }))).ok);
  const fetches = ts.requests.jwks;
  await ts.rotateKeys();
  const after = await ts.issueJwt();
  t.not(JSON.parse(Buffer.from(after.split('.')[0]!, 'base64url').toString()).kid, JSON.parse(Buffer.from(before.split('.')[0]!, 'base64url').toString()).kid, 'a new kid signs');
  const r = await runStage(stage, makeContext({ authorization: bearer(after) }));
  t.ok(r.ok, 'a token signed with the new key is accepted');
  t.equal(ts.requests.jwks, fetches + 1, 'exactly one refetch');
  const oldAgain = await ts.issueJwt({ alg: 'ES256' });
  t.ok((await runStage(stage, makeContext({ authorization: bearer(oldAgain) }))).ok);
});

t.test('unknown kids refetch at most once per cooldown', async (t) => {
  const { deps } = createDeps();
  const stage = createAuthenticateStage(tokensSection(jwtConfig({ jwks_cooldown_ms: 600_000 })), deps);
  t.teardown(() => stage.close());
  t.ok((await runStage(stage, makeContext({ authorization: bearer(await ts.issueJwt()) }))).ok);
  const fetches = ts.requests.jwks;
  const now = Math.floor(Date.now() / 1000);
  for (let i = 0; i < 5; i++) {
    const forged = await ts.signJwt({ iss: ts.issuer, aud: ts.audience, exp: now + 60, n: i }, { header: { kid: `unknown-${i}` } });
    const r = await runStage(stage, makeContext({ authorization: bearer(forged) }));
    t.notOk(r.ok);
    if (!r.ok) t.equal(r.error.code, 'GW_ERR_TOKEN_INVALID');
  }
  t.equal(ts.requests.jwks, fetches, 'no refetch storm from forged kids');
});

t.test('cached claims end at exp: the token is then re-verified and refused as expired', async (t) => {
  const clock = createClock();
  const { deps } = createDeps(clock.now);
  const stage = createAuthenticateStage(tokensSection(jwtConfig({ clock_tolerance_s: 0 })), deps);
  t.teardown(() => stage.close());
  const token = await ts.issueJwt();
  t.ok((await runStage(stage, makeContext({ authorization: bearer(token) }))).ok);
  t.equal((await runStage(stage, makeContext({ authorization: bearer(token) }))).ctx.auth?.cache, 'hit');
  clock.advance(301_000); // the token server issues 300 s tokens
  const r = await runStage(stage, makeContext({ authorization: bearer(token) }));
  t.notOk(r.ok);
  if (!r.ok) {
    t.equal(r.error.code, 'GW_ERR_TOKEN_EXPIRED');
    t.equal(r.error.status, 401);
    t.equal(r.error.headers['www-authenticate'], 'Bearer realm="regate", error="invalid_token"');
  }
});

t.test('JWKS unreachable → 503 with Retry-After, never 401', async (t) => {
  const other = await startTokenServer();
  const { deps } = createDeps();
  const stage = createAuthenticateStage(tokensSection({ jwt: { jwks_uri: other.jwksUri, issuer: other.issuer, audience: other.audience, retry_after_s: 1 } }), deps);
  t.teardown(() => stage.close());
  const token = await other.issueJwt();
  await other.stop();
  const r = await runStage(stage, makeContext({ authorization: bearer(token) }));
  t.notOk(r.ok);
  if (!r.ok) {
    t.equal(r.error.code, 'GW_ERR_TOKEN_SERVER_UNAVAILABLE');
    t.equal(r.error.status, 503);
    t.equal(r.error.headers['retry-after'], '1');
  }
  await other.restart();
  // Within retry_after_s of the failure the server is not asked again (no fetch per token while
  // it fails: test/security/token-server-storms.test.ts); after it, the keys are fetched.
  const early = await runStage(stage, makeContext({ authorization: bearer(token) }));
  if (!early.ok) t.equal(early.error.code, 'GW_ERR_TOKEN_SERVER_UNAVAILABLE', 'within the backoff: still 503');
  await sleep(1100);
  t.ok((await runStage(stage, makeContext({ authorization: bearer(token) }))).ok, 'recovers once the JWKS is back');
  await other.stop();
});

t.test('auth none passes and leaves no token', async (t) => {
  const { deps } = createDeps();
  const stage = createAuthenticateStage(tokensSection(jwtConfig()), deps);
  t.teardown(() => stage.close());
  const r = await runStage(stage, makeContext({ auth: 'none' }));
  t.ok(r.ok);
  t.equal(r.ctx.auth, null);
});

t.test('a route whose auth kind is not configured fails closed', async (t) => {
  const { deps } = createDeps();
  const stage = createAuthenticateStage(tokensSection(jwtConfig()), deps);
  t.teardown(() => stage.close());
  const r = await runStage(stage, makeContext({ auth: 'introspection', authorization: 'Bearer abc' }));
  t.notOk(r.ok);
  if (!r.ok) t.equal(r.error.code, 'GW_ERR_INTERNAL');
});

t.test('the helper keeps keys across servers when given them (the demo persists them)', async (t) => {
  const twin = await startTokenServer({ keys: [...ts.keys] });
  t.teardown(() => twin.stop());
  t.same(twin.keys.map((k) => k.kid), ts.keys.map((k) => k.kid));
  const { deps } = createDeps();
  // Verify a token of the twin against the original's JWKS: same keys, different issuer.
  const stage = createAuthenticateStage(tokensSection({ jwt: { jwks_uri: ts.jwksUri, issuer: twin.issuer, audience: twin.audience } }), deps);
  t.teardown(() => stage.close());
  t.ok((await runStage(stage, makeContext({ authorization: bearer(await twin.issueJwt()) }))).ok);
  await t.rejects(startTokenServer({ keys: [{ kty: 'EC', kid: 'x', alg: 'ES256' }] }), TypeError, 'public keys cannot sign');
});
