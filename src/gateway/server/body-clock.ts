/**
 * Slow request bodies (issue #14, item 4): one coarse timer per gateway watches the bodies in
 * progress, as nginx's `client_body_timeout` does, plus a minimum rate — a client trickling one
 * byte every two seconds never trips an idle timeout, yet ~150 of them held every pooled upstream
 * connection and made ordinary requests wait. A body fails with GW_ERR_BODY_TIMEOUT (408) when
 * - no byte arrived for `limits.body_timeout_ms`, or
 * - `body_timeout_ms` after it began, it has averaged fewer than `body_min_bytes_per_s`.
 * A request's route may lower or raise both (`routes[].limits`). Small bodies are also read whole
 * before an upstream connection is taken (uws-exchange.ts `whenBuffered`), so the limits above
 * mostly guard large streamed uploads.
 *
 * The clock is coarse (advanced by the sweep, 50–250 ms) so that a body chunk costs no syscall;
 * a verdict lands between the limit and the limit plus two sweeps.
 *
 * @example
 * const clock = createBodyClock(); ex.readBody(max, clock.forLimits(10_000, 1024)); … clock.close();
 */
import { performance } from 'node:perf_hooks';
import type { BodyClock, UwsExchange } from './uws-exchange.js';

interface Watched {
  timeoutMs: number;
  minRate: number;
}

export interface BodyClocks {
  /** the clock for bodies under these limits (one per distinct pair, made on first use) */
  forLimits(timeoutMs: number, minBytesPerS: number): BodyClock;
  /** bodies currently watched (tests, metrics) */
  watching(): number;
  close(): void;
}

export function createBodyClocks(): BodyClocks {
  const watched = new Map<UwsExchange, Watched>();
  const clocks = new Map<string, BodyClock>();
  let timer: NodeJS.Timeout | null = null;
  let tick = 250;
  const state = { now: performance.now() };

  const sweep = () => {
    const now = (state.now = performance.now());
    for (const [ex, w] of watched) {
      if (w.timeoutMs <= 0) continue;
      const idle = now - ex.lastDataMs - tick; // stamps may be one sweep old: never early
      if (idle >= w.timeoutMs) {
        ex.bodyTimedOut(`no request body data for ${Math.round(idle)} ms`);
        continue;
      }
      const elapsed = now - ex.bodyStartMs;
      if (w.minRate > 0 && elapsed >= w.timeoutMs + tick && (ex.bodyBytes * 1000) / elapsed < w.minRate) {
        ex.bodyTimedOut(`request body at ${Math.round((ex.bodyBytes * 1000) / elapsed)} B/s, below ${w.minRate} B/s`);
      }
    }
    if (watched.size === 0 && timer) {
      clearInterval(timer);
      timer = null;
    }
  };

  return {
    forLimits(timeoutMs, minRate) {
      const key = `${timeoutMs}:${minRate}`;
      let c = clocks.get(key);
      if (c === undefined) {
        const limits: Watched = { timeoutMs, minRate };
        if (timeoutMs > 0) tick = Math.min(tick, Math.max(50, Math.floor(timeoutMs / 4)));
        c = {
          get now() {
            return state.now;
          },
          watch(ex) {
            if (limits.timeoutMs <= 0) return;
            if (timer === null) {
              state.now = performance.now();
              ex.bodyStartMs = ex.lastDataMs = state.now;
              timer = setInterval(sweep, tick);
              timer.unref();
            }
            watched.set(ex, limits);
          },
          unwatch(ex) {
            watched.delete(ex);
          },
        };
        clocks.set(key, c);
      }
      return c;
    },
    watching: () => watched.size,
    close() {
      if (timer) clearInterval(timer);
      timer = null;
      watched.clear();
    },
  };
}
