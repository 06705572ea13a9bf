/**
 * The local revocation list of one worker: what the authenticate stage checks on every request,
 * cache hits included (README "Token revocation"). Filled by the revocation feed from Redis.
 *
 * Bounded: `maxEntries` across kinds. Every entry is dropped when the token(s) it names can no
 * longer be valid (`until`); when the list is full anyway, expired entries go first and then the
 * oldest insertions, each drop counted (`dropped`) so an operator sees that the bound was hit.
 */
import type { Revocation } from '../shared/revocation-store.js';
import type { TokenInfo } from '../pipeline/context.js';

export interface RevocationList {
  /** Adds or widens an entry; false when it was already known (a repeated message). */
  add(r: Revocation): boolean;
  /**
   * The kind of the entry that revokes this token, or null. `key` is `hashToken(token)` (the
   * latin1 digest the caches use), `token` the verified claims.
   */
  check(key: string, token: TokenInfo, nowMs: number): Revocation['kind'] | null;
  /** drops expired entries; returns how many */
  purge(nowMs: number): number;
  readonly size: number;
  /** entries dropped because the list was full */
  readonly dropped: number;
}

interface Entry {
  until: number;
  /** `sub`: tokens with `iat` up to this second are revoked */
  atS: number;
}

/**
 * @example
 * const list = createRevocationList(100_000);
 * list.add({ kind: 'jti', value: 'abc', at: Date.now(), until: exp * 1000 });
 * list.check(hashToken(token), outcome.token, Date.now()); // 'jti'
 */
export function createRevocationList(maxEntries: number): RevocationList {
  if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new TypeError('maxEntries must be a positive integer');
  // One map, keys `<kind letter>` + value; sha256 values are stored as the latin1 digest the
  // caches use, so a request's lookup needs no base64 encoding.
  const map = new Map<string, Entry>();
  let dropped = 0;

  function keyOf(r: Revocation): string {
    if (r.kind === 'sha256') return 'h' + Buffer.from(r.value, 'base64url').toString('latin1');
    return (r.kind === 'jti' ? 'j' : 's') + r.value;
  }

  function purge(nowMs: number): number {
    let n = 0;
    for (const [k, e] of map) {
      if (e.until <= nowMs) {
        map.delete(k);
        n++;
      }
    }
    return n;
  }

  function live(k: string, nowMs: number): Entry | undefined {
    const e = map.get(k);
    if (e === undefined) return undefined;
    if (e.until <= nowMs) {
      map.delete(k);
      return undefined;
    }
    return e;
  }

  return {
    add(r) {
      const k = keyOf(r);
      const atS = Math.floor(r.at / 1000);
      const old = map.get(k);
      if (old !== undefined) {
        if (old.until >= r.until && old.atS >= atS) return false;
        old.until = Math.max(old.until, r.until);
        old.atS = Math.max(old.atS, atS);
        return true;
      }
      if (map.size >= maxEntries && purge(Date.now()) === 0) {
        const first = map.keys().next();
        if (!first.done) {
          map.delete(first.value);
          dropped++;
        }
      }
      map.set(k, { until: r.until, atS });
      return true;
    },
    check(key, token, nowMs) {
      if (map.size === 0) return null; // the common case costs one comparison
      if (live('h' + key, nowMs) !== undefined) return 'sha256';
      const jti = token.claims['jti'];
      if (typeof jti === 'string' && live('j' + jti, nowMs) !== undefined) return 'jti';
      if (token.sub !== undefined) {
        const e = live('s' + token.sub, nowMs);
        if (e !== undefined) {
          // "every token of this subject issued before now". `iat` has one-second resolution, so
          // a token issued in the same second as the revocation is revoked too (the safe side);
          // a token without `iat` cannot show it is newer.
          const iat = token.claims['iat'];
          if (typeof iat !== 'number' || iat <= e.atS) return 'sub';
        }
      }
      return null;
    },
    purge,
    get size() {
      return map.size;
    },
    get dropped() {
      return dropped;
    },
  };
}
