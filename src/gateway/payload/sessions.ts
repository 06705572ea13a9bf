/**
 * Payload-encryption sessions: after one ECDH (or RSA) exchange, the client and the gateway
 * share a random 256-bit AES key, so a steady-state request costs one AES-GCM (`alg: dir`).
 *
 * Design (README "Payload encryption", sessions): the gateway draws the key (WebCrypto-grade
 * randomness, never derived from client input), and gives it to the client inside a JWE
 * encrypted to the client's `rsp` key (`Regate-Session` response header), so only the holder of
 * the `rsp` private key learns it. A session has a `kid` (`s.` + 128 random bits), an expiry
 * (`sessions.ttl_s`), and is bound to the access token it was issued under (its `sub` and its
 * `jti` claim, or the token's hash when it has none): presented with another token it is refused.
 *
 * Across instances: the record is stored in Redis under its kid, sealed as a JWE to the
 * gateway's first encryption key (so a Redis dump does not reveal session keys), and cached
 * decoded in a bounded local map; without Redis, sessions are per instance.
 */
import { randomBytes, webcrypto } from 'node:crypto';
import { CompactEncrypt, compactDecrypt, base64url } from 'jose';
import type { RedisClient } from '../shared/redis-connection.js';
import { ECDH_ALGS, RSA_ALGS, type PayloadKeySet } from './keys.js';

export interface PayloadSession {
  readonly kid: string;
  /** the raw key: only for the grant to the client and the sealed Redis record */
  readonly key: Uint8Array;
  /**
   * the same key imported once as a non-extractable AES-GCM CryptoKey, which is what every
   * `dir` decrypt and encrypt uses: given the raw bytes, jose imports them again on each call
   * (one more WebCrypto round trip per direction per request; issue #18's cost item)
   */
  readonly aead: webcrypto.CryptoKey;
  /** unix seconds */
  readonly exp: number;
  /** what it is bound to: the token's sub, and its jti (or hash) */
  readonly sub: string | null;
  readonly tid: string | null;
}

export interface SessionStore {
  issue(binding: { sub: string | null; tid: string | null }, nowS: number): Promise<PayloadSession>;
  /** the live session with this kid, or null (unknown, expired, or Redis does not have it) */
  find(kid: string, nowS: number): Promise<PayloadSession | null>;
}

const enc = new TextEncoder();

/** @example const aead = await importSessionKey(bytes); // A256GCM, encrypt + decrypt, not extractable */
export function importSessionKey(raw: Uint8Array): Promise<webcrypto.CryptoKey> {
  return webcrypto.subtle.importKey('raw', raw, 'AES-GCM', false, ['encrypt', 'decrypt']);
}
const dec = new TextDecoder();

/**
 * @example const store = createSessionStore({ ttlS: 3600, entries: 10_000, redis: null, prefix: 'regate', keys });
 */
export function createSessionStore(opts: { ttlS: number; entries: number; redis: RedisClient | null; prefix: string; keys: PayloadKeySet }): SessionStore {
  const local = new Map<string, PayloadSession>();
  const keep = (s: PayloadSession, now: number) => {
    local.set(s.kid, s);
    for (const [k, v] of local) {
      if (local.size <= opts.entries && v.exp > now) break;
      local.delete(k);
    }
  };
  const sealer = opts.keys.keys[0];
  const redisKey = (kid: string) => `${opts.prefix}:payload:session:${kid}`;
  return {
    async issue(binding, now) {
      const key = new Uint8Array(randomBytes(32));
      const s: PayloadSession = { kid: `s.${base64url.encode(randomBytes(16))}`, key, aead: await importSessionKey(key), exp: now + opts.ttlS, sub: binding.sub, tid: binding.tid };
      keep(s, now);
      if (opts.redis !== null && sealer !== undefined) {
        const record = enc.encode(JSON.stringify({ k: base64url.encode(s.key), exp: s.exp, sub: s.sub, tid: s.tid }));
        const sealed = await new CompactEncrypt(record).setProtectedHeader({ alg: sealer.algs[0] as string, enc: 'A256GCM', kid: sealer.kid }).encrypt(sealer.publicKey);
        await opts.redis.set(redisKey(s.kid), sealed, 'EX', opts.ttlS);
      }
      return s;
    },
    async find(kid, now) {
      const hit = local.get(kid);
      if (hit !== undefined) return hit.exp > now ? hit : null;
      if (opts.redis === null) return null;
      const sealed = await opts.redis.get(redisKey(kid));
      if (sealed === null) return null;
      const { plaintext } = await compactDecrypt(
        sealed,
        (h) => {
          const k = h.kid !== undefined ? opts.keys.byKid(h.kid) : undefined;
          if (k === undefined) throw new Error('session record sealed with a key no longer configured');
          return k.privateKey;
        },
        { keyManagementAlgorithms: [...ECDH_ALGS, ...RSA_ALGS], contentEncryptionAlgorithms: ['A256GCM'], maxDecompressedLength: 0 },
      );
      const r = JSON.parse(dec.decode(plaintext)) as { k: string; exp: number; sub: string | null; tid: string | null };
      if (r.exp <= now) return null;
      const key = base64url.decode(r.k);
      const s: PayloadSession = { kid, key, aead: await importSessionKey(key), exp: r.exp, sub: r.sub, tid: r.tid };
      keep(s, now);
      return s;
    },
  };
}
