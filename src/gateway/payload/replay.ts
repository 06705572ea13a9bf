/**
 * The `jti` replay guard of encrypted requests: a JWE whose `jti` was seen is refused for as
 * long as its `iat` could still be accepted (the caller passes that span: twice
 * `replay_window_s`, since `iat` may lie a window ahead as well as behind). Past it the JWE is
 * refused for its `iat` anyway, so the window bounds what must be remembered.
 *
 * Two layers: a bounded local LRU, always (it answers a replay on this instance without a round
 * trip, and is all there is without Redis), and Redis `SET key 1 NX PX window` when Redis is
 * configured, so a body captured on one instance is refused on every other. A Redis error fails
 * closed (the caller answers 503): accepting would let a replay through exactly when Redis is away.
 */
import type { RedisClient } from '../shared/redis-connection.js';

export interface ReplayGuard {
  /** true when `jti` is new (and now remembered); false when it is a replay */
  claim(jti: string, nowMs: number): Promise<boolean>;
}

/**
 * @example const guard = createReplayGuard({ windowMs: 300_000, entries: 100_000, redis: null, prefix: 'regate' });
 */
export function createReplayGuard(opts: { windowMs: number; entries: number; redis: RedisClient | null; prefix: string }): ReplayGuard {
  const { windowMs, entries, redis } = opts;
  // insertion order = age order: the first entry is the oldest (Map iteration order)
  const seen = new Map<string, number>();
  const remember = (jti: string, now: number): boolean => {
    const until = seen.get(jti);
    if (until !== undefined && until > now) return false;
    if (until !== undefined) seen.delete(jti);
    seen.set(jti, now + windowMs);
    // bounded: drop expired entries from the old end, then the oldest if still over the bound
    for (const [k, exp] of seen) {
      if (seen.size <= entries && exp > now) break;
      seen.delete(k);
    }
    return true;
  };
  return {
    async claim(jti, now) {
      if (!remember(jti, now)) return false;
      if (redis === null) return true;
      const r = await redis.set(`${opts.prefix}:payload:jti:${jti}`, '1', 'PX', windowMs, 'NX');
      return r === 'OK';
    },
  };
}
