/**
 * Client certificates on the listener (`listen.tls.client_auth: optional|required`), with real
 * certificates made for the run: TLS ends in Node (server/mtls-terminator.ts), which hands each
 * connection to uWS over a private unix socket with a PROXY v2 header carrying its id. What the
 * policy sees is echoed to the upstream as headers by a real Rego policy, and checked there,
 * request by request: `input.request.tls` (subject, san, x5t#S256), the real client address,
 * RFC 8705 certificate-bound tokens (JWT and introspection), spoofing attempts with a client's
 * own PROXY header, keep-alive identity, and a certificate reload under an in-flight request.
 */
import t, { type Test } from 'tap';
import https from 'node:https';
import http from 'node:http';
import tls from 'node:tls';
import net from 'node:net';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { Registry } from 'prom-client';
import { generateKeyPair, exportJWK, SignJWT } from 'jose';
import { loadConfigText } from '../../../src/gateway/config/load.js';
import { buildStages } from '../../../src/gateway/pipeline/stages.js';
import { createGateway } from '../../../src/gateway/server/gateway.js';
import { createConnectionId, encodeProxyHeader } from '../../../src/gateway/server/mtls-connections.js';
import { startUpstream, type Upstream } from '../helpers.js';
import { createTestPki } from '../../helpers/tls-certs.js';
import { keepAliveGet } from '../../helpers/keep-alive-get.js';

const pki = createTestPki();
t.teardown(() => pki.remove());
const server = pki.issue('server', { cn: 'localhost', san: ['DNS:localhost', 'IP:127.0.0.1'] });
const clientA = pki.issue('client-a', { cn: 'client-a', san: ['URI:spiffe://test/a', 'DNS:a.example'], client: true });
const clientB = pki.issue('client-b', { cn: 'client-b', san: ['URI:spiffe://test/b'], client: true });
const stranger = pki.issue('stranger', { cn: 'client-a', san: ['URI:spiffe://test/a'], client: true, ca: 'other' });
const expired = pki.issue('expired', { cn: 'client-a', client: true, expired: true });
const ca = readFileSync(pki.ca);
const certOf = (c: { cert: string; key: string }) => ({ cert: readFileSync(c.cert), key: readFileSync(c.key) });

// the policy echoes what it saw to the upstream, which records it
const POLICY = `package gw

import rego.v1

decision := {"allow": true, "upstream": {"headers": h}}

h := {
	"x-seen-subject": input.request.tls.subject,
	"x-seen-san": concat(" ", input.request.tls.san),
	"x-seen-x5t": input.request.tls["x5t#S256"],
	"x-seen-remote": input.request.remote_addr,
} if {
	input.request.tls
} else := {"x-seen-subject": "none", "x-seen-remote": input.request.remote_addr}
`;

interface Setup {
  port: number;
  up: Upstream;
  gw: ReturnType<typeof createGateway>;
  dir: string;
  close(): Promise<void>;
}

/** `plain`: no TLS; `uws-tls`: uWS's own TLS listener (client_auth: none) */
async function setup(t: Test, clientAuth: 'optional' | 'required' | 'plain' | 'uws-tls', more: { tokens?: string; auth?: string; upstream?: Upstream; tlsExtra?: string } = {}): Promise<Setup> {
  const dir = mkdtempSync(join(tmpdir(), 'regate-mtls-test-'));
  writeFileSync(join(dir, 'gw.rego'), POLICY);
  // the listener's files are copies, so a reload can replace them
  copyFileSync(server.cert, join(dir, 'server.pem'));
  copyFileSync(server.key, join(dir, 'server.key'));
  const up = more.upstream ?? (await startUpstream());
  const tlsBlock =
    clientAuth === 'plain' ? '' : clientAuth === 'uws-tls' ? '\n  tls: { cert_file: server.pem, key_file: server.key }' : `\n  tls: { cert_file: server.pem, key_file: server.key, ca_file: ${pki.ca}, client_auth: ${clientAuth}${more.tlsExtra ?? ''} }`;
  const config = loadConfigText(
    `listen:
  host: 127.0.0.1
  port: 0${tlsBlock}
admin: { enabled: false }
upstreams: { echo: { url: "${up.url}", timeout_ms: 5000 } }
policies: { dir: ${dir}, engine: js }
${more.tokens ?? ''}
routes:
  - { id: echo, match: { path_prefix: /echo }, upstream: echo, policy: gw/decision${more.auth ? `, auth: ${more.auth}` : ''} }
`,
    { file: join(dir, 'regate.yaml'), env: {} },
  );
  const logger = pino({ level: 'silent' });
  const registry = new Registry();
  const built = await buildStages(config, { logger, registry });
  const gw = createGateway({ config, logger, registry, stages: built.stages });
  const port = await gw.listen(0);
  const s: Setup = {
    port,
    up,
    gw,
    dir,
    async close() {
      await gw.close(1000);
      await built.close();
      if (more.upstream === undefined) await up.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  t.teardown(() => s.close());
  return s;
}

interface Answer {
  status: number;
  body: string;
  headers: http.IncomingHttpHeaders;
}

function get(port: number, path: string, opts: https.RequestOptions = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = https.request({ host: '127.0.0.1', port, path, ca, servername: 'localhost', agent: false, ...opts }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** a PROXY source address a client might try: ::1 */
const ONE = '1'.padStart(32, '0');

const seenOf = (up: Upstream, url: string) => up.seen.filter((s) => s.url === url).map((s) => s.headers);

t.test('required: TLS 1.2 and 1.3 clients with a certificate: the policy sees subject, san and x5t#S256, and the real client address', async (t) => {
  const s = await setup(t, 'required');
  for (const v of ['TLSv1.2', 'TLSv1.3'] as const) {
    const r = await get(s.port, `/echo/${v}`, { ...certOf(clientA), minVersion: v, maxVersion: v });
    t.equal(r.status, 200, v);
    const [h] = seenOf(s.up, `/echo/${v}`);
    t.equal(h?.['x-seen-subject'], 'CN=client-a', `${v}: subject`);
    t.equal(h?.['x-seen-san'], 'URI:spiffe://test/a DNS:a.example', `${v}: san`);
    t.equal(h?.['x-seen-x5t'], clientA.x5tS256, `${v}: x5t#S256`);
    t.equal(h?.['x-seen-remote'], '127.0.0.1', `${v}: the TLS client's address, not the unix socket's`);
    t.equal(h?.['x-forwarded-for'], '127.0.0.1', `${v}: X-Forwarded-For from the real address`);
  }
});

t.test('required: no certificate, a certificate from another CA, an expired one: refused, nothing reaches the upstream', async (t) => {
  const s = await setup(t, 'required');
  for (const v of ['TLSv1.2', 'TLSv1.3'] as const) {
    await t.rejects(get(s.port, '/echo/none', { minVersion: v, maxVersion: v }), `${v}: no certificate`);
    await t.rejects(get(s.port, '/echo/stranger', { ...certOf(stranger), minVersion: v, maxVersion: v }), `${v}: another CA (same subject and SAN)`);
    await t.rejects(get(s.port, '/echo/expired', { ...certOf(expired), minVersion: v, maxVersion: v }), `${v}: expired`);
  }
  t.equal(s.up.seen.length, 0);
  const ok = await get(s.port, '/echo/ok', certOf(clientB));
  t.equal(ok.status, 200, 'the listener still serves');
  t.equal(seenOf(s.up, '/echo/ok')[0]?.['x-seen-subject'], 'CN=client-b');
});

t.test('optional: without a certificate the request proceeds with no input.request.tls; a stranger is refused', async (t) => {
  const s = await setup(t, 'optional');
  const r = await get(s.port, '/echo/anon');
  t.equal(r.status, 200);
  t.equal(seenOf(s.up, '/echo/anon')[0]?.['x-seen-subject'], 'none');
  t.equal(seenOf(s.up, '/echo/anon')[0]?.['x-seen-remote'], '127.0.0.1');
  const withCert = await get(s.port, '/echo/a', certOf(clientA));
  t.equal(withCert.status, 200);
  t.equal(seenOf(s.up, '/echo/a')[0]?.['x-seen-x5t'], clientA.x5tS256);
  for (const v of ['TLSv1.2', 'TLSv1.3'] as const) {
    await t.rejects(get(s.port, '/echo/stranger', { ...certOf(stranger), minVersion: v, maxVersion: v }), `${v}: stranger`);
    await t.rejects(get(s.port, '/echo/expired', { ...certOf(expired), minVersion: v, maxVersion: v }), `${v}: expired`);
  }
  t.equal(seenOf(s.up, '/echo/stranger').length + seenOf(s.up, '/echo/expired').length, 0);
});

t.test('RFC 8705: a certificate-bound JWT passes with its certificate, 401 with another and without one', async (t) => {
  const { publicKey, privateKey } = await generateKeyPair('ES256');
  const jwk = await exportJWK(publicKey);
  const s = await setup(t, 'optional', {
    tokens: `tokens:\n  jwt: { keys: [ { kty: EC, crv: P-256, x: ${jwk.x}, y: ${jwk.y}, kid: k1 } ], issuer: "https://idp", audience: api, algorithms: [ES256] }`,
    auth: 'jwt',
  });
  const sign = (claims: Record<string, unknown>) => new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).setIssuer('https://idp').setAudience('api').setSubject('u1').setExpirationTime('5m').sign(privateKey);
  const bound = await sign({ cnf: { 'x5t#S256': clientA.x5tS256 } });
  const auth = { authorization: `Bearer ${bound}` };
  for (let i = 0; i < 2; i++) {
    // the second round's claims come from the token cache: the binding is checked per request
    t.equal((await get(s.port, '/echo/bound-a', { ...certOf(clientA), headers: auth })).status, 200, `round ${i}: its certificate`);
    const other = await get(s.port, '/echo/bound-b', { ...certOf(clientB), headers: auth });
    t.equal(other.status, 401, `round ${i}: another certificate of the same CA`);
    t.equal((JSON.parse(other.body) as { error: string }).error, 'GW_ERR_TOKEN_CERT_MISMATCH');
    t.equal(other.headers['www-authenticate'], 'Bearer realm="regate", error="invalid_token"');
    t.equal((await get(s.port, '/echo/bound-none', { headers: auth })).status, 401, `round ${i}: no certificate`);
  }
  t.equal((await get(s.port, '/echo/unbound', { headers: { authorization: `Bearer ${await sign({})}` } })).status, 200, 'an unbound token needs no certificate');
  t.equal(seenOf(s.up, '/echo/bound-a').length, 2);
  t.equal(seenOf(s.up, '/echo/bound-b').length + seenOf(s.up, '/echo/bound-none').length, 0);
});

t.test('RFC 8705: an introspection answer with cnf binds the token the same way', async (t) => {
  const idp = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const token = new URLSearchParams(body).get('token');
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(token === 'bound-to-b' ? { active: true, sub: 'u2', exp: Math.floor(Date.now() / 1000) + 300, cnf: { 'x5t#S256': clientB.x5tS256 } } : { active: false }));
    });
  });
  await new Promise<void>((r) => idp.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => idp.close(() => r())));
  const idpPort = (idp.address() as net.AddressInfo).port;
  const s = await setup(t, 'required', {
    tokens: `tokens:\n  introspection: { endpoint: "http://127.0.0.1:${idpPort}/introspect", client_id: gw, client_secret: s }`,
    auth: 'introspection',
  });
  const auth = { authorization: 'Bearer bound-to-b' };
  t.equal((await get(s.port, '/echo/i-b', { ...certOf(clientB), headers: auth })).status, 200, 'its certificate');
  t.equal((await get(s.port, '/echo/i-a', { ...certOf(clientA), headers: auth })).status, 401, 'another certificate (cached introspection answer)');
  t.equal(seenOf(s.up, '/echo/i-b')[0]?.['x-seen-x5t'], clientB.x5tS256);
  t.equal(seenOf(s.up, '/echo/i-a').length, 0);
});

/** A raw TLS connection that sends `bytes` and collects everything until the server closes or `ms` pass. */
function rawTls(port: number, cert: { cert: string; key: string } | null, bytes: Buffer[], ms = 1500): Promise<{ data: string; closedByServer: boolean }> {
  return new Promise((resolve, reject) => {
    const sock = tls.connect({ host: '127.0.0.1', port, ca, servername: 'localhost', ...(cert ? certOf(cert) : {}) }, () => {
      for (const b of bytes) sock.write(b);
    });
    let data = '';
    const timer = setTimeout(() => {
      sock.destroy();
      resolve({ data, closedByServer: false });
    }, ms);
    sock.on('data', (d: Buffer) => (data += d.toString('latin1')));
    sock.on('error', (err) => {
      clearTimeout(timer);
      if (data !== '') resolve({ data, closedByServer: true });
      else reject(err);
    });
    sock.on('close', () => {
      clearTimeout(timer);
      resolve({ data, closedByServer: true });
    });
  });
}

t.test('a client cannot spoof an identity with its own PROXY v2 header', async (t) => {
  const s = await setup(t, 'optional');
  // connection 1 is client A's (and stays open); B then tries to claim id 1 — and every low id — inside TLS
  const holder = tls.connect({ host: '127.0.0.1', port: s.port, ca, servername: 'localhost', ...certOf(clientA) });
  await new Promise<void>((r) => holder.once('secureConnect', () => r()));
  t.teardown(() => holder.destroy());
  // ids are random (mtls-connections.ts): the attacker guesses; counters would have been 1, 2, 3
  for (const n of [1, 2, 3]) {
    const id = n.toString(16).padStart(32, '0');
    const got = await rawTls(s.port, clientB, [encodeProxyHeader(id), Buffer.from(`GET /echo/spoof-${n} HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\n\r\n`)]);
    t.notMatch(got.data, /^HTTP\/1\.1 200/, `id ${n}: no answer as anyone`);
    // and without a certificate at all
    const anon = await rawTls(s.port, null, [encodeProxyHeader(id), Buffer.from(`GET /echo/spoof-anon-${n} HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\n\r\n`)]);
    t.notMatch(anon.data, /^HTTP\/1\.1 200/, `id ${n}, no certificate: no answer`);
  }
  t.equal(s.up.seen.filter((x) => x.url.startsWith('/echo/spoof')).length, 0, 'nothing reached the upstream');
  // the real request after the attempts still carries its own identity
  const real = await rawTls(s.port, clientB, [Buffer.from('GET /echo/real HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\n\r\n')]);
  t.match(real.data, /^HTTP\/1\.1 200/);
  t.equal(seenOf(s.up, '/echo/real')[0]?.['x-seen-subject'], 'CN=client-b');
});

t.test('the private socket: a stream without our header, or with an id nobody opened, is closed unanswered', async (t) => {
  const s = await setup(t, 'required');
  const path = s.gw.mtls()?.path;
  t.ok(path, 'the gateway reports its unix socket');
  const talk = (bytes: Buffer[]) =>
    new Promise<string>((resolve) => {
      const sock = net.connect(path as string, () => bytes.forEach((b) => sock.write(b)));
      let data = '';
      sock.on('data', (d: Buffer) => (data += d.toString('latin1')));
      sock.on('error', () => resolve(data));
      sock.on('close', () => resolve(data));
      setTimeout(() => sock.destroy(), 3000);
    });
  const req = Buffer.from('GET /echo/direct HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n');
  t.equal(await talk([req]), '', 'no PROXY header');
  t.equal(await talk([encodeProxyHeader(createConnectionId()), req]), '', 'an unknown id');
  t.equal(s.up.seen.length, 0);
});

t.test('public listeners never read a PROXY header: plain and uWS TLS', async (t) => {
  const request = (path: string) => Buffer.from(`GET ${path} HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\n\r\n`);
  const plain = await setup(t, 'plain');
  const got = await new Promise<string>((resolve) => {
    const sock = net.connect(plain.port, '127.0.0.1', () => {
      sock.write(encodeProxyHeader(ONE));
      sock.write(request('/echo/plain-proxy'));
    });
    let data = '';
    sock.on('data', (d: Buffer) => (data += d.toString('latin1')));
    sock.on('close', () => resolve(data));
    sock.on('error', () => resolve(data));
  });
  // uWS takes a leading PROXY header off any stream; the gateway uses the socket's address there
  t.match(got, /^HTTP\/1\.1 200/);
  t.same(seenOf(plain.up, '/echo/plain-proxy').map((h) => [h['x-seen-remote'], h['x-seen-subject']]), [['127.0.0.1', 'none']]);
  const uwsTls = await setup(t, 'uws-tls');
  const overTls = await rawTls(uwsTls.port, clientA, [encodeProxyHeader(ONE), request('/echo/tls-proxy')]);
  // uWS takes it off the decrypted stream too: still the socket's address, no input.request.tls
  t.match(overTls.data, /^HTTP\/1\.1 200/);
  t.same(seenOf(uwsTls.up, '/echo/tls-proxy').map((h) => [h['x-seen-remote'], h['x-seen-subject']]), [['127.0.0.1', 'none']], 'uWS TLS: no input.request.tls, the socket address');
  t.notMatch(JSON.stringify([...plain.up.seen, ...uwsTls.up.seen]), /0000:0000:0000:0000:0000:0000:0000:0001|"::1"/, 'the header address (::1) is nowhere');
});

t.test('keep-alive: each connection keeps its identity; two interleaved connections never mix', async (t) => {
  const s = await setup(t, 'required');
  const open = (cert: { cert: string; key: string }) =>
    new Promise<tls.TLSSocket>((resolve, reject) => {
      const sock = tls.connect({ host: '127.0.0.1', port: s.port, ca, servername: 'localhost', ...certOf(cert) }, () => resolve(sock));
      sock.on('error', reject);
    });
  const a = await open(clientA);
  const b = await open(clientB);
  t.teardown(() => {
    a.destroy();
    b.destroy();
  });
  const ask = keepAliveGet;
  const order: string[] = [];
  for (let i = 0; i < 6; i++) {
    // interleaved, and a few in flight on both at once
    const [ra, rb] = await Promise.all([ask(a, `/echo/ka-a-${i}`), ask(b, `/echo/ka-b-${i}`)]);
    t.equal(ra, 'HTTP/1.1 200 OK');
    t.equal(rb, 'HTTP/1.1 200 OK');
    order.push(`a${i}`, `b${i}`);
  }
  let checked = 0;
  for (const x of s.up.seen) {
    const m = /^\/echo\/ka-(a|b)-\d+$/.exec(x.url);
    if (!m) continue;
    const want = m[1] === 'a' ? clientA : clientB;
    t.equal(x.headers['x-seen-x5t'], want.x5tS256, `${x.url} carried its own connection's thumbprint`);
    t.equal(x.headers['x-seen-subject'], m[1] === 'a' ? 'CN=client-a' : 'CN=client-b');
    checked++;
  }
  t.equal(checked, 12);
  t.equal(s.gw.mtls()?.connections.size, 2, 'one table entry per open connection');
  a.destroy();
  b.destroy();
  // entries go when the streams close
  for (let i = 0; i < 50 && (s.gw.mtls()?.connections.size ?? 0) > 0; i++) await new Promise((r) => setTimeout(r, 20));
  t.equal(s.gw.mtls()?.connections.size, 0, 'entries removed after close');
});

t.test('certificate reload: an in-flight request finishes, new connections get the new certificate', async (t) => {
  let release: () => void = () => {};
  const slow = await startUpstream((req, res) => {
    if (req.url === '/echo/slow') {
      release = () => res.end('slow done');
      return;
    }
    res.end('ok');
  });
  t.teardown(() => slow.close());
  const s = await setup(t, 'required', { upstream: slow });
  const before = await new Promise<string>((resolve, reject) => {
    const sock = tls.connect({ host: '127.0.0.1', port: s.port, ca, servername: 'localhost', ...certOf(clientA) }, () => {
      resolve(sock.getPeerX509Certificate()?.serialNumber ?? '');
      sock.destroy();
    });
    sock.on('error', reject);
  });
  const inflight = get(s.port, '/echo/slow', certOf(clientA));
  for (let i = 0; i < 100 && slow.seen.every((x) => x.url !== '/echo/slow'); i++) await new Promise((r) => setTimeout(r, 20));
  const renewed = pki.issue('server-renewed', { cn: 'localhost', san: ['DNS:localhost', 'IP:127.0.0.1'] });
  copyFileSync(renewed.cert, join(s.dir, 'server.pem'));
  copyFileSync(renewed.key, join(s.dir, 'server.key'));
  await s.gw.reloadTls();
  const after = await new Promise<string>((resolve, reject) => {
    const sock = tls.connect({ host: '127.0.0.1', port: s.port, ca, servername: 'localhost', ...certOf(clientB) }, () => {
      resolve(sock.getPeerX509Certificate()?.serialNumber ?? '');
      sock.destroy();
    });
    sock.on('error', reject);
  });
  t.not(after, before, 'a new connection gets the renewed certificate');
  release();
  const r = await inflight;
  t.equal(r.status, 200, 'the in-flight request was not dropped');
  t.equal(r.body, 'slow done');
  // a bad file keeps the running certificate
  writeFileSync(join(s.dir, 'server.key'), 'not a key');
  await t.rejects(s.gw.reloadTls());
  t.equal((await get(s.port, '/echo/after', certOf(clientA))).status, 200);
});

t.test('min_version: TLSv1.3 is enforced on an mTLS listener', async (t) => {
  const s = await setup(t, 'required', { tlsExtra: ', min_version: TLSv1.3' });
  await t.rejects(get(s.port, '/echo/v12', { ...certOf(clientA), maxVersion: 'TLSv1.2' }));
  t.equal((await get(s.port, '/echo/v13', certOf(clientA))).status, 200);
});

t.test('half-close passes through the terminator: an answer given at once arrives after the client\'s FIN', async (t) => {
  const mtls = await setup(t, 'required');
  const halfClose = (port: number, path: string) =>
    new Promise<string>((resolve, reject) => {
      // Node documents allowHalfOpen for tls.connect (passed to the TLSSocket); @types/node's
      // ConnectionOptions lacks it, so the options are typed with it added
      const opts: tls.ConnectionOptions & { allowHalfOpen: boolean } = { host: '127.0.0.1', port, ca, servername: 'localhost', ...certOf(clientA), allowHalfOpen: true };
      const sock = tls.connect(opts, () => {
        sock.end(`GET ${path} HTTP/1.1\r\nhost: localhost\r\n\r\n`);
      });
      let data = '';
      sock.on('data', (d: Buffer) => (data += d.toString('latin1')));
      sock.on('close', () => resolve(data));
      sock.on('error', (err) => (data === '' ? reject(err) : resolve(data)));
      setTimeout(() => sock.destroy(), 4000);
    });
  // no route: uWS answers 404 in the same read as the FIN; the terminator must carry it back
  t.match(await halfClose(mtls.port, '/nope'), /^HTTP\/1\.1 404/);
  // an answer that waits for the upstream does not come: uWS closes a stream at its FIN (its own
  // TLS listener answers neither, half-closed)
  for (let i = 0; i < 100 && (mtls.gw.mtls()?.connections.size ?? 0) > 0; i++) await new Promise((r) => setTimeout(r, 20));
  t.equal(mtls.gw.mtls()?.connections.size ?? -1, 0, 'no entry left behind');
});

t.test('large bodies both ways, with a client that stops reading for a while: every byte arrives in order', async (t) => {
  const { createHash, randomBytes } = await import('node:crypto');
  const big = randomBytes(12 * 1024 * 1024);
  let uploaded = '';
  const up = await startUpstream((req, res) => {
    if (req.url === '/echo/upload') {
      const h = createHash('sha256');
      req.on('data', (c: Buffer) => h.update(c));
      req.on('end', () => {
        uploaded = h.digest('hex');
        res.end('ok');
      });
      return;
    }
    res.setHeader('content-length', big.length);
    res.end(big);
  });
  t.teardown(() => up.close());
  const s = await setup(t, 'required', { upstream: up });
  // download, pausing the client for 1 s after the first MB so every buffer on the way fills
  const got = await new Promise<string>((resolve, reject) => {
    const req = https.request({ host: '127.0.0.1', port: s.port, path: '/echo/download', ca, servername: 'localhost', agent: false, ...certOf(clientA) }, (res) => {
      const h = createHash('sha256');
      let n = 0;
      let paused = false;
      res.on('data', (c: Buffer) => {
        h.update(c);
        n += c.length;
        if (!paused && n > 1024 * 1024) {
          paused = true;
          res.pause();
          setTimeout(() => res.resume(), 1000);
        }
      });
      res.on('end', () => resolve(`${n}:${h.digest('hex')}`));
    });
    req.on('error', reject);
    req.end();
  });
  t.equal(got, `${big.length}:${createHash('sha256').update(big).digest('hex')}`, 'download intact');
  // upload: 4 MB (under limits.max_body_bytes' default of 10 MB)
  const body = big.subarray(0, 4 * 1024 * 1024);
  const status = await new Promise<number>((resolve, reject) => {
    const req = https.request({ host: '127.0.0.1', port: s.port, path: '/echo/upload', method: 'POST', ca, servername: 'localhost', agent: false, headers: { 'content-length': body.length }, ...certOf(clientA) }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
  t.equal(status, 200);
  t.equal(uploaded, createHash('sha256').update(body).digest('hex'), 'upload intact');
});
