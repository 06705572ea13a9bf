/**
 * Local leases: for a hot bucket an instance takes a slice of the quota from Redis in one GCRA
 * call (granted cells are real admissions charged to the global bucket) and spends it locally,
 * so Redis is not hit per request. Never over-admits: every cell spent was granted by Redis.
 * Unused cells go back to Redis (refund) when the lease expires, so a lease that outlives the
 * traffic costs the other instances at most `ttl_ms` of quota.
 *
 * A bucket is "hot" when Redis was asked about it less than `ttl_ms` ago; only then is a lease
 * requested, so cold keys cost exactly one call per request and no refunds.
 *
 * Example:
 * ```ts
 * const leases = createLeaseTable({ ttlMs: 250, fraction: 0.05, maxTokens: 100, minLimit: 50 });
 * leases.take(id)            // → lease or undefined
 * ```
 */

export interface Lease {
  tokens: number;
  /** remaining in Redis right after the grant; remaining for the client = this + tokens */
  remaining: number;
  resetAt: number;
  expiresAt: number;
  key: string;
  limit: number;
  window_s: number;
}

export interface LeaseTable {
  /** A live lease with a cell to spend, or undefined. Does not spend. */
  peek(id: string, now: number): Lease | undefined;
  /** Cells to ask Redis for: a lease size for hot buckets, else 1. Marks the bucket as asked. */
  want(id: string, limit: number, now: number): number;
  /** Store what Redis granted beyond the cell the current request uses. */
  store(id: string, l: Lease): void;
  /** Expired leases with cells left, removed from the table (to be refunded). */
  sweep(now: number): Lease[];
  /** Every lease (for refund at close). */
  drain(): Lease[];
  readonly size: number;
}

export function createLeaseTable(opts: { enabled: boolean; ttlMs: number; fraction: number; maxTokens: number; minLimit: number; maxKeys?: number }): LeaseTable {
  const leases = new Map<string, Lease>();
  const asked = new Map<string, number>(); // id → last time Redis was asked
  const maxKeys = opts.maxKeys ?? 100_000;

  return {
    get size() {
      return leases.size;
    },
    peek(id, now) {
      const l = leases.get(id);
      if (l === undefined || l.tokens <= 0 || now >= l.expiresAt) return undefined;
      return l;
    },
    want(id, limit, now) {
      const last = asked.get(id);
      if (asked.size >= maxKeys) asked.clear(); // bounded: forgetting only makes keys cold again
      asked.set(id, now);
      if (!opts.enabled || limit < opts.minLimit || last === undefined || now - last > opts.ttlMs) return 1;
      return Math.max(1, Math.min(opts.maxTokens, Math.ceil(limit * opts.fraction)));
    },
    store(id, l) {
      const old = leases.get(id);
      if (old && old.tokens > 0 && now() < old.expiresAt) {
        // Concurrent grants for one key: merge them; the later expiry keeps them all in use.
        old.tokens += l.tokens;
        old.remaining = Math.min(old.remaining, l.remaining);
        old.resetAt = Math.max(old.resetAt, l.resetAt);
        old.expiresAt = Math.max(old.expiresAt, l.expiresAt);
        return;
      }
      if (leases.size >= maxKeys && !leases.has(id)) return; // refusing a lease only costs calls
      leases.set(id, l);
    },
    sweep(t) {
      const out: Lease[] = [];
      for (const [id, l] of leases) {
        if (t >= l.expiresAt || l.tokens <= 0) {
          leases.delete(id);
          if (l.tokens > 0) out.push(l);
        }
      }
      for (const [id, at] of asked) if (t - at > opts.ttlMs) asked.delete(id);
      return out;
    },
    drain() {
      const out = [...leases.values()].filter((l) => l.tokens > 0);
      leases.clear();
      return out;
    },
  };
}

function now(): number {
  return performance.now();
}
