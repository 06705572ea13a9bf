/**
 * Per-window summaries of each rate-limit bucket, as seen by this instance: how many requests it
 * admitted and refused in the bucket's window. A consumer adds the summaries of all instances.
 * Emitted when the window ends (checked by a timer, so an idle key is still reported) and on
 * close; the key table is bounded, the oldest key being summarised early when it is full.
 *
 * Example:
 * ```ts
 * const sums = createSummaryTracker({ maxKeys: 10_000, emit: (e) => emitter.emitRateLimit(e) });
 * sums.record(bucket, { route: 'r', client_id: 'c', sub: 'u' }, true, 41);
 * ```
 */
import type { RateLimitEventInput } from '../shared/event-types.js';
import { rfc3339Nano } from '../shared/time-format.js';
import type { BucketConfig } from '../config/types.js';

interface Entry {
  bucket: BucketConfig;
  who: { route: string | null; client_id: string | null; sub: string | null };
  start: number;
  allowed: number;
  denied: number;
  remaining: number;
}

export interface SummaryTracker {
  /** `id` identifies the bucket (key, limit, window); the stage passes the one it already built */
  record(b: BucketConfig, who: Entry['who'], allowed: boolean, remaining: number, id?: string): void;
  flushDue(now?: number): void;
  flushAll(): void;
}

export function createSummaryTracker(opts: { maxKeys: number; emit: (e: RateLimitEventInput) => void }): SummaryTracker {
  const entries = new Map<string, Entry>();

  function emitEntry(e: Entry): void {
    opts.emit({
      type: 'window_summary',
      key: e.bucket.key,
      limit: e.bucket.limit,
      window_s: e.bucket.window_s,
      remaining: e.remaining,
      route: e.who.route,
      client_id: e.who.client_id,
      sub: e.who.sub,
      decision_id: null,
      allowed: e.allowed,
      denied: e.denied,
      window_start: rfc3339Nano(e.start),
    });
  }

  return {
    record(b, who, allowed, remaining, id = `${b.key}:${b.limit}:${b.window_s}`) {
      const now = Date.now();
      let e = entries.get(id);
      if (e && now >= e.start + e.bucket.window_s * 1000) {
        emitEntry(e);
        entries.delete(id);
        e = undefined;
      }
      if (!e) {
        if (entries.size >= opts.maxKeys) {
          const oldest = entries.entries().next().value;
          if (oldest) {
            emitEntry(oldest[1]);
            entries.delete(oldest[0]);
          }
        }
        e = { bucket: b, who, start: now, allowed: 0, denied: 0, remaining };
        entries.set(id, e);
      }
      if (allowed) e.allowed++;
      else e.denied++;
      e.remaining = remaining;
    },
    flushDue(now = Date.now()) {
      for (const [id, e] of entries) {
        if (now >= e.start + e.bucket.window_s * 1000) {
          emitEntry(e);
          entries.delete(id);
        }
      }
    },
    flushAll() {
      for (const e of entries.values()) emitEntry(e);
      entries.clear();
    },
  };
}
