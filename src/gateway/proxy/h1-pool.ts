/**
 * The regate HTTP/1.1 upstream client: a pool of keep-alive connections (h1-connection.ts) to
 * one origin, at most `connections` of them, with a FIFO queue for calls beyond that.
 *
 * Timeouts (connect, response head, body idle, keep-alive idle) are checked by one coarse sweep
 * timer per pool instead of a timer per request: a request then costs no timer work at all,
 * and a timeout fires between its value and its value plus two sweep periods (a quarter of the
 * smallest timeout, 10 ms – 1 s).
 *
 * @example
 * const pool = createH1Pool({ host: '127.0.0.1', port: 8080, connections: 64, … });
 * pool.dispatch({ method: 'GET', path: '/', headers: ['host', 'x'], exchange: null }, handler);
 */
import type { Dispatcher } from 'undici';
import { performance } from 'node:perf_hooks';
import { H1Call, H1ClientError, type UpstreamRequest } from './h1-call.js';
import { H1Connection, type ConnectionOwner } from './h1-connection.js';
import type { UpstreamTls } from './upstream-tls.js';

/**
 * The `context` of undici's `onRequestStart(controller, context)`: a handler's per-request scratch
 * object there. The gateway's one handler (proxy/forward.ts ProxyCall) keeps its state on itself
 * and never reads it, so every call gets this frozen one instead of a fresh `{}`.
 */
const NO_CONTEXT: object = Object.freeze({});

export interface H1PoolOptions {
  host: string;
  port: number;
  connections: number;
  connectTimeoutMs: number;
  /** request sent (or last request-body progress) → response head */
  headersTimeoutMs: number;
  /** idle time between response body reads; 0 = none */
  bodyTimeoutMs: number;
  keepAlive: boolean;
  keepAliveTimeoutMs: number;
  /** calls that may wait for a connection; beyond it a call fails at once with H1_ERR_POOL_BUSY (default: no bound) */
  queueLimit?: number;
  /** longest wait for a connection before H1_ERR_POOL_BUSY (default: none) */
  queueTimeoutMs?: number;
  /** connect over TLS (https:// upstreams) */
  tls?: UpstreamTls;
}

export interface H1Pool {
  dispatch(req: UpstreamRequest, handler: Dispatcher.DispatchHandler): void;
  /** open connections / idle ones / queued calls (metrics and tests) */
  stats(): { open: number; idle: number; queued: number };
  close(): Promise<void>;
}

export function createH1Pool(opts: H1PoolOptions): H1Pool {
  const all = new Set<H1Connection>();
  const idle: H1Connection[] = [];
  const queue: H1Call[] = [];
  const queueLimit = opts.queueLimit ?? Infinity;
  const queueTimeout = opts.queueTimeoutMs ?? Infinity;
  const shortest = Math.min(opts.connectTimeoutMs, opts.headersTimeoutMs, opts.bodyTimeoutMs > 0 ? opts.bodyTimeoutMs : Infinity, opts.keepAlive ? opts.keepAliveTimeoutMs : Infinity, queueTimeout);
  const tick = Math.max(10, Math.min(1000, Math.floor(shortest / 4)));
  const limits = { connect: opts.connectTimeoutMs, headers: opts.headersTimeoutMs, body: opts.bodyTimeoutMs, keepAlive: opts.keepAliveTimeoutMs };
  let timer: NodeJS.Timeout | null = null;
  let closing = false;
  let closeWaiters: (() => void)[] = [];

  const owner: ConnectionOwner & { now: number } = {
    now: performance.now(),
    keepAlive: opts.keepAlive,
    released(conn) {
      if (closing) {
        conn.destroy();
        return;
      }
      const next = queue.shift();
      if (next) conn.send(next);
      else idle.push(conn);
    },
    closed(conn) {
      all.delete(conn);
      const at = idle.indexOf(conn);
      if (at >= 0) idle.splice(at, 1);
      pump();
      if (all.size === 0) {
        if (timer) clearInterval(timer);
        timer = null;
        const w = closeWaiters;
        closeWaiters = [];
        for (const f of w) f();
      }
    },
    retry(call) {
      if (closing) call.fail(new H1ClientError('H1_ERR_CLOSED', 'upstream client is closing'));
      else {
        call.queuedAt = owner.now; // its wait starts again
        queue.unshift(call); // the slot frees in closed(), which pumps
      }
    },
  };

  const removeQueued = (call: H1Call) => {
    const at = queue.indexOf(call);
    if (at >= 0) queue.splice(at, 1);
  };

  function sweep(): void {
    const now = (owner.now = performance.now());
    for (const conn of all) conn.check(now, tick, limits);
    // The wait queue is FIFO: the oldest calls are at its head. A call that waited too long gets
    // a 503 instead of an answer later than any client waits for (slow clients or a slow
    // upstream holding every connection must not make ordinary requests hang).
    while (queue.length > 0 && now - (queue[0] as H1Call).queuedAt - tick >= queueTimeout) {
      (queue.shift() as H1Call).fail(busy('waited too long for a connection'));
    }
  }

  function busy(why: string): H1ClientError {
    return new H1ClientError('H1_ERR_POOL_BUSY', `upstream pool busy: ${why}`);
  }

  function enqueue(call: H1Call): void {
    if (queue.length >= queueLimit) {
      call.fail(busy(`${queue.length} calls already waiting`));
      return;
    }
    call.queuedAt = owner.now;
    queue.push(call);
  }

  function assign(call: H1Call): void {
    while (idle.length > 0) {
      const conn = idle.pop() as H1Connection;
      if (conn.dead) continue;
      conn.send(call);
      return;
    }
    if (all.size < opts.connections) {
      if (!timer) {
        owner.now = performance.now();
        timer = setInterval(sweep, tick);
        timer.unref();
      }
      const conn = new H1Connection(owner, opts.host, opts.port, opts.tls);
      all.add(conn);
      conn.send(call);
      return;
    }
    enqueue(call);
  }

  function pump(): void {
    // bounded: each turn takes one call off the queue
    while (!closing && queue.length > 0 && (idle.length > 0 || all.size < opts.connections)) assign(queue.shift() as H1Call);
  }

  return {
    dispatch(req, handler) {
      const call = new H1Call(req, handler, removeQueued);
      handler.onRequestStart?.(call, NO_CONTEXT);
      if (call.done) return;
      if (closing) {
        call.fail(new H1ClientError('H1_ERR_CLOSED', 'upstream client is closing'));
        return;
      }
      if (queue.length > 0) enqueue(call);
      else assign(call);
    },
    stats: () => ({ open: all.size, idle: idle.length, queued: queue.length }),
    close() {
      closing = true;
      for (const call of queue.splice(0)) call.fail(new H1ClientError('H1_ERR_CLOSED', 'upstream client is closing'));
      for (const conn of idle.splice(0)) conn.destroy();
      if (all.size === 0) {
        if (timer) clearInterval(timer);
        timer = null;
        return Promise.resolve();
      }
      // busy connections finish their response first (the gateway drains before closing)
      return new Promise<void>((r) => closeWaiters.push(r));
    },
  };
}
