/**
 * CORS per route through the real gateway: preflights answered 200 by the gateway (no token, no
 * upstream call), actual responses decorated for allowed origins only, exact origins and
 * patterns, Vary: Origin, the upstream's own CORS headers hidden, and the config's refusals.
 */
import t from 'tap';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { request } from 'undici';
import { createAuthenticateStage } from '../../../src/gateway/authn/index.js';
import { tokensSection } from '../../helpers/config-sections.js';
import { buildPolicyInput } from '../../../src/gateway/shared/policy-input.js';
import { InvalidConfigError, loadConfigText } from '../../../src/gateway/config/load.js';
import { createRequestContext } from '../../../src/gateway/pipeline/context.js';
import { startGateway, startUpstream } from '../helpers.js';

const { publicKey, privateKey } = await generateKeyPair('ES256');
const jwk = await exportJWK(publicKey);
const token = await new SignJWT({}).setProtectedHeader({ alg: 'ES256' }).setIssuer('https://idp').setAudience('api').setSubject('u1').setExpirationTime('5m').sign(privateKey);

const yaml = (upstreamUrl: string) => `
listen: { host: 127.0.0.1, port: 0 }
admin: { enabled: false }
upstreams:
  app: { url: ${upstreamUrl} }
tokens:
  jwt: { keys: [ { kty: EC, crv: P-256, x: ${jwk.x}, y: ${jwk.y} } ], issuer: "https://idp", audience: api, algorithms: [ES256] }
routes:
  - id: app
    match: { path_prefix: /app, methods: [GET, POST] }
    upstream: app
    auth: jwt
    cors:
      allow_origins: [ "https://app.example", "https://*.example.com" ]
      allow_methods: [ GET, POST ]
      allow_headers: [ authorization, content-type ]
      expose_headers: [ x-total ]
      allow_credentials: true
      max_age_s: 600
  - { id: plain, match: { path_prefix: /plain, methods: [GET] }, upstream: app }
`;

t.test('preflight and actual requests', async (t) => {
  const up = await startUpstream((req, res) => {
    // an upstream that speaks CORS on its own: hidden on a CORS route
    res.setHeader('access-control-allow-origin', '*');
    res.setHeader('x-total', '3');
    res.end('ok');
  });
  const stage = createAuthenticateStage(tokensSection({ jwt: { keys: [jwk], issuer: 'https://idp', audience: 'api', algorithms: ['ES256'] } }), { logger: pino({ level: 'silent' }), registry: new Registry() });
  const gw = await startGateway(yaml(up.url), { stages: [stage] });
  t.teardown(async () => {
    await gw.close();
    await stage.close();
    await up.close();
  });
  const preflight = (origin: string, method: string, hdrs?: string, path = '/app/items') =>
    request(`${gw.url}${path}`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': method, ...(hdrs ? { 'access-control-request-headers': hdrs } : {}) } });

  const ok = await preflight('https://app.example', 'POST', 'Authorization, Content-Type');
  t.equal(ok.statusCode, 200, 'answered without a token');
  t.equal(ok.headers['access-control-allow-origin'], 'https://app.example');
  t.equal(ok.headers['access-control-allow-methods'], 'GET, POST');
  t.equal(ok.headers['access-control-allow-headers'], 'authorization, content-type');
  t.equal(ok.headers['access-control-allow-credentials'], 'true');
  t.equal(ok.headers['access-control-max-age'], '600');
  t.match(ok.headers['vary'], /Origin/);
  t.equal(await ok.body.text(), '');

  for (const origin of ['https://a.example.com', 'https://a.b.example.com']) {
    const p = await preflight(origin, 'GET');
    t.equal(p.statusCode, 200, `${origin} fits https://*.example.com`);
    t.equal(p.headers['access-control-allow-origin'], origin);
    await p.body.dump();
  }
  for (const origin of ['https://evil.example', 'https://example.com', 'http://a.example.com', 'https://a.example.com:8443', 'https://evil.com/.example.com', 'null', 'https://app.example.evil']) {
    const p = await preflight(origin, 'GET');
    t.equal(p.statusCode, 403, `${origin} refused`);
    t.equal(p.headers['access-control-allow-origin'], undefined, `${origin}: never reflected`);
    t.equal(((await p.body.json()) as { error: string }).error, 'GW_ERR_CORS_REJECTED');
  }
  const badMethod = await preflight('https://app.example', 'DELETE');
  t.not(badMethod.statusCode, 200, 'a method the route does not take');
  await badMethod.body.dump();
  const badHeader = await preflight('https://app.example', 'GET', 'x-secret');
  t.equal(badHeader.statusCode, 403);
  await badHeader.body.dump();
  t.equal(up.seen.length, 0, 'no preflight reached the upstream');

  // actual requests
  const actual = await request(`${gw.url}/app/items`, { headers: { origin: 'https://app.example', authorization: `Bearer ${token}` } });
  t.equal(actual.statusCode, 200);
  t.equal(actual.headers['access-control-allow-origin'], 'https://app.example', 'the gateway\'s value, not the upstream\'s "*"');
  t.equal(actual.headers['access-control-allow-credentials'], 'true');
  t.equal(actual.headers['access-control-expose-headers'], 'x-total');
  t.match(actual.headers['vary'], /Origin/);
  t.equal(await actual.body.text(), 'ok');
  const noToken = await request(`${gw.url}/app/items`, { headers: { origin: 'https://app.example' } });
  t.equal(noToken.statusCode, 401);
  t.equal(noToken.headers['access-control-allow-origin'], 'https://app.example', 'a browser app can read the 401');
  await noToken.body.dump();
  const stranger = await request(`${gw.url}/app/items`, { headers: { origin: 'https://evil.example', authorization: `Bearer ${token}` } });
  t.equal(stranger.statusCode, 200, 'CORS is the browser\'s to enforce; the gateway only withholds the headers');
  t.equal(stranger.headers['access-control-allow-origin'], undefined);
  t.match(stranger.headers['vary'], /Origin/);
  await stranger.body.dump();

  // a route without cors: OPTIONS is routed as before (405 where the route does not take it)
  const plain = await preflight('https://app.example', 'GET', undefined, '/plain/x');
  t.equal(plain.statusCode, 405);
  t.equal(plain.headers['access-control-allow-origin'], undefined);
  await plain.body.dump();
});

t.test('the policy input shows the Origin', async (t) => {
  const ctx = createRequestContext({ id: 'r1', method: 'GET', path: '/app', rawQuery: '', headers: { origin: 'https://app.example', host: 'api' }, host: 'api', scheme: 'https', remoteAddr: '127.0.0.1', route: { id: 'app', upstream: 'app', auth: 'none' } });
  t.equal(buildPolicyInput(ctx).request.headers['origin'], 'https://app.example');
});

t.test('config: unusable origins and "*" with credentials are located errors', async (t) => {
  const problems = (cors: string) => {
    try {
      loadConfigText(`upstreams:\n  a: { url: "http://127.0.0.1:1" }\nroutes:\n  - id: r\n    match: { path_prefix: / }\n    upstream: a\n    cors: ${cors}\n`, { file: 'c.yaml', env: {} });
      return [];
    } catch (err) {
      if (err instanceof InvalidConfigError) return err.problems.map((p) => ({ key: p.key, line: p.line, message: p.message }));
      throw err;
    }
  };
  t.same(problems('{ allow_origins: [ "https://app.example", "https://*.example.com:8443" ] }'), []);
  t.match(problems('{ allow_origins: [ "*" ], allow_credentials: true }'), [{ key: 'routes[0].cors.allow_origins', line: 7, message: /cannot be combined with allow_credentials/ }]);
  t.match(problems('{ allow_origins: [ "https://app.example/" ] }'), [{ key: 'routes[0].cors.allow_origins[0]', message: /no path/ }]);
  t.match(problems('{ allow_origins: [ "app.example" ] }'), [{ key: 'routes[0].cors.allow_origins[0]', message: /is not an origin/ }]);
  t.match(problems('{ allow_methods: [ GET ] }'), [{ key: 'routes[0].cors.allow_origins', message: /is required/ }]);
});
