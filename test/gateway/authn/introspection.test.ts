/**
 * Opaque tokens through a real oidc-provider's RFC 7662 introspection endpoint.
 */
import t from 'tap';
import { createAuthenticateStage } from '../../../src/gateway/authn/index.js';
import { startTokenServer } from '../../helpers/oidc-provider.js';
import { bearer, createClock, createDeps, makeContext, runStage } from './stage-harness.js';
import { tokensSection } from '../../helpers/config-sections.js';

const ts = await startTokenServer();
t.teardown(() => ts.stop());

function introConfig(extra: Record<string, unknown> = {}) {
  return {
    introspection: {
      endpoint: ts.introspectionEndpoint,
      client_id: ts.clients.gateway.client_id,
      client_secret: ts.clients.gateway.client_secret,
      issuer: ts.issuer,
      audience: ts.audience,
      ...extra,
    },
  };
}

t.test('opaque token: introspected, normalised, then cached', async (t) => {
  const { deps, lines, registry } = createDeps();
  const stage = createAuthenticateStage(tokensSection(introConfig()), deps);
  t.teardown(() => stage.close());
  const token = await ts.issueOpaque({ scope: 'read car:read' });
  const calls = ts.requests.introspection;
  const r = await runStage(stage, makeContext({ auth: 'introspection', authorization: bearer(token) }));
  t.ok(r.ok);
  t.equal(r.ctx.auth?.cache, 'miss');
  t.same(r.ctx.auth?.token.scope, ['read', 'car:read']);
  t.equal(r.ctx.auth?.token.client_id, ts.clients.app.client_id);
  t.equal(r.ctx.auth?.token.iss, ts.issuer);
  t.equal(r.ctx.auth?.token.active, true);
  t.equal(r.ctx.auth?.token.claims.token_type, 'Bearer');
  const again = await runStage(stage, makeContext({ auth: 'introspection', authorization: bearer(token) }));
  t.equal(again.sync, true);
  t.equal(again.ctx.auth?.cache, 'hit');
  t.equal(ts.requests.introspection, calls + 1, 'one call for two requests');
  t.notOk(lines.join('').includes(token));
  t.match(await registry.getSingleMetricAsString('regate_authn_cache_total'), /kind="introspection",result="hit"\} 1/);
  t.match(await registry.getSingleMetricAsString('regate_token_server_request_duration_seconds'), /endpoint="introspection",outcome="ok"/);
});

for (const method of ['client_secret_basic', 'client_secret_post', 'private_key_jwt'] as const) {
  t.test(`client authentication: ${method}`, async (t) => {
    const client =
      method === 'client_secret_basic'
        ? { client_id: ts.clients.gateway.client_id, client_secret: ts.clients.gateway.client_secret }
        : method === 'client_secret_post'
          ? { client_id: ts.clients.gatewayPost.client_id, client_secret: ts.clients.gatewayPost.client_secret }
          : { client_id: ts.clients.gatewayJwt.client_id, private_key: ts.clients.gatewayJwt.private_key };
    const { deps } = createDeps();
    const stage = createAuthenticateStage(tokensSection(introConfig({ ...client, client_secret: undefined, ...client, auth_method: method })), deps);
    t.teardown(() => stage.close());
    const token = await ts.issueOpaque();
    // two different tokens: two calls, so private_key_jwt must mint a fresh assertion (jti) each time
    for (const tok of [token, await ts.issueOpaque()]) {
      const r = await runStage(stage, makeContext({ auth: 'introspection', authorization: bearer(tok) }));
      t.ok(r.ok, method);
      if (!r.ok) t.comment(r.error.code, String(r.error.cause));
    }
  });
}

t.test('wrong gateway credentials are an outage (503), not the caller\'s fault', async (t) => {
  const { deps } = createDeps();
  const stage = createAuthenticateStage(tokensSection(introConfig({ client_secret: 'wrong' })), deps);
  t.teardown(() => stage.close());
  const r = await runStage(stage, makeContext({ auth: 'introspection', authorization: bearer(await ts.issueOpaque()) }));
  t.notOk(r.ok);
  if (!r.ok) {
    t.equal(r.error.code, 'GW_ERR_TOKEN_SERVER_UNAVAILABLE');
    t.equal(r.error.status, 503);
    t.ok(r.error.headers['retry-after']);
  }
});

t.test('unknown tokens are inactive (401) and negatively cached', async (t) => {
  const { deps } = createDeps();
  const stage = createAuthenticateStage(tokensSection(introConfig()), deps);
  t.teardown(() => stage.close());
  const calls = ts.requests.introspection;
  for (let i = 0; i < 3; i++) {
    const r = await runStage(stage, makeContext({ auth: 'introspection', authorization: bearer('no-such-token-0123456789') }));
    t.notOk(r.ok);
    if (!r.ok) {
      t.equal(r.error.code, 'GW_ERR_TOKEN_INACTIVE');
      t.equal(r.error.status, 401);
      t.equal(r.error.headers['www-authenticate'], 'Bearer realm="regate", error="invalid_token"');
    }
  }
  t.equal(ts.requests.introspection, calls + 1, 'one call, then the negative cache');
});

t.test('a JWT sent to an introspection route is inactive, and does not trip the breaker', async (t) => {
  const { deps } = createDeps();
  const stage = createAuthenticateStage(tokensSection(introConfig({ negative_ttl_s: 0, breaker: { volume_threshold: 1 } })), deps);
  t.teardown(() => stage.close());
  const jwt = await ts.issueJwt();
  for (let i = 0; i < 4; i++) {
    const r = await runStage(stage, makeContext({ auth: 'introspection', authorization: bearer(jwt) }));
    t.notOk(r.ok);
    if (!r.ok) t.equal(r.error.code, 'GW_ERR_TOKEN_INACTIVE');
  }
  const ok = await runStage(stage, makeContext({ auth: 'introspection', authorization: bearer(await ts.issueOpaque()) }));
  t.ok(ok.ok, 'the breaker stayed closed');
});

t.test('a revoked token is refused once its cache entry ends (max_ttl)', async (t) => {
  const clock = createClock();
  const { deps } = createDeps(clock.now);
  const stage = createAuthenticateStage(tokensSection(introConfig({ max_ttl_s: 30 })), deps);
  t.teardown(() => stage.close());
  const token = await ts.issueOpaque();
  t.ok((await runStage(stage, makeContext({ auth: 'introspection', authorization: bearer(token) }))).ok);
  await ts.revoke(token);
  const cached = await runStage(stage, makeContext({ auth: 'introspection', authorization: bearer(token) }));
  t.ok(cached.ok, 'still served from the cache within max_ttl (the documented trade-off)');
  t.equal(cached.ctx.auth?.cache, 'hit');
  clock.advance(31_000);
  const r = await runStage(stage, makeContext({ auth: 'introspection', authorization: bearer(token) }));
  t.notOk(r.ok, 'refused after max_ttl');
  if (!r.ok) t.equal(r.error.code, 'GW_ERR_TOKEN_INACTIVE');
});

t.test('the cache never outlives exp', async (t) => {
  const clock = createClock();
  const { deps } = createDeps(clock.now);
  const stage = createAuthenticateStage(tokensSection(introConfig({ max_ttl_s: 3600, stale_if_error_s: 3600 })), deps);
  t.teardown(() => stage.close());
  const token = await ts.issueOpaque(); // expires in 300 s
  t.ok((await runStage(stage, makeContext({ auth: 'introspection', authorization: bearer(token) }))).ok);
  clock.advance(301_000);
  const r = await runStage(stage, makeContext({ auth: 'introspection', authorization: bearer(token) }));
  t.notOk(r.ok);
  if (!r.ok) t.equal(r.error.code, 'GW_ERR_TOKEN_INACTIVE');
});

t.test('concurrent lookups of one token share one call (single-flight)', async (t) => {
  const { deps } = createDeps();
  const stage = createAuthenticateStage(tokensSection(introConfig()), deps);
  t.teardown(() => stage.close());
  const token = await ts.issueOpaque();
  const calls = ts.requests.introspection;
  const results = await Promise.all(Array.from({ length: 20 }, () => runStage(stage, makeContext({ auth: 'introspection', authorization: bearer(token) }))));
  t.ok(results.every((r) => r.ok));
  t.equal(ts.requests.introspection, calls + 1);
});

t.test('audience and issuer checks on the introspection response', async (t) => {
  const { deps } = createDeps();
  const stage = createAuthenticateStage(tokensSection(introConfig({ audience: 'urn:some:other:api' })), deps);
  t.teardown(() => stage.close());
  const r = await runStage(stage, makeContext({ auth: 'introspection', authorization: bearer(await ts.issueOpaque()) }));
  t.notOk(r.ok);
  if (!r.ok) t.equal(r.error.code, 'GW_ERR_TOKEN_INACTIVE');
  const stage2 = createAuthenticateStage(tokensSection(introConfig({ issuer: 'https://elsewhere.example' })), createDeps().deps);
  t.teardown(() => stage2.close());
  const r2 = await runStage(stage2, makeContext({ auth: 'introspection', authorization: bearer(await ts.issueOpaque()) }));
  t.notOk(r2.ok);
});

t.test('tokensConfigFor (the demo wiring) authenticates both token kinds', async (t) => {
  const { tokensConfigFor } = await import('../../../src/devtools/token-server.js');
  const { deps, registry } = createDeps();
  const stage = createAuthenticateStage(tokensSection(tokensConfigFor(ts)), deps);
  t.teardown(() => stage.close());
  t.ok((await runStage(stage, makeContext({ auth: 'jwt', authorization: bearer(await ts.issueJwt()) }))).ok);
  t.ok((await runStage(stage, makeContext({ auth: 'introspection', authorization: bearer(await ts.issueOpaque()) }))).ok);
  const r = await runStage(stage, makeContext({ auth: 'jwt' }));
  t.notOk(r.ok);
  t.match(await registry.getSingleMetricAsString('regate_authn_rejections_total'), /code="GW_ERR_TOKEN_MISSING"\} 1/);
});
