/**
 * Synchronous JWS primitives for the io.jwt.* builtins, on node:crypto (jose's verify/sign are
 * async, and builtins must be synchronous).
 *
 * - `readVerificationKeys` mirrors OPA's getKeysFromCertOrJWK: a PEM CERTIFICATE or PUBLIC KEY
 *   block, else a JWK or JWK Set (keys with an unknown `alg` are skipped).
 * - `verifyJws` / `signJws` implement RFC 7518 §3 for HS*, RS*, PS*, ES* and EdDSA.
 * - `decodeBase64Url` is OPA's base64url.decode: padding optional, otherwise strict.
 *
 * @example
 *   const [k] = readVerificationKeys(pem);
 *   verifyJws(k.key, 'RS256', Buffer.from('h.p'), sig); // true / false
 */
import { createHmac, createPrivateKey, createPublicKey, createSecretKey, sign, timingSafeEqual, verify, X509Certificate, constants, type KeyObject } from 'node:crypto';
import { pemDecode } from '../shared/der.js';
import { scanGoJsonDocument } from '../shared/go-json-decode.js';

/**
 * encoding/json.Unmarshal's error for text that is not JSON (jwx's jwk.Parse runs it on the key
 * text): the scanner's SyntaxError, `unexpected end of JSON input` for truncated text. Node's
 * JSON.parse words these differently.
 */
export function goUnmarshalError(text: string): string {
  const r = scanGoJsonDocument(text);
  if (!('error' in r)) return 'invalid JSON';
  if (r.error === 'EOF' || r.error === 'unexpected EOF') return 'unexpected end of JSON input';
  return r.error.replace(/^error: /, '');
}

export const JWS_ALGORITHMS = new Set(['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'HS256', 'HS384', 'HS512', 'EdDSA']);

export class JoseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JoseError';
  }
}

export interface VerificationKey {
  key: KeyObject;
  alg: string;
  kid: string;
}

/** OPA base64url.decode: appends missing padding (RFC 7515 App. C), rejects anything else invalid. */
export function decodeBase64Url(s: string): Buffer {
  let p = s;
  if (!p.endsWith('=')) {
    const r = p.length % 4;
    if (r === 2) p += '==';
    else if (r === 3) p += '=';
    else if (r === 1) throw new JoseError(`illegal base64url string: ${s}`);
  }
  if (p.length % 4 !== 0 || !/^[A-Za-z0-9_-]*={0,2}$/.test(p)) throw new JoseError(`illegal base64 data at input byte ${firstBad(p)}`);
  return Buffer.from(p, 'base64url');
}

function firstBad(p: string): number {
  const m = /[^A-Za-z0-9_-]/.exec(p);
  return m ? m.index : p.length;
}

export function encodeBase64Url(b: Buffer | string): string {
  return Buffer.from(b).toString('base64url');
}

/** The first PEM block of `text` (Go's pem.Decode) and the text after it. */
function pemBlock(text: string): { type: string; der: Buffer; rest: string } | undefined {
  const r = pemDecode(text);
  return r && { type: r.block.type, der: r.block.der, rest: r.rest };
}

// Parsed keys by source text. Policies pass the same certificate / JWKS on every request, and
// parsing (X.509 DER, JWK import) costs far more than verifying; KeyObjects are immutable.
const KEY_CACHE_MAX = 256;
const keyCache = new Map<string, VerificationKey[]>();

/** Public key(s) from a PEM certificate / public key, or a JWK / JWK Set (OPA getKeysFromCertOrJWK). */
export function readVerificationKeys(text: string): VerificationKey[] {
  const hit = keyCache.get(text);
  if (hit) return hit;
  const keys = parseVerificationKeys(text);
  if (keyCache.size >= KEY_CACHE_MAX) keyCache.delete(keyCache.keys().next().value as string);
  keyCache.set(text, keys);
  return keys;
}

function parseVerificationKeys(text: string): VerificationKey[] {
  const block = pemBlock(text);
  if (block) {
    // OPA: `len(rest) > 0` — anything after the END line, even a blank line.
    if (block.rest.length > 0) throw new JoseError('extra data after a PEM certificate block');
    if (block.type === 'CERTIFICATE') {
      try {
        return [{ key: new X509Certificate(block.der).publicKey, alg: '', kid: '' }];
      } catch (e) {
        throw new JoseError(`failed to parse a PEM certificate: ${(e as Error).message}`);
      }
    }
    if (block.type === 'PUBLIC KEY') {
      try {
        return [{ key: createPublicKey({ key: block.der, format: 'der', type: 'spki' }), alg: '', kid: '' }];
      } catch (e) {
        throw new JoseError(`failed to parse a PEM public key: ${(e as Error).message}`);
      }
    }
    throw new JoseError('failed to extract a Key from the PEM certificate');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new JoseError(`failed to parse a JWK key (set): failed to unmarshal JWK set: ${goUnmarshalError(text)}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new JoseError('failed to parse a JWK key (set): not an object');
  const set = (parsed as { keys?: unknown }).keys;
  const jwks = Array.isArray(set) ? set : [parsed];
  const out: VerificationKey[] = [];
  for (const jwk of jwks) {
    if (jwk === null || typeof jwk !== 'object') throw new JoseError('failed to parse a JWK key (set): invalid key');
    const j = jwk as Record<string, unknown>;
    const alg = typeof j.alg === 'string' ? j.alg : '';
    // OPA skips keys whose algorithm it does not support rather than failing the whole set.
    if (alg !== '' && !JWS_ALGORITHMS.has(alg)) continue;
    out.push({ key: jwkToKey(j, false), alg, kid: typeof j.kid === 'string' ? j.kid : '' });
  }
  return out;
}

/** A KeyObject from a JWK: secret for `oct`, else public (or private when `wantPrivate`). */
export function jwkToKey(j: Record<string, unknown>, wantPrivate: boolean): KeyObject {
  try {
    if (j.kty === 'oct') {
      if (typeof j.k !== 'string') throw new JoseError('oct key without "k"');
      return createSecretKey(decodeBase64Url(j.k));
    }
    const jwk = { ...j } as Record<string, unknown>;
    if (wantPrivate) return createPrivateKey({ key: jwk as never, format: 'jwk' });
    // createPublicKey accepts a private JWK too and derives the public half.
    return createPublicKey({ key: jwk as never, format: 'jwk' });
  } catch (e) {
    if (e instanceof JoseError) throw e;
    throw new JoseError(`failed to parse a JWK key (set): ${(e as Error).message}`);
  }
}

const HASH: Record<string, string> = { '256': 'sha256', '384': 'sha384', '512': 'sha512' };

/** HS256/384/512 over a raw secret (no KeyObject: creating one costs more than the MAC). */
export function verifyHmac(secret: Buffer, alg: string, data: Buffer, sig: Buffer): boolean {
  const hash = HASH[alg.slice(2)];
  if (!alg.startsWith('HS') || hash === undefined) return false;
  const mac = createHmac(hash, secret).update(data).digest();
  return mac.length === sig.length && timingSafeEqual(mac, sig);
}

function curveSize(key: KeyObject): number {
  const c = key.asymmetricKeyDetails?.namedCurve;
  return c === 'prime256v1' || c === 'P-256' ? 32 : c === 'secp384r1' || c === 'P-384' ? 48 : c === 'secp521r1' || c === 'P-521' ? 66 : 0;
}

/**
 * Verifies `sig` over `data` with `alg`. A key of the wrong type for the algorithm does not
 * verify (OPA: "incorrect public key type" → not valid).
 */
export function verifyJws(key: KeyObject, alg: string, data: Buffer, sig: Buffer): boolean {
  const bits = alg.slice(2);
  try {
    switch (alg.slice(0, 2)) {
      case 'HS': {
        if (key.type !== 'secret') return false;
        const mac = createHmac(HASH[bits] as string, key.export()).update(data).digest();
        return mac.length === sig.length && timingSafeEqual(mac, sig);
      }
      case 'RS':
        if (key.asymmetricKeyType !== 'rsa') return false;
        return verify(HASH[bits] as string, data, { key, padding: constants.RSA_PKCS1_PADDING }, sig);
      case 'PS':
        if (key.asymmetricKeyType !== 'rsa' && key.asymmetricKeyType !== 'rsa-pss') return false;
        return verify(HASH[bits] as string, data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_AUTO }, sig);
      case 'ES': {
        if (key.asymmetricKeyType !== 'ec') return false;
        // Go splits the signature in halves (r || s) whatever its length; left-pad each half
        // to the curve size so node's IEEE P1363 decoder sees the same integers.
        const size = curveSize(key);
        const n = sig.length >> 1;
        if (size === 0 || sig.length === 0 || sig.length - n > size) return false;
        const fixed = Buffer.concat([Buffer.alloc(size - n), sig.subarray(0, n), Buffer.alloc(size - (sig.length - n)), sig.subarray(n)]);
        return verify(HASH[bits] as string, data, { key, dsaEncoding: 'ieee-p1363' }, fixed);
      }
      default:
        if (alg !== 'EdDSA' || key.asymmetricKeyType !== 'ed25519') return false;
        return verify(null, data, key, sig);
    }
  } catch {
    return false;
  }
}

/** Signs `data` with a private (or secret) key; throws JoseError for an unusable key. */
export function signJws(key: KeyObject, alg: string, data: Buffer): Buffer {
  const bits = alg.slice(2);
  try {
    switch (alg.slice(0, 2)) {
      case 'HS':
        if (key.type !== 'secret') throw new JoseError(`invalid key type for ${alg}`);
        return createHmac(HASH[bits] as string, key.export()).update(data).digest();
      case 'RS':
        return sign(HASH[bits] as string, data, { key, padding: constants.RSA_PKCS1_PADDING });
      case 'PS':
        return sign(HASH[bits] as string, data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST });
      case 'ES':
        return sign(HASH[bits] as string, data, { key, dsaEncoding: 'ieee-p1363' });
      default:
        return sign(null, data, key);
    }
  } catch (e) {
    if (e instanceof JoseError) throw e;
    throw new JoseError(`failed to sign: ${(e as Error).message}`);
  }
}
