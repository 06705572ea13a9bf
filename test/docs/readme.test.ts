// The README's configuration example is what newcomers copy: it must pass regate's own validation.
import t from 'tap';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { loadConfigText } from '../../src/gateway/config/load.js';
import { join } from 'node:path';
import { createTestPki } from '../helpers/tls-certs.js';

t.test('the README configuration example validates', async (t) => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const section = readme.slice(readme.indexOf('## Configuration'));
  const yaml = /```yaml\n([\s\S]*?)```/.exec(section)?.[1];
  t.ok(yaml, 'the Configuration section has a yaml block');
  const env = { CAR_PASSWORD: 'x', ORDERS_HMAC_SECRET: 'a-long-enough-shared-secret', GW_SECRET: 'y', GW_CC_SECRET: 'z' };
  const config = loadConfigText(yaml as string, { file: 'README.md', env });
  t.equal(config.routes[0]?.policy, 'insurance/decision');
  t.equal(config.upstreams.car?.pool.connections, 64);
});

t.test('the README TLS example validates, with its certificate files in place', async (t) => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const section = readme.slice(readme.indexOf('## TLS'));
  const yaml = /```yaml\n([\s\S]*?)```/.exec(section)?.[1];
  t.ok(yaml, 'the TLS section has a yaml block');
  // the files the example names, made for the run (the loader reads them and matches keys)
  const pki = createTestPki();
  t.teardown(() => pki.remove());
  const gw = pki.issue('gw', { cn: 'gw.example', san: ['DNS:gw.example'] });
  const api = pki.issue('api', { cn: 'api.example.com', san: ['DNS:api.example.com'] });
  const client = pki.issue('gw-client', { cn: 'regate', client: true });
  const tlsDir = join(pki.dir, 'tls');
  mkdirSync(tlsDir);
  const put = (name: string, from: string) => copyFileSync(from, join(tlsDir, name));
  put('gw.pem', gw.cert);
  put('gw.key', gw.key);
  put('api.pem', api.cert);
  put('api.key', api.key);
  put('clients-ca.pem', pki.ca);
  put('internal-ca.pem', pki.ca);
  put('gw-client.pem', client.cert);
  put('gw-client.key', client.key);
  const config = loadConfigText(yaml as string, { file: join(pki.dir, 'README.md'), env: {} });
  t.equal(config.listen.tls?.client_auth, 'optional');
  t.equal(config.listen.tls?.cert_file, join(tlsDir, 'gw.pem'), 'paths resolve from the config file');
  t.equal(config.upstreams.home?.tls?.server_name, 'home.internal');
});

t.test('the README Policy bundles example validates', async (t) => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const section = readme.slice(readme.indexOf('## Policy bundles'));
  const yaml = /```yaml\n([\s\S]*?)```/.exec(section)?.[1];
  t.ok(yaml, 'the Policy bundles section has a yaml block');
  const rest = 'upstreams: { u: { url: "http://127.0.0.1:1" } }\nroutes:\n  - { id: r, match: { path: /x }, upstream: u, policy: gw/allow }\n';
  const config = loadConfigText((yaml as string) + rest, { file: 'README.md', env: { BUNDLE_TOKEN: 't' } });
  t.match(config.policies?.bundles?.['main'], { url: 'https://bundles.internal/main.tar.gz', polling: { min_delay_s: 10, max_delay_s: 20 }, signing: { keyid: 'ci', algorithm: 'ES256' } });
});
