/**
 * The oauth2_client_credentials backend credential against a real token endpoint (node:http and
 * node:https with mutual TLS): one call per token lifetime under load, refreshed ahead in the
 * background without blocking a request, single-flight, and a 503 GW_ERR_BACKEND_TOKEN_UNAVAILABLE
 * behind a breaker when no token can be had. The credential's clock is the test's (no sleeping);
 * the HTTP calls are real.
 */
import t from 'tap';
import http from 'node:http';
import https from 'node:https';
import type tls from 'node:tls';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { createCredentials } from '../../../src/gateway/mapping/credentials/index.js';
import type { ClientCredentialsCredential } from '../../../src/gateway/mapping/credentials/client-credentials.js';
import { GatewayError } from '../../../src/gateway/errors.js';
import { createTestPki } from '../../helpers/tls-certs.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { request } from 'undici';
import { loadConfigText } from '../../../src/gateway/config/load.js';
import { buildStages } from '../../../src/gateway/pipeline/stages.js';
import { createGateway } from '../../../src/gateway/server/gateway.js';
import { startUpstream } from '../helpers.js';
import { peerCn } from '../../helpers/peer-cn.js';

const req = { method: 'GET', authority: 'car', target: '/x' };

interface TokenServer {
  url: string;
  calls: { auth: string | undefined; form: URLSearchParams; clientCn?: string | undefined }[];
  fail: boolean;
  close(): Promise<void>;
}

async function startTokenServer(lifetimeS: number, make?: (h: http.RequestListener) => http.Server | https.Server): Promise<TokenServer> {
  const ts: TokenServer = { url: '', calls: [], fail: false, close: async () => {} };
  const handler: http.RequestListener = (rq, rs) => {
    let body = '';
    rq.on('data', (c: Buffer) => (body += c.toString()));
    rq.on('end', () => {
      const sock = rq.socket as tls.TLSSocket;
      const clientCn = typeof sock.getPeerCertificate === 'function' && sock.authorized ? peerCn(sock) : undefined;
      ts.calls.push({ auth: rq.headers.authorization, form: new URLSearchParams(body), clientCn });
      rs.setHeader('content-type', 'application/json');
      if (ts.fail) {
        rs.statusCode = 500;
        return rs.end('{"error":"server_error"}');
      }
      rs.end(JSON.stringify({ access_token: `tok-${ts.calls.length}`, token_type: 'Bearer', expires_in: lifetimeS }));
    });
  };
  const server = make ? make(handler) : http.createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  ts.url = `${make ? 'https://localhost' : 'http://127.0.0.1'}:${port}/token`;
  ts.close = () => new Promise<void>((r) => server.close(() => r()));
  return ts;
}

const tick = (ms = 5) => new Promise((r) => setTimeout(r, ms));

t.test('cached, refreshed ahead without blocking, one call per token lifetime under load', async (t) => {
  const ts = await startTokenServer(2);
  t.teardown(() => ts.close());
  let clock = 1_000_000;
  const creds = await createCredentials({ car: { type: 'oauth2_client_credentials', token_endpoint: ts.url, client_id: 'gw', client_secret: 's3cret', scope: 'car:read', audience: 'car-api', refresh_ahead_s: 1, expiry_skew_s: 0.2, now: () => clock } as never });
  const cred = creds.get('car') as ClientCredentialsCredential;
  t.teardown(() => cred.close());

  // 100 requests at once and no token yet: one call, everyone gets its token
  const first = await Promise.all(Array.from({ length: 100 }, () => cred.headersFor(req)));
  t.equal(ts.calls.length, 1, 'single-flight');
  t.ok(first.every((h) => h['authorization'] === 'Bearer tok-1'));
  t.equal(ts.calls[0]?.auth, `Basic ${Buffer.from('gw:s3cret').toString('base64')}`);
  t.equal(ts.calls[0]?.form.get('grant_type'), 'client_credentials');
  t.equal(ts.calls[0]?.form.get('scope'), 'car:read');
  t.equal(ts.calls[0]?.form.get('audience'), 'car-api');

  // 10 s of load (simulated clock, 50 ms steps, 20 requests each): every request answered from
  // the cache synchronously; the background refresh keeps one token ahead
  let blocked = 0;
  const seen = new Set<string>();
  for (let step = 0; step < 200; step++) {
    clock += 50;
    for (let i = 0; i < 20; i++) {
      const h = cred.headersFor(req);
      if (h instanceof Promise) {
        blocked++;
        seen.add((await h)['authorization'] as string);
      } else seen.add(h['authorization'] as string);
    }
    await tick(); // lets a background refresh land
  }
  t.equal(blocked, 0, 'no request waited for a token');
  // a 2 s token refreshed 1 s before its end: one call per second of load, at most
  t.ok(ts.calls.length >= 9 && ts.calls.length <= 12, `calls to the token endpoint: ${ts.calls.length} for 10 s of 2 s tokens`);
  // the last refresh may land after the last request
  t.ok(seen.size >= ts.calls.length - 1, `tokens fetched were used (${seen.size} of ${ts.calls.length})`);
});

t.test('no token to be had: 503 GW_ERR_BACKEND_TOKEN_UNAVAILABLE, and the breaker stops calling', async (t) => {
  const ts = await startTokenServer(60);
  ts.fail = true;
  t.teardown(() => ts.close());
  const creds = await createCredentials({ car: { type: 'oauth2_client_credentials', token_endpoint: ts.url, client_id: 'gw', client_secret: 's', breaker: { volume_threshold: 3, reset_timeout_ms: 60000 } } as never });
  const cred = creds.get('car') as ClientCredentialsCredential;
  t.teardown(() => cred.close());
  for (let i = 0; i < 3; i++) {
    const err = await Promise.resolve(cred.headersFor(req)).then(() => null, (e: unknown) => e);
    t.ok(err instanceof GatewayError);
    t.equal((err as GatewayError).code, 'GW_ERR_BACKEND_TOKEN_UNAVAILABLE');
    t.equal((err as GatewayError).status, 503);
    t.equal((err as GatewayError).headers?.['retry-after'], '60');
  }
  t.equal(ts.calls.length, 3);
  const open = await Promise.resolve(cred.headersFor(req)).then(() => null, (e: unknown) => e);
  t.equal((open as GatewayError).code, 'GW_ERR_BACKEND_TOKEN_UNAVAILABLE');
  t.equal(ts.calls.length, 3, 'the open breaker did not call the token endpoint');
});

t.test('mutual TLS to the token endpoint (tls_client_auth), no secret', async (t) => {
  const pki = createTestPki();
  t.teardown(() => pki.remove());
  const srv = pki.issue('idp', { cn: 'localhost', san: ['DNS:localhost'] });
  const gwc = pki.issue('gw', { cn: 'regate-gw', client: true });
  const ts = await startTokenServer(60, (h) => https.createServer({ cert: readFileSync(srv.cert), key: readFileSync(srv.key), ca: readFileSync(pki.ca), requestCert: true, rejectUnauthorized: true }, h));
  t.teardown(() => ts.close());
  const creds = await createCredentials({ car: { type: 'oauth2_client_credentials', token_endpoint: ts.url, client_id: 'gw', tls: { ca_file: pki.ca, cert_file: gwc.cert, key_file: gwc.key, min_version: 'TLSv1.2', verify: true } } as never });
  const cred = creds.get('car') as ClientCredentialsCredential;
  t.teardown(() => cred.close());
  t.same(await cred.headersFor(req), { authorization: 'Bearer tok-1' });
  t.equal(ts.calls[0]?.clientCn, 'regate-gw');
  t.equal(ts.calls[0]?.auth, undefined, 'no secret was sent');
  t.equal(ts.calls[0]?.form.get('client_id'), 'gw');
  await t.rejects(createCredentials({ x: { type: 'oauth2_client_credentials', token_endpoint: ts.url, client_id: 'gw' } }), TypeError, 'no way to authenticate is misuse');
});

t.test('through the gateway: a policy names the credential; 50 concurrent requests, one token call; no token is 503', async (t) => {
  const good = await startTokenServer(60);
  const down = await startTokenServer(60);
  down.fail = true;
  const up = await startUpstream((req, res) => res.end(req.headers.authorization ?? 'none'));
  const dir = mkdtempSync(join(tmpdir(), 'regate-cc-'));
  writeFileSync(
    join(dir, 'gw.rego'),
    `package gateway

decision := {"allow": true, "upstream": {"credentials": "car-oauth"}} if input.request.path == "/car/x"

decision := {"allow": true, "upstream": {"credentials": "broken-oauth"}} if input.request.path == "/broken/x"
`,
  );
  const config = loadConfigText(
    `listen: { host: 127.0.0.1, port: 0 }
upstreams: { car: { url: "${up.url}" } }
credentials:
  car-oauth: { type: oauth2_client_credentials, token_endpoint: "${good.url}", client_id: gw, client_secret: s, scope: "car:read" }
  broken-oauth: { type: oauth2_client_credentials, token_endpoint: "${down.url}", client_id: gw, client_secret: s, breaker: { reset_timeout_ms: 30000 } }
policies: { dir: ${dir}, engine: js }
routes:
  - { id: car, match: { path_prefix: /car }, upstream: car, policy: gateway/decision }
  - { id: broken, match: { path_prefix: /broken }, upstream: car, policy: gateway/decision }
`,
    { file: join(dir, 'regate.yaml'), env: {} },
  );
  const logger = pino({ level: 'silent' });
  const registry = new Registry();
  const built = await buildStages(config, { logger, registry });
  const gw = createGateway({ config, logger, registry, stages: built.stages });
  const port = await gw.listen(0);
  t.teardown(async () => {
    await gw.close(1000);
    await built.close();
    await up.close();
    await good.close();
    await down.close();
  });
  const answers = await Promise.all(Array.from({ length: 50 }, () => request(`http://127.0.0.1:${port}/car/x`).then(async (r) => [r.statusCode, await r.body.text()] as const)));
  t.ok(answers.every(([status, body]) => status === 200 && body === 'Bearer tok-1'), 'every request went up with the one token');
  t.equal(good.calls.length, 1, 'the token endpoint was called once');
  const broken = await request(`http://127.0.0.1:${port}/broken/x`);
  t.equal(broken.statusCode, 503);
  t.equal(broken.headers['retry-after'], '30');
  t.equal(((await broken.body.json()) as { error: string }).error, 'GW_ERR_BACKEND_TOKEN_UNAVAILABLE');
  t.equal(up.seen.filter((s) => s.url === '/broken/x').length, 0, 'no request went up without its credential');
});
