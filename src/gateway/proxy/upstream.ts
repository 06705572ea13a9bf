/**
 * One upstream: a keep-alive HTTP/1.1 connection pool and an opossum breaker. The pool is the
 * regate client (h1-pool.ts) or an undici Pool, per `upstreams.<name>.client`; both are driven
 * through the same `dispatch(request, handler)` seam with undici 7's handler/controller API.
 *
 * The breaker wraps "get a response head from the upstream": connect errors and timeouts count
 * as failures (and 5xx when `breaker.count_5xx`), client aborts never do. While it is open,
 * `acquire` fails at once with GW_ERR_UPSTREAM_UNAVAILABLE + `Retry-After` and the upstream is
 * not contacted; after `reset_timeout_ms` one trial call goes through (half-open) and its outcome
 * closes or re-opens the breaker.
 */
import { Pool, type Dispatcher } from 'undici';
import { createH1Pool } from './h1-pool.js';
import type { UpstreamRequest } from './h1-call.js';
import CircuitBreaker from 'opossum';
import { GatewayError } from '../errors.js';
import type { UpstreamConfig } from '../config/types.js';

export type BreakerState = 'closed' | 'open' | 'half_open' | 'disabled';

/** Marks outcomes the breaker must not count (client went away, upstream answered 4xx…). */
export class NotCounted extends Error {
  constructor(readonly inner: unknown) {
    super('not counted');
  }
}

export interface Upstream {
  readonly name: string;
  readonly origin: string;
  readonly config: UpstreamConfig;
  /** sends one request; outcomes arrive on `handler` (undici 7 DispatchHandler) */
  dispatch(req: UpstreamRequest, handler: Dispatcher.DispatchHandler): void;
  /**
   * Runs `attempt` under the breaker. `attempt` resolves once the upstream answered (any
   * status) and rejects with the transport error otherwise.
   */
  guard<T>(attempt: () => Promise<T>): Promise<T>;
  /** Synchronous check used before reading a request: is the breaker refusing calls now? */
  refusing(): GatewayError | null;
  state(): BreakerState;
  onStateChange(cb: (state: BreakerState) => void): void;
  close(): Promise<void>;
}

/**
 * @example
 * const car = createUpstream('car', config.upstreams.car);
 * await car.guard(() => sendRequest(car));
 */
export function createUpstream(name: string, config: UpstreamConfig): Upstream {
  const origin = config.url.replace(/\/$/, '');
  const { dispatch, closePool } = config.client === 'undici' ? undiciDispatch(origin, config) : regateDispatch(origin, config);
  const bc = config.breaker;
  const listeners: ((s: BreakerState) => void)[] = [];
  const retryAfter = String(Math.max(1, Math.ceil(bc.reset_timeout_ms / 1000)));

  let breaker: CircuitBreaker<[() => Promise<unknown>], unknown> | null = null;
  if (bc.enabled) {
    breaker = new CircuitBreaker((attempt: () => Promise<unknown>) => attempt(), {
      timeout: false, // undici enforces connect/response timeouts; opossum's would race them
      errorThresholdPercentage: bc.error_threshold_percentage,
      volumeThreshold: bc.volume_threshold,
      resetTimeout: bc.reset_timeout_ms,
      rollingCountTimeout: bc.rolling_window_ms,
      rollingCountBuckets: 10,
      errorFilter: (err: unknown) => err instanceof NotCounted,
      name,
    });
    const emit = () => {
      const s = stateOf(breaker);
      for (const l of listeners) l(s);
    };
    breaker.on('open', emit);
    breaker.on('halfOpen', emit);
    breaker.on('close', emit);
  }

  const openError = () =>
    new GatewayError('GW_ERR_UPSTREAM_UNAVAILABLE', { headers: { 'retry-after': retryAfter }, cause: `breaker for upstream ${name} is open` });

  return {
    name,
    origin,
    config,
    dispatch,
    guard<T>(attempt: () => Promise<T>): Promise<T> {
      if (!breaker) return attempt();
      return (breaker.fire(attempt) as Promise<T>).catch((err: unknown) => {
        if ((err as { code?: string }).code === 'EOPENBREAKER') throw openError();
        throw err instanceof NotCounted ? err.inner : err;
      });
    },
    refusing() {
      // the same test opossum's fire() makes: half-open lets exactly one trial through
      // (pendingClose), then refuses until that trial settles
      if (breaker && !breaker.closed && !breaker.pendingClose) return openError();
      return null;
    },
    state: () => stateOf(breaker),
    onStateChange(cb) {
      listeners.push(cb);
    },
    async close() {
      breaker?.shutdown();
      await closePool();
    },
  };
}

function stateOf(b: CircuitBreaker<never[], unknown> | CircuitBreaker<[() => Promise<unknown>], unknown> | null): BreakerState {
  if (!b) return 'disabled';
  if (b.halfOpen) return 'half_open';
  return b.opened ? 'open' : 'closed';
}

type PoolSeam = { dispatch: Upstream['dispatch']; closePool: () => Promise<void> };

function regateDispatch(origin: string, config: UpstreamConfig): PoolSeam {
  const url = new URL(origin);
  const pool = createH1Pool({
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port: Number(url.port || 80),
    connections: config.pool.connections,
    connectTimeoutMs: config.connect_timeout_ms,
    headersTimeoutMs: config.timeout_ms,
    bodyTimeoutMs: config.body_timeout_ms,
    keepAlive: config.pool.keepalive,
    keepAliveTimeoutMs: config.pool.keepalive_timeout_ms,
  });
  return { dispatch: (req, handler) => pool.dispatch(req, handler), closePool: () => pool.close() };
}

function undiciDispatch(origin: string, config: UpstreamConfig): PoolSeam {
  const pool = new Pool(origin, {
    connections: config.pool.connections,
    pipelining: 1, // HTTP/1.1 pipelining is unsafe against arbitrary backends
    connect: { timeout: config.connect_timeout_ms },
    headersTimeout: config.timeout_ms,
    bodyTimeout: config.body_timeout_ms,
    keepAliveTimeout: config.pool.keepalive ? config.pool.keepalive_timeout_ms : 1,
    keepAliveMaxTimeout: config.pool.keepalive ? Math.max(config.pool.keepalive_timeout_ms, 600_000) : 1,
  });
  return {
    dispatch(req, handler) {
      pool.dispatch({ origin, path: req.path, method: req.method as Dispatcher.HttpMethod, headers: req.headers as string[], body: req.exchange?.body ?? null }, handler);
    },
    closePool: () => pool.close(),
  };
}
