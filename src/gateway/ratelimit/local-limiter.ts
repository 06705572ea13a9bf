/**
 * The in-process limiter used while Redis is unavailable: the same GCRA as gcra-script.ts, on
 * this instance's monotonic clock, with each limit scaled by the instance's configured share
 * (`local_share` ≈ 1/instances) so that N instances together stay near the global limit.
 *
 * Example:
 * ```ts
 * const local = createLocalLimiter({ share: 0.5, maxKeys: 100_000 });
 * local.check([{ key: 'user:u1', limit: 100, window_s: 60, want: 1 }]); // → GcraResult
 * ```
 */
import type { GcraRequest, GcraResult, GcraBucketResult } from './gcra-script.js';

export interface LocalLimiter {
  check(reqs: readonly GcraRequest[]): GcraResult;
  readonly size: number;
}

export function createLocalLimiter(opts: { share: number; maxKeys?: number; now?: () => number }): LocalLimiter {
  if (!(opts.share > 0 && opts.share <= 1)) throw new TypeError('local_share must be in (0, 1]');
  const maxKeys = opts.maxKeys ?? 100_000;
  const clock = opts.now ?? (() => performance.now() * 1000); // µs
  const tats = new Map<string, number>();

  /**
   * Makes room when full. The scan over every key is O(maxKeys), so it must leave room for many
   * new keys, not one: before, a table full of live keys (a client rotating its IPv6 addresses
   * under a `{remote_addr}` bucket while Redis is away) was scanned whole on every new key.
   * Now it is emptied to 90 %, so a scan comes at most once per maxKeys/10 new keys.
   */
  function sweep(now: number): void {
    // Expired state equals no state (TAT in the past), so dropping it is exact, not an approximation.
    for (const [k, tat] of tats) if (tat <= now) tats.delete(k);
    // Still over 90 %: forget the oldest keys; this can only admit more for them, so say it in the docs.
    const keep = Math.floor(maxKeys * 0.9);
    for (const k of tats.keys()) {
      if (tats.size <= keep) break;
      tats.delete(k);
    }
  }

  return {
    get size() {
      return tats.size;
    },
    check(reqs) {
      const now = clock();
      const plan: { key: string; T: number; W: number; tat: number; g: number }[] = [];
      let admitted = true;
      for (const r of reqs) {
        const limit = Math.max(1, Math.floor(r.limit * opts.share));
        const W = r.window_s * 1e6;
        const T = W / limit;
        const k = `${r.key}\u0000${r.limit}\u0000${r.window_s}`;
        const tat = Math.max(tats.get(k) ?? now, now);
        const avail = Math.floor((now + W - tat) / T);
        const g = Math.min(Math.max(r.want, 1), avail);
        if (g < 1) admitted = false;
        plan.push({ key: k, T, W, tat, g: Math.max(g, 0) });
      }
      const buckets: GcraBucketResult[] = [];
      for (const p of plan) {
        let tat = p.tat;
        if (admitted) {
          tat += p.g * p.T;
          if (!tats.has(p.key) && tats.size >= maxKeys) sweep(now);
          tats.set(p.key, tat);
        }
        buckets.push({
          granted: admitted ? p.g : 0,
          remaining: Math.max(0, Math.floor((now + p.W - tat) / p.T)),
          resetMs: Math.ceil((tat - now) / 1000),
          retryAfterMs: p.g === 0 ? Math.max(0, Math.ceil((tat + p.T - p.W - now) / 1000)) : 0,
        });
      }
      return { admitted, buckets };
    },
  };
}
