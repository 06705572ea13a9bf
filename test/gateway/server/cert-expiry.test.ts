/**
 * `regate_tls_certificate_expiry_seconds`: the real gateway (startRegate over TLS, admin
 * /metrics) reports the notAfter of its listener, SNI, upstream client and decision-log client
 * certificates, made per run with openssl; after the listener's files are replaced and reloaded
 * (what SIGHUP does), the listener's value is the new certificate's.
 */
import { X509Certificate } from 'node:crypto';
import { copyFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import t from 'tap';
import { loadConfigText } from '../../../src/gateway/config/load.js';
import { startRegate } from '../../../src/gateway/server/run.js';
import { createTestPki } from '../../helpers/tls-certs.js';

const pki = createTestPki();
t.teardown(() => pki.remove());
const listener = pki.issue('listener', { cn: 'localhost', san: ['DNS:localhost'] });
const sni = pki.issue('sni', { cn: 'api.test', san: ['DNS:api.test'] });
const client = pki.issue('client', { cn: 'regate', client: true });
// a different notAfter than the others: what the reload switches to
const renewed = pki.issue('renewed', { cn: 'localhost', san: ['DNS:localhost'], expired: true });
const notAfter = (file: string) => Math.floor(Date.parse(new X509Certificate(readFileSync(file)).validTo) / 1000);

function metric(body: string, kind: string, name: string): number | undefined {
  const m = new RegExp(`^regate_tls_certificate_expiry_seconds\\{kind="${kind}",name="${name.replace(/\./g, '\\.')}"\\} (\\d+)$`, 'm').exec(body);
  return m ? Number(m[1]) : undefined;
}

t.test('every loaded certificate, and the listener again after a reload', async (t) => {
  const live = { cert: join(pki.dir, 'live.pem'), key: join(pki.dir, 'live.key') };
  copyFileSync(listener.cert, live.cert);
  copyFileSync(listener.key, live.key);
  const config = loadConfigText(
    `
listen:
  host: 127.0.0.1
  port: 0
  tls:
    cert_file: ${live.cert}
    key_file: ${live.key}
    sni: { api.test: { cert_file: ${sni.cert}, key_file: ${sni.key} } }
admin: { enabled: true, host: 127.0.0.1, port: 0 }
upstreams:
  secure: { url: "https://127.0.0.1:9", tls: { ca_file: ${pki.ca}, cert_file: ${client.cert}, key_file: ${client.key} } }
routes:
  - { id: s, match: { path_prefix: /s }, upstream: secure }
decision_logs:
  bullmq: false
  service: { url: "https://127.0.0.1:9", spool_dir: ${join(tmpdir(), `cert-expiry-${process.pid}`)}, tls: { ca_file: ${pki.ca}, cert_file: ${client.cert}, key_file: ${client.key} } }
`,
    { file: join(pki.dir, 'regate.yaml'), env: {} },
  );
  const running = await startRegate(config, pino({ level: 'silent' }));
  t.teardown(() => running.close());
  const scrape = async () => (await fetch(`http://127.0.0.1:${running.adminPort}/metrics`)).text();
  let body = await scrape();
  t.equal(metric(body, 'listener', 'default'), notAfter(listener.cert), 'listener');
  t.equal(metric(body, 'sni', 'api.test'), notAfter(sni.cert), 'SNI name');
  t.equal(metric(body, 'upstream', 'secure'), notAfter(client.cert), 'upstream client certificate');
  t.equal(metric(body, 'decision_logs', 'decision_logs.service'), notAfter(client.cert), 'decision-log service client certificate');

  copyFileSync(renewed.cert, live.cert);
  copyFileSync(renewed.key, live.key);
  await running.reload();
  body = await scrape();
  t.not(notAfter(renewed.cert), notAfter(listener.cert));
  t.equal(metric(body, 'listener', 'default'), notAfter(renewed.cert), 'the reloaded certificate');
});
