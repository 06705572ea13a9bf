/**
 * The network half of http.send: a synchronous HTTP client. Builtins run synchronously (the
 * evaluator returns a value, never a promise) but node:http is asynchronous, so one long-lived
 * worker thread performs each exchange while the calling thread blocks in Atomics.wait.
 *
 * Protocol: the caller posts `{ id, spec }` to the worker; the worker posts `{ id, result }` on a
 * MessagePort the caller never starts, then stores `id` in a shared Int32 and notifies. The
 * caller wakes and takes the message with receiveMessageOnPort (no size limit, unlike a fixed
 * SharedArrayBuffer). Answers to abandoned calls carry an old id and are drained and dropped.
 *
 * The worker behaves like Go's net/http client as OPA configures it (topdown/http.go):
 * - redirects are returned, not followed, unless `followRedirects` (then at most 10, with Go's
 *   method/body rules for 301/302/303 vs 307/308 and credential headers dropped cross-host);
 * - `Accept-Encoding: gzip` is added when the caller set none and a gzip body is inflated
 *   transparently (Content-Encoding / Content-Length removed from the answer, as Go does);
 * - the timeout covers one whole exchange including redirects and the body (Client.Timeout);
 * - `maxRetries` repeats failed exchanges with OPA's backoff (100 ms base, ×1.6, ±20 %);
 * - a request that fails because a reused keep-alive connection was closed is retried once at
 *   once, like Go's transport does for a connection the server closed while idle;
 * - errors read like Go's url.Error (`Get "http://…": dial tcp …: connect: connection refused`).
 * The worker is unref'd: it never keeps the process alive.
 *
 * @example
 *   const r = sendHttpSync({ method: 'GET', url: 'http://127.0.0.1:8080/', headers: [], timeoutMs: 5000,
 *     followRedirects: false, maxRetries: 0 });
 *   if (r.ok) console.log(r.response.status);
 */
import { MessageChannel, Worker, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';

/** One request as the worker performs it (already validated and normalised by http-request.ts). */
export interface TransportSpec {
  method: string;
  url: string;
  /** Unix domain socket to dial instead of the URL's host (OPA's `unix://…?socket=` form). */
  socketPath?: string;
  /** Header lines in order, names as they should be sent. */
  headers: [string, string][];
  body?: string;
  /** Per-exchange deadline; 0 means none (Go: Client.Timeout 0). */
  timeoutMs: number;
  followRedirects: boolean;
  maxRetries: number;
  /** Hosts a redirect may lead to (OPA's capabilities allow_net); absent = any. */
  allowNet?: string[];
  /** Set when any TLS option was given: a dedicated, non-pooled connection (as OPA does). */
  tls?: TransportTls;
}

export interface TransportTls {
  ca?: string[];
  cert?: string[];
  key?: string[];
  rejectUnauthorized: boolean;
  servername?: string;
}

export interface TransportResponse {
  statusCode: number;
  /** Go's resp.Status: "200 OK". */
  status: string;
  /** Header names lower-cased, values in arrival order. */
  headers: Record<string, string[]>;
  body: Uint8Array;
}

export type TransportResult =
  | { ok: true; response: TransportResponse }
  /**
   * `network`: the exchange failed (Go's *url.Error); `body`: the answer arrived but reading its
   * body failed. `timeout` marks a deadline, `op` and `url` are the url.Error's parts.
   */
  | { ok: false; kind: 'network' | 'body'; message: string; timeout: boolean; op: string; url: string };

// Plain CommonJS so it runs from source under tsx and from dist alike (eval'd, no file lookup).
const WORKER_SOURCE = String.raw`
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const http = require('node:http');
const https = require('node:https');
const zlib = require('node:zlib');
const { flag, port } = workerData;
const pooled = { 'http:': new http.Agent({ keepAlive: true }), 'https:': new https.Agent({ keepAlive: true }) };

function opOf(method) { return method.charAt(0) + method.slice(1).toLowerCase(); }
function goQuote(s) { return JSON.stringify(s); }
class Fail extends Error {
  constructor(kind, message, timeout) { super(message); this.kind = kind; this.timeout = !!timeout; }
}
function describe(err, u) {
  const host = u.hostname.replace(/^\[|\]$/g, '');
  const port = u.port || (u.protocol === 'https:' ? '443' : '80');
  const addr = (host.includes(':') ? '[' + host + ']' : host) + ':' + port;
  switch (err.code) {
    case 'ECONNREFUSED': return 'dial tcp ' + addr + ': connect: connection refused';
    case 'ENOTFOUND': case 'EAI_AGAIN': case 'EAI_NODATA': case 'EAI_NONAME': return 'dial tcp: lookup ' + host + ': no such host';
    case 'ETIMEDOUT': return 'dial tcp ' + addr + ': i/o timeout';
    case 'EHOSTUNREACH': return 'dial tcp ' + addr + ': connect: no route to host';
    case 'ENETUNREACH': return 'dial tcp ' + addr + ': connect: network is unreachable';
    case 'ENOENT': return 'dial unix: connect: no such file or directory';
    case 'ECONNRESET': return err.message === 'socket hang up' ? 'EOF' : 'read tcp ' + addr + ': read: connection reset by peer';
    case 'EPIPE': return 'write tcp ' + addr + ': write: broken pipe';
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE': case 'SELF_SIGNED_CERT_IN_CHAIN': case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY': case 'UNABLE_TO_GET_ISSUER_CERT':
      return 'tls: failed to verify certificate: x509: certificate signed by unknown authority';
    case 'CERT_HAS_EXPIRED': case 'CERT_NOT_YET_VALID':
      return 'tls: failed to verify certificate: x509: certificate has expired or is not yet valid';
    case 'ERR_TLS_CERT_ALTNAME_INVALID': return 'tls: failed to verify certificate: x509: ' + (err.reason || err.message);
    default: return err.message || String(err.code);
  }
}
function sleep(ms) { return new Promise((r) => setTimeout(r, ms)); }
// OPA's util.DefaultBackoff(100ms, 60s, attempt): 0 for the first retry, then ×1.6 with ±20 % jitter.
function backoffMs(i) {
  if (i === 0) return 0;
  let b = 100;
  while (b < 60000 && i > 0) { b *= 1.6; i--; }
  if (b > 60000) b = 60000;
  return Math.max(0, b * (1 + 0.2 * (Math.random() * 2 - 1)));
}
function sameHostOrSub(from, to) {
  const a = from.hostname.toLowerCase(), b = to.hostname.toLowerCase();
  return a === b || b.endsWith('.' + a);
}

// One request/response on one URL, no redirects. Resolves { res, body } or rejects Fail.
function once(spec, u, method, headers, body, signal) {
  return new Promise((resolve, reject) => {
    const isTls = u.protocol === 'https:';
    const opts = { method, headers: {}, signal };
    for (const [k, v] of headers) {
      const cur = opts.headers[k];
      opts.headers[k] = cur === undefined ? v : Array.isArray(cur) ? cur.concat(v) : [cur, v];
    }
    if (spec.socketPath) { opts.socketPath = spec.socketPath; opts.path = u.pathname + u.search; opts.host = u.hostname; opts.agent = false; }
    if (spec.tls) {
      opts.agent = false;
      if (isTls) {
        if (spec.tls.ca) opts.ca = spec.tls.ca;
        if (spec.tls.cert) opts.cert = spec.tls.cert;
        if (spec.tls.key) opts.key = spec.tls.key;
        opts.rejectUnauthorized = spec.tls.rejectUnauthorized;
        if (spec.tls.servername) opts.servername = spec.tls.servername;
      }
    } else if (!spec.socketPath) opts.agent = pooled[u.protocol];
    const lib = isTls ? https : http;
    let answered = false;
    let req;
    try {
      req = spec.socketPath ? lib.request(opts) : lib.request(u, opts);
    } catch (err) {
      reject(new Fail('network', describe(err, u), false));
      return;
    }
    req.on('error', (err) => {
      if (answered) return;
      const timedOut = signal.aborted;
      const f = new Fail('network', timedOut ? 'context deadline exceeded (Client.Timeout exceeded while awaiting headers)' : describe(err, u), timedOut);
      f.reused = req.reusedSocket && (err.code === 'ECONNRESET' || err.code === 'EPIPE');
      reject(f);
    });
    req.on('response', (res) => {
      answered = true;
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('error', () => {});
      res.on('close', () => {
        if (!res.complete) {
          reject(new Fail('body', signal.aborted ? 'context deadline exceeded (Client.Timeout or context cancellation while reading body)' : 'unexpected EOF', signal.aborted));
          return;
        }
        resolve({ res, body: Buffer.concat(chunks) });
      });
    });
    if (body !== undefined) req.end(body); else req.end();
  });
}

function gunzip(buf) {
  return new Promise((resolve, reject) => zlib.gunzip(buf, { finishFlush: zlib.constants.Z_SYNC_FLUSH }, (e, out) => (e ? reject(e) : resolve(out))));
}

// One client.Do: the request plus any redirects, under one deadline.
async function exchange(spec) {
  const ctl = new AbortController();
  const timer = spec.timeoutMs > 0 ? setTimeout(() => ctl.abort(), spec.timeoutMs) : undefined;
  try {
    let u = new URL(spec.url);
    let method = spec.method;
    let body = spec.body;
    let headers = spec.headers.slice();
    const wantGzip = !headers.some(([k]) => /^(accept-encoding|range)$/i.test(k)) && method !== 'HEAD';
    if (wantGzip) headers.push(['Accept-Encoding', 'gzip']);
    const sendsLength = (m, b) => (b !== undefined && b.length > 0) || m === 'POST' || m === 'PUT' || m === 'PATCH';
    for (let hop = 0; ; hop++) {
      const hs = headers.filter(([k]) => k.toLowerCase() !== 'content-length');
      if (sendsLength(method, body)) hs.push(['Content-Length', String(Buffer.byteLength(body ?? ''))]);
      let r;
      try {
        r = await once(spec, u, method, hs, body, ctl.signal);
      } catch (f) {
        if (f.reused && !ctl.signal.aborted) r = await once(spec, u, method, hs, body, ctl.signal);
        else throw f;
      }
      const code = r.res.statusCode;
      const loc = r.res.headers.location;
      if (spec.followRedirects && [301, 302, 303, 307, 308].includes(code) && loc) {
        if (hop >= 10) throw new Fail('network', 'stopped after 10 redirects', false);
        const next = new URL(loc, u);
        // OPA's CheckRedirect: verifyURLHost on every hop (host without port, exact match).
        if (spec.allowNet && !spec.allowNet.includes(next.host.split(':')[0])) throw new Fail('network', 'unallowed host: ' + next.host.split(':')[0], false);
        if (code !== 307 && code !== 308) {
          if (method !== 'GET' && method !== 'HEAD') method = 'GET';
          body = undefined;
        }
        if (!sameHostOrSub(u, next)) headers = headers.filter(([k]) => !/^(authorization|www-authenticate|cookie|cookie2)$/i.test(k));
        headers = headers.filter(([k]) => k.toLowerCase() !== 'referer');
        if (!(u.protocol === 'https:' && next.protocol === 'http:')) headers.push(['Referer', u.origin + u.pathname + u.search]);
        u = next;
        continue;
      }
      const out = {};
      const raw = r.res.rawHeaders;
      for (let i = 0; i + 1 < raw.length; i += 2) {
        const k = raw[i].toLowerCase();
        if (k === 'transfer-encoding') continue;
        (out[k] ??= []).push(raw[i + 1]);
      }
      let data = r.body;
      const enc = out['content-encoding'];
      if (wantGzip && enc && enc.length === 1 && enc[0].toLowerCase() === 'gzip') {
        try { data = await gunzip(data); } catch (e) { throw new Fail('body', 'gzip: invalid header', false); }
        delete out['content-encoding'];
        delete out['content-length'];
      }
      return { statusCode: code, status: code + ' ' + (r.res.statusMessage || ''), headers: out, body: new Uint8Array(data) };
    }
  } finally {
    if (timer) clearTimeout(timer);
  }
}

async function perform(spec) {
  const op = opOf(spec.method);
  for (let i = 0; ; i++) {
    try {
      return { ok: true, response: await exchange(spec) };
    } catch (f) {
      const kind = f instanceof Fail ? f.kind : 'network';
      if (kind === 'body' || i >= spec.maxRetries) {
        const detail = f instanceof Fail ? f.message : String(f && f.message);
        const message = kind === 'network' ? op + ' ' + goQuote(spec.url) + ': ' + detail : detail;
        return { ok: false, kind, message, timeout: !!f.timeout, op, url: spec.url };
      }
      await sleep(backoffMs(i));
    }
  }
}

parentPort.on('message', async ({ id, spec }) => {
  let result;
  try {
    result = await perform(spec);
  } catch (e) {
    result = { ok: false, kind: 'network', message: String(e && e.message), timeout: false, op: '', url: spec.url };
  }
  const transfer = result.ok ? [result.response.body.buffer] : [];
  port.postMessage({ id, result }, transfer);
  Atomics.store(flag, 0, id);
  Atomics.notify(flag, 0);
});
`;

interface Channel {
  worker: Worker;
  port: MessagePort;
  flag: Int32Array;
  seq: number;
}

let channel: Channel | undefined;

function getChannel(): Channel {
  if (channel) return channel;
  const flag = new Int32Array(new SharedArrayBuffer(4));
  const { port1, port2 } = new MessageChannel();
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { flag, port: port2 }, transferList: [port2] });
  worker.unref();
  port1.unref();
  const ch: Channel = { worker, port: port1, flag, seq: 0 };
  const drop = (): void => {
    if (channel === ch) channel = undefined;
  };
  worker.on('error', drop);
  worker.on('exit', drop);
  channel = ch;
  return ch;
}

/** How long the caller may block: every attempt's deadline plus the worst backoff, plus slack. */
function budgetMs(spec: TransportSpec): number {
  if (spec.timeoutMs <= 0) return Infinity;
  let backoff = 0;
  for (let i = 1; i <= spec.maxRetries; i++) backoff += Math.min(60000, 100 * 1.6 ** i) * 1.2;
  // Redirects share one attempt's deadline; a worker that is starting takes a few tens of ms.
  return (spec.timeoutMs + 250) * (spec.maxRetries + 1) + backoff + 2000;
}

/**
 * Performs one HTTP exchange synchronously (blocks the calling thread until it completes).
 * Never throws for network failures: they come back as `{ ok: false }`.
 */
export function sendHttpSync(spec: TransportSpec): TransportResult {
  const ch = getChannel();
  ch.seq = ch.seq >= 0x7ffffff0 ? 1 : ch.seq + 1;
  const id = ch.seq;
  ch.worker.postMessage({ id, spec });
  const deadline = Date.now() + budgetMs(spec);
  // Bounded: each pass either sees our id or waits until the deadline; spurious wake-ups
  // (answers to abandoned calls) are few.
  for (let pass = 0; pass < 1_000_000 && Atomics.load(ch.flag, 0) !== id; pass++) {
    const left = deadline - Date.now();
    if (left <= 0) {
      // The worker is stuck (or died): replace it so later calls start clean.
      if (channel === ch) channel = undefined;
      void ch.worker.terminate();
      const op = spec.method.charAt(0) + spec.method.slice(1).toLowerCase();
      return { ok: false, kind: 'network', message: `${op} ${JSON.stringify(spec.url)}: context deadline exceeded (Client.Timeout exceeded while awaiting headers)`, timeout: true, op, url: spec.url };
    }
    Atomics.wait(ch.flag, 0, Atomics.load(ch.flag, 0), left === Infinity ? undefined : left);
  }
  for (let i = 0; i < 10_000; i++) {
    const m = receiveMessageOnPort(ch.port) as { message: { id: number; result: TransportResult } } | undefined;
    if (m === undefined) break;
    if (m.message.id === id) return m.message.result;
  }
  return { ok: false, kind: 'network', message: 'http.send worker lost the answer', timeout: false, op: '', url: spec.url };
}
