/**
 * https:// upstreams with real certificates made for the run, through both HTTP/1.1 clients
 * (regate's and undici's): mutual TLS, keep-alive reuse counted on the upstream (TLS handshakes
 * seen), session resumption, and the certificate failures that must be 502 GW_ERR_UPSTREAM_TLS
 * and count for the breaker: an unknown CA, an expired certificate, the wrong host, no client
 * certificate where one is required.
 */
import t from 'tap';
import https from 'node:https';
import type tls from 'node:tls';
import type { AddressInfo } from 'node:net';
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { startGateway } from '../helpers.js';
import { createTestPki, type IssuedCert } from '../../helpers/tls-certs.js';
import { peerCn } from '../../helpers/peer-cn.js';

const pki = createTestPki();
t.teardown(() => pki.remove());
const good = pki.issue('up', { cn: 'localhost', san: ['DNS:localhost', 'IP:127.0.0.1'] });
const expired = pki.issue('up-expired', { cn: 'localhost', san: ['DNS:localhost', 'IP:127.0.0.1'], expired: true });
const wrongHost = pki.issue('up-wrong-host', { cn: 'elsewhere.example', san: ['DNS:elsewhere.example'] });
const gwClient = pki.issue('gw-client', { cn: 'regate', client: true });

interface TlsUpstream {
  port: number;
  /** TLS handshakes completed, and how many of them resumed a session */
  handshakes: number;
  resumed: number;
  /** subject CN of the client certificate of each request */
  clientCns: (string | undefined)[];
  close(): Promise<void>;
}

async function startTlsUpstream(cert: IssuedCert, opts: { requireClientCert?: boolean } = {}): Promise<TlsUpstream> {
  const up: TlsUpstream = { port: 0, handshakes: 0, resumed: 0, clientCns: [], close: async () => {} };
  const server = https.createServer(
    { cert: readFileSync(cert.cert), key: readFileSync(cert.key), ca: readFileSync(pki.ca), requestCert: opts.requireClientCert === true, rejectUnauthorized: opts.requireClientCert === true },
    (req, res) => {
      const sock = req.socket as tls.TLSSocket;
      up.clientCns.push(peerCn(sock));
      // `?close` makes the upstream end the connection after answering (forces a new handshake)
      if (req.url?.includes('close')) res.setHeader('connection', 'close');
      res.end(`hello ${req.url}`);
    },
  );
  server.on('secureConnection', (s: tls.TLSSocket) => {
    up.handshakes++;
    if (s.isSessionReused()) up.resumed++;
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  up.port = (server.address() as AddressInfo).port;
  up.close = () =>
    new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    });
  return up;
}

function gatewayYaml(url: string, client: string, tlsBlock: string): string {
  return `
listen: { host: 127.0.0.1, port: 0 }
admin: { enabled: false }
upstreams:
  sec:
    url: ${url}
    client: ${client}
    timeout_ms: 2000
    connect_timeout_ms: 1000
    breaker: { volume_threshold: 3, error_threshold_percentage: 50, reset_timeout_ms: 60000 }
    tls: ${tlsBlock}
routes:
  - { id: sec, match: { path_prefix: /sec }, upstream: sec }
`;
}

for (const client of ['regate', 'undici']) {
  t.test(`${client}: mutual TLS upstream, keep-alive reuse and session resumption`, async (t) => {
    const up = await startTlsUpstream(good, { requireClientCert: true });
    const gw = await startGateway(gatewayYaml(`https://localhost:${up.port}`, client, `{ ca_file: ${pki.ca}, cert_file: ${gwClient.cert}, key_file: ${gwClient.key} }`));
    const agent = new Agent();
    t.teardown(async () => {
      await agent.close();
      await gw.close();
      await up.close();
    });
    for (let i = 0; i < 20; i++) {
      const r = await request(`${gw.url}/sec/${i}`, { dispatcher: agent });
      t.equal(r.statusCode, 200);
      t.equal(await r.body.text(), `hello /sec/${i}`);
    }
    t.equal(up.handshakes, 1, '20 sequential requests share one TLS connection');
    t.same(new Set(up.clientCns), new Set(['regate']), 'the upstream saw the gateway client certificate');
    // the upstream closes after each of these: every next request needs a new connection,
    // which offers the session ticket of the last one
    for (let i = 0; i < 3; i++) {
      const r = await request(`${gw.url}/sec/close-${i}`, { dispatcher: agent });
      t.equal(r.statusCode, 200);
      await r.body.text();
    }
    const r = await request(`${gw.url}/sec/after`, { dispatcher: agent });
    t.equal(r.statusCode, 200);
    await r.body.text();
    t.equal(up.handshakes, 4);
    t.ok(up.resumed >= 3, `new connections resumed the TLS session (${up.resumed} of ${up.handshakes - 1})`);
  });

  t.test(`${client}: IP url with server_name, and verify against the IP SAN without one`, async (t) => {
    const up = await startTlsUpstream(good);
    const named = await startGateway(gatewayYaml(`https://127.0.0.1:${up.port}`, client, `{ ca_file: ${pki.ca}, server_name: localhost }`));
    const bare = await startGateway(gatewayYaml(`https://127.0.0.1:${up.port}`, client, `{ ca_file: ${pki.ca} }`));
    const wrongName = await startGateway(gatewayYaml(`https://127.0.0.1:${up.port}`, client, `{ ca_file: ${pki.ca}, server_name: elsewhere.example }`));
    t.teardown(async () => {
      await named.close();
      await bare.close();
      await wrongName.close();
      await up.close();
    });
    t.equal((await request(`${named.url}/sec/a`)).statusCode, 200);
    t.equal((await request(`${bare.url}/sec/a`)).statusCode, 200);
    const w = await request(`${wrongName.url}/sec/a`);
    t.equal(w.statusCode, 502);
    t.equal(((await w.body.json()) as { error: string }).error, 'GW_ERR_UPSTREAM_TLS');
  });

  const refusals: [string, () => Promise<TlsUpstream>, string][] = [
    ['a CA the gateway does not trust', () => startTlsUpstream(good), `{ ca_file: ${pki.otherCa} }`],
    ['no ca_file: the public CAs do not know the test CA', () => startTlsUpstream(good), '{ min_version: TLSv1.2 }'],
    ['an expired certificate', () => startTlsUpstream(expired), `{ ca_file: ${pki.ca} }`],
    ['a certificate for another host', () => startTlsUpstream(wrongHost), `{ ca_file: ${pki.ca} }`],
    ['no client certificate where the upstream requires one', () => startTlsUpstream(good, { requireClientCert: true }), `{ ca_file: ${pki.ca} }`],
  ];
  for (const [what, start, tlsBlock] of refusals) {
    t.test(`${client}: ${what} is 502 GW_ERR_UPSTREAM_TLS and opens the breaker`, async (t) => {
      const up = await start();
      const gw = await startGateway(gatewayYaml(`https://localhost:${up.port}`, client, tlsBlock));
      t.teardown(async () => {
        await gw.close();
        await up.close();
      });
      // In TLS 1.3 the server judges the client certificate after the client's handshake is
      // done; undici then reads the close before the alert ("other side closed"), so for it that
      // one refusal is a connect failure — still 502 and still counted. regate's client reports the alert.
      const expected = client === 'undici' && what.startsWith('no client certificate') ? ['GW_ERR_UPSTREAM_TLS', 'GW_ERR_UPSTREAM_CONNECT'] : ['GW_ERR_UPSTREAM_TLS'];
      for (let i = 0; i < 3; i++) {
        const r = await request(`${gw.url}/sec/x`);
        t.equal(r.statusCode, 502);
        const code = ((await r.body.json()) as { error: string }).error;
        t.ok(expected.includes(code), `${code} is one of ${expected.join(', ')}`);
      }
      t.equal(up.clientCns.length, 0, 'no request reached the upstream');
      const open = await request(`${gw.url}/sec/x`);
      t.equal(open.statusCode, 503, 'three certificate failures opened the breaker');
      t.equal(((await open.body.json()) as { error: string }).error, 'GW_ERR_UPSTREAM_UNAVAILABLE');
      t.equal(gw.gw.status().upstreams['sec'], 'open');
    });
  }
}

const renewed = pki.issue('gw-client-renewed', { cn: 'regate-renewed', client: true });
for (const client of ['regate', 'undici']) t.test(`${client}: SIGHUP (reloadTls) re-reads the client certificate for new upstream connections; pooled ones keep theirs`, async (t) => {
  const live = { cert: join(pki.dir, `live-client-${client}.pem`), key: join(pki.dir, `live-client-${client}.key`) };
  copyFileSync(gwClient.cert, live.cert);
  copyFileSync(gwClient.key, live.key);
  const up = await startTlsUpstream(good, { requireClientCert: true });
  const gw = await startGateway(gatewayYaml(`https://localhost:${up.port}`, client, `{ ca_file: ${pki.ca}, cert_file: ${live.cert}, key_file: ${live.key} }`));
  const agent = new Agent();
  t.teardown(async () => {
    await agent.close();
    await gw.close();
    await up.close();
  });
  const call = async (path: string) => {
    const r = await request(`${gw.url}${path}`, { dispatcher: agent });
    await r.body.text();
    return r.statusCode;
  };
  t.equal(await call('/sec/a'), 200);
  copyFileSync(renewed.cert, live.cert);
  copyFileSync(renewed.key, live.key);
  await gw.gw.reloadTls();
  t.equal(await call('/sec/b'), 200);
  t.equal(await call('/sec/close-c'), 200); // the upstream ends this (pooled) connection
  t.equal(await call('/sec/d'), 200);
  if (client === 'regate') t.same(up.clientCns, ['regate', 'regate', 'regate', 'regate-renewed'], 'the pooled connection kept the old certificate, the next one has the new');
  // undici: calls after the reload go to a new Pool (new connections); the old one closed when idle
  else t.same(up.clientCns, ['regate', 'regate-renewed', 'regate-renewed', 'regate-renewed'], 'calls after the reload use the new certificate');
});
