/**
 * Reload on file change (server/tls-file-watch.ts): the ways renewal tools replace certificate
 * files — rename over the old file (certbot's deploy hooks, `mv`), a write in place, and
 * Kubernetes' `..data` symlink swap — each reload once; an unrelated file, a touch or the same
 * bytes written again do not; certificate and key written a moment apart are one reload. Then
 * through startRegate: a renewed listener certificate is what the next TLS connection gets, with
 * no signal sent, and a key that does not match keeps the old certificate serving.
 */
import t from 'tap';
import https from 'node:https';
import type tls from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, renameSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { watchTlsFiles, tlsFilesOf } from '../../../src/gateway/server/tls-file-watch.js';
import { loadConfigText } from '../../../src/gateway/config/load.js';
import { startRegate } from '../../../src/gateway/server/run.js';
import { startUpstream } from '../helpers.js';
import { createTestPki } from '../../helpers/tls-certs.js';
import { freeFixedPort } from '../../helpers/fixed-port.js';

const pki = createTestPki();
t.teardown(() => pki.remove());
const a = pki.issue('a', { cn: 'localhost', san: ['DNS:localhost'] });
const b = pki.issue('b', { cn: 'localhost', san: ['DNS:localhost'] });
const quiet = { warn: () => undefined };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Watches `files`, returns the change batches seen; waits `ms` after each step. */
function recorder(files: string[], debounceMs = 600) {
  const batches: string[][] = [];
  const w = watchTlsFiles(files, (changed) => batches.push(changed.map((f) => f.slice(f.lastIndexOf('/') + 1)).sort()), { logger: quiet, debounceMs });
  return { batches, close: () => w.close() };
}
/** long enough for inotify and the debounce under a loaded CI machine; bounded */
async function settle(batches: string[][], want: number) {
  for (let i = 0; i < 60 && batches.length < want; i++) await sleep(50);
  await sleep(400); // and nothing more arrives
}

t.test('rename over the file, write in place, symlink swap: one reload each; noise: none', async (t) => {
  const dir = join(pki.dir, 'watch1');
  mkdirSync(dir);
  const cert = join(dir, 'tls.crt');
  const key = join(dir, 'tls.key');
  copyFileSync(a.cert, cert);
  copyFileSync(a.key, key);
  const r = recorder([cert, key]);
  t.teardown(r.close);

  // unrelated file in the same directory, a touch, the same bytes again: no reload
  writeFileSync(join(dir, 'other.txt'), 'x');
  utimesSync(cert, new Date(), new Date());
  writeFileSync(cert, readFileSync(a.cert));
  await settle(r.batches, 1);
  t.same(r.batches, [], 'noise does not reload');

  // certbot-style: new file written beside, renamed over the old one; key a moment later
  writeFileSync(join(dir, 'tls.crt.new'), readFileSync(b.cert));
  renameSync(join(dir, 'tls.crt.new'), cert);
  await sleep(40);
  writeFileSync(join(dir, 'tls.key.new'), readFileSync(b.key));
  renameSync(join(dir, 'tls.key.new'), key);
  await settle(r.batches, 1);
  t.same(r.batches, [['tls.crt', 'tls.key']], 'certificate and key replaced a moment apart: one reload with both');

  // in place
  writeFileSync(cert, readFileSync(a.cert));
  await settle(r.batches, 2);
  t.same(r.batches[1], ['tls.crt'], 'a write in place reloads');
  t.equal(r.batches.length, 2);
});

t.test('Kubernetes Secret volume: the ..data symlink swapped', async (t) => {
  const dir = join(pki.dir, 'watch2');
  mkdirSync(join(dir, '..v1'), { recursive: true });
  copyFileSync(a.cert, join(dir, '..v1', 'tls.crt'));
  symlinkSync('..v1', join(dir, '..data'));
  symlinkSync('..data/tls.crt', join(dir, 'tls.crt'));
  const r = recorder([join(dir, 'tls.crt')]);
  t.teardown(r.close);
  // the kubelet: a new timestamped dir, a temp symlink to it renamed over ..data, the old dir removed
  mkdirSync(join(dir, '..v2'));
  copyFileSync(b.cert, join(dir, '..v2', 'tls.crt'));
  symlinkSync('..v2', join(dir, '..data_tmp'));
  renameSync(join(dir, '..data_tmp'), join(dir, '..data'));
  rmSync(join(dir, '..v1'), { recursive: true });
  await settle(r.batches, 1);
  t.same(r.batches, [['tls.crt']], 'the swap is one change of tls.crt');
});

t.test('a file removed, then back: both are changes (the reload in between fails and keeps the old files)', async (t) => {
  const dir = join(pki.dir, 'watch3');
  mkdirSync(dir);
  const cert = join(dir, 'c.pem');
  copyFileSync(a.cert, cert);
  const r = recorder([cert]);
  t.teardown(r.close);
  rmSync(cert);
  await settle(r.batches, 1);
  copyFileSync(a.cert, cert);
  await settle(r.batches, 2);
  t.same(r.batches, [['c.pem'], ['c.pem']]);
});

const freePort = freeFixedPort;

function fingerprint(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = https.request({ host: '127.0.0.1', port, path: '/echo', ca: readFileSync(pki.ca), servername: 'localhost', agent: false }, (res) => {
      const fp = (res.socket as tls.TLSSocket).getPeerCertificate().fingerprint256;
      res.resume();
      res.on('end', () => resolve(fp));
    });
    req.on('error', reject);
    req.end();
  });
}

t.test('startRegate: a renewed listener certificate serves the next connection, no SIGHUP; a mismatched key keeps the old one', async (t) => {
  const dir = join(pki.dir, 'live');
  mkdirSync(dir);
  const cert = join(dir, 'tls.crt');
  const key = join(dir, 'tls.key');
  copyFileSync(a.cert, cert);
  copyFileSync(a.key, key);
  const up = await startUpstream((_req, res) => res.end('ok'));
  t.teardown(() => up.close());
  const config = loadConfigText(
    `
listen: { host: 127.0.0.1, port: ${await freePort()}, workers: 1, tls: { cert_file: ${cert}, key_file: ${key} } }
admin: { enabled: false }
upstreams:
  echo: { url: "${up.url}" }
routes:
  - { id: echo, match: { path_prefix: /echo }, upstream: echo }
`,
  );
  t.same(tlsFilesOf(config), [cert, key], 'the listener pair is what is watched');
  const lines: string[] = [];
  const logger = pino({ level: 'info' }, { write: (s: string) => void lines.push(s) });
  const running = await startRegate(config, logger);
  t.teardown(() => running.close());
  const fpA = new X509Certificate(readFileSync(a.cert)).fingerprint256;
  const fpB = new X509Certificate(readFileSync(b.cert)).fingerprint256;
  t.equal(await fingerprint(running.port), fpA);

  // a key that does not belong to the new certificate: the reload is refused, A still serves
  writeFileSync(`${cert}.tmp`, readFileSync(b.cert));
  renameSync(`${cert}.tmp`, cert);
  for (let i = 0; i < 100 && !lines.some((l) => l.includes('reload failed')); i++) await sleep(50);
  t.ok(lines.some((l) => l.includes('TLS files changed: reload failed')), 'the failed reload is logged');
  t.equal(await fingerprint(running.port), fpA, 'the old certificate keeps serving');

  // the key follows: reloaded, B serves new connections
  writeFileSync(`${key}.tmp`, readFileSync(b.key));
  renameSync(`${key}.tmp`, key);
  for (let i = 0; i < 100 && !lines.some((l) => l.includes('certificates reloaded')); i++) await sleep(50);
  t.ok(lines.some((l) => l.includes('TLS files changed: certificates reloaded')), 'the reload is logged');
  t.equal(await fingerprint(running.port), fpB, 'a new connection gets the renewed certificate');
});
