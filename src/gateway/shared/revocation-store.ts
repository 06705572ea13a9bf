/**
 * Token revocations in Redis (README "Token revocation"): the one place that knows the key names,
 * the entry format and the write, shared by the gateway's revocation feed (authn/) and
 * `regate token revoke` (cli/).
 *
 * Layout, under the BullMQ prefix exactly as the queues use it (`queuePrefix`: on Redis Cluster
 * an untagged prefix becomes `{regate}`, so both keys hash to one slot and the write script may
 * touch them together):
 *   <p>:revocations        pub/sub channel; each message is one entry as JSON
 *   <p>:revocations:exp    sorted set, member `<kind>:<value>`, score = forget-after (unix ms)
 *   <p>:revocations:data   hash, same members → `{"kind","value","at"}`
 * The sorted set is what an instance that (re)connects reads to learn what it missed; the score
 * is the revoked token's expiry (or, for `sub`, the longest a token of that subject can live),
 * after which the entry can no longer matter and is trimmed. Only identifiers are stored — a
 * token's SHA-256, its `jti`, a subject — never a token.
 */
import type { RedisClient } from './redis-connection.js';
import { queuePrefix } from './redis-connection.js';

export const REVOCATION_KINDS = ['jti', 'sha256', 'sub'] as const;
export type RevocationKind = (typeof REVOCATION_KINDS)[number];

export interface Revocation {
  kind: RevocationKind;
  /** the jti, the subject, or base64url(SHA-256(token)) (43 characters) */
  value: string;
  /** when it was revoked (unix ms); for `sub`, tokens issued up to this second are revoked */
  at: number;
  /** forget the entry after this time (unix ms): the token cannot be valid any longer */
  until: number;
}

export interface RevocationKeys {
  channel: string;
  expiry: string;
  data: string;
}

/** Entries kept in Redis at most; beyond it the ones that expire soonest are dropped. */
export const REVOCATION_STORE_MAX = 100_000;

/**
 * @example revocationKeys('redis://127.0.0.1:6379', 'regate').channel; // 'regate:revocations'
 */
export function revocationKeys(url: string, prefix: string | undefined): RevocationKeys {
  const p = queuePrefix(url, prefix);
  return { channel: `${p}:revocations`, expiry: `${p}:revocations:exp`, data: `${p}:revocations:data` };
}

const SHA256_B64URL = /^[A-Za-z0-9_-]{43}$/;

/** Why `value` cannot be a revocation of `kind`, or null when it can. */
export function checkRevocationValue(kind: RevocationKind, value: string): string | null {
  if (value.length === 0) return 'the value is empty';
  if (value.length > 1024) return 'the value is longer than 1024 characters';
  if (kind === 'sha256' && !SHA256_B64URL.test(value)) return 'a sha256 value is the base64url SHA-256 of the token (43 characters, no padding)';
  return null;
}

/**
 * Reads one entry from Redis or the channel. Anything else there (another tool's writes, an older
 * format) is ignored rather than trusted: null.
 */
export function parseRevocation(json: string): Revocation | null {
  let v: unknown;
  try {
    v = JSON.parse(json);
  } catch {
    return null;
  }
  if (v === null || typeof v !== 'object') return null;
  const r = v as Record<string, unknown>;
  const kind = r['kind'];
  if (typeof kind !== 'string' || !(REVOCATION_KINDS as readonly string[]).includes(kind)) return null;
  const value = r['value'];
  const at = r['at'];
  const until = r['until'];
  if (typeof value !== 'string' || checkRevocationValue(kind as RevocationKind, value) !== null) return null;
  if (typeof at !== 'number' || !Number.isFinite(at) || typeof until !== 'number' || !Number.isFinite(until)) return null;
  return { kind: kind as RevocationKind, value, at, until };
}

// KEYS: expiry zset, data hash. ARGV: member, until (ms), entry JSON, now (ms), max entries, channel.
// One script so the entry, the trim and the announcement cannot be half done; the published
// message is sent after the entry is stored, so a subscriber that reloads on the message's
// heels finds it. The later `until` wins when a member is revoked twice.
const WRITE_SCRIPT = `
local untilMs = tonumber(ARGV[2])
local old = redis.call('ZSCORE', KEYS[1], ARGV[1])
if old and tonumber(old) > untilMs then untilMs = tonumber(old) end
redis.call('ZADD', KEYS[1], untilMs, ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
local gone = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[4], 'LIMIT', 0, 1000)
for _, m in ipairs(gone) do redis.call('HDEL', KEYS[2], m) end
if #gone > 0 then redis.call('ZREM', KEYS[1], unpack(gone)) end
local n = redis.call('ZCARD', KEYS[1])
local max = tonumber(ARGV[5])
if n > max then
  local extra = redis.call('ZRANGE', KEYS[1], 0, n - max - 1)
  for _, m in ipairs(extra) do redis.call('HDEL', KEYS[2], m) end
  redis.call('ZREMRANGEBYRANK', KEYS[1], 0, n - max - 1)
end
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
if last[2] then
  redis.call('PEXPIREAT', KEYS[1], math.floor(tonumber(last[2])) + 60000)
  redis.call('PEXPIREAT', KEYS[2], math.floor(tonumber(last[2])) + 60000)
end
return redis.call('PUBLISH', ARGV[6], ARGV[3])
`;

/**
 * Stores the entry and announces it on the channel. Resolves with the number of subscribers that
 * received the announcement (one per gateway worker thread that is connected).
 *
 * @example
 * await publishRevocation(redis, revocationKeys(url, 'regate'), { kind: 'jti', value: 'abc', at: Date.now(), until: exp * 1000 });
 */
export async function publishRevocation(redis: RedisClient, keys: RevocationKeys, r: Revocation, max = REVOCATION_STORE_MAX): Promise<number> {
  const problem = checkRevocationValue(r.kind, r.value);
  if (problem !== null) throw new TypeError(`revocation ${r.kind}: ${problem}`);
  const member = `${r.kind}:${r.value}`;
  const json = JSON.stringify({ kind: r.kind, value: r.value, at: r.at, until: r.until });
  const n = await redis.eval(WRITE_SCRIPT, 2, keys.expiry, keys.data, member, String(Math.ceil(r.until)), json, String(r.at), String(max), keys.channel);
  return Number(n);
}

/**
 * Every entry that still matters at `nowMs`, with the expiry Redis holds (the latest one written).
 *
 * @example const all = await loadRevocations(redis, keys, Date.now());
 */
export async function loadRevocations(redis: RedisClient, keys: RevocationKeys, nowMs: number, max = REVOCATION_STORE_MAX): Promise<Revocation[]> {
  const flat = await redis.zrangebyscore(keys.expiry, String(nowMs), '+inf', 'WITHSCORES', 'LIMIT', 0, max);
  const out: Revocation[] = [];
  for (let i = 0; i < flat.length; i += 500 * 2) {
    const members: string[] = [];
    const scores: number[] = [];
    for (let j = i; j < Math.min(flat.length, i + 1000); j += 2) {
      members.push(flat[j] as string);
      scores.push(Number(flat[j + 1]));
    }
    const values = await redis.hmget(keys.data, ...members);
    values.forEach((json, k) => {
      const r = json === null ? null : parseRevocation(json);
      if (r !== null) out.push({ ...r, until: Math.max(r.until, scores[k] ?? 0) });
    });
  }
  return out;
}
