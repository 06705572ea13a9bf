/**
 * Certificate reload (Gateway.reloadTls, what SIGHUP calls): the certificate files are re-read
 * into a new listener that takes over the port, while a request in flight — and a keep-alive
 * connection opened before — finish on the old one. A bad file leaves the running certificates
 * in place. Both ways of taking over the port: beside the old socket (a shared port) and after
 * it (an exclusive bind, one worker). Real certificates, real clients.
 */
import t from 'tap';
import https from 'node:https';
import type tls from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { Registry } from 'prom-client';
import { loadConfigText } from '../../../src/gateway/config/load.js';
import { createGateway } from '../../../src/gateway/server/gateway.js';
import { cliReady, startUpstream } from '../helpers.js';
import { loadUws } from '../../../src/gateway/server/uws-loader.js';
import { spawn } from 'node:child_process';
import { createTestPki } from '../../helpers/tls-certs.js';
import { freeFixedPort } from '../../helpers/fixed-port.js';
import { regateCliArgs } from '../../helpers/regate-cli.js';

const pki = createTestPki();
t.teardown(() => pki.remove());
const a = pki.issue('a', { cn: 'localhost', san: ['DNS:localhost'] });
const b = pki.issue('b', { cn: 'localhost', san: ['DNS:localhost'] });
const fp = (pem: string) => new X509Certificate(readFileSync(pem)).fingerprint256;
const ca = readFileSync(pki.ca);

const freePort = freeFixedPort;

function get(port: number, path: string, agent: https.Agent | false = false): Promise<{ status: number; body: string; fingerprint: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request({ host: '127.0.0.1', port, path, ca, servername: 'localhost', agent }, (res) => {
      const fingerprint = (res.socket as tls.TLSSocket).getPeerCertificate().fingerprint256;
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, fingerprint }));
    });
    req.on('error', reject);
    req.end();
  });
}

for (const exclusive of [false, true]) {
  t.test(`reload ${exclusive ? 'after an exclusive bind' : 'beside the old socket'}: in-flight and keep-alive requests finish, new connections get the new certificate`, async (t) => {
    const live = { cert: join(pki.dir, `live-${exclusive}.pem`), key: join(pki.dir, `live-${exclusive}.key`) };
    copyFileSync(a.cert, live.cert);
    copyFileSync(a.key, live.key);
    const up = await startUpstream((req, res) => {
      if (req.url?.startsWith('/echo/slow')) setTimeout(() => res.end('slow done'), 600);
      else res.end('fast');
    });
    const config = loadConfigText(
      `
listen: { host: 127.0.0.1, port: 0, tls: { cert_file: ${live.cert}, key_file: ${live.key} } }
admin: { enabled: false }
upstreams:
  echo: { url: ${up.url} }
routes:
  - { id: echo, match: { path_prefix: /echo }, upstream: echo }
`,
      { file: 'reload.yaml', env: {} },
    );
    const gw = createGateway({ config, logger: pino({ level: 'silent' }), registry: new Registry() });
    const port = await gw.listen(await freePort(), { exclusive });
    const agent = new https.Agent({ keepAlive: true, maxSockets: 1 });
    t.teardown(async () => {
      agent.destroy();
      await gw.close(1000);
      await up.close();
    });

    const before = await get(port, '/echo/ka', agent); // opens the keep-alive connection
    t.equal(before.fingerprint, fp(a.cert));
    const slow = get(port, '/echo/slow'); // in flight across the reload
    await new Promise((r) => setTimeout(r, 150));
    copyFileSync(b.cert, live.cert);
    copyFileSync(b.key, live.key);
    await gw.reloadTls();

    const fresh = await get(port, '/echo/new');
    t.equal(fresh.status, 200);
    t.equal(fresh.fingerprint, fp(b.cert), 'a new connection gets the new certificate');
    const inflight = await slow;
    t.equal(inflight.status, 200, 'the in-flight request was not dropped');
    t.equal(inflight.body, 'slow done');
    t.equal(inflight.fingerprint, fp(a.cert));
    const reused = await get(port, '/echo/ka2', agent);
    t.equal(reused.status, 200, 'the keep-alive connection from before still serves');
    t.equal(reused.fingerprint, fp(a.cert));

    // a broken file: the reload fails and the listener keeps the certificates it has
    writeFileSync(live.key, 'not a key');
    await t.rejects(gw.reloadTls(), /listen\.tls: .*live-.*\.pem/);
    const still = await get(port, '/echo/after');
    t.equal(still.status, 200);
    t.equal(still.fingerprint, fp(b.cert));
  });
}

t.test('regate start: SIGHUP reloads the certificates, SIGTERM still drains', async (t) => {
  const live = { cert: join(pki.dir, 'cli.pem'), key: join(pki.dir, 'cli.key') };
  copyFileSync(a.cert, live.cert);
  copyFileSync(a.key, live.key);
  const up = await startUpstream((_req, res) => res.end('up'));
  const cfg = join(pki.dir, 'cli.yaml');
  // relative certificate paths: resolved from the config file's directory
  writeFileSync(cfg, `listen: { host: 127.0.0.1, port: ${await freePort()}, tls: { cert_file: ./cli.pem, key_file: ./cli.key } }\nadmin: { enabled: false }\nupstreams:\n  echo: { url: "${up.url}" }\nroutes:\n  - { id: echo, match: { path_prefix: /echo }, upstream: echo }\n`);
  const child = spawn(process.execPath, [...regateCliArgs(), 'start', '--config', cfg], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.teardown(async () => {
    child.kill('SIGKILL');
    await up.close();
  });
  let out = '';
  child.stdout?.on('data', (d) => (out += d));
  const { port } = await cliReady(child);
  t.equal((await get(port, '/echo/1')).fingerprint, fp(a.cert));
  copyFileSync(b.cert, live.cert);
  copyFileSync(b.key, live.key);
  child.kill('SIGHUP');
  for (let i = 0; i < 100 && !out.includes('SIGHUP: TLS certificates reloaded'); i++) await new Promise((r) => setTimeout(r, 50));
  t.match(out, /SIGHUP: TLS certificates reloaded/);
  const after = await get(port, '/echo/2');
  t.equal(after.status, 200);
  t.equal(after.fingerprint, fp(b.cert), 'new connections get the renewed certificate');
  child.kill('SIGTERM');
  t.equal(await new Promise((r) => child.once('exit', r)), 0);
});

t.test('regate start with workers: 2 over TLS: both workers serve https, SIGHUP reloads every worker', async (t) => {
  const { build } = loadUws();
  // the trufflesuite build cannot share a port between threads (cli.test.ts): workers > 1 is refused there
  if (build.package !== '@btc-vision/uwebsockets.js') {
    t.pass(`skipped: ${build.package} cannot share a port between workers`);
    return;
  }
  const live = { cert: join(pki.dir, 'w2.pem'), key: join(pki.dir, 'w2.key') };
  copyFileSync(a.cert, live.cert);
  copyFileSync(a.key, live.key);
  const up = await startUpstream((_req, res) => res.end('up'));
  const cfg = join(pki.dir, 'w2.yaml');
  writeFileSync(cfg, `listen: { host: 127.0.0.1, port: 0, workers: 2, tls: { cert_file: ./w2.pem, key_file: ./w2.key } }\nadmin: { enabled: false }\nupstreams:\n  echo: { url: "${up.url}" }\nroutes:\n  - { id: echo, match: { path_prefix: /echo }, upstream: echo }\n`);
  const child = spawn(process.execPath, [...regateCliArgs(), 'start', '--config', cfg], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.teardown(async () => {
    child.kill('SIGKILL');
    await up.close();
  });
  let out = '';
  child.stdout?.on('data', (d) => (out += d));
  const { port } = await cliReady(child);
  // fresh connections: the kernel spreads them over both workers' listeners
  for (let i = 0; i < 10; i++) t.equal((await get(port, `/echo/${i}`)).fingerprint, fp(a.cert));
  copyFileSync(b.cert, live.cert);
  copyFileSync(b.key, live.key);
  child.kill('SIGHUP');
  for (let i = 0; i < 100 && !out.includes('SIGHUP: TLS certificates reloaded'); i++) await new Promise((r) => setTimeout(r, 50));
  const after = await Promise.all(Array.from({ length: 10 }, (_, i) => get(port, `/echo/after-${i}`)));
  t.ok(after.every((r) => r.status === 200 && r.fingerprint === fp(b.cert)), 'every worker serves the renewed certificate');
  child.kill('SIGTERM');
  t.equal(await new Promise((r) => child.once('exit', r)), 0);
});
