/**
 * http.send against a real node:http server on 127.0.0.1. The server runs in its own worker
 * thread: http.send blocks the calling thread until the answer arrives, so a server on this
 * thread could never answer.
 */
import t from 'tap';
import { skipWith } from '../../../helpers/skip.js';
import { Worker } from 'node:worker_threads';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultRegistry } from '../../../../src/policy/builtins/index.js';
import type { BuiltinContext } from '../../../../src/policy/builtins/registry.js';
import { RegoError } from '../../../../src/policy/errors.js';
import { createEvaluator, compileToPlan, fromJs, RNumber, type Value } from '../../../../src/policy/index.js';
import { httpSendCache } from '../../../../src/policy/builtins/http/http-cache.js';
import { createHttpSendBuiltin } from '../../../../src/policy/builtins/http/http-send.js';

const SERVER = String.raw`
const { parentPort } = require('node:worker_threads');
const http = require('node:http');
const zlib = require('node:zlib');
const hits = {};
const srv = http.createServer((req, res) => {
  const u = new URL(req.url, 'http://x');
  const name = u.searchParams.get('n') || u.pathname;
  hits[name] = (hits[name] || 0) + 1;
  let body = '';
  req.on('data', (c) => (body += c));
  req.on('end', () => {
    const echo = { method: req.method, path: u.pathname, body, headers: req.headers, hits: hits[name] };
    const json = (code, extra) => {
      res.writeHead(code, Object.assign({ 'content-type': 'application/json' }, extra || {}));
      res.end(JSON.stringify(echo));
    };
    switch (u.pathname) {
      case '/json': res.setHeader('x-multi', ['a', 'b']); return json(200);
      case '/status': return json(Number(u.searchParams.get('code')));
      case '/text': res.writeHead(200, { 'content-type': 'text/plain' }); return res.end('{"not":"decoded"}');
      case '/yaml': res.writeHead(200, { 'content-type': 'application/yaml' }); return res.end('a: 1\nb: [p, q]\n');
      case '/badjson': res.writeHead(200, { 'content-type': 'application/json' }); return res.end('{nope');
      case '/vnd': res.writeHead(200, { 'content-type': 'application/vnd.api+json; charset=utf-8' }); return res.end('[1,2]');
      case '/gzip': {
        res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
        return res.end(zlib.gzipSync(JSON.stringify(echo)));
      }
      case '/redirect': res.writeHead(302, { location: '/json?n=' + name + '-target' }); return res.end();
      case '/redirect307': res.writeHead(307, { location: '/json?n=' + name + '-target' }); return res.end();
      case '/away': res.writeHead(302, { location: 'http://localhost:' + srv.address().port + '/json' }); return res.end();
      case '/loop': res.writeHead(302, { location: '/loop?n=' + name }); return res.end();
      case '/slow': return setTimeout(() => json(200), 3000).unref();
      case '/cached': return json(200, { 'cache-control': u.searchParams.get('cc') || 'max-age=60' });
      case '/etag':
        if (req.headers['if-none-match'] === '"v1"') { res.writeHead(304, { etag: '"v1"', 'cache-control': 'max-age=60' }); return res.end(); }
        return json(200, { etag: '"v1"', 'cache-control': 'max-age=0' });
      case '/hits': res.writeHead(200, { 'content-type': 'application/json' }); return res.end(JSON.stringify(hits));
      default: res.writeHead(404); return res.end();
    }
  });
});
srv.keepAliveTimeout = 60000;
srv.listen(0, '127.0.0.1', () => parentPort.postMessage(srv.address().port));
`;

const def = defaultRegistry.get('http.send');
if (!def) throw new Error('http.send is not registered');

const server = new Worker(SERVER, { eval: true });
const [port] = (await once(server, 'message')) as [number];
t.teardown(() => server.terminate());
const base = `http://127.0.0.1:${port}`;

function makeCtx(over: Partial<BuiltinContext> = {}): BuiltinContext {
  return { strict: true, nowNs: BigInt(Date.now()) * 1_000_000n, cache: new Map(), print: () => {}, env: {}, random: Math.random, ...over };
}

function send(req: unknown, ctx: BuiltinContext = makeCtx()): Record<string, unknown> {
  return JSON.parse(JSON.stringify(def!.impl([fromJs(req)], ctx))) as Record<string, unknown>;
}

function sendError(req: unknown, ctx: BuiltinContext = makeCtx()): RegoError {
  try {
    def!.impl([fromJs(req)], ctx);
  } catch (e) {
    if (e instanceof RegoError) return e;
    throw e;
  }
  throw new Error('http.send did not fail');
}

/** A port nothing listens on: bind one, then close it. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const p = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return p;
}

t.test('GET: status, lower-cased multi-value headers, JSON body and raw body', (t) => {
  const r = send({ method: 'get', url: `${base}/json` });
  t.equal(r.status_code, 200);
  t.equal(r.status, '200 OK');
  const headers = r.headers as Record<string, string[]>;
  t.same(headers['content-type'], ['application/json']);
  t.same(headers['x-multi'], ['a', 'b']);
  t.notOk('transfer-encoding' in headers, 'Go drops Transfer-Encoding');
  const body = r.body as Record<string, unknown>;
  t.equal(body.method, 'GET', 'method upper-cased');
  t.equal(JSON.parse(r.raw_body as string).path, '/json');
  t.end();
});

t.test('POST: body marshalled like Go, raw_body wins, custom headers sent', (t) => {
  let r = send({ method: 'POST', url: `${base}/json`, body: { b: '<x>', a: [1, 2] }, headers: { 'content-type': 'application/json', 'x-trace': 'abc' } });
  let echo = r.body as { body: string; headers: Record<string, string> };
  t.equal(echo.body, '{"a":[1,2],"b":"\\u003cx\\u003e"}', 'sorted keys, HTML-safe escapes');
  t.equal(echo.headers['x-trace'], 'abc');
  t.equal(echo.headers['content-length'], String(echo.body.length));
  r = send({ method: 'put', url: `${base}/json`, body: { a: 1 }, raw_body: 'raw!' });
  echo = r.body as { body: string; headers: Record<string, string> };
  t.equal(echo.body, 'raw!');
  r = send({ method: 'post', url: `${base}/json?n=empty` });
  t.equal((r.body as { headers: Record<string, string> }).headers['content-length'], '0', 'POST without body sends Content-Length: 0');
  r = send({ method: 'get', url: `${base}/json`, headers: { 'user-agent': 'mine' } });
  t.equal((r.body as { headers: Record<string, string> }).headers['user-agent'], 'mine');
  t.end();
});

t.test('body decoding: JSON types, YAML, forced JSON, undecodable → null, gzip inflated', (t) => {
  t.equal(send({ method: 'get', url: `${base}/text` }).body, null, 'text/plain is not decoded');
  t.same(send({ method: 'get', url: `${base}/text`, force_json_decode: true }).body, { not: 'decoded' });
  t.same(send({ method: 'get', url: `${base}/yaml` }).body, { a: 1, b: ['p', 'q'] });
  t.same(send({ method: 'get', url: `${base}/vnd` }).body, [1, 2], 'application/*+json with parameters');
  const bad = send({ method: 'get', url: `${base}/badjson` });
  t.equal(bad.body, null);
  t.equal(bad.raw_body, '{nope');
  const gz = send({ method: 'get', url: `${base}/gzip` });
  t.equal((gz.body as { path: string }).path, '/gzip');
  t.notOk('content-encoding' in (gz.headers as object), 'Content-Encoding removed after inflating');
  t.end();
});

t.test('request validation: OPA texts, eval_type_error, or an error object with raise_error false', (t) => {
  let e = sendError({ bad_key: 'bad_value', method: 'get', url: 'http://127.0.0.1:1', another: 1 });
  t.equal(e.opaCode, 'eval_type_error');
  t.match(e.message, 'invalid request parameters(s): {"another", "bad_key"}');
  e = sendError({ method: 'get' });
  t.equal(e.opaCode, 'eval_type_error');
  t.match(e.message, 'missing required request parameters(s): {"url"}');
  e = sendError({});
  t.match(e.message, '{"method", "url"}');
  t.equal(sendError('nope' as unknown).opaCode, 'eval_type_error');
  t.equal(sendError({ method: 'get', url: `${base}/json`, timeout: true }).opaCode, 'eval_type_error');
  t.equal(sendError({ method: 'get', url: `${base}/json`, timeout: 'soon' }).code, 'REGO_ERR_BUILTIN');
  t.equal(sendError({ method: 'get', url: 42 }).code, 'REGO_ERR_BUILTIN');
  t.equal(sendError({ method: 'get', url: `${base}/json`, raise_error: 'no' }).code, 'REGO_ERR_BUILTIN');
  t.equal(sendError({ method: 'get', url: `${base}/json`, headers: { a: 1 } }).code, 'REGO_ERR_BUILTIN');
  t.equal(sendError({ method: 'get', url: `${base}/json`, force_cache: true }).code, 'REGO_ERR_BUILTIN');
  const r = send({ method: 'get', nope: 1, raise_error: false });
  t.equal(r.status_code, 0);
  t.equal((r.error as { code: string }).code, 'eval_http_send_internal_error');
  t.end();
});

t.test('connection refused: eval_builtin_error, or a network error object with raise_error false', async (t) => {
  const url = `http://127.0.0.1:${await closedPort()}/`;
  const e = sendError({ method: 'get', url });
  t.equal(e.code, 'REGO_ERR_BUILTIN');
  t.equal(e.opaCode, 'eval_builtin_error');
  const r = send({ method: 'get', url, raise_error: false, max_retry_attempts: 1 });
  t.equal(r.status_code, 0);
  t.equal((r.error as { code: string }).code, 'eval_http_send_network_error');
  const scheme = send({ method: 'get', url: 'ftp://127.0.0.1/', raise_error: false });
  t.equal((scheme.error as { code: string }).code, 'eval_http_send_network_error');
});

t.test('timeout: duration strings and nanosecond numbers', (t) => {
  const e = sendError({ method: 'get', url: `${base}/slow`, timeout: '100ms' });
  t.equal(e.code, 'REGO_ERR_BUILTIN');
  const r = send({ method: 'get', url: `${base}/slow?n=slow2`, timeout: 100_000_000, raise_error: false });
  t.equal((r.error as { code: string }).code, 'eval_http_send_network_error');
  t.end();
});

t.test('numbers kept as their literal text (RNumber: `5.0`, `1e9`) are numbers to every option, read as OPA reads the text', (t) => {
  // OPA's parseTimeout: an ast.Number must be an int64 by its text (json.Number.Int64), else
  // "invalid timeout number value 5.0, must be int64", a builtin error, never an operand type error
  for (const text of ['5.0', '1e9']) {
    const e = sendError({ method: 'get', url: `${base}/json`, timeout: new RNumber(text) });
    t.equal(e.code, 'REGO_ERR_BUILTIN', `timeout ${text}`);
    t.equal(e.opaCode, 'eval_builtin_error', `timeout ${text}`);
  }
  const retries = send({ method: 'get', url: `${base}/json?n=rn-retries`, max_retry_attempts: new RNumber('1.0'), raise_error: false });
  t.equal((retries.error as { code: string }).code, 'eval_http_send_internal_error', 'max_retry_attempts 1.0 is no int (getNumberValFromReqObj)');
  const force = sendError({ method: 'get', url: `${base}/json`, force_cache: true, force_cache_duration_seconds: new RNumber('5.0') });
  t.equal(force.code, 'REGO_ERR_BUILTIN', 'force_cache_duration_seconds: strconv.ParseInt of the text');
  const header = sendError({ method: 'get', url: `${base}/json`, headers: { a: new RNumber('1.0') } });
  t.equal(header.code, sendError({ method: 'get', url: `${base}/json`, headers: { a: 1 } }).code, 'a header value 1.0 fails as 1 does');
  t.end();
});

t.test('redirects: returned by default, followed with enable_redirect (307 keeps method and body)', (t) => {
  const r = send({ method: 'get', url: `${base}/redirect?n=r1` });
  t.equal(r.status_code, 302);
  t.equal(r.body, null);
  const f = send({ method: 'post', url: `${base}/redirect?n=r2`, body: { a: 1 }, enable_redirect: true });
  t.equal(f.status_code, 200);
  t.same([(f.body as { method: string }).method, (f.body as { body: string }).body], ['GET', ''], '302 turns POST into a body-less GET');
  const k = send({ method: 'post', url: `${base}/redirect307?n=r3`, body: { a: 1 }, enable_redirect: true });
  t.same([(k.body as { method: string }).method, (k.body as { body: string }).body], ['POST', '{"a":1}']);
  const loop = send({ method: 'get', url: `${base}/loop?n=loop`, enable_redirect: true, raise_error: false });
  t.equal((loop.error as { code: string }).code, 'eval_http_send_network_error', 'redirect loops end');
  t.end();
});

t.test('memoised within one evaluation; errors too; non-cacheable statuses are not', async (t) => {
  const ctx = makeCtx();
  const a = send({ method: 'get', url: `${base}/json?n=memo` }, ctx);
  const b = send({ method: 'get', url: `${base}/json?n=memo` }, ctx);
  t.equal((a.body as { hits: number }).hits, 1);
  t.equal((b.body as { hits: number }).hits, 1, 'second identical call answered from the evaluation cache');
  const c = send({ method: 'get', url: `${base}/json?n=memo` });
  t.equal((c.body as { hits: number }).hits, 2, 'a new evaluation sends again');
  const s1 = send({ method: 'get', url: `${base}/status?code=500&n=s500` }, ctx);
  const s2 = send({ method: 'get', url: `${base}/status?code=500&n=s500` }, ctx);
  t.same([(s1.body as { hits: number }).hits, (s2.body as { hits: number }).hits], [1, 2], '500 is not memoised');
  const ign = makeCtx();
  const i1 = send({ method: 'get', url: `${base}/json?n=ign`, headers: { 'x-req': '1' }, cache_ignored_headers: ['x-req'] }, ign);
  const i2 = send({ method: 'get', url: `${base}/json?n=ign`, headers: { 'x-req': '2' }, cache_ignored_headers: ['x-req'] }, ign);
  t.same([(i1.body as { hits: number }).hits, (i2.body as { hits: number }).hits], [1, 1], 'cache_ignored_headers are not part of the key');
  const url = `http://127.0.0.1:${await closedPort()}/`;
  const ectx = makeCtx();
  const e1 = sendError({ method: 'get', url }, ectx);
  const e2 = sendError({ method: 'get', url }, ectx);
  t.equal(e1.message, e2.message);
});

t.test('inter-query cache: max-age, no-store, force_cache, expiry and ETag revalidation', (t) => {
  httpSendCache.clear();
  const now = BigInt(Date.now()) * 1_000_000n;
  const later = now + 3600n * 1_000_000_000n;
  const hitsOf = (r: Record<string, unknown>): number => (r.body as { hits: number }).hits;

  const req = { method: 'get', url: `${base}/cached?n=c1`, cache: true };
  t.equal(hitsOf(send(req, makeCtx({ nowNs: now }))), 1);
  t.equal(hitsOf(send(req, makeCtx({ nowNs: now }))), 1, 'fresh entry served across evaluations');
  t.equal(hitsOf(send(req, makeCtx({ nowNs: later }))), 2, 'stale entry without validators is fetched again');

  const noStore = { method: 'get', url: `${base}/cached?n=c2&cc=no-store`, cache: true };
  t.equal(hitsOf(send(noStore)), 1);
  t.equal(hitsOf(send(noStore)), 2, 'no-store is not cached');

  const forced = { method: 'get', url: `${base}/cached?n=c3&cc=no-store`, force_cache: true, force_cache_duration_seconds: 60 };
  t.equal(hitsOf(send(forced, makeCtx({ nowNs: now }))), 1);
  t.equal(hitsOf(send(forced, makeCtx({ nowNs: now + 30n * 1_000_000_000n }))), 1, 'force_cache overrides no-store');
  t.equal(hitsOf(send(forced, makeCtx({ nowNs: now + 61n * 1_000_000_000n }))), 2, 'and expires after the forced duration');

  const withoutCache = { method: 'get', url: `${base}/cached?n=c4` };
  t.equal(hitsOf(send(withoutCache)), 1);
  t.equal(hitsOf(send(withoutCache)), 2, 'no inter-query caching unless asked');

  const etag = { method: 'get', url: `${base}/etag?n=e1`, cache: true };
  t.equal(hitsOf(send(etag, makeCtx({ nowNs: now }))), 1);
  const revalidated = send(etag, makeCtx({ nowNs: now + 1_000_000_000n }));
  t.equal(hitsOf(revalidated), 1, 'a 304 keeps the stored body');
  t.same((revalidated.headers as Record<string, string[]>)['cache-control'], ['max-age=60'], "the 304's headers replace the stored ones");
  const hits = send({ method: 'get', url: `${base}/hits` }).body as Record<string, number>;
  t.equal(hits.e1, 2, 'the server saw the conditional request');
  t.equal(hitsOf(send(etag, makeCtx({ nowNs: now + 2_000_000_000n }))), 1, 'fresh again for max-age=60 after the 304');

  httpSendCache.maxBytes = 100;
  httpSendCache.clear();
  send({ method: 'get', url: `${base}/cached?n=c5`, cache: true });
  t.equal(httpSendCache.size, 0, 'entries larger than the bound are not kept');
  httpSendCache.maxBytes = 32 * 1024 * 1024;
  t.end();
});

t.test('through compiled policies on both back ends (WASM gets it as a host builtin)', async (t) => {
  const compile = compileToPlan;
  const plan = compile([{ file: 'p.rego', text: `package p\n\nallow if http.send({"method": "GET", "url": input.url}).body.method == "GET"\n\nstatus := http.send({"method": "GET", "url": input.url, "raise_error": false}).status_code\n` }], { entrypoints: ['p/allow', 'p/status'] });
  for (const engine of ['js', 'wasm'] as const) {
    const ev = await createEvaluator(plan, { engine });
    const ok = ev.evaluate('p/allow', fromJs({ url: `${base}/json?n=${engine}` }) as Value);
    t.same(JSON.parse(JSON.stringify(ok)), [{ result: true }], `${engine}: allow`);
    const refused = ev.evaluate('p/status', fromJs({ url: `http://127.0.0.1:${await closedPort()}/` }) as Value);
    t.same(JSON.parse(JSON.stringify(refused)), [{ result: 0 }], `${engine}: raise_error false`);
    t.same(ev.evaluate('p/allow', fromJs({ url: `http://127.0.0.1:${await closedPort()}/` }) as Value), [], `${engine}: a failed call is undefined without strict errors`);
  }
});

/** An HTTPS server (self-signed certificate for 127.0.0.1) and a plain server on a unix socket, in a worker. */
const TLS_SERVER = String.raw`
const { parentPort, workerData } = require('node:worker_threads');
const https = require('node:https');
const http = require('node:http');
const handler = (req, res) => { res.writeHead(200, { 'content-type': 'application/json' }); res.end(JSON.stringify({ path: req.url, host: req.headers.host })); };
const s = https.createServer({ key: workerData.key, cert: workerData.cert }, handler);
const u = http.createServer(handler);
s.listen(0, '127.0.0.1', () => u.listen(workerData.socket, () => parentPort.postMessage(s.address().port)));
`;

t.test('TLS options and unix sockets', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'regate-http-send-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
  } catch {
    skipWith(t, 'openssl is not available');
    return;
  }
  const cert = readFileSync(join(dir, 'cert.pem'), 'utf8');
  const key = readFileSync(join(dir, 'key.pem'), 'utf8');
  const socket = join(dir, 'http.sock');
  const w = new Worker(TLS_SERVER, { eval: true, workerData: { key, cert, socket } });
  t.teardown(() => w.terminate());
  const [tlsPort] = (await once(w, 'message')) as [number];
  const url = `https://127.0.0.1:${tlsPort}/secure`;

  const untrusted = send({ method: 'get', url, raise_error: false });
  t.equal((untrusted.error as { code: string }).code, 'eval_http_send_network_error', 'an unknown CA is refused');
  t.equal(send({ method: 'get', url, tls_ca_cert: cert }).status_code, 200, 'tls_ca_cert');
  t.equal(send({ method: 'get', url, tls_ca_cert: cert.replaceAll('\n', '\\n') }).status_code, 200, 'escaped newlines in tls_ca_cert');
  t.equal(send({ method: 'get', url, tls_ca_cert_file: join(dir, 'cert.pem') }).status_code, 200, 'tls_ca_cert_file');
  t.equal(send({ method: 'get', url, tls_insecure_skip_verify: true }).status_code, 200, 'tls_insecure_skip_verify');
  t.equal(sendError({ method: 'get', url, tls_ca_cert: 'not a pem' }).code, 'REGO_ERR_BUILTIN');
  t.equal(sendError({ method: 'get', url, tls_ca_cert_file: join(dir, 'missing.pem') }).code, 'REGO_ERR_BUILTIN');

  const viaSocket = send({ method: 'get', url: `unix://localhost/over/socket?socket=${encodeURIComponent(socket)}&a=1` });
  t.equal(viaSocket.status_code, 200);
  t.equal((viaSocket.body as { path: string }).path, '/over/socket?a=1', 'the socket parameter is not sent');
});

t.test('limits: allow_net for requests and redirects, a timeout cap', (t) => {
  const limited = createHttpSendBuiltin({ allowNet: ['127.0.0.1'], maxTimeoutMs: 100 });
  const run = (req: unknown): Record<string, unknown> => JSON.parse(JSON.stringify(limited.impl([fromJs(req)], makeCtx()))) as Record<string, unknown>;
  t.equal(run({ method: 'get', url: `${base}/json?n=lim` }).status_code, 200);
  const other = run({ method: 'get', url: `http://localhost:${port}/json`, raise_error: false });
  t.equal((other.error as { code: string }).code, 'eval_http_send_internal_error', 'a host outside allow_net is refused');
  const away = run({ method: 'get', url: `${base}/away`, enable_redirect: true, raise_error: false });
  t.equal((away.error as { code: string }).code, 'eval_http_send_network_error', 'so is a redirect to one');
  const slow = run({ method: 'get', url: `${base}/slow?n=lim-slow`, timeout: '10s', raise_error: false });
  t.equal((slow.error as { code: string }).code, 'eval_http_send_network_error', 'the cap shortens a longer timeout');
  t.throws(() => createHttpSendBuiltin({ maxTimeoutMs: 0 }), TypeError);
  t.end();
});
