/**
 * Deduplication for at-least-once delivery: the gateway may deliver an event twice (a batch
 * replayed from its spool after Redis had in fact stored it, a job retried after a worker died),
 * never zero times. Every event has a unique id (`decision_id` for audit, `event_id` for rate
 * limit), so a consumer drops ids it has already seen.
 *
 * Two forms:
 * - `{ window: n }`: the last n ids, in this process (cheap; enough for one consumer process,
 *   since duplicates arrive close together);
 * - `{ redis, ttl_s }`: `SET key 1 NX EX ttl` in Redis, shared by every consumer process.
 *
 * Example:
 * ```ts
 * const seen = createDeduper({ window: 100_000 });
 * if (!(await seen.first(event.decision_id))) return; // duplicate
 * ```
 */
import type { Cluster, Redis } from 'ioredis';

export interface Deduper {
  /** true the first time an id is seen (and records it), false for a duplicate */
  first(id: string): boolean | Promise<boolean>;
  /** duplicates seen so far */
  readonly duplicates: number;
}

export type DeduperOptions = { window: number } | { redis: Redis | Cluster; ttl_s?: number; prefix?: string };

export function createDeduper(opts: DeduperOptions): Deduper {
  if ('window' in opts) {
    if (!Number.isInteger(opts.window) || opts.window < 1) throw new TypeError('createDeduper: window must be a positive integer');
    const max = opts.window;
    const ids = new Set<string>(); // insertion order = age, so the first entry is the oldest
    let dups = 0;
    return {
      first(id) {
        if (ids.has(id)) {
          dups++;
          return false;
        }
        ids.add(id);
        if (ids.size > max) ids.delete(ids.values().next().value as string);
        return true;
      },
      get duplicates() {
        return dups;
      },
    };
  }
  const ttl = opts.ttl_s ?? 86400;
  const prefix = opts.prefix ?? 'regate:dedupe:';
  if (!(ttl >= 1)) throw new TypeError('createDeduper: ttl_s must be ≥ 1');
  const r = opts.redis;
  let dups = 0;
  return {
    async first(id) {
      const ok = await r.set(prefix + id, '1', 'EX', ttl, 'NX');
      if (ok === null) dups++;
      return ok !== null;
    },
    get duplicates() {
      return dups;
    },
  };
}
