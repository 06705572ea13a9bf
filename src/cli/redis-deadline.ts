/**
 * Bounded waits for command-line tools that talk to Redis.
 *
 * regate's Redis clients reconnect forever (the gateway must come back when Redis does), and a
 * BullMQ connection queues commands while it is away — right for a server, wrong for a command
 * someone typed: against an unreachable Redis `regate audit tail` printed nothing and ran until
 * SIGKILL. Here every wait of a CLI command has a deadline and ends on SIGINT/SIGTERM, and the
 * error names the address (password masked) and the last connection error.
 *
 * @example
 *   const conn = createRedisClient(url, { role: 'blocking' });
 *   const watch = watchRedisErrors(conn);
 *   await withDeadline(queue.waitUntilReady(), { ms: 5000, signal, what: () => unreachable(url, 5000, watch.last()) });
 */
import type { RedisClient } from '../gateway/shared/redis-connection.js';

/** Default time a CLI command waits for Redis before giving up (the bound is 10 s). */
export const CLI_REDIS_TIMEOUT_MS = 5000;

export class RedisUnreachableError extends Error {
  readonly code = 'GW_ERR_REDIS_UNREACHABLE' as const;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RedisUnreachableError';
  }
}

/** The command was interrupted (SIGINT/SIGTERM) while it waited. */
export class InterruptedError extends Error {
  readonly code = 'GW_ERR_INTERRUPTED' as const;
  constructor() {
    super('interrupted');
    this.name = 'InterruptedError';
  }
}

/** `redis://user:secret@h:6379/0` → `redis://user:***@h:6379/0` (URLs end up in terminals and logs). */
export function maskRedisUrl(url: string): string {
  return url.replace(/\/\/([^@/]*)@/, (_, auth: string) => `//${auth.includes(':') ? auth.slice(0, auth.indexOf(':')) + ':***' : '***'}@`);
}

/** Keeps the last connection error of a client, so a timeout can say why (ECONNREFUSED, NOAUTH…). */
export function watchRedisErrors(client: RedisClient): { last(): Error | undefined } {
  let last: Error | undefined;
  client.on('error', (err: Error) => {
    last = err;
  });
  return { last: () => last };
}

export function unreachable(url: string, ms: number, cause: Error | undefined): RedisUnreachableError {
  const why = cause ? ` (${cause.message})` : '';
  return new RedisUnreachableError(`cannot reach Redis at ${maskRedisUrl(url)} within ${ms / 1000} s${why}; set --redis or REDIS_URL`, { cause });
}

/**
 * Resolves with `p`, or rejects with `what()` after `ms`, or with InterruptedError when `signal`
 * aborts — whichever comes first. `ms: Infinity` waits without a deadline (still interruptible).
 */
export function withDeadline<T>(p: Promise<T>, opts: { ms: number; signal?: AbortSignal | undefined; what: () => Error }): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    if (opts.signal?.aborted) return reject(new InterruptedError());
    const timer = Number.isFinite(opts.ms) ? setTimeout(() => finish(() => reject(opts.what())), opts.ms) : undefined;
    const onAbort = () => finish(() => reject(new InterruptedError()));
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    let done = false;
    function finish(settle: () => void): void {
      if (done) return;
      done = true;
      if (timer !== undefined) clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      settle();
    }
    p.then(
      (v) => finish(() => resolve(v)),
      (e: unknown) => finish(() => reject(e)),
    );
  });
}

/**
 * An AbortSignal that fires on the first SIGINT or SIGTERM; a second one exits at once (130), so
 * a cleanup that hangs can still be cut short from the keyboard. `dispose()` removes the handlers.
 */
export function abortOnSignals(): { signal: AbortSignal; dispose(): void } {
  const ac = new AbortController();
  const onSignal = () => {
    if (ac.signal.aborted) process.exit(130);
    ac.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: ac.signal,
    dispose() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
