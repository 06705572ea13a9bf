/**
 * End to end through the real gateway (uWS server, config loader, pipeline, proxy) with the
 * authenticate stage installed, a real oidc-provider and a real upstream on 127.0.0.1.
 */
import t from 'tap';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { createAuthenticateStage } from '../../../src/gateway/authn/index.js';
import { loadConfigText } from '../../../src/gateway/config/load.js';
import { startTokenServer } from '../../helpers/oidc-provider.js';
import { echoConfig, startGateway, startUpstream } from '../helpers.js';

const ts = await startTokenServer();
t.teardown(() => ts.stop());
const upstream = await startUpstream();
t.teardown(() => upstream.close());

const yaml = `${echoConfig(upstream.url)}
  - id: jwt
    match: { path_prefix: /jwt }
    upstream: echo
    auth: jwt
  - id: opaque
    match: { path_prefix: /opaque }
    upstream: echo
    auth: introspection
  - id: query
    match: { path_prefix: /query }
    upstream: echo
    auth: jwt
tokens:
  query_token_routes: [query]
  jwt: { jwks_uri: "${ts.jwksUri}", issuer: "${ts.issuer}", audience: "${ts.audience}", typ: at+jwt }
  introspection:
    endpoint: "${ts.introspectionEndpoint}"
    client_id: ${ts.clients.gateway.client_id}
    client_secret: "${ts.clients.gateway.client_secret}"
    breaker: { volume_threshold: 2, reset_timeout_ms: 60000 }
`;
const config = loadConfigText(yaml, { file: 'e2e.yaml', env: {} });
const stage = createAuthenticateStage(config.tokens, { logger: pino({ level: 'silent' }), registry: new Registry() });
t.teardown(() => stage.close());
const gw = await startGateway(yaml, { stages: [stage] });
t.teardown(() => gw.close());

async function call(path: string, authorization?: string) {
  const res = await fetch(`${gw.url}${path}`, { headers: authorization === undefined ? {} : { authorization } });
  const text = await res.text();
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    /* upstream echo bodies are not JSON */
  }
  return { status: res.status, headers: res.headers, body };
}

t.test('valid tokens reach the upstream', async (t) => {
  const jwt = await ts.issueJwt();
  const seen = upstream.seen.length;
  t.equal((await call('/jwt/x', `Bearer ${jwt}`)).status, 200);
  t.equal((await call('/jwt/x', `Bearer ${jwt}`)).status, 200, 'cached');
  t.equal((await call('/opaque/x', `Bearer ${await ts.issueOpaque()}`)).status, 200);
  t.equal((await call(`/query/x?a=1&access_token=${jwt}&b=2`)).status, 200, 'query token on the route that opted in');
  t.equal(upstream.seen.length, seen + 4);
  t.equal(upstream.seen.at(-1)?.url, '/query/x?a=1&b=2', 'the query token is removed before the call goes upstream');
  t.equal((await call('/echo/x')).status, 200, 'auth: none');
});

t.test('RFC 6750 responses', async (t) => {
  const missing = await call('/jwt/x');
  t.equal(missing.status, 401);
  t.equal(missing.headers.get('www-authenticate'), 'Bearer realm="regate"');
  t.equal(missing.body.error, 'GW_ERR_TOKEN_MISSING');

  const malformed = await call('/jwt/x', 'Bearer a b');
  t.equal(malformed.status, 400);
  t.match(malformed.headers.get('www-authenticate'), /error="invalid_request"/);
  t.equal(malformed.body.error, 'GW_ERR_TOKEN_MALFORMED');

  const invalid = await call('/jwt/x', 'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.');
  t.equal(invalid.status, 401);
  t.equal(invalid.headers.get('www-authenticate'), 'Bearer realm="regate", error="invalid_token"');
  t.equal(invalid.body.error, 'GW_ERR_TOKEN_INVALID');
  t.notOk(JSON.stringify(invalid.body).includes('alg'), 'no verification detail in the body');

  const inactive = await call('/opaque/x', 'Bearer unknown-opaque-token');
  t.equal(inactive.status, 401);
  t.equal(inactive.body.error, 'GW_ERR_TOKEN_INACTIVE');

  const jwt = await ts.issueJwt();
  t.equal((await call(`/jwt/x?access_token=${jwt}`)).status, 400, 'query token refused where the route did not opt in');

  const huge = await call('/jwt/x', `Bearer ${'a'.repeat(64 * 1024)}`);
  t.equal(huge.status, 431, '64 KB token');
});

t.test('token server outage: 503 with Retry-After for new tokens, cached ones pass', async (t) => {
  const cached = await ts.issueOpaque();
  t.equal((await call('/opaque/x', `Bearer ${cached}`)).status, 200);
  const fresh = [await ts.issueOpaque(), await ts.issueOpaque(), await ts.issueOpaque()];
  await ts.stop();
  t.teardown(() => ts.restart());
  t.equal((await call('/opaque/x', `Bearer ${cached}`)).status, 200, 'cached token passes');
  for (const tok of fresh) {
    const r = await call('/opaque/x', `Bearer ${tok}`);
    t.equal(r.status, 503);
    t.equal(r.body.error, 'GW_ERR_TOKEN_SERVER_UNAVAILABLE');
    t.match(r.headers.get('retry-after'), /^\d+$/);
  }
});
