/**
 * The proxy stage's engine: sends the request to its upstream through the pool and streams the
 * answer back, with backpressure both ways.
 *
 * Request body: the regate client takes it straight from the exchange (`feedBody`, pausing the
 * client socket while the upstream socket is full); undici reads the exchange's Readable.
 * Response body: each chunk goes to `exchange.write` (with the regate client it is a view of a
 * reused read buffer: the exchange copies only what the client socket refused); when that
 * reports backpressure, the controller is paused until the client socket drains. A client abort
 * aborts the upstream call, which closes the upstream connection, so an abandoned download stops
 * costing the upstream. Both clients share the undici 7 handler/controller API (upstream.ts).
 */
import { STATUS_CODES } from 'node:http';
import type { Dispatcher } from 'undici';
import { GatewayError, type GatewayErrorCode } from '../errors.js';
import type { RequestContext, UpstreamMapping } from '../pipeline/context.js';
import type { BodyFraming, ClientExchange } from '../pipeline/exchange.js';
import type { GatewayConfig } from '../config/types.js';
import { connectionTokens, isForwardedRequestHeader, isGatewaySetRequestHeader, pushForwardingHeaders, responseFieldsDropped } from './headers.js';
import type { Upstream } from './upstream.js';
import type { RawHeadHandler, UpstreamRequest } from './h1-call.js';
import { checkTarget, pathRulesOf } from '../shared/path-check.js';
import { upstreamPathOf } from '../shared/route-path.js';
import { isTlsErrorCode } from './upstream-tls.js';
import { CORS_RESPONSE_HEADERS } from '../shared/cors-rules.js';
import { isTraceContextHeader } from '../shared/trace-context.js';
import { headerAliasOf } from '../shared/header-alias.js';

/**
 * Proxies one request; `done` runs once, when the response has been relayed (or cut mid-body),
 * or with the coded error when no answer head came (the caller writes that error).
 */
export type ProxyFn = (ctx: RequestContext, exchange: ClientExchange, done: (err?: GatewayError) => void) => void;

/**
 * Builds the proxy function for a set of upstreams.
 * @example const proxy = createProxy(config, upstreams); proxy(ctx, exchange, (err) => (err ? writeError(err) : finished()));
 */
export function createProxy(config: GatewayConfig, upstreams: ReadonlyMap<string, Upstream>): ProxyFn {
  const hostOf = new Map<string, string>();
  for (const [name, u] of upstreams) hostOf.set(name, new URL(u.origin).host);
  const trust = config.listen.trust_forwarded;
  // `Server`, `X-Powered-By` and the like tell an attacker what runs behind the gateway
  const hidden = config.security.remove_response_headers.map((n) => n.toLowerCase());
  // on a CORS route the gateway's rule alone speaks CORS (shared/cors-rules.ts): the upstream's own headers would contradict it
  const corsRoutes = new Set(config.routes.filter((r) => r.cors !== undefined).map((r) => r.id));
  // everything a response field is dropped for but the Connection header's list, one set per kind of route
  const dropped = responseFieldsDropped(hidden);
  const droppedOnCors = responseFieldsDropped([...hidden, ...CORS_RESPONSE_HEADERS]);
  const pathRules = pathRulesOf(config);
  const bufferFor = new Map<string, number>();
  for (const r of config.routes) if (r.limits?.buffer_body_bytes !== undefined) bufferFor.set(r.id, r.limits.buffer_body_bytes);

  return function proxy(ctx, exchange, done) {
    const mapping = ctx.mapping;
    const name = mapping?.name ?? ctx.route.upstream;
    const upstream = upstreams.get(name);
    if (!upstream) return done(new GatewayError('GW_ERR_INTERNAL', { cause: `upstream ${name} is not configured` }));

    let path: string;
    let changed = true;
    if (mapping) path = mapping.path;
    else {
      const strip = ctx.route.stripLength ?? 0;
      const p = upstreamPathOf(ctx.path, strip);
      changed = strip > 0;
      path = ctx.hasQuery ? `${p}?${ctx.rawQuery}` : p;
    }
    // One check for every upstream path, passed through, stripped or rewritten
    // (shared/path-check.ts): stripping `/api` from `/api//evil.example/x` must not hand the
    // upstream an authority-looking `//evil.example/x`. A path passed through unchanged was
    // checked at the edge with the same function.
    if (changed) {
      const why = checkTarget(path, pathRules);
      if (why !== null) return done(new GatewayError('GW_ERR_BAD_PATH', { cause: `upstream path ${why}` }));
    }

    const headers = buildUpstreamHeaders(ctx, hostOf.get(name) as string, trust, mapping);
    const buffer = bufferFor.get(ctx.route.id) ?? config.limits.buffer_body_bytes;
    // Request buffering (nginx's proxy_request_buffering): a body up to `buffer_body_bytes` is
    // read whole before an upstream connection is taken, so a slow client never holds one.
    if (buffer > 0 && exchange.hasBody === true && exchange.whenBuffered) {
      exchange.whenBuffered(buffer, (err) => {
        if (err !== undefined) done(toGatewayError(err, exchange));
        else send(ctx, exchange, done, upstream, path, headers);
      });
      return;
    }
    send(ctx, exchange, done, upstream, path, headers);
  };

  function send(ctx: RequestContext, exchange: ClientExchange, done: (err?: GatewayError) => void, upstream: Upstream, path: string, headers: string[]): void {
    const refused = upstream.admit();
    if (refused) return done(refused);
    if (exchange.aborted) {
      upstream.release(); // the client's doing: never a verdict on the upstream
      return done(new GatewayError('GW_ERR_BAD_REQUEST', { cause: 'client aborted' }));
    }
    const call = new ProxyCall(ctx, exchange, upstream, done, corsRoutes.has(ctx.route.id) ? droppedOnCors : dropped);
    exchange.onAbort(() => call.clientAborted());
    try {
      upstream.dispatch({ method: ctx.method, path, headers, exchange } satisfies UpstreamRequest, call);
    } catch (err) {
      // a client that throws instead of reporting: the breaker must still hear about this call
      call.onResponseError(null, err as Error);
    }
  }
}

/**
 * The request fields that travel upstream, plus Host, forwarding headers and x-request-id, then
 * the mapping's: its removals and replacements applied in the same pass (one list, no
 * re-filtering per header), its headers (decision headers, backend credentials) last.
 */
function buildUpstreamHeaders(ctx: RequestContext, upstreamHost: string, trust: boolean, mapping: UpstreamMapping | null): string[] {
  const raw = ctx.rawHeaders ?? flatten(ctx.headers);
  const named = connectionTokens(ctx.headers['connection']);
  // The bearer token is for the gateway; an authenticated route's upstream gets mapped
  // credentials instead, never the caller's token.
  const dropAuthorization = ctx.route.auth !== 'none';
  // names the mapping removes or sets; a short list, so `includes` beats a Set. They are
  // lower-case already (UpstreamMapping): a `toLowerCase` per name per request allocated a copy
  // of each just to compare it with the original.
  let skip: string[] | null = null;
  if (mapping !== null) {
    for (const h of mapping.removeHeaders) (skip ??= []).push(h);
    for (const k in mapping.setHeaders) (skip ??= []).push(k);
  }
  // A recorded request's upstream call is a child of the gateway's span: its traceparent and
  // tracestate replace the client's (telemetry/); otherwise the client's pass through.
  const trace = ctx.trace === null ? null : ctx.trace.upstreamHeaders;
  const out: string[] = ['host', upstreamHost];
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const n = raw[i] as string;
    if (!isForwardedRequestHeader(n, named) || (dropAuthorization && n === 'authorization') || (skip !== null && isSkipped(skip, n)) || (trace !== null && isTraceContextHeader(n))) continue;
    out.push(n, raw[i + 1] as string);
  }
  if (trace !== null) for (let i = 0; i + 1 < trace.length; i += 2) out.push(trace[i] as string, trace[i + 1] as string);
  pushForwardingHeaders(out, {
    remoteAddr: ctx.remoteAddr,
    host: ctx.host,
    scheme: ctx.scheme,
    priorXff: trust ? ctx.headers['x-forwarded-for'] : undefined,
    priorForwarded: trust ? ctx.headers['forwarded'] : undefined,
  });
  out.push('x-request-id', ctx.id);
  if (skip !== null) {
    const names = skip;
    // Decisions may not touch the gateway's own fields (authz/header-rules.ts), but configured
    // credential headers are not policy text: one that names a gateway field replaces it.
    if (names.some(isGatewaySetRequestHeader)) filterPairs(out, (n) => !names.includes(n));
    const set = (mapping as UpstreamMapping).setHeaders;
    // an object's keys are distinct and lower-case (UpstreamMapping): each is pushed once
    for (const k in set) out.push(k, set[k] as string);
  }
  return out;
}

/**
 * A client field the mapping removes or replaces, by its name or by the name a CGI-style backend
 * reads it as (`x_tenant` when the policy sets `x-tenant`: shared/header-alias.ts) — the client's
 * copy must not arrive beside the policy's and win there.
 */
function isSkipped(skip: string[], name: string): boolean {
  if (skip.includes(name)) return true;
  const alias = headerAliasOf(name);
  return alias !== null && skip.includes(alias);
}

function flatten(h: Record<string, string>): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(h)) out.push(k, v);
  return out;
}

function filterPairs(list: string[], keep: (name: string) => boolean): void {
  let w = 0;
  for (let r = 0; r + 1 < list.length; r += 2) {
    if (keep(list[r] as string)) {
      list[w++] = list[r] as string;
      list[w++] = list[r + 1] as string;
    }
  }
  list.length = w;
}

/**
 * One upstream exchange, as an undici dispatch handler (the controller API of undici 7). `done`
 * runs once: when the response has been relayed (or cut mid-body), or with the coded error when
 * no answer head came. The breaker hears the outcome once, at the head or at the error before it.
 */
class ProxyCall implements RawHeadHandler {
  /** the breaker has been told (head seen or error before it) */
  private settled = false;
  private finished = false;
  private controller: Dispatcher.DispatchController | null = null;

  constructor(
    private readonly ctx: RequestContext,
    private readonly exchange: ClientExchange,
    private readonly upstream: Upstream,
    private readonly done: (err?: GatewayError) => void,
    /** response fields never forwarded on this route (headers.ts responseFieldsDropped) */
    private readonly dropped: ReadonlySet<string>,
  ) {}

  private finish(err?: GatewayError): void {
    if (this.finished) return;
    this.finished = true;
    this.done(err);
  }

  clientAborted(): void {
    this.controller?.abort(new ClientAborted());
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.exchange.aborted) controller.abort(new ClientAborted());
  }

  onResponseStart(controller: Dispatcher.DispatchController, statusCode: number, headers: Record<string, string | string[] | undefined>, statusMessage?: string): void {
    if (statusCode < 200) return; // 1xx interim answers are the hop's business
    this.ctx.status = statusCode;
    const named = connectionTokens(typeof headers['connection'] === 'string' ? headers['connection'] : undefined);
    const out: string[] = [];
    for (const name in headers) {
      if (this.dropped.has(name) || (named !== null && named.has(name))) continue;
      const v = headers[name];
      if (v === undefined) continue;
      if (typeof v === 'string') out.push(name, v);
      else for (const one of v) out.push(name, one);
    }
    const cl = headers['content-length'];
    this.startResponse(controller, statusCode, statusMessage, out, typeof cl === 'string' ? cl : undefined, headers['transfer-encoding'] !== undefined);
  }

  /**
   * The regate client's form of `onResponseStart` (h1-connection.ts): the head as the parser's
   * flat [name, value, …] list with lower-case names, so no header object is built per response.
   */
  onResponseStartRaw(controller: Dispatcher.DispatchController, statusCode: number, headers: readonly string[], statusMessage: string): void {
    if (statusCode < 200) return;
    this.ctx.status = statusCode;
    let connection: string | undefined;
    let cl: string | undefined;
    let chunked = false;
    for (let i = 0; i + 1 < headers.length; i += 2) {
      const n = headers[i] as string;
      if (n === 'connection') connection = connection === undefined ? headers[i + 1] : `${connection}, ${headers[i + 1] as string}`;
      else if (n === 'content-length') cl = headers[i + 1];
      else if (n === 'transfer-encoding') chunked = true;
    }
    const named = connectionTokens(connection);
    const out: string[] = [];
    for (let i = 0; i + 1 < headers.length; i += 2) {
      const n = headers[i] as string;
      if (this.dropped.has(n) || (named !== null && named.has(n))) continue;
      out.push(n, headers[i + 1] as string);
    }
    this.startResponse(controller, statusCode, statusMessage, out, cl, chunked);
  }

  private startResponse(controller: Dispatcher.DispatchController, statusCode: number, statusMessage: string | undefined, out: string[], cl: string | undefined, hasTransferEncoding: boolean): void {
    const ex = this.exchange;
    const ctx = this.ctx;
    out.push('x-request-id', ctx.id);
    for (const k in ctx.responseHeaders) out.push(k, ctx.responseHeaders[k] as string);

    let framing: BodyFraming;
    if (ctx.method === 'HEAD' || statusCode === 204 || statusCode === 304) {
      framing = { kind: 'none', reportedLength: statusCode !== 204 && cl !== undefined ? Number(cl) : undefined };
    } else if (cl !== undefined && !hasTransferEncoding) framing = { kind: 'length', size: Number(cl) };
    else framing = { kind: 'chunked' };

    if (!this.settled) {
      this.settled = true;
      // a 5xx still reaches the client: with count_5xx the breaker only needs to hear about it
      this.upstream.settle(!(statusCode >= 500 && this.upstream.config.breaker.count_5xx));
    }
    if (ex.aborted) {
      controller.abort(new ClientAborted());
      return;
    }
    ex.start(statusCode, statusMessage || STATUS_CODES[statusCode] || '', out, framing);
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (!this.exchange.write(chunk)) {
      controller.pause();
      this.exchange.onDrain(() => controller.resume());
    }
  }

  onResponseEnd(): void {
    this.exchange.end();
    this.finish();
  }

  onResponseError(_controller: Dispatcher.DispatchController | null, err: Error): void {
    if (!this.settled) {
      // No answer yet: the breaker counts it unless it was the client's doing, and the caller
      // maps the error to a response.
      this.settled = true;
      if (isUpstreamFault(err, this.exchange)) this.upstream.settle(false);
      else this.upstream.release();
      this.finish(toGatewayError(err, this.exchange));
      return;
    }
    // Mid-body: the status line is out, so the only honest signal left is cutting the connection.
    if (!(err instanceof ClientAborted)) this.ctx.error = toGatewayError(err, this.exchange);
    this.exchange.destroy();
    this.finish();
  }
}

class ClientAborted extends Error {
  constructor() {
    super('client aborted');
  }
}

/**
 * Only the upstream's own failures feed its breaker (issue #14): connect errors, resets,
 * timeouts, protocol errors in its answer. A client that aborted or whose body broke off, a
 * request refused before it was sent (H1_ERR_INVALID_REQUEST, undici's argument errors: a gateway
 * bug, since the edge validated everything), and the gateway's own coded refusals are not.
 */
function isUpstreamFault(err: Error, exchange: ClientExchange): boolean {
  if (err instanceof ClientAborted || err instanceof GatewayError || exchange.aborted) return false;
  const code = (err as { code?: string }).code ?? '';
  return !NOT_UPSTREAM_FAULTS.has(code);
}
const NOT_UPSTREAM_FAULTS = new Set(['UND_ERR_REQ_CONTENT_LENGTH_MISMATCH', 'UND_ERR_INVALID_ARG', 'UND_ERR_ABORTED', 'H1_ERR_INVALID_REQUEST', 'H1_ERR_POOL_BUSY', 'H1_ERR_CLOSED']);

const CODE_MAP: Record<string, GatewayErrorCode> = {
  UND_ERR_CONNECT_TIMEOUT: 'GW_ERR_UPSTREAM_TIMEOUT',
  UND_ERR_HEADERS_TIMEOUT: 'GW_ERR_UPSTREAM_TIMEOUT',
  UND_ERR_BODY_TIMEOUT: 'GW_ERR_UPSTREAM_TIMEOUT',
  ETIMEDOUT: 'GW_ERR_UPSTREAM_TIMEOUT',
  ECONNREFUSED: 'GW_ERR_UPSTREAM_CONNECT',
  ECONNRESET: 'GW_ERR_UPSTREAM_CONNECT',
  EPIPE: 'GW_ERR_UPSTREAM_CONNECT',
  EHOSTUNREACH: 'GW_ERR_UPSTREAM_CONNECT',
  ENETUNREACH: 'GW_ERR_UPSTREAM_CONNECT',
  EADDRNOTAVAIL: 'GW_ERR_UPSTREAM_CONNECT',
  ENOTFOUND: 'GW_ERR_UPSTREAM_CONNECT',
  EAI_AGAIN: 'GW_ERR_UPSTREAM_CONNECT',
  UND_ERR_SOCKET: 'GW_ERR_UPSTREAM_CONNECT',
  UND_ERR_CLOSED: 'GW_ERR_UPSTREAM_CONNECT',
  UND_ERR_RES_CONTENT_LENGTH_MISMATCH: 'GW_ERR_UPSTREAM_PROTOCOL',
  UND_ERR_REQ_CONTENT_LENGTH_MISMATCH: 'GW_ERR_BAD_REQUEST',
  // the regate client (h1-call.ts); parser failures are HPE_* like undici's llhttp
  H1_ERR_CONNECT_TIMEOUT: 'GW_ERR_UPSTREAM_TIMEOUT',
  H1_ERR_HEADERS_TIMEOUT: 'GW_ERR_UPSTREAM_TIMEOUT',
  H1_ERR_BODY_TIMEOUT: 'GW_ERR_UPSTREAM_TIMEOUT',
  H1_ERR_SOCKET: 'GW_ERR_UPSTREAM_CONNECT',
  H1_ERR_CLOSED: 'GW_ERR_UPSTREAM_CONNECT',
  H1_ERR_TRUNCATED: 'GW_ERR_UPSTREAM_PROTOCOL',
  H1_ERR_INVALID_REQUEST: 'GW_ERR_INTERNAL',
  H1_ERR_POOL_BUSY: 'GW_ERR_UPSTREAM_BUSY',
};

/** Maps a transport error to the gateway's coded error (the one table lives in errors.ts). */
export function toGatewayError(err: unknown, exchange?: ClientExchange): GatewayError {
  if (err instanceof GatewayError) return err;
  if (err instanceof ClientAborted || exchange?.aborted) return new GatewayError('GW_ERR_BAD_REQUEST', { cause: 'client aborted' });
  const code = (err as { code?: string } | null)?.code ?? '';
  const mapped = CODE_MAP[code] ?? (isTlsErrorCode(code) ? 'GW_ERR_UPSTREAM_TLS' : code.startsWith('HPE_') ? 'GW_ERR_UPSTREAM_PROTOCOL' : 'GW_ERR_INTERNAL');
  // a busy pool frees up quickly: tell the client when to come back (RFC 9110 §10.2.3)
  return new GatewayError(mapped, { cause: err, ...(mapped === 'GW_ERR_UPSTREAM_BUSY' ? { headers: { 'retry-after': '1' } } : {}) });
}

