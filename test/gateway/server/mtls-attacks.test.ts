/**
 * The mTLS listener from the attacker's side (server/mtls-terminator.ts, mtls-connections.ts):
 * raw TLS sockets try to take another connection's identity — a PROXY v2 header sent after a
 * request, split across TLS records — to renegotiate the handshake the cached certificate facts
 * came from, to resume a session past a reload that dropped its CA, to forge
 * `input.request.tls` or the client address with headers, and to hold connections open (no
 * ClientHello, a dripped handshake, idle, slowloris). Also: the round robin past an exited
 * worker, the private socket's directory. What the upstream receives is checked per request.
 */
import t, { type Test } from 'tap';
import tls from 'node:tls';
import net from 'node:net';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import pino from 'pino';
import { Registry } from 'prom-client';
import { loadConfigText } from '../../../src/gateway/config/load.js';
import { buildStages } from '../../../src/gateway/pipeline/stages.js';
import { createGateway } from '../../../src/gateway/server/gateway.js';
import { encodeProxyHeader } from '../../../src/gateway/server/mtls-connections.js';
import { createMtlsTerminator } from '../../../src/gateway/server/mtls-terminator.js';
import { startUpstream, type Upstream } from '../helpers.js';
import { createTestPki } from '../../helpers/tls-certs.js';

// only the subtests marked buffered run concurrently (two at a time); the others run in order
t.jobs = 2;

const pki = createTestPki();
t.teardown(() => pki.remove());
const server = pki.issue('server', { cn: 'localhost', san: ['DNS:localhost', 'IP:127.0.0.1'] });
const clientA = pki.issue('client-a', { cn: 'client-a', san: ['URI:spiffe://test/a'], client: true });
const clientB = pki.issue('client-b', { cn: 'client-b', san: ['URI:spiffe://test/b'], client: true });
const ca = readFileSync(pki.ca);
const certOf = (c: { cert: string; key: string }) => ({ cert: readFileSync(c.cert), key: readFileSync(c.key) });

const POLICY = `package gw

import rego.v1

decision := {"allow": true, "upstream": {"headers": h}}

h := {"x-seen-subject": input.request.tls.subject, "x-seen-remote": input.request.remote_addr} if {
	input.request.tls
} else := {"x-seen-subject": "none", "x-seen-remote": input.request.remote_addr}
`;

async function setup(t: Test, clientAuth: 'optional' | 'required', tlsExtra = '', external = false) {
  const dir = mkdtempSync(join(tmpdir(), 'regate-mtls-attack-'));
  writeFileSync(join(dir, 'gw.rego'), POLICY);
  // a copy, so a reload can replace the trusted CA
  copyFileSync(pki.ca, join(dir, 'ca.pem'));
  const up: Upstream = await startUpstream();
  const config = loadConfigText(
    `listen:
  host: 127.0.0.1
  port: 0
  tls: { cert_file: ${server.cert}, key_file: ${server.key}, ca_file: ${join(dir, 'ca.pem')}, client_auth: ${clientAuth}${tlsExtra} }
admin: { enabled: false }
upstreams: { echo: { url: "${up.url}", timeout_ms: 5000 } }
policies: { dir: ${dir}, engine: js }
routes:
  - { id: echo, match: { path_prefix: /echo }, upstream: echo, policy: gw/decision }
`,
    { file: join(dir, 'regate.yaml'), env: {} },
  );
  const logger = pino({ level: 'silent' });
  const registry = new Registry();
  const built = await buildStages(config, { logger, registry });
  const gw = createGateway({ config, logger, registry, stages: built.stages });
  const port = await gw.listen(0, external ? { mtls: 'external' } : {});
  t.teardown(async () => {
    await gw.close(1000);
    await built.close();
    await up.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { port, up, gw, dir, config, logger };
}

/** the id a counter gave the first connection (client A's): what an attacker tries first */
const GUESS = '1'.padStart(32, '0');

const seenOf = (up: Upstream, url: string) => up.seen.filter((s) => s.url === url).map((s) => s.headers);
const request = (path: string, more = '') => Buffer.from(`GET ${path} HTTP/1.1\r\nhost: localhost\r\n${more}\r\n`);

/** A TLS connection whose bytes are written one TLS record per write, with a reader of what comes back. */
async function openTls(port: number, cert: { cert: string; key: string } | null, opts: tls.ConnectionOptions = {}) {
  const sock = tls.connect({ host: '127.0.0.1', port, ca, servername: 'localhost', ...(cert ? certOf(cert) : {}), ...opts });
  await new Promise<void>((resolve, reject) => {
    sock.once('secureConnect', () => resolve());
    sock.once('error', reject);
  });
  sock.setNoDelay(true);
  let data = '';
  let closed = false;
  sock.on('data', (d: Buffer) => (data += d.toString('latin1')));
  sock.on('error', () => undefined);
  sock.on('close', () => (closed = true));
  return {
    sock,
    get data() {
      return data;
    },
    get closed() {
      return closed;
    },
    /** waits until `n` responses have arrived, the socket closed, or `ms` passed */
    async responses(n: number, ms = 3000) {
      const end = Date.now() + ms;
      while (Date.now() < end && !closed && (data.match(/HTTP\/1\.1 \d{3}/g) ?? []).length < n) await new Promise((r) => setTimeout(r, 20));
      return (data.match(/HTTP\/1\.1 \d{3}/g) ?? []).length;
    },
    async write(b: Buffer) {
      await new Promise<void>((r) => sock.write(b, () => r()));
      // a pause, so each write is its own record and its own read on the unix socket
      await new Promise((r) => setTimeout(r, 50));
    },
  };
}

t.test('a PROXY header later in the stream never changes whose connection it is', async (t) => {
  const s = await setup(t, 'optional');
  // connection 1: client A, held open so its id is live
  const a = await openTls(s.port, clientA);
  t.teardown(() => a.sock.destroy());
  await a.write(request('/echo/a-first'));
  t.equal(await a.responses(1), 1);
  t.equal(seenOf(s.up, '/echo/a-first')[0]?.['x-seen-subject'], 'CN=client-a');
  for (const [name, cert] of [['B', clientB], ['anonymous', null]] as const) {
    const b = await openTls(s.port, cert);
    t.teardown(() => b.sock.destroy());
    await b.write(request(`/echo/${name}-first`));
    t.equal(await b.responses(1), 1, `${name}: its own first request`);
    // after a whole request: a header naming A's connection as a counter would have (the first
    // connection: 1), then a request, each its own TLS record; and both in one record
    await b.write(encodeProxyHeader(GUESS));
    await b.write(request(`/echo/${name}-after`));
    await b.write(Buffer.concat([encodeProxyHeader(GUESS), request(`/echo/${name}-after-joined`)]));
    await b.responses(3, 1500);
    const seen = [...seenOf(s.up, `/echo/${name}-after`), ...seenOf(s.up, `/echo/${name}-after-joined`)];
    t.notOk(seen.some((h) => h['x-seen-subject'] === 'CN=client-a'), `${name}: never as client A: ${JSON.stringify(seen.map((h) => h['x-seen-subject']))}`);
  }
});

t.test('a PROXY header split across TLS records at the start of the stream is not ours', async (t) => {
  const s = await setup(t, 'optional');
  const a = await openTls(s.port, clientA);
  t.teardown(() => a.sock.destroy());
  await a.write(request('/echo/hold'));
  await a.responses(1);
  const b = await openTls(s.port, null);
  t.teardown(() => b.sock.destroy());
  const h = encodeProxyHeader(GUESS);
  await b.write(h.subarray(0, 2));
  await b.write(h.subarray(2, 20));
  await b.write(h.subarray(20));
  await b.write(request('/echo/split'));
  await b.responses(1, 1500);
  t.notOk(seenOf(s.up, '/echo/split').some((x) => x['x-seen-subject'] === 'CN=client-a'), 'never as client A');
});

t.test('TLS 1.2 renegotiation is refused: the certificate facts come from the first handshake only', async (t) => {
  const s = await setup(t, 'optional', ', min_version: TLSv1.2');
  const a = await openTls(s.port, clientA, { maxVersion: 'TLSv1.2' });
  t.teardown(() => a.sock.destroy());
  await a.write(request('/echo/before-reneg'));
  t.equal(await a.responses(1), 1);
  // Node's client can only renegotiate with the certificate it has; what matters is whether the
  // server goes through a second handshake at all (it could carry another certificate, or none)
  const outcome = await new Promise<string>((resolve) => {
    const ok = a.sock.renegotiate({ rejectUnauthorized: true }, (err) => resolve(err ? 'refused' : 'renegotiated'));
    if (!ok) resolve('refused');
    // the server's no_renegotiation alert is a warning: the client may wait for an answer that never comes
    setTimeout(() => resolve('no second handshake'), 2000);
  });
  t.not(outcome, 'renegotiated', `the server refused the second handshake (${outcome})`);
});

t.test('request headers cannot forge input.request.tls or the client address', async (t) => {
  const s = await setup(t, 'optional');
  const b = await openTls(s.port, null);
  t.teardown(() => b.sock.destroy());
  await b.write(
    request('/echo/forge', 'x-forwarded-for: 203.0.113.9\r\nforwarded: for=203.0.113.9\r\nx-real-ip: 203.0.113.9\r\nx-client-cert: CN=client-a\r\nx-seen-subject: CN=client-a\r\nssl-client-cert: x\r\n'),
  );
  t.equal(await b.responses(1), 1);
  const [h] = seenOf(s.up, '/echo/forge');
  t.equal(h?.['x-seen-subject'], 'none');
  t.equal(h?.['x-seen-remote'], '127.0.0.1');
  t.equal(h?.['x-forwarded-for'], '127.0.0.1', 'the client\'s X-Forwarded-For is replaced');
});

t.test('session resumption: a resumed session keeps its certificate; a reload that drops its CA ends resumption', async (t) => {
  const s = await setup(t, 'required');
  for (const v of ['TLSv1.2', 'TLSv1.3'] as const) {
    // the session (TLS 1.3: the ticket) of a first connection as client A
    const first = await openTls(s.port, clientA, { minVersion: v, maxVersion: v });
    const session = await new Promise<Buffer>((resolve) => {
      const now = first.sock.getSession();
      if (v === 'TLSv1.2' && now !== undefined) resolve(now);
      else first.sock.once('session', resolve);
    });
    await first.write(request(`/echo/${v}-first`));
    await first.responses(1);
    first.sock.destroy();
    // resumed without a certificate of its own: the session's certificate is the identity
    const again = await openTls(s.port, null, { minVersion: v, maxVersion: v, session });
    t.ok(again.sock.isSessionReused(), `${v}: resumed`);
    await again.write(request(`/echo/${v}-resumed`));
    t.equal(await again.responses(1), 1);
    t.equal(seenOf(s.up, `/echo/${v}-resumed`)[0]?.['x-seen-subject'], 'CN=client-a', `${v}: the resumed session's certificate`);
    again.sock.destroy();
    // the CA is no longer trusted after a reload: the old session must not get in
    copyFileSync(pki.otherCa, join(s.dir, 'ca.pem'));
    await s.gw.reloadTls();
    const afterReload = await openTls(s.port, null, { minVersion: v, maxVersion: v, session }).catch(() => null);
    if (afterReload !== null) {
      t.notOk(afterReload.sock.isSessionReused(), `${v}: not resumed after the reload`);
      await afterReload.write(request(`/echo/${v}-after-reload`));
      await afterReload.responses(1, 1500);
      afterReload.sock.destroy();
    }
    t.equal(seenOf(s.up, `/echo/${v}-after-reload`).length, 0, `${v}: nothing reaches the upstream on the dropped CA's session`);
    copyFileSync(pki.ca, join(s.dir, 'ca.pem'));
    await s.gw.reloadTls();
  }
});

t.test('a worker that exited gets no more connections: the round robin skips it', async (t) => {
  // one real gateway behind the terminator, and a target like a worker thread that exited:
  // its `open` never answers (run.ts asks it for 30 s)
  const s = await setup(t, 'required', '', true);
  const live = s.gw.mtls();
  if (live === null) throw new Error('no mTLS socket');
  let asked = 0;
  const gone = { path: join(s.dir, 'gone.sock'), open: () => ((asked++, new Promise<void>(() => undefined))), close: () => undefined, usable: () => false };
  const terminator = createMtlsTerminator({
    tls: s.config.listen.tls as NonNullable<typeof s.config.listen.tls>,
    logger: s.logger,
    targets: [gone, { path: live.path, open: (id, c) => live.connections.open(id, c), close: (id) => live.connections.close(id) }],
  });
  const port = await terminator.listen(0, '127.0.0.1');
  t.teardown(() => {
    terminator.stopAccepting();
    terminator.destroyAll();
  });
  for (let i = 0; i < 4; i++) {
    const c = await openTls(port, clientA);
    await c.write(request(`/echo/rr-${i}`, 'connection: close\r\n'));
    t.equal(await c.responses(1, 3000), 1, `connection ${i} answered`);
    c.sock.destroy();
  }
  t.equal(asked, 0, 'the exited target was never asked');
});

// The next two wait for the gateway's own timeouts (~10-12 s each, nearly idle): they run side
// by side (buffered, t.jobs below), each against its own gateway, instead of one after the other.
t.test('slow and idle clients are cut: before the handshake, after it, and mid-head', { buffered: true }, async (t) => {
  const s = await setup(t, 'required');
  const closedWithin = (start: number, done: Promise<unknown>) => done.then(() => Date.now() - start);
  const start = Date.now();
  // TCP only, no ClientHello
  const tcp = net.connect(s.port, '127.0.0.1');
  tcp.on('error', () => undefined);
  const tcpClosed = closedWithin(start, new Promise((r) => tcp.once('close', r)));
  // handshake done, nothing sent
  const idle = await openTls(s.port, clientA);
  const idleClosed = closedWithin(start, new Promise((r) => idle.sock.once('close', r)));
  // a request head one byte a second (slowloris)
  const slow = await openTls(s.port, clientA);
  const slowClosed = closedWithin(start, new Promise((r) => slow.sock.once('close', r)));
  const head = 'GET /echo/slow HTTP/1.1\r\nhost: localhost\r\nx-a: ' + 'a'.repeat(100);
  let i = 0;
  const drip = setInterval(() => {
    if (!slow.sock.destroyed && i < head.length) slow.sock.write(head[i++] as string);
  }, 1000);
  t.teardown(() => clearInterval(drip));
  const limit = 30_000;
  const times = await Promise.all([tcpClosed, idleClosed, slowClosed].map((p) => Promise.race([p, new Promise<number>((r) => setTimeout(() => r(Infinity), limit))])));
  clearInterval(drip);
  t.ok(times[0]! < limit, `no ClientHello: closed after ${times[0]} ms (handshake timeout)`);
  t.ok(times[1]! < limit, `idle after the handshake: closed after ${times[1]} ms`);
  t.ok(times[2]! < limit, `slowloris head: closed after ${times[2]} ms (${i} bytes sent)`);
  t.equal(seenOf(s.up, '/echo/slow').length, 0);
});

t.test('a handshake dripped a byte at a time is cut by the handshake timeout too', { buffered: true }, async (t) => {
  const s = await setup(t, 'required');
  const start = Date.now();
  const sock = net.connect(s.port, '127.0.0.1');
  sock.on('error', () => undefined);
  // a TLS handshake record that announces 512 bytes, sent one byte every 2 s
  const record = Buffer.concat([Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03]), Buffer.alloc(501, 7)]);
  let i = 0;
  const drip = setInterval(() => {
    if (!sock.destroyed && i < record.length) sock.write(record.subarray(i, ++i));
  }, 2000);
  t.teardown(() => clearInterval(drip));
  const limit = 25_000;
  const took = await Promise.race([new Promise<number>((r) => sock.once('close', () => r(Date.now() - start))), new Promise<number>((r) => setTimeout(() => r(Infinity), limit))]);
  clearInterval(drip);
  sock.destroy();
  t.ok(took < limit, `closed after ${took} ms, ${i} bytes sent`);
});

t.test('the private socket is reachable by this user only: its directory is 0700, made fresh in tmp', async (t) => {
  const s = await setup(t, 'optional');
  const path = s.gw.mtls()?.path as string;
  const dir = dirname(path);
  const st = statSync(dir);
  t.equal(st.mode & 0o777, 0o700, 'directory mode');
  t.equal(st.uid, process.getuid?.(), 'owned by the gateway\'s user');
  t.ok(statSync(path).isSocket());
  t.match(dir, /regate-mtls-[A-Za-z0-9]{6}$/, 'mkdtemp: a name nobody could have made before');
});
