/**
 * HTTPS token servers with a private CA and mutual TLS (tokens.jwt.tls, tokens.introspection.tls):
 * the JWKS fetched over TLS from a server only the configured CA vouches for, and RFC 8705 §2
 * `tls_client_auth` — the gateway authenticates to the introspection endpoint with its client
 * certificate instead of a secret. Real https servers and certificates made for the run.
 */
import t from 'tap';
import https from 'node:https';
import type tls from 'node:tls';
import type { AddressInfo } from 'node:net';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { createAuthenticateStage } from '../../../src/gateway/authn/index.js';
import { tokensSection } from '../../helpers/config-sections.js';
import { makeContext, runStage } from './stage-harness.js';
import { createTestPki } from '../../helpers/tls-certs.js';
import { peerCn } from '../../helpers/peer-cn.js';

const pki = createTestPki();
t.teardown(() => pki.remove());
const idpCert = pki.issue('idp', { cn: 'localhost', san: ['DNS:localhost'] });
const gwClient = pki.issue('gw', { cn: 'regate-gw', client: true });

const { publicKey, privateKey } = await generateKeyPair('ES256');
const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };

interface Seen {
  path: string;
  clientCn: string | undefined;
  /** the client certificate's SHA-256 fingerprint */
  clientFp: string | undefined;
  body: string;
}
const seen: Seen[] = [];
const server = https.createServer({ cert: readFileSync(idpCert.cert), key: readFileSync(idpCert.key), ca: readFileSync(pki.ca), requestCert: true, rejectUnauthorized: false }, (req, res) => {
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (c: string) => (body += c));
  req.on('end', () => {
    const sock = req.socket as tls.TLSSocket;
    const clientCn = sock.authorized ? peerCn(sock) : undefined;
    seen.push({ path: req.url ?? '', clientCn, clientFp: sock.authorized ? sock.getPeerCertificate().fingerprint256 : undefined, body });
    res.setHeader('content-type', 'application/json');
    if (req.url === '/jwks') return res.end(JSON.stringify({ keys: [jwk] }));
    // RFC 8705 §2.1.1: the client is the one whose certificate was presented, named by client_id
    const form = new URLSearchParams(body);
    if (clientCn !== 'regate-gw' || form.get('client_id') !== 'gw') {
      res.statusCode = 401;
      return res.end(JSON.stringify({ error: 'invalid_client' }));
    }
    // RFC 8705 §3.2: an introspection response carries the binding as `cnf`
    const cnf = form.get('token') === 'bound-token' ? { cnf: { 'x5t#S256': gwClient.x5tS256 } } : {};
    res.end(JSON.stringify({ active: true, sub: 'u1', client_id: 'app', scope: 'car:read', exp: Math.floor(Date.now() / 1000) + 300, ...cnf }));
  });
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const base = `https://localhost:${(server.address() as AddressInfo).port}`;
t.teardown(() => new Promise<void>((r) => server.close(() => r())));

const deps = () => ({ logger: pino({ level: 'silent' }), registry: new Registry() });

t.test('JWKS over https from a private CA', async (t) => {
  const stage = createAuthenticateStage(tokensSection({ jwt: { jwks_uri: `${base}/jwks`, issuer: 'https://idp', audience: 'api', algorithms: ['ES256'], tls: { ca_file: pki.ca } } }), deps());
  const untrusting = createAuthenticateStage(tokensSection({ jwt: { jwks_uri: `${base}/jwks`, issuer: 'https://idp', audience: 'api', algorithms: ['ES256'], tls: { ca_file: pki.otherCa } } }), deps());
  t.teardown(async () => {
    await stage.close();
    await untrusting.close();
  });
  const token = await new SignJWT({ scope: 'car:read' }).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).setIssuer('https://idp').setAudience('api').setSubject('u1').setExpirationTime('5m').sign(privateKey);
  const ok = await runStage(stage, makeContext({ auth: 'jwt', authorization: `Bearer ${token}` }));
  t.ok(ok.ok, 'verified with keys fetched over TLS');
  t.equal(ok.ctx.auth?.token?.sub, 'u1');
  t.ok(seen.some((s) => s.path === '/jwks'));
  const refused = await runStage(untrusting, makeContext({ auth: 'jwt', authorization: `Bearer ${token}` }));
  t.equal(refused.ok, false);
  if (!refused.ok) t.equal(refused.error.code, 'GW_ERR_TOKEN_SERVER_UNAVAILABLE', 'an untrusted token server is an outage (503), not the token\'s fault');
});

t.test('introspection with tls_client_auth (RFC 8705 §2): the client certificate instead of a secret', async (t) => {
  const introspection = (tlsBlock: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
    createAuthenticateStage(tokensSection({ introspection: { endpoint: `${base}/introspect`, client_id: 'gw', auth_method: 'tls_client_auth', tls: tlsBlock, breaker: { volume_threshold: 100 }, ...extra } }), deps());
  const mtls = introspection({ ca_file: pki.ca, cert_file: gwClient.cert, key_file: gwClient.key });
  t.teardown(() => mtls.close());
  const before = seen.length;
  const ok = await runStage(mtls, makeContext({ auth: 'introspection', authorization: 'Bearer opaque-token-1' }));
  t.ok(ok.ok);
  t.equal(ok.ctx.auth?.token?.sub, 'u1');
  const call = seen.slice(before).find((s) => s.path === '/introspect');
  t.equal(call?.clientCn, 'regate-gw', 'the token server saw the gateway certificate');
  const form = new URLSearchParams(call?.body ?? '');
  t.equal(form.get('client_id'), 'gw');
  t.equal(form.get('client_secret'), null, 'no secret is sent');

  // a certificate-bound token from introspection is refused like a bound JWT (cert-binding.ts)
  const bound = await runStage(mtls, makeContext({ auth: 'introspection', authorization: 'Bearer bound-token' }));
  t.equal(bound.ok, false);
  if (!bound.ok) {
    t.equal(bound.error.code, 'GW_ERR_TOKEN_CERT_MISMATCH');
    t.equal(bound.error.status, 401);
    t.match(bound.error.headers?.['www-authenticate'], /error="invalid_token"/);
  }

  t.throws(() => introspection({ ca_file: pki.ca }), /tls_client_auth needs an https endpoint and tls\.cert_file/, 'tls_client_auth without a certificate is misuse');
  // a gateway with a secret but no certificate is refused by this server: an outage (503), never 401
  const noCert = createAuthenticateStage(tokensSection({ introspection: { endpoint: `${base}/introspect`, client_id: 'gw', client_secret: 's', tls: { ca_file: pki.ca } } }), deps());
  t.teardown(() => noCert.close());
  const refused = await runStage(noCert, makeContext({ auth: 'introspection', authorization: 'Bearer opaque-token-2' }));
  t.equal(refused.ok, false);
  if (!refused.ok) t.equal(refused.error.code, 'GW_ERR_TOKEN_SERVER_UNAVAILABLE');
});

t.test('SIGHUP (reloadTls) re-reads the token server client certificate for new connections; a bad file keeps the current one', async (t) => {
  const renewed = pki.issue('gw-renewed', { cn: 'regate-gw', client: true });
  const fp = (pem: string) => new X509Certificate(readFileSync(pem)).fingerprint256;
  const live = { cert: join(pki.dir, 'gw-live.pem'), key: join(pki.dir, 'gw-live.key') };
  copyFileSync(gwClient.cert, live.cert);
  copyFileSync(gwClient.key, live.key);
  const stage = createAuthenticateStage(
    tokensSection({ introspection: { endpoint: `${base}/introspect`, client_id: 'gw', auth_method: 'tls_client_auth', tls: { ca_file: pki.ca, cert_file: live.cert, key_file: live.key }, breaker: { volume_threshold: 100 } } }),
    deps(),
  );
  t.teardown(() => stage.close());
  // each call on a new connection: the server drops its idle keep-alive sockets first
  const call = async (token: string) => {
    server.closeIdleConnections();
    const before = seen.length;
    const r = await runStage(stage, makeContext({ auth: 'introspection', authorization: `Bearer ${token}` }));
    t.ok(r.ok, `${token} accepted`);
    return seen.slice(before).find((s) => s.path === '/introspect')?.clientFp;
  };
  t.equal(await call('reload-1'), fp(gwClient.cert), 'the configured certificate');
  copyFileSync(renewed.cert, live.cert);
  copyFileSync(renewed.key, live.key);
  t.equal(await call('reload-2'), fp(gwClient.cert), 'files renewed on disk, no reload yet: still the loaded one');
  t.equal(stage.reloadTls(), 1, 'one token-server client reloaded');
  t.equal(await call('reload-3'), fp(renewed.cert), 'after the reload a new connection presents the renewed certificate');
  writeFileSync(live.cert, 'not a certificate');
  t.throws(() => stage.reloadTls(), 'a bad file fails the reload');
  t.equal(await call('reload-4'), fp(renewed.cert), 'and the working certificate stays in use');
});
