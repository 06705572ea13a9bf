// policies.bundles against a real HTTP bundle server on 127.0.0.1: ETag / 304, a new revision
// picked up within max_delay_s, a tampered bundle refused while the old revision keeps serving
// (and /readyz says why), a restart during a server outage served from the persisted bundle, and
// two gateway instances converging on one revision.
import t from 'tap';
import http from 'node:http';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import type { RunningRegate } from '../../src/gateway/server/run.js';
import { importSigningKey } from '../../src/policy/index.js';
import { startUpstream } from './helpers.js';
import { echoBundle, readyz, startBundleGateway, startBundleServer, status, until, WITHIN } from './bundle-fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'regate-bundles-'));
const keys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
writeFileSync(join(dir, 'ci.pem'), keys.publicKey.export({ format: 'pem', type: 'spki' }).toString());
const signingKey = importSigningKey(keys.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(), 'ES256');

/** A signed bundle whose policy allows exactly /echo/<rev> (the path is in its data). */
async function bundleOf(rev: string, tamper = false): Promise<Buffer> {
  return echoBundle(rev, { sign: { key: await signingKey, algorithm: 'ES256', keyid: 'ci' }, tamper });
}

const signing = `signing: { keyid: ci, public_key_file: ${join(dir, 'ci.pem')}, algorithm: ES256 }`;

function startGateway(t: { teardown(fn: () => Promise<void>): void }, url: string, upstream: string, persist: string, workers = 1, extra?: { polling: string; status: string }): Promise<RunningRegate> {
  return startBundleGateway(t, { url, upstream, persist, workers, bundle: signing, ...(extra ? { polling: extra.polling, policies: extra.status } : {}) });
}

t.test('bundle service: 304s, new revision, tampered bundle refused, restart from the persisted bundle', async (t) => {
  const up = await startUpstream();
  t.teardown(() => up.close());
  const server = await startBundleServer();
  server.serve('v1', await bundleOf('v1'));
  const persist = join(dir, 'persist-a');
  const gw = await startGateway(t, server.url, up.url, persist);
  t.equal(await status(gw, '/echo/v1'), 200, 'v1 serves from the first download');
  t.same((await readyz(gw)).checks.policy.detail.bundles, { main: { revision: 'v1' } }, '/readyz names the active revision');
  t.ok(await until(WITHIN, async () => server.notModified >= 2), 'polls with If-None-Match are answered 304');
  t.equal(server.downloads, 1, 'the bundle was downloaded once');

  server.serve('v2', await bundleOf('v2'));
  t.ok(await until(WITHIN, async () => (await status(gw, '/echo/v2')) === 200), 'v2 is picked up within max_delay_s (plus slack)');
  t.equal(await status(gw, '/echo/v1'), 401, 'v1 no longer allows (a deny without a token is 401)');
  const metrics = await (await request(`http://127.0.0.1:${gw.adminPort}/metrics`)).body.text();
  t.match(metrics, /regate_bundle_info\{name="main",revision="v2"\} 1/, 'the revision is in a metric');

  server.serve('v3', await bundleOf('v3', true));
  t.ok(await until(WITHIN, async () => /digest mismatch/.test((await readyz(gw)).checks.bundles.detail[0]?.message ?? '')), '/readyz says why v3 was refused');
  t.equal(await status(gw, '/echo/v2'), 200, 'v2 keeps serving');
  t.equal(await status(gw, '/echo/evil'), 401, 'the tampered data is not used');
  t.equal((await readyz(gw)).checks.bundles.detail[0]?.active_revision, 'v2');

  // outage: the server is gone, the gateway restarts from its persisted bundle
  await server.close();
  await gw.close();
  const again = await startGateway(t, server.url, up.url, persist);
  t.equal(await status(again, '/echo/v2'), 200, 'restarted during the outage: the persisted v2 serves');
  t.match((await readyz(again)).checks.bundles.detail[0]?.message ?? '', /ECONNREFUSED|connect/, 'and /readyz reports the download error');
});

t.test('two instances (one of two worker threads) converge on the same revision', async (t) => {
  const up = await startUpstream();
  t.teardown(() => up.close());
  const server = await startBundleServer();
  t.teardown(() => server.close());
  server.serve('r1', await bundleOf('r1'));
  const a = await startGateway(t, server.url, up.url, join(dir, 'persist-b1'));
  // worker threads: the main thread downloads, every worker compiles, then all swap together
  const b = await startGateway(t, server.url, up.url, join(dir, 'persist-b2'), 2);
  server.serve('r2', await bundleOf('r2'));
  const rev = async (gw: RunningRegate) => (await readyz(gw)).checks.bundles.detail[0]?.active_revision;
  t.ok(await until(WITHIN, async () => (await rev(a)) === 'r2' && (await rev(b)) === 'r2'), 'both report r2');
  t.equal(await status(a, '/echo/r2'), 200);
  // new connections land on either worker; the metric below covers every worker's registry
  for (let i = 0; i < 6; i++) t.equal(await status(b, '/echo/r2'), 200);
  const m = await (await request(`http://127.0.0.1:${b.adminPort}/metrics`)).body.text();
  t.match(m, /regate_bundle_info\{name="main",revision="r2"\} 1/);
  t.notMatch(m, /revision="r1"/, 'no worker is left on r1');
});

t.test('long polling delivers a new revision at once; the status API gets OPA-shaped reports', async (t) => {
  const up = await startUpstream();
  t.teardown(() => up.close());
  const server = await startBundleServer();
  t.teardown(() => server.close());
  const reports: { bundles: Record<string, { active_revision: string; last_successful_activation: string }> }[] = [];
  const statusServer = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c));
    req.on('end', () => (reports.push(JSON.parse(body)), res.writeHead(200).end()));
  });
  await new Promise<void>((r) => statusServer.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => statusServer.close(() => r())));
  server.serve('l1', await bundleOf('l1'));
  // polls 30-60 s apart: only the held request can bring l2 in within the bound below
  const gw = await startGateway(t, server.url, up.url, join(dir, 'persist-c'), 1, {
    polling: 'min_delay_s: 30, max_delay_s: 60, long_polling_timeout_s: 20',
    status: `status: { url: "http://127.0.0.1:${(statusServer.address() as AddressInfo).port}/status" }`,
  });
  t.equal(await status(gw, '/echo/l1'), 200);
  t.ok(await until(WITHIN, async () => server.longPolls >= 1), 'the next request is held by the server');
  server.serve('l2', await bundleOf('l2'));
  // half of min_delay_s: a poll could not have brought l2 in; the bound leaves room for the
  // compile thread's start (a fresh isolate loading the toolchain: seconds through tsx under load)
  t.ok(await until(15_000, async () => (await status(gw, '/echo/l2')) === 200), 'l2 is live long before min_delay_s');
  t.ok(await until(WITHIN, async () => reports.some((r) => r.bundles['main']?.active_revision === 'l2')), 'the status API got the activation');
  t.match(reports.at(-1)!.bundles['main'], { name: 'main', active_revision: 'l2', last_successful_activation: String, last_successful_download: String });
});
