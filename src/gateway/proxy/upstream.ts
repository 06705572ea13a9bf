/**
 * One upstream: a keep-alive HTTP/1.1 connection pool and a circuit breaker (breaker.ts). The
 * pool is the regate client (h1-pool.ts) or an undici Pool, per `upstreams.<name>.client`; both
 * are driven through the same `dispatch(request, handler)` seam with undici 7's
 * handler/controller API.
 *
 * The breaker judges "get a response head from the upstream": the caller asks `admit()` before
 * dispatching and reports `settle(ok)` once the head (or the error) is there. Connect errors and
 * timeouts are failures (and 5xx when `breaker.count_5xx`); client aborts are reported as
 * successes, never failures (as opossum's errorFilter did). While it is open, `admit` returns
 * GW_ERR_UPSTREAM_UNAVAILABLE + `Retry-After` and the upstream is not contacted; after
 * `reset_timeout_ms` one trial call goes through (half-open) and its outcome closes or re-opens
 * the breaker.
 */
import { Pool, type Dispatcher } from 'undici';
import { createH1Pool } from './h1-pool.js';
import { H1ClientError, type UpstreamRequest } from './h1-call.js';
import { CircuitBreaker } from './breaker.js';
import { GatewayError } from '../errors.js';
import type { UpstreamConfig } from '../config/types.js';
import { createUpstreamTls, type UpstreamTls } from './upstream-tls.js';

export type BreakerState = 'closed' | 'open' | 'half_open' | 'disabled';

export interface Upstream {
  readonly name: string;
  readonly origin: string;
  readonly config: UpstreamConfig;
  /** sends one request; outcomes arrive on `handler` (undici 7 DispatchHandler) */
  dispatch(req: UpstreamRequest, handler: Dispatcher.DispatchHandler): void;
  /**
   * Asks the breaker for one call: null when it may go (then `settle` must follow exactly once),
   * else the error to answer with (GW_ERR_UPSTREAM_UNAVAILABLE).
   * @example
   * const refused = up.admit(); if (refused) throw refused;
   * up.dispatch(req, handler); // … at the head: up.settle(true); on a transport error: up.settle(false)
   */
  admit(): GatewayError | null;
  /** The outcome of an admitted call: false counts a failure towards opening the breaker. */
  settle(ok: boolean): void;
  /**
   * Ends an admitted call that never tested the upstream — the client aborted, or its request
   * was refused before a byte was sent. Client faults never count for or against an upstream.
   */
  release(): void;
  /** Synchronous check used before reading a request: is the breaker refusing calls now? */
  refusing(): GatewayError | null;
  state(): BreakerState;
  /**
   * https upstreams: re-reads the `tls` files for new connections (SIGHUP); pooled connections
   * keep theirs (undici: a new Pool takes new calls, the old one finishes its own). Returns
   * whether the files were re-read.
   */
  reloadTls(): boolean;
  onStateChange(cb: (state: BreakerState) => void): void;
  close(): Promise<void>;
}

/**
 * @example
 * const car = createUpstream('car', config.upstreams.car);
 * if (!car.admit()) car.dispatch(request, handler);
 */
export function createUpstream(name: string, config: UpstreamConfig): Upstream {
  const origin = config.url.replace(/\/$/, '');
  const url = new URL(origin);
  // https:// upstreams: one secure context per upstream, built from the files once (upstream-tls.ts)
  const tls = url.protocol === 'https:' ? createUpstreamTls(config.tls, url.hostname) : undefined;
  const { dispatch, closePool, renewPool } = config.client === 'undici' ? undiciDispatch(origin, config, tls) : regateDispatch(origin, config, tls);
  const bc = config.breaker;
  const listeners: ((s: BreakerState) => void)[] = [];
  const retryAfter = String(Math.max(1, Math.ceil(bc.reset_timeout_ms / 1000)));

  const breaker = bc.enabled
    ? new CircuitBreaker(
        { errorThresholdPercentage: bc.error_threshold_percentage, volumeThreshold: bc.volume_threshold, resetTimeoutMs: bc.reset_timeout_ms, rollingWindowMs: bc.rolling_window_ms },
        (s) => {
          for (const l of listeners) l(s);
        },
      )
    : null;

  const openError = () =>
    new GatewayError('GW_ERR_UPSTREAM_UNAVAILABLE', { headers: { 'retry-after': retryAfter }, cause: `breaker for upstream ${name} is open` });

  return {
    name,
    origin,
    config,
    dispatch,
    admit() {
      return breaker === null || breaker.admit() ? null : openError();
    },
    settle(ok) {
      if (breaker === null) return;
      if (ok) breaker.succeeded();
      else breaker.failed();
    },
    release() {
      breaker?.released();
    },
    refusing() {
      // half-open lets exactly one trial through, then refuses until that trial settles
      return breaker?.refusing ? openError() : null;
    },
    state: () => breaker?.state ?? 'disabled',
    reloadTls() {
      if (tls === undefined) return false;
      tls.reload();
      renewPool?.();
      return true;
    },
    onStateChange(cb) {
      listeners.push(cb);
    },
    async close() {
      breaker?.shutdown();
      await closePool();
    },
  };
}

type PoolSeam = { dispatch: Upstream['dispatch']; closePool: () => Promise<void>; renewPool?: () => void };

function regateDispatch(origin: string, config: UpstreamConfig, tls: UpstreamTls | undefined): PoolSeam {
  const url = new URL(origin);
  const pool = createH1Pool({
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port: Number(url.port || (tls ? 443 : 80)),
    ...(tls ? { tls } : {}),
    connections: config.pool.connections,
    connectTimeoutMs: config.connect_timeout_ms,
    headersTimeoutMs: config.timeout_ms,
    bodyTimeoutMs: config.body_timeout_ms,
    keepAlive: config.pool.keepalive,
    keepAliveTimeoutMs: config.pool.keepalive_timeout_ms,
    queueLimit: config.pool.queue_limit,
    queueTimeoutMs: config.pool.queue_timeout_ms,
  });
  return { dispatch: (req, handler) => pool.dispatch(req, handler), closePool: () => pool.close() };
}

function undiciDispatch(origin: string, config: UpstreamConfig, tls: UpstreamTls | undefined): PoolSeam {
  const makePool = () =>
    new Pool(origin, {
      connections: config.pool.connections,
      pipelining: 1, // HTTP/1.1 pipelining is unsafe against arbitrary backends
      connect: { timeout: config.connect_timeout_ms, ...(tls ? tls.undiciConnect() : {}) },
      headersTimeout: config.timeout_ms,
      bodyTimeout: config.body_timeout_ms,
      keepAliveTimeout: config.pool.keepalive ? config.pool.keepalive_timeout_ms : 1,
      keepAliveMaxTimeout: config.pool.keepalive ? Math.max(config.pool.keepalive_timeout_ms, 600_000) : 1,
    });
  let pool = makePool();
  const retired: Promise<void>[] = [];
  return {
    // undici fixes a Pool's TLS options when it is built: a reload builds a new Pool for new
    // calls, and the old one finishes the calls it has, then closes
    renewPool() {
      const old = pool;
      pool = makePool();
      retired.push(old.close());
    },
    dispatch(req, handler) {
      // undici's Pool queues without bound; the same limit as regate's client, refused at once
      // (its queue has no timeout of its own: regate's client applies `queue_timeout_ms` too)
      if (pool.stats.queued >= config.pool.queue_limit) {
        handler.onResponseError?.(null as unknown as Dispatcher.DispatchController, new H1ClientError('H1_ERR_POOL_BUSY', 'upstream pool busy'));
        return;
      }
      pool.dispatch({ origin, path: req.path, method: req.method as Dispatcher.HttpMethod, headers: toUndiciHeaders(req.headers), body: req.exchange?.body ?? null }, handler);
    },
    closePool: async () => {
      await Promise.all([pool.close(), ...retired]);
    },
  };
}

/**
 * undici writes the head as latin1 and refuses code units above U+00FF, while a value from the
 * edge is the UTF-16 decoding of the client's UTF-8 bytes (shared/http-syntax.ts). Values with
 * non-ASCII characters are handed over as their UTF-8 bytes, one latin1 char per byte, so undici
 * writes exactly what the client sent; ASCII-only lists (almost all) are passed as they are.
 */
const NON_ASCII = /[^\x00-\x7f]/;
function toUndiciHeaders(headers: readonly string[]): string[] {
  let out: string[] | null = null;
  for (let i = 1; i < headers.length; i += 2) {
    const v = headers[i] as string;
    if (!NON_ASCII.test(v)) continue;
    out ??= headers.slice();
    out[i] = Buffer.from(v, 'utf8').toString('latin1');
  }
  return out ?? (headers as string[]);
}
