// policies.bundles.<name>.credentials with real parts (authz/bundle-credentials.ts):
// - oauth2: the devtools token server (oidc-provider, client_credentials, client_secret_basic)
//   issues the tokens; the bundle server refuses any request whose token the token server's
//   introspection does not call active for `demo-app` with exactly the configured scope. The
//   token is reused, renewed before it expires, replaced after a 401 (revoked); with the token
//   endpoint down the old revision keeps serving and /readyz names the token endpoint; a wrong
//   secret stops start-up with the token endpoint's `invalid_client`.
// - client_tls: certificates made with openssl (test/helpers/tls-certs.ts), an HTTPS bundle server
//   with requestCert + rejectUnauthorized; without the client certificate, with one of another CA,
//   or with another CA pinned for the server, the download is refused and /readyz says why.
// - the token endpoint's answers OPA refuses too (not JSON, not a bearer token, an error page),
//   from a plain HTTP server, and a token without expires_in is not reused.
import t from 'tap';
import http from 'node:http';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import pino from 'pino';
import { request } from 'undici';
import { createBundleService } from '../../src/gateway/authz/bundle-service.js';
import { startTokenServer, type TokenServer } from '../helpers/oidc-provider.js';
import { createTestPki } from '../helpers/tls-certs.js';
import { startUpstream } from './helpers.js';
import { bundleMessage, echoBundle, readyz, startBundleGateway, startBundleServer, status, until, WITHIN } from './bundle-fixtures.js';
import { peerCn } from '../helpers/peer-cn.js';

const dir = mkdtempSync(join(tmpdir(), 'regate-bundle-creds-'));
const basic = (id: string, secret: string) => 'Basic ' + Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64');
const bearerOf = (req: http.IncomingMessage) => /^Bearer (\S+)$/.exec(String(req.headers['authorization'] ?? ''))?.[1];

/** What the token server's introspection (RFC 7662, asked as the `gateway` client) says of `token`. */
async function introspect(ts: TokenServer, token: string): Promise<{ active?: boolean; client_id?: string; scope?: string }> {
  const res = await request(ts.introspectionEndpoint, {
    method: 'POST',
    headers: { authorization: basic(ts.clients.gateway.client_id, ts.clients.gateway.client_secret), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token }).toString(),
  });
  return (await res.body.json()) as { active?: boolean; client_id?: string; scope?: string };
}

t.test('oauth2 client credentials: token fetched, reused, renewed, dropped after a 401; token endpoint down keeps the old revision', async (t) => {
  // 12 s tokens: renewed when less than 10 s remain (OPA's margin), so about every 2 s
  // a secret with characters that must be form-encoded in Basic (RFC 6749 §2.3.1)
  const secret = 'bundle s3cret+/:%';
  const ts = await startTokenServer({ accessTokenTtlS: 12, secrets: { app: secret } });
  t.teardown(() => ts.stop());
  const up = await startUpstream();
  t.teardown(() => up.close());
  const seen = new Set<string>();
  const scopes: string[] = [];
  const server = await startBundleServer({
    // the bundle server asks the token server (RFC 7662) whether the token is good
    async authorize(req) {
      const token = bearerOf(req);
      if (token === undefined) return 'Bearer';
      const info = await introspect(ts, token);
      if (info.active !== true || info.client_id !== 'demo-app') return 'Bearer error="invalid_token"';
      scopes.push(info.scope ?? '');
      if (info.scope !== 'read') return 'Bearer error="insufficient_scope"';
      seen.add(token);
      return null;
    },
  });
  t.teardown(() => server.close());
  server.serve('v1', await echoBundle('v1'));
  const gw = await startBundleGateway(t, {
    url: server.url,
    upstream: up.url,
    persist: join(dir, 'persist-oauth'),
    bundle: `credentials: { oauth2: { token_url: "${ts.tokenEndpoint}", client_id: demo-app, client_secret: "${secret}", scopes: [read], grant_type: client_credentials } }`,
  });
  t.equal(await status(gw, '/echo/v1'), 200, 'v1 was downloaded with a token from the token endpoint');
  t.equal(server.refused, 0, 'no request went out without a good token');
  t.same([...new Set(scopes)], ['read'], 'the token carries exactly the configured scope');

  t.ok(await until(12_000, async () => seen.size >= 2), 'a new token is fetched before the first one expires');
  const requests = server.downloads + server.notModified;
  t.ok(requests > seen.size, `tokens are reused between polls (${requests} requests, ${seen.size} tokens)`);
  t.equal(server.refused, 0, 'no request carried an expired token');

  // token endpoint down: once the cached token is within its margin, every poll fails at the token step
  await ts.stop();
  t.ok(await until(12_000, async () => /OAuth2 token endpoint http:\/\/127\.0\.0\.1:\d+\/token: request failed: .*ECONNREFUSED/.test(await bundleMessage(gw))), '/readyz names the token endpoint and why');
  server.serve('v2', await echoBundle('v2'));
  const downloads = server.downloads;
  await new Promise((r) => setTimeout(r, 600)); // two polling periods: none reaches the bundle server
  t.equal(server.downloads, downloads, 'without a token nothing is downloaded');
  t.equal(await status(gw, '/echo/v1'), 200, 'v1 keeps serving');
  t.equal(await status(gw, '/echo/v2'), 401, 'v2 is not active (a deny without a token is 401)');
  t.equal((await readyz(gw)).checks.bundles.detail[0]?.active_revision, 'v1');

  await ts.restart();
  t.ok(await until(WITHIN + 2000, async () => (await status(gw, '/echo/v2')) === 200), 'the token endpoint is back: v2 is fetched and activated');
  t.equal(await bundleMessage(gw), '', 'and /readyz is clear');
});

t.test('oauth2: a revoked token is replaced after the 401; a wrong client secret stops start-up with the token endpoint\'s answer', async (t) => {
  const ts = await startTokenServer(); // 300 s tokens: only the 401 makes the gateway drop one
  t.teardown(() => ts.stop());
  const up = await startUpstream();
  t.teardown(() => up.close());
  const used: string[] = [];
  const server = await startBundleServer({
    async authorize(req) {
      const token = bearerOf(req);
      if (token === undefined) return 'Bearer';
      if ((await introspect(ts, token)).active !== true) return 'Bearer error="invalid_token"';
      used.push(token);
      return null;
    },
  });
  t.teardown(() => server.close());
  server.serve('v1', await echoBundle('v1'));
  const oauth2 = (secret: string) => `credentials: { oauth2: { token_url: "${ts.tokenEndpoint}", client_id: demo-app, client_secret: "${secret}" } }`;
  const gw = await startBundleGateway(t, { url: server.url, upstream: up.url, persist: join(dir, 'persist-revoke'), bundle: oauth2(ts.clients.app.client_secret) });
  t.equal(await status(gw, '/echo/v1'), 200);
  t.ok(await until(WITHIN, async () => used.length >= 3), 'a few polls');
  t.equal(new Set(used).size, 1, 'all with the one token');

  await ts.revoke(used[0]!);
  t.ok(await until(WITHIN, async () => server.refused >= 1), 'the revoked token is refused by the bundle server');
  t.ok(await until(WITHIN, async () => new Set(used).size === 2 && (await bundleMessage(gw)) === ''), 'the next poll gets and uses a new token; /readyz is clear again');
  t.equal(server.refused, 1, 'the revoked token was sent once');

  // one process, and worker threads (the main thread downloads, the first worker's load fails)
  for (const workers of [1, 2]) {
    const err = await startBundleGateway(t, { url: server.url, upstream: up.url, persist: join(dir, `persist-wrong-${workers}`), workers, bundle: oauth2('wrong') }).then(
      () => new Error('started'),
      (e: Error) => e,
    );
    t.match(err.message, /policies\.bundles: the policies do not load: .*\(main: OAuth2 token endpoint \S+: answered 401: invalid_client/, `workers: ${workers}: ${err.message}`);
  }
});

t.test('token endpoint answers OPA refuses too; a token without expires_in is used once', async (t) => {
  let answer: { status: number; type: string; body: string } = { status: 200, type: 'application/json', body: '' };
  let calls = 0;
  const tokenServer = http.createServer((req, res) => {
    calls++;
    req.resume();
    res.writeHead(answer.status, { 'content-type': answer.type }).end(answer.body);
  });
  await new Promise<void>((r) => tokenServer.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => tokenServer.close(() => r())));
  const tokenUrl = `http://127.0.0.1:${(tokenServer.address() as AddressInfo).port}/token`;
  const server = await startBundleServer({ authorize: async (req) => (bearerOf(req) === 'tok-1' ? null : 'Bearer error="invalid_token"') });
  t.teardown(() => server.close());
  server.serve('v1', await echoBundle('v1'));
  const persistDir = join(dir, 'persist-answers');
  const svc = createBundleService({
    bundles: { main: { url: server.url, polling: { min_delay_s: 60, max_delay_s: 60, long_polling_timeout_s: 0 }, credentials: { oauth2: { token_url: tokenUrl, client_id: 'c', client_secret: 's', grant_type: 'client_credentials' } } } },
    persistDir,
    baseDir: dir,
    logger: pino({ level: 'silent' }),
    activate: async () => true,
  });
  t.teardown(() => svc.close());
  const attempt = async () => {
    await svc.initial();
    await svc.confirmInitial(true);
    return svc.status()[0]!;
  };
  const cases: [typeof answer, RegExp][] = [
    [{ status: 503, type: 'text/html', body: '<html><body>Service   Unavailable</body></html>' }, /answered 503: <html><body>Service Unavailable<\/body><\/html>$/],
    [{ status: 200, type: 'text/plain', body: 'access_token=tok-1' }, /answered 200 with a body that is not JSON$/],
    [{ status: 200, type: 'application/json', body: '{"access_token":"tok-1","token_type":"mac","expires_in":60}' }, /returned token_type "mac"; only bearer tokens can be sent$/],
    [{ status: 200, type: 'application/json', body: '{"token_type":"Bearer","expires_in":60}' }, /answered without an access_token$/],
  ];
  for (const [a, why] of cases) {
    answer = a;
    const st = await attempt();
    t.match(st.message, why, `${a.status} ${a.body.slice(0, 30)}: ${st.message}`);
    t.equal(st.active_revision, null, 'nothing activated');
  }
  t.equal(server.downloads + server.refused, 0, 'no bad answer led to a request to the bundle server');

  // `Bearer` in any case is a bearer token (OPA compares case-insensitively); no expires_in: used once
  answer = { status: 200, type: 'application/json', body: '{"access_token":" tok-1 ","token_type":"BEARER"}' };
  const n = calls;
  const st = await attempt();
  t.equal(st.active_revision, 'v1', 'activated with the token (surrounding white space trimmed)');
  t.notOk(st.message, 'no failure left in the status');
  await attempt(); // the next request: 304, with a token fetched anew
  t.equal(calls - n, 2, 'a token without expires_in is fetched for each request');
  t.equal(server.notModified, 1);
});

t.test('client TLS: mutual TLS to the bundle server, the server CA pinned', async (t) => {
  const pki = createTestPki();
  t.teardown(() => pki.remove());
  const srv = pki.issue('bundles', { cn: '127.0.0.1', san: ['IP:127.0.0.1'] });
  const client = pki.issue('regate', { cn: 'regate-gateway', client: true });
  const up = await startUpstream();
  t.teardown(() => up.close());
  const peers: string[] = [];
  const server = await startBundleServer({
    tls: { cert: readFileSync(srv.cert), key: readFileSync(srv.key), ca: readFileSync(pki.ca), requestCert: true, rejectUnauthorized: true },
    // only reached with a certificate the CA signed (rejectUnauthorized); who it was, for the assertion
    authorize: async (req) => {
      const sock = req.socket as TLSSocket;
      peers.push(peerCn(sock) ?? '');
      return null;
    },
  });
  t.teardown(() => server.close());
  server.serve('v1', await echoBundle('v1'));
  const persist = join(dir, 'persist-mtls');
  const clientTls = `client_tls: { cert_file: ${client.cert}, key_file: ${client.key} }`;

  const a = await startBundleGateway(t, { url: server.url, upstream: up.url, persist, bundle: `credentials: { ${clientTls} }, tls: { ca_file: ${pki.ca} }` });
  t.equal(await status(a, '/echo/v1'), 200, 'downloaded over mutual TLS');
  t.same([...new Set(peers)], ['regate-gateway'], 'the server saw the gateway\'s client certificate');
  await a.close();

  // the same persisted bundle, the download refused: each gateway starts on v1 and says why
  server.serve('v2', await echoBundle('v2'));
  const noCert = await startBundleGateway(t, { url: server.url, upstream: up.url, persist, bundle: `tls: { ca_file: ${pki.ca} }` });
  const stranger = pki.issue('stranger', { cn: 'stranger', client: true, ca: 'other' });
  const strangerGw = await startBundleGateway(t, { url: server.url, upstream: up.url, persist, bundle: `credentials: { client_tls: { cert_file: ${stranger.cert}, key_file: ${stranger.key} } }, tls: { ca_file: ${pki.ca} }` });
  const otherCa = await startBundleGateway(t, { url: server.url, upstream: up.url, persist: join(dir, 'persist-mtls-b'), bundle: `credentials: { ${clientTls} }, tls: { ca_file: ${pki.otherCa} }` }).catch((err: Error) => err);
  t.equal(await status(noCert, '/echo/v1'), 200, 'without a client certificate: the persisted v1 serves');
  t.match(await bundleMessage(noCert), /^bundle download failed: .*TLS alert "tlsv13 alert certificate required" \(the server wants a client certificate: credentials\.client_tls\)/, `/readyz: ${await bundleMessage(noCert)}`);
  t.equal((await readyz(noCert)).checks.bundles.detail[0]?.active_revision, 'v1');
  t.equal(await status(strangerGw, '/echo/v1'), 200, 'a client certificate of another CA: the persisted v1 serves');
  t.match(await bundleMessage(strangerGw), /other side closed \(UND_ERR_SOCKET\), before any answer \(the server may not accept the client certificate\)/, `/readyz: ${await bundleMessage(strangerGw)}`);
  t.notOk(peers.includes('stranger'), 'the server never handed it the bundle');
  t.ok(otherCa instanceof Error, 'another CA pinned for the server: nothing downloaded, nothing persisted, start-up fails');
  t.match((otherCa as Error).message, /main: bundle download failed: .*(self.signed|unable to (verify|get local issuer)|certificate)/i, 'naming the certificate problem');

  // client_tls.ca_file (OPA's older place for the CA) pins the server's CA as well
  const legacy = await startBundleGateway(t, { url: server.url, upstream: up.url, persist: join(dir, 'persist-mtls-c'), bundle: `credentials: { client_tls: { cert_file: ${client.cert}, key_file: ${client.key}, ca_file: ${pki.ca} } }` });
  t.equal(await status(legacy, '/echo/v2'), 200, 'client_tls.ca_file trusts the server');
});
