/**
 * An mTLS listener with `listen.workers: 2` through startRegate (what `regate start` runs): the
 * main thread's terminator hands connections round robin to each worker's unix socket
 * (run.ts startMtlsWorkers). Every request, on every worker, carries its own connection's
 * certificate — checked at the upstream per request — and every worker serves; a reload swaps
 * the certificate for new connections; close drains.
 */
import t from 'tap';
import tls from 'node:tls';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { loadConfigText } from '../../../src/gateway/config/load.js';
import { startRegate } from '../../../src/gateway/server/run.js';
import { startUpstream } from '../helpers.js';
import { createTestPki } from '../../helpers/tls-certs.js';
import { keepAliveGet } from '../../helpers/keep-alive-get.js';

const pki = createTestPki();
t.teardown(() => pki.remove());
const server = pki.issue('server', { cn: 'localhost', san: ['DNS:localhost', 'IP:127.0.0.1'] });
const clients = [0, 1, 2, 3, 4, 5].map((i) => pki.issue(`client-${i}`, { cn: `client-${i}`, client: true }));
const ca = readFileSync(pki.ca);

t.test('two workers behind one terminator: identities per connection, both workers serve, reload', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'regate-mtls-workers-'));
  t.teardown(() => import('node:fs').then((fs) => fs.rmSync(dir, { recursive: true, force: true })));
  copyFileSync(server.cert, join(dir, 'server.pem'));
  copyFileSync(server.key, join(dir, 'server.key'));
  writeFileSync(
    join(dir, 'gw.rego'),
    'package gw\n\nimport rego.v1\n\ndecision := {"allow": true, "upstream": {"headers": {"x-seen-x5t": input.request.tls["x5t#S256"], "x-seen-remote": input.request.remote_addr}}}\n',
  );
  const held: (() => void)[] = [];
  const up = await startUpstream((req, res) => {
    if (req.url?.startsWith('/echo/hold')) held.push(() => res.end('held'));
    else res.end('ok');
  });
  t.teardown(() => up.close());
  const config = loadConfigText(
    `listen:
  host: 127.0.0.1
  port: 0
  workers: 2
  tls: { cert_file: server.pem, key_file: server.key, ca_file: ${pki.ca}, client_auth: required }
admin: { enabled: true, host: 127.0.0.1, port: 0 }
upstreams: { echo: { url: "${up.url}" } }
policies: { dir: ${dir}, engine: js }
routes:
  - { id: echo, match: { path_prefix: /echo }, upstream: echo, policy: gw/decision }
`,
    { file: join(dir, 'regate.yaml'), env: {} },
  );
  const running = await startRegate(config, pino({ level: 'silent' }));
  let closed = false;
  t.teardown(() => (closed ? undefined : running.close()));
  t.equal(running.workers, 2);

  const socks = await Promise.all(
    clients.map(
      (c) =>
        new Promise<tls.TLSSocket>((resolve, reject) => {
          const s = tls.connect({ host: '127.0.0.1', port: running.port, ca, servername: 'localhost', cert: readFileSync(c.cert), key: readFileSync(c.key) }, () => resolve(s));
          s.on('error', reject);
        }),
    ),
  );
  const ask = keepAliveGet;
  for (let round = 0; round < 4; round++) {
    const lines = await Promise.all(socks.map((s, i) => ask(s, `/echo/c${i}/r${round}`)));
    t.same(lines, socks.map(() => 'HTTP/1.1 200 OK'), `round ${round}`);
  }
  let checked = 0;
  for (const x of up.seen) {
    const m = /^\/echo\/c(\d)\/r\d$/.exec(x.url);
    if (!m) continue;
    t.equal(x.headers['x-seen-x5t'], clients[Number(m[1])]?.x5tS256, `${x.url}: its own connection's certificate`);
    t.equal(x.headers['x-seen-remote'], '127.0.0.1');
    checked++;
  }
  t.equal(checked, 24);
  // both workers serve: one held request on each of two connections is in flight on each worker (/readyz)
  const holds = socks.slice(0, 2).map((s, i) => ask(s, `/echo/hold/${i}`));
  for (let i = 0; i < 200 && held.length < 2; i++) await new Promise((r) => setTimeout(r, 20));
  const ready = (await (await fetch(`http://127.0.0.1:${running.adminPort}/readyz`)).json()) as { workers: { worker: number; inflight: number }[] };
  t.same(ready.workers.map((w) => w.inflight), [1, 1], 'one request in flight on each worker');
  for (const h of held) h();
  t.same(await Promise.all(holds), ['HTTP/1.1 200 OK', 'HTTP/1.1 200 OK']);
  for (const s of socks) s.destroy();

  // reload: new connections see the renewed certificate
  const serialOf = () =>
    new Promise<string>((resolve, reject) => {
      const s = tls.connect({ host: '127.0.0.1', port: running.port, ca, servername: 'localhost', cert: readFileSync(clients[0]!.cert), key: readFileSync(clients[0]!.key) }, () => {
        resolve(s.getPeerX509Certificate()?.serialNumber ?? '');
        s.destroy();
      });
      s.on('error', reject);
    });
  const before = await serialOf();
  const renewed = pki.issue('renewed', { cn: 'localhost', san: ['DNS:localhost', 'IP:127.0.0.1'] });
  copyFileSync(renewed.cert, join(dir, 'server.pem'));
  copyFileSync(renewed.key, join(dir, 'server.key'));
  await running.reload();
  t.not(await serialOf(), before, 'renewed certificate after reload');
  closed = true;
  await running.close();
});
