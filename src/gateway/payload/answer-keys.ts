/**
 * The clients' answer keys (`rsp`), imported once and kept in a bounded cache.
 *
 * An app's SDK keeps one answer key pair for the client object's lifetime, so the same public
 * JWK arrives in every ECDH request it sends. Importing it is a WebCrypto round trip and a
 * point-on-curve check each time (issue #18's cost item: ~8 % of the gateway's CPU on the
 * ECDH-per-request path); the result depends on the JWK's public fields only, so it is cached
 * under them. Only public keys are held, only successful imports are cached (a key that failed
 * to import is checked again next time), and the cache is bounded: a client minting a new key
 * per request costs what it did before, never memory.
 */
import { importJWK, type JWK } from 'jose';

/** what jose's importJWK returns (a CryptoKey, or a KeyObject in Node) */
export type KeyLike = Awaited<ReturnType<typeof importJWK>>;

export interface AnswerKeyCache {
  /** the imported public key for `ECDH-ES+A256KW`; rejects when the JWK is not a usable public key */
  import(jwk: JWK): Promise<KeyLike>;
}

/**
 * @example const keys = createAnswerKeyCache(4096); const pub = await keys.import(header.rsp);
 */
export function createAnswerKeyCache(entries: number): AnswerKeyCache {
  if (!Number.isInteger(entries) || entries < 1) throw new TypeError('entries must be a positive integer');
  // insertion order = recency: a hit moves to the end, the first entry is the least recent
  const cache = new Map<string, KeyLike>();
  return {
    async import(jwk) {
      // the public fields only: a JWK with other members (kid, alg, ext…) is the same key
      const pub = { kty: jwk.kty, crv: jwk.crv, x: jwk.x, ...(jwk.y !== undefined ? { y: jwk.y } : {}) } as JWK;
      const id = `${String(pub.kty)}|${String(pub.crv)}|${String(pub.x)}|${String(pub.y ?? '')}`;
      const hit = cache.get(id);
      if (hit !== undefined) {
        cache.delete(id);
        cache.set(id, hit);
        return hit;
      }
      const key = await importJWK(pub, 'ECDH-ES+A256KW');
      cache.set(id, key);
      if (cache.size > entries) cache.delete(cache.keys().next().value as string);
      return key;
    },
  };
}
