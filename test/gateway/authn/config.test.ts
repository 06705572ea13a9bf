/**
 * The `tokens` section: schema defaults, and the rules that refuse unsafe configurations at
 * construction (TypeError), plus static-key verification (no JWKS endpoint).
 */
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import t from 'tap';
import { createAuthenticateStage } from '../../../src/gateway/authn/index.js';
import { bearer, createDeps, makeContext, runStage } from './stage-harness.js';
import { tokensSection } from '../../helpers/config-sections.js';

t.test('defaults come from the schema', async (t) => {
  const cfg = tokensSection({
    jwt: { jwks_uri: 'http://127.0.0.1:1/jwks', issuer: 'i', audience: 'a' },
    introspection: { endpoint: 'http://127.0.0.1:1/introspect', client_id: 'gw', client_secret: 's' },
  });
  t.equal(cfg.realm, 'regate');
  t.equal(cfg.max_token_bytes, 8192);
  t.same(cfg.query_token_routes, []);
  t.same(cfg.jwt?.algorithms, ['RS256', 'ES256']);
  t.equal(cfg.jwt?.clock_tolerance_s, 30);
  t.equal(cfg.introspection?.auth_method, 'client_secret_basic');
  t.equal(cfg.introspection?.max_ttl_s, 60);
  t.equal(cfg.introspection?.breaker.reset_timeout_ms, 10000);
  t.ok(Object.isFrozen(cfg.introspection?.breaker));
  t.same(tokensSection(undefined), { realm: 'regate', max_token_bytes: 8192, query_token_routes: [], revocation: { enabled: false, on_redis_unavailable: 'fail_open', max_entries: 100000, heartbeat_ms: 1000 } });
});

t.test('unsafe or incomplete sections are refused at construction', async (t) => {
  const jwt = { jwks_uri: 'http://127.0.0.1:1/jwks', issuer: 'i', audience: 'a' };
  // what the schema refuses never reaches the stage: the loader names the key
  const invalid: Array<[string, unknown, string]> = [
    ['alg none', { jwt: { ...jwt, algorithms: ['none'] } }, 'tokens.jwt.algorithms[0]'],
    ['both jwks_uri and keys', { jwt: { ...jwt, keys: [{ kty: 'EC' }] } }, 'tokens.jwt'],
    ['no issuer', { jwt: { jwks_uri: 'x', audience: 'a' } }, 'tokens.jwt'],
    ['unknown key', { jwt: { ...jwt, verify: false } }, 'tokens.jwt.verify'],
    ['64 KB+ token limit', { max_token_bytes: 1 << 20 }, 'tokens.max_token_bytes'],
  ];
  for (const [name, cfg, key] of invalid) t.throws(() => tokensSection(cfg), { code: 'GW_ERR_CONFIG', key }, name);
  // what only the stage can judge (between fields) is a TypeError at construction
  const bad: Array<[string, unknown]> = [
    ['HMAC with a JWKS', { jwt: { ...jwt, algorithms: ['HS256'] } }],
    ['HMAC next to RSA', { jwt: { keys: [{ kty: 'oct', k: 'AAAA' }], issuer: 'i', audience: 'a', algorithms: ['HS256', 'RS256'] } }],
    ['oct key with RSA algorithms', { jwt: { keys: [{ kty: 'oct', k: 'AAAA' }], issuer: 'i', audience: 'a' } }],
    ['private key in keys', { jwt: { keys: [{ kty: 'EC', crv: 'P-256', x: 'a', y: 'b', d: 'c' }], issuer: 'i', audience: 'a' } }],
    ['introspection without secret', { introspection: { endpoint: 'http://127.0.0.1/x', client_id: 'gw' } }],
    ['private_key_jwt without key', { introspection: { endpoint: 'http://127.0.0.1/x', client_id: 'gw', auth_method: 'private_key_jwt' } }],
    ['introspection endpoint not http', { introspection: { endpoint: 'file:///etc/passwd', client_id: 'gw', client_secret: 's' } }],
  ];
  for (const [name, cfg] of bad) {
    t.throws(() => createAuthenticateStage(tokensSection(cfg), createDeps().deps), TypeError, name);
  }
});

t.test('static asymmetric keys', async (t) => {
  const { publicKey, privateKey } = await generateKeyPair('ES256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k1' };
  const stage = createAuthenticateStage(tokensSection({ jwt: { keys: [jwk], issuer: 'https://idp.test', audience: 'api', algorithms: ['ES256'] } }), createDeps().deps);
  t.teardown(() => stage.close());
  const token = await new SignJWT({ sub: 'u1', scp: ['a', 'b'] }).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).setIssuer('https://idp.test').setAudience('api').setIssuedAt().setExpirationTime('5m').sign(privateKey);
  const r = await runStage(stage, makeContext({ authorization: bearer(token) }));
  t.ok(r.ok);
  t.same(r.ctx.auth?.token.scope, ['a', 'b'], '`scp` arrays normalise to scope');
  t.equal(r.ctx.auth?.token.sub, 'u1');
});

t.test('static HMAC keys, when that is all there is', async (t) => {
  const secret = new Uint8Array(32).fill(7);
  const jwk = { kty: 'oct', k: Buffer.from(secret).toString('base64url'), kid: 'h1' };
  const stage = createAuthenticateStage(tokensSection({ jwt: { keys: [jwk], issuer: 'i', audience: 'api', algorithms: ['HS256'] } }), createDeps().deps);
  t.teardown(() => stage.close());
  const token = await new SignJWT({ scope: 'x' }).setProtectedHeader({ alg: 'HS256', kid: 'h1' }).setIssuer('i').setAudience('api').setExpirationTime('5m').sign(secret);
  t.ok((await runStage(stage, makeContext({ authorization: bearer(token) }))).ok);
  const wrong = await new SignJWT({ scope: 'x' }).setProtectedHeader({ alg: 'HS256', kid: 'h1' }).setIssuer('i').setAudience('api').setExpirationTime('5m').sign(new Uint8Array(32).fill(8));
  const r = await runStage(stage, makeContext({ authorization: bearer(wrong) }));
  t.notOk(r.ok);
  if (!r.ok) t.equal(r.error.code, 'GW_ERR_TOKEN_INVALID');
});

t.test('two stages on one registry share the metrics', async (t) => {
  const { deps, registry } = createDeps();
  const a = createAuthenticateStage(tokensSection({}), deps);
  const b = createAuthenticateStage(tokensSection({}), deps);
  await a.close();
  await b.close();
  t.ok(registry.getSingleMetric('regate_authn_cache_total'));
});
