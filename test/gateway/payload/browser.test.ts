/**
 * The browser SDK (regate/client) in a real Chromium against a real gateway (issue #18): the page
 * is served through the gateway itself (same origin, as an app behind it would be), imports the
 * SDK — src/client/index.ts transpiled by TypeScript, jose's browser build through an import
 * map — and runs three calls with the browser's own WebCrypto and fetch: an ECDH request that
 * is granted a session, a `dir` request in it, and a bodyless GET (its JWE in `Regate-JWE`). It
 * reports what it saw (status, decrypted body, the wire content type) with a POST the test reads.
 *
 * Needs Chromium (Debian: apt-get install -y chromium; or REGATE_CHROMIUM=/path/to/chrome); the
 * test is skipped, saying so, when there is none. .ci/run does not install it (178 s here).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { startPayloadGateway, startRecorder, writeKey } from './harness.js';

function findChromium(): string | null {
  // REGATE_CHROMIUM, when set, is the only candidate (a path that does not exist skips the test)
  const named = process.env['REGATE_CHROMIUM'];
  const candidates = named !== undefined && named !== '' ? [named] : ['chromium', 'chromium-browser', 'google-chrome'];
  for (const c of candidates) if (spawnSync(c, ['--version'], { stdio: 'ignore' }).status === 0) return c;
  return null;
}

const chromium = findChromium();
if (chromium === null) {
  t.plan(0, 'Chromium not found (apt-get install -y chromium, or set REGATE_CHROMIUM): the browser SDK test is skipped');
} else {
  const root = fileURLToPath(new URL('../../../', import.meta.url));
  const joseDir = join(root, 'node_modules', 'jose', 'dist', 'webapi');
  // loaded here, not at the top: the compiler is 9 MB of JavaScript, parsed for nothing when the test is skipped
  const { default: ts } = await import('typescript');
  const sdk = ts.transpileModule(readFileSync(join(root, 'src', 'client', 'index.ts'), 'utf8'), { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;

  const page = `<!doctype html><meta charset="utf-8">
<script type="importmap">{ "imports": { "jose": "/page/jose/index.js" } }</script>
<script type="module">
import { createRegateClient } from '/page/sdk.js';
const out = { steps: [] };
try {
  const wire = [];
  const recording = async (input, init) => {
    const res = await fetch(input, init);
    wire.push({ url: String(input), reqType: new Headers(init && init.headers).get('content-type'), jweHeader: new Headers(init && init.headers).has('regate-jwe'), resType: res.headers.get('content-type') });
    return res;
  };
  const api = createRegateClient({ baseUrl: location.origin, fetch: recording });
  for (const [path, init] of [
    ['/open/first', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ from: 'chromium', n: 1 }) }],
    ['/open/second', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ from: 'chromium', n: 2 }) }],
    ['/open/third', { method: 'GET' }],
  ]) {
    const before = wire.length;
    const res = await api.fetch(path, init);
    out.steps.push({ path, status: res.status, type: res.headers.get('content-type'), body: await res.text(), session: api.sessionKid ?? null, wire: wire.slice(before) });
  }
  out.crypto = typeof crypto.subtle.deriveBits === 'function' && typeof process === 'undefined';
} catch (err) {
  out.error = String(err && err.stack || err);
}
await fetch('/page/report', { method: 'POST', body: JSON.stringify(out) });
</script>`;

  let resolveReport: (v: string) => void = () => {};
  const report = new Promise<string>((r) => (resolveReport = r));
  const site = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] as string;
    if (path === '/page/report' && req.method === 'POST') {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        res.end('ok');
        resolveReport(body);
      });
      return;
    }
    if (path === '/page/index.html') return void res.writeHead(200, { 'content-type': 'text/html' }).end(page);
    if (path === '/page/sdk.js') return void res.writeHead(200, { 'content-type': 'text/javascript' }).end(sdk);
    if (path.startsWith('/page/jose/')) {
      const file = normalize(join(joseDir, path.slice('/page/jose/'.length)));
      if (file.startsWith(joseDir) && file.endsWith('.js')) {
        try {
          return void res.writeHead(200, { 'content-type': 'text/javascript' }).end(readFileSync(file));
        } catch {
          // not found below
        }
      }
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => site.listen(0, '127.0.0.1', r));
  const siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
  const up = await startRecorder();
  const gw = await startPayloadGateway(up.url, [['enc-browser', writeKey('enc-browser', 'ec256')]], {
    upstreams: `  site: { url: "${siteUrl}", timeout_ms: 3000 }`,
    routes: '  - { id: page, match: { path_prefix: /page }, upstream: site, auth: none }',
  });
  const profile = mkdtempSync(join(tmpdir(), 'regate-chromium-'));
  t.teardown(async () => {
    await gw.close();
    await up.close();
    site.closeAllConnections();
    await new Promise<void>((r) => site.close(() => r()));
    // Chromium's helpers may still be writing to the profile for a moment after the group is killed
    rmSync(profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  });

  t.test('Chromium: encrypt the request, open the sealed answer, a session, a bodyless call', async (t) => {
    // root in a container needs --no-sandbox; the profile dir keeps the run from touching $HOME
    const browser = spawn(chromium, ['--headless=new', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-extensions', `--user-data-dir=${profile}`, `${gw.url}/page/index.html`], { stdio: 'ignore', detached: true });
    const exited = new Promise<void>((r) => browser.once('exit', () => r()));
    t.teardown(async () => {
      // the whole process group: Chromium's zygote and renderers outlive a SIGKILL of the first process
      try {
        process.kill(-(browser.pid as number), 'SIGKILL');
      } catch {
        browser.kill('SIGKILL');
      }
      await exited;
    });
    let timer: NodeJS.Timeout | undefined;
    const raw = await Promise.race([report, new Promise<string>((_, reject) => (timer = setTimeout(() => reject(new Error('Chromium did not report within 60 s')), 60_000)))]);
    clearTimeout(timer);
    const out = JSON.parse(raw) as { error?: string; crypto?: boolean; steps: { path: string; status: number; type: string | null; body: string; session: string | null; wire: { url: string; reqType: string | null; jweHeader: boolean; resType: string | null }[] }[] };
    t.equal(out.error, undefined, 'the page ran without an exception');
    t.equal(out.crypto, true, 'in a browser (no process object), with WebCrypto');
    const [first, second, third] = out.steps;
    t.equal(first?.status, 200);
    t.equal(first?.type, 'application/json', 'the answer has the upstream media type again');
    t.same(JSON.parse(first?.body ?? '{}').got, JSON.stringify({ from: 'chromium', n: 1 }), 'the upstream got the plaintext, and the page read its answer');
    const jwks = first?.wire.find((w) => w.url.endsWith('/jwks.json'));
    t.ok(jwks, 'the SDK fetched the JWKS');
    const call1 = first?.wire.find((w) => w.url.endsWith('/open/first'));
    t.equal(call1?.reqType, 'application/jose', 'the request went encrypted');
    t.equal(call1?.resType, 'application/jose', 'the answer came sealed');
    t.match(first?.session, /^s\./, 'a session was granted');
    t.equal(second?.status, 200);
    t.same(JSON.parse(second?.body ?? '{}').got, JSON.stringify({ from: 'chromium', n: 2 }));
    t.equal(second?.wire.length, 1, 'no JWKS fetch in the session');
    t.equal(second?.wire[0]?.resType, 'application/jose');
    t.equal(third?.status, 200);
    t.equal(third?.wire[0]?.jweHeader, true, 'the GET carried Regate-JWE');
    t.equal(third?.wire[0]?.resType, 'application/jose');
    t.equal(JSON.parse(third?.body ?? '{}').path, '/open/third');
    // what the upstream received: plaintext, never a JWE
    const got = up.seen.filter((s) => s.url.startsWith('/open/'));
    t.equal(got.length, 3);
    t.ok(got.every((s) => !String(s.headers['content-type'] ?? '').includes('jose') && s.headers['regate-jwe'] === undefined), 'the upstream saw no JWE');
  });
}
