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
import type { RequestContext } from '../pipeline/context.js';
import type { BodyFraming, ClientExchange } from '../pipeline/exchange.js';
import type { GatewayConfig } from '../config/types.js';
import { connectionTokens, isForwardedRequestHeader, isForwardedResponseHeader, pushForwardingHeaders } from './headers.js';
import { NotCounted, type Upstream } from './upstream.js';
import type { UpstreamRequest } from './h1-call.js';

export type ProxyFn = (ctx: RequestContext, exchange: ClientExchange) => Promise<void>;

/**
 * Builds the proxy function for a set of upstreams.
 * @example const proxy = createProxy(config, upstreams); await proxy(ctx, exchange);
 */
export function createProxy(config: GatewayConfig, upstreams: ReadonlyMap<string, Upstream>): ProxyFn {
  const hostOf = new Map<string, string>();
  for (const [name, u] of upstreams) hostOf.set(name, new URL(u.origin).host);
  const trust = config.listen.trust_forwarded;
  const stripFor = new Map<string, number>();
  config.routes.forEach((r) => {
    if (r.strip_prefix && r.match.path_prefix !== undefined) stripFor.set(r.id, r.match.path_prefix.replace(/\/$/, '').length);
  });

  return function proxy(ctx, exchange) {
    const mapping = ctx.mapping;
    const name = mapping?.name ?? ctx.route.upstream;
    const upstream = upstreams.get(name);
    if (!upstream) return Promise.reject(new GatewayError('GW_ERR_INTERNAL', { cause: `upstream ${name} is not configured` }));

    let path: string;
    if (mapping) path = mapping.path;
    else {
      const strip = stripFor.get(ctx.route.id) ?? 0;
      const p = strip > 0 ? ctx.path.slice(strip) || '/' : ctx.path;
      path = ctx.rawQuery ? `${p}?${ctx.rawQuery}` : p;
    }

    const headers = buildUpstreamHeaders(ctx, hostOf.get(name) as string, trust);
    if (mapping) {
      const remove = mapping.removeHeaders.length ? new Set(mapping.removeHeaders.map((h) => h.toLowerCase())) : null;
      if (remove) filterPairs(headers, (n) => !remove.has(n));
      for (const [k, v] of Object.entries(mapping.setHeaders)) {
        const lk = k.toLowerCase();
        filterPairs(headers, (n) => n !== lk);
        headers.push(lk, v);
      }
      // Backend credentials arrive as setHeaders: the map stage turns `credentials` into headers.
    }

    const call = new ProxyCall(ctx, exchange, upstream);
    const opts: UpstreamRequest = { method: ctx.method, path, headers, exchange };
    return upstream
      .guard(() => call.send(opts))
      .then(
        () => call.done,
        (err: unknown) => {
          // a counted 5xx still reaches the client: the breaker only needed to hear about it
          if (err instanceof UpstreamFailed) return call.done;
          throw toGatewayError(err, exchange);
        },
      );
  };
}

/** The request fields that travel upstream, plus Host, forwarding headers and x-request-id. */
function buildUpstreamHeaders(ctx: RequestContext, upstreamHost: string, trust: boolean): string[] {
  const raw = ctx.rawHeaders ?? flatten(ctx.headers);
  const named = connectionTokens(ctx.headers['connection']);
  // The bearer token is for the gateway; an authenticated route's upstream gets mapped
  // credentials instead, never the caller's token.
  const dropAuthorization = ctx.route.auth !== 'none';
  const out: string[] = ['host', upstreamHost];
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const n = raw[i] as string;
    if (!isForwardedRequestHeader(n, named) || (dropAuthorization && n === 'authorization')) continue;
    out.push(n, raw[i + 1] as string);
  }
  pushForwardingHeaders(out, {
    remoteAddr: ctx.remoteAddr,
    host: ctx.host,
    scheme: ctx.scheme,
    priorXff: trust ? ctx.headers['x-forwarded-for'] : undefined,
    priorForwarded: trust ? ctx.headers['forwarded'] : undefined,
  });
  out.push('x-request-id', ctx.id);
  return out;
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

/** One upstream exchange, as an undici dispatch handler (the controller API of undici 7). */
class ProxyCall implements Dispatcher.DispatchHandler {
  done: Promise<void>;
  private resolveDone!: () => void;
  private resolveHead: (() => void) | null = null;
  private rejectHead: ((err: unknown) => void) | null = null;
  private controller: Dispatcher.DispatchController | null = null;

  constructor(
    private readonly ctx: RequestContext,
    private readonly exchange: ClientExchange,
    private readonly upstream: Upstream,
  ) {
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
  }

  send(opts: UpstreamRequest): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.resolveHead = resolve;
      this.rejectHead = reject;
      if (this.exchange.aborted) {
        reject(new NotCounted(new GatewayError('GW_ERR_BAD_REQUEST', { cause: 'client aborted' })));
        return;
      }
      this.exchange.onAbort(() => this.controller?.abort(new ClientAborted()));
      this.upstream.dispatch(opts, this);
    });
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.exchange.aborted) controller.abort(new ClientAborted());
  }

  onResponseStart(controller: Dispatcher.DispatchController, statusCode: number, headers: Record<string, string | string[] | undefined>, statusMessage?: string): void {
    if (statusCode < 200) return; // 1xx interim answers are the hop's business
    const ex = this.exchange;
    const ctx = this.ctx;
    ctx.status = statusCode;
    const named = connectionTokens(typeof headers['connection'] === 'string' ? headers['connection'] : undefined);
    const out: string[] = [];
    for (const name in headers) {
      if (!isForwardedResponseHeader(name, named) || name === 'x-request-id') continue;
      const v = headers[name];
      if (v === undefined) continue;
      if (typeof v === 'string') out.push(name, v);
      else for (const one of v) out.push(name, one);
    }
    out.push('x-request-id', ctx.id);
    for (const k in ctx.responseHeaders) out.push(k, ctx.responseHeaders[k] as string);

    const cl = headers['content-length'];
    let framing: BodyFraming;
    if (ctx.method === 'HEAD' || statusCode === 204 || statusCode === 304) {
      framing = { kind: 'none', reportedLength: statusCode !== 204 && typeof cl === 'string' ? Number(cl) : undefined };
    } else if (typeof cl === 'string' && headers['transfer-encoding'] === undefined) framing = { kind: 'length', size: Number(cl) };
    else framing = { kind: 'chunked' };

    const head = this.resolveHead;
    const fail = this.rejectHead;
    this.resolveHead = this.rejectHead = null;
    if (statusCode >= 500 && this.upstream.config.breaker.count_5xx) fail?.(new UpstreamFailed(statusCode));
    else head?.();
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
    this.resolveDone();
  }

  onResponseError(_controller: Dispatcher.DispatchController, err: Error): void {
    const reject = this.rejectHead;
    this.resolveHead = this.rejectHead = null;
    if (reject) {
      // No answer yet: the caller maps the error to a response (and the breaker counts it
      // unless it was the client's doing).
      reject(err instanceof ClientAborted || err instanceof GatewayError || isClientFault(err) ? new NotCounted(err) : err);
    } else {
      // Mid-body: the status line is out, so the only honest signal left is cutting the connection.
      if (!(err instanceof ClientAborted)) this.ctx.error = toGatewayError(err, this.exchange);
      this.exchange.destroy();
    }
    this.resolveDone();
  }
}

class ClientAborted extends Error {
  constructor() {
    super('client aborted');
  }
}

/** A 5xx counted as a breaker failure when `count_5xx` is set; the response is still relayed. */
class UpstreamFailed extends Error {
  constructor(readonly status: number) {
    super(`upstream answered ${status}`);
  }
}

function isClientFault(err: Error): boolean {
  return (err as { code?: string }).code === 'UND_ERR_REQ_CONTENT_LENGTH_MISMATCH';
}

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
};

/** Maps a transport error to the gateway's coded error (the one table lives in errors.ts). */
export function toGatewayError(err: unknown, exchange?: ClientExchange): GatewayError {
  if (err instanceof GatewayError) return err;
  if (err instanceof ClientAborted || exchange?.aborted) return new GatewayError('GW_ERR_BAD_REQUEST', { cause: 'client aborted' });
  if (err instanceof UpstreamFailed) return new GatewayError('GW_ERR_UPSTREAM_PROTOCOL', { cause: err });
  const code = (err as { code?: string } | null)?.code ?? '';
  const mapped = CODE_MAP[code] ?? (code.startsWith('HPE_') ? 'GW_ERR_UPSTREAM_PROTOCOL' : 'GW_ERR_INTERNAL');
  return new GatewayError(mapped, { cause: err });
}

