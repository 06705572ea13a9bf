/**
 * RFC 8705 §3 certificate-bound tokens: a token with `cnf.x5t#S256` passes only over a client
 * certificate with that thumbprint; with another certificate or none it is refused (401
 * GW_ERR_TOKEN_CERT_MISMATCH, `error="invalid_token"`). Unbound tokens pass. Through the real
 * gateway over mutual TLS with real certificates (the listener terminates TLS in Node,
 * server/mtls-terminator.ts), and the comparison itself on its own.
 */
import t from 'tap';
import https from 'node:https';
import { readFileSync } from 'node:fs';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { createAuthenticateStage } from '../../../src/gateway/authn/index.js';
import { tokensSection } from '../../helpers/config-sections.js';
import { boundThumbprint, certificateBindingHolds } from '../../../src/gateway/authn/cert-binding.js';
import { startGateway, startUpstream } from '../helpers.js';
import { createTestPki } from '../../helpers/tls-certs.js';

const pki = createTestPki();
t.teardown(() => pki.remove());
const server = pki.issue('server', { cn: 'localhost', san: ['DNS:localhost', 'IP:127.0.0.1'] });
const client = pki.issue('client', { cn: 'app-1', client: true });
const otherClient = pki.issue('client-2', { cn: 'app-2', client: true });

t.test('the comparison: unbound passes, bound needs the same thumbprint, malformed never matches', async (t) => {
  t.equal(boundThumbprint({ sub: 'u' }), null);
  t.equal(certificateBindingHolds({ sub: 'u' }, undefined), true);
  t.equal(certificateBindingHolds({ cnf: { 'x5t#S256': client.x5tS256 } }, undefined), false);
  t.equal(certificateBindingHolds({ cnf: { 'x5t#S256': client.x5tS256 } }, client.x5tS256), true);
  t.equal(certificateBindingHolds({ cnf: { 'x5t#S256': client.x5tS256 } }, client.x5tS256.slice(1) + 'A'), false);
  t.equal(certificateBindingHolds({ cnf: { 'x5t#S256': 42 } }, ''), false);
  t.equal(certificateBindingHolds({ cnf: { jkt: 'dpop-bound' } }, undefined), true, 'other confirmation methods are not this check');
});

t.test('over mutual TLS through the gateway: the bound token passes with its certificate, not with another or none', async (t) => {
  const { publicKey, privateKey } = await generateKeyPair('ES256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256' };
  const up = await startUpstream();
  const registry = new Registry();
  const stage = createAuthenticateStage(tokensSection({ jwt: { keys: [jwk], issuer: 'https://idp', audience: 'api', algorithms: ['ES256'] } }), { logger: pino({ level: 'silent' }), registry });
  const gw = await startGateway(
    `
listen:
  host: 127.0.0.1
  port: 0
  tls: { cert_file: ${server.cert}, key_file: ${server.key}, ca_file: ${pki.ca}, client_auth: optional }
admin: { enabled: false }
upstreams:
  echo: { url: ${up.url} }
tokens:
  jwt: { keys: [ { kty: EC, crv: P-256, x: ${jwk.x}, y: ${jwk.y}, kid: k1 } ], issuer: "https://idp", audience: api, algorithms: [ES256] }
routes:
  - { id: echo, match: { path_prefix: /echo }, upstream: echo, auth: jwt }
`,
    { stages: [stage] },
  );
  t.teardown(async () => {
    await gw.close();
    await stage.close();
    await up.close();
  });
  const sign = (claims: Record<string, unknown>) => new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).setIssuer('https://idp').setAudience('api').setSubject('u1').setExpirationTime('5m').sign(privateKey);
  const get = (token: string, cert: { cert: string; key: string } | null = client) =>
    new Promise<{ status: number; wwwAuth: string | undefined; body: string }>((resolve, reject) => {
      const req = https.request({ host: '127.0.0.1', port: gw.port, path: '/echo/x', servername: 'localhost', ca: readFileSync(pki.ca), ...(cert ? { cert: readFileSync(cert.cert), key: readFileSync(cert.key) } : {}), agent: false, headers: { authorization: `Bearer ${token}` } }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, wwwAuth: res.headers['www-authenticate'], body }));
      });
      req.on('error', reject);
      req.end();
    });
  const plain = await get(await sign({}));
  t.equal(plain.status, 200, 'an unbound token passes');
  const bound = await sign({ cnf: { 'x5t#S256': client.x5tS256 } });
  for (let i = 0; i < 2; i++) {
    // the second time the verified claims come from the cache: the check still applies
    t.equal((await get(bound)).status, 200, `round ${i}: its certificate`);
    for (const [what, cert] of [['another certificate', otherClient], ['no certificate', null]] as const) {
      const r = await get(bound, cert);
      t.equal(r.status, 401, `round ${i}: ${what}`);
      t.equal((JSON.parse(r.body) as { error: string }).error, 'GW_ERR_TOKEN_CERT_MISMATCH');
      t.equal(r.wwwAuth, 'Bearer realm="regate", error="invalid_token"');
    }
  }
  t.equal(up.seen.length, 3, 'the refused requests never reached the upstream');
});
