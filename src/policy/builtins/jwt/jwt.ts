/**
 * io.jwt.* builtins with OPA's semantics (topdown/tokens.go): decode, the per-algorithm
 * verify_* functions (PEM certificate / public key, or JWK / JWKS), decode_verify with its
 * constraints object (`cert`, `secret`, `alg`, `iss`, `aud`, `time`), and encode_sign(_raw).
 *
 * Everything is synchronous on node:crypto (see jose-keys.ts).
 */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { BuiltinError, BuiltinTypeError } from '../../errors.js';
import { decodeGoString, goStringBytes, isObject, replaceRawBytes, objectEntries, objectGet, stringifyJson, typeName, type PlainObject, type RObject, type Value } from '../../value/index.js';
import type { BuiltinContext, BuiltinDef } from '../registry.js';
import { marshalGo } from '../shared/go-json.js';
import { decodeGoJson } from '../shared/go-json-decode.js';
import { decodeBase64Url, encodeBase64Url, goUnmarshalError, JoseError, JWS_ALGORITHMS, jwkToKey, readVerificationKeys, signJws, verifyHmac, verifyJws, type VerificationKey } from './jose-keys.js';
import { expectString as str, nativeNumber } from '../shared/args.js';

type Obj = PlainObject | RObject;

interface Token {
  header: string;
  payload: string;
  signature: string;
}


/** RFC 7519 §7.2 steps 1–2: split the compact serialisation. */
function splitToken(name: string, v: Value): Token {
  const s = str(name, v, 1);
  if (!s.includes('.')) throw new BuiltinError(name, 'encoded JWT had no period separators');
  const parts = s.split('.');
  if (parts.length !== 3) throw new BuiltinError(name, `encoded JWT must have 3 sections, found ${parts.length}`);
  return { header: parts[0] as string, payload: parts[1] as string, signature: parts[2] as string };
}

function b64(name: string, what: string, s: string): Buffer {
  try {
    return decodeBase64Url(s);
  } catch (e) {
    throw new BuiltinError(name, what ? `JWT ${what} had invalid encoding: ${(e as Error).message}` : (e as Error).message);
  }
}

/**
 * Decoded header/payload bytes as the text json.Unmarshal reads: a byte that is not UTF-8 is
 * U+FFFD, one per byte (Buffer#toString would merge a truncated sequence into one U+FFFD).
 */
function goJsonText(b: Buffer): string {
  return replaceRawBytes(decodeGoString(b));
}

/** json.unmarshal of decoded bytes that must yield an object (OPA extractJSONObject). */
function jsonObject(name: string, text: string, prefix = ''): Obj {
  let v: Value;
  try {
    // OPA extractJSONObject decodes with util.UnmarshalJSON: Go's acceptance and messages.
    v = decodeGoJson(text);
  } catch (e) {
    throw new BuiltinError(name, `${prefix}invalid JSON: ${(e as Error).message}`);
  }
  if (!isObject(v)) throw new BuiltinError(name, `${prefix}decoded JSON type was not an Object`);
  return v;
}

function decodeHeader(name: string, t: Token): Obj {
  const h = jsonObject(name, goJsonText(b64(name, 'header', t.header)), 'bad JWT header: ');
  // RFC 7516 §9: a JWE has "enc"; OPA supports only JWS.
  if (objectGet(h, 'enc') !== undefined) throw new BuiltinError(name, 'JWT is a JWE object, which is not supported');
  return h;
}

interface Header {
  alg: string;
  kid: string;
  cty: string;
  crit: Set<string>;
  unknown: string[];
}

/** OPA parseTokenHeader: typed registered parameters, unknown names kept for the `crit` check. */
function parseHeader(name: string, h: Obj): Header {
  const out: Header = { alg: '', kid: '', cty: '', crit: new Set(), unknown: [] };
  for (const [k, v] of objectEntries(h)) {
    const key = k as string;
    if (key === 'alg' || key === 'kid' || key === 'typ' || key === 'cty') {
      if (typeof v !== 'string') throw new BuiltinError(name, `${key}: must be a string`);
      if (key !== 'typ') out[key] = v;
    } else if (key === 'crit') {
      if (!Array.isArray(v)) throw new BuiltinError(name, 'crit: must be a list');
      // OPA ignores the error its Iter callback returns for a non-string: the walk just stops there.
      for (const e of v) {
        if (typeof e !== 'string') break;
        out.crit.add(e);
      }
      if (out.crit.size === 0) throw new BuiltinError(name, 'crit: must be a nonempty list');
    } else out.unknown.push(key);
  }
  return out;
}

/** RFC 7515 §4.1.1 alg is required; §4.1.11 an unrecognised critical parameter invalidates. */
function headerValid(h: Header): boolean {
  return h.alg !== '' && !h.unknown.some((u) => h.crit.has(u));
}

function decodeSignature(name: string, t: Token): Buffer {
  return b64(name, '', t.signature);
}

function keys(name: string, text: string): VerificationKey[] {
  try {
    return readVerificationKeys(text);
  } catch (e) {
    if (e instanceof JoseError) throw new BuiltinError(name, e.message);
    throw e;
  }
}

/** Verification against a key list: a `kid` match wins, else any key whose alg (if any) agrees. */
function verifyWithKeys(ks: VerificationKey[], kid: string, headerAlg: string, verifyAlg: string, data: Buffer, sig: Buffer): boolean {
  if (kid !== '') {
    const k = ks.find((x) => x.kid === kid);
    if (k) return verifyJws(k.key, verifyAlg, data, sig);
  }
  for (const k of ks) {
    if (k.alg !== '' && k.alg !== headerAlg) continue;
    if (verifyJws(k.key, verifyAlg, data, sig)) return true;
  }
  return false;
}

function verifyBuiltin(alg: string): BuiltinDef {
  const name = `io.jwt.verify_${alg.toLowerCase()}`;
  return {
    name,
    arity: 2,
    impl: ([jwt, key]) => {
      const t = splitToken(name, jwt as Value);
      const ks = keys(name, str(name, key as Value, 2));
      const sig = decodeSignature(name, t);
      const h = parseHeader(name, decodeHeader(name, t));
      return verifyWithKeys(ks, h.kid, h.alg, alg, Buffer.from(`${t.header}.${t.payload}`), sig);
    },
  };
}

function verifyHmacBuiltin(alg: string): BuiltinDef {
  const name = `io.jwt.verify_${alg.toLowerCase()}`;
  return {
    name,
    arity: 2,
    impl: ([jwt, secret]) => {
      str(name, jwt as Value, 1);
      const s = str(name, secret as Value, 2);
      const t = splitToken(name, jwt as Value);
      const sig = decodeSignature(name, t);
      return verifyHmac(Buffer.from(goStringBytes(s)), alg, Buffer.from(`${t.header}.${t.payload}`), sig);
    },
  };
}

function decode(name: string, jwt: Value, depth: number): Value[] {
  const t = splitToken(name, jwt);
  const header = decodeHeader(name, t);
  let payload = goJsonText(b64(name, 'payload', t.payload));
  const cty = objectGet(header, 'cty');
  // A nested JWT (cty "JWT") is decoded instead; jwt.io-style quoting of it is stripped.
  if (cty === 'JWT' && depth < 32) {
    payload = payload.replace(/^["']+|["']+$/g, '');
    return decode(name, payload, depth + 1);
  }
  const p = jsonObject(name, payload);
  const sig = b64(name, 'signature', t.signature);
  return [header, p, sig.toString('hex')];
}

interface Constraints {
  keys: VerificationKey[] | undefined;
  secret: string;
  alg: string;
  iss: string;
  aud: string;
  time: number;
}

function parseConstraints(name: string, o: Obj, ctx: BuiltinContext): Constraints {
  const c: Constraints = { keys: undefined, secret: '', alg: '', iss: '', aud: '', time: -1 };
  for (const [k, v] of objectEntries(o)) {
    switch (k) {
      case 'cert':
        if (typeof v !== 'string') throw new BuiltinError(name, 'cert constraint: must be a string');
        c.keys = keys(name, v);
        break;
      case 'secret':
      case 'alg':
      case 'iss':
      case 'aud':
        if (typeof v !== 'string') throw new BuiltinError(name, `${k} constraint: must be a string`);
        c[k] = v;
        break;
      case 'time':
        c.time = timeConstraint(name, v);
        break;
      default:
        throw new BuiltinError(name, `unknown token validation constraint: ${typeof k === 'string' ? k : stringifyJson(k)}`);
    }
  }
  if (c.time === -1) c.time = Number(ctx.nowNs);
  const n = (c.keys !== undefined ? 1 : 0) + (c.secret !== '' ? 1 : 0);
  if (n > 1) throw new BuiltinError(name, 'duplicate key constraints');
  if (n < 1) throw new BuiltinError(name, 'no key constraint');
  return c;
}

function timeConstraint(name: string, v0: Value): number {
  const v = nativeNumber(v0);
  if (typeof v !== 'number' && typeof v !== 'bigint') throw new BuiltinError(name, 'token time constraint: must be a number');
  const f = Number(v);
  if (f < 0) throw new BuiltinError(name, 'token time constraint: must not be negative');
  return f;
}

function validAudience(c: Constraints, aud: Value): boolean {
  if (typeof aud === 'string') return aud === c.aud;
  if (!Array.isArray(aud)) return false;
  return aud.some((e) => typeof e === 'string' && e === c.aud);
}

function decodeVerify(name: string, jwt: Value, cv: Value, ctx: BuiltinContext): Value {
  if (!isObject(cv)) throw new BuiltinTypeError(name, `operand 2 must be object but got ${typeName(cv)}`);
  const unverified: Value = [false, {}, {}];
  const c = parseConstraints(name, cv, ctx);
  let a: Value = jwt;
  let token: Token;
  let header: Obj;
  let payloadText: string;
  // RFC 7519 §7.2 step 8: nested JWTs (cty "JWT") are verified layer by layer; bounded nesting.
  for (let depth = 0; ; depth++) {
    token = splitToken(name, a);
    header = decodeHeader(name, token);
    const h = parseHeader(name, header);
    if (!headerValid(h)) return unverified;
    if (c.alg !== '' && c.alg !== h.alg) return unverified;
    const sig = decodeSignature(name, token);
    const data = Buffer.from(`${token.header}.${token.payload}`);
    let ok: boolean;
    if (!JWS_ALGORITHMS.has(h.alg)) ok = false;
    else if (c.keys !== undefined) ok = verifyWithKeys(c.keys, h.kid, h.alg, h.alg, data, sig);
    else ok = h.alg.startsWith('HS') && verifyHmac(Buffer.from(goStringBytes(c.secret)), h.alg, data, sig);
    if (!ok) return unverified;
    payloadText = goJsonText(b64(name, 'payload', token.payload));
    if (h.cty.toUpperCase() === 'JWT' && depth < 32) {
      a = payloadText;
      continue;
    }
    break;
  }
  const payload = jsonObject(name, payloadText);
  if (c.iss !== '') {
    const iss = objectGet(payload, 'iss');
    if (iss === undefined || iss !== c.iss) return unverified;
  }
  const aud = objectGet(payload, 'aud');
  if (aud !== undefined) {
    if (!validAudience(c, aud)) return unverified;
  } else if (c.aud !== '') return unverified;
  const nowSec = c.time / 1e9;
  const exp = nativeNumber(objectGet(payload, 'exp') as Value) as Value | undefined;
  if (exp !== undefined) {
    if (typeof exp !== 'number' && typeof exp !== 'bigint') throw new BuiltinError(name, 'exp value must be a number');
    if (nowSec >= Number(exp)) return unverified;
  }
  const nbf = nativeNumber(objectGet(payload, 'nbf') as Value) as Value | undefined;
  if (nbf !== undefined) {
    if (typeof nbf !== 'number' && typeof nbf !== 'bigint') throw new BuiltinError(name, 'nbf value must be a number');
    if (nowSec < Number(nbf)) return unverified;
  }
  return [true, header, payload];
}

function signingKey(name: string, jwkText: string): KeyObject {
  let parsed: unknown;
  try {
    parsed = JSON.parse(jwkText);
  } catch {
    // OPA returns jwk.Parse's error as it is: encoding/json's text behind jwx's prefix
    throw new BuiltinError(name, `failed to unmarshal JWK set: ${goUnmarshalError(jwkText)}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new BuiltinError(name, 'failed to parse JWK: not an object');
  const set = (parsed as { keys?: unknown }).keys;
  const list = Array.isArray(set) ? set : [parsed];
  if (list.length === 0) throw new BuiltinError(name, 'no keys found in JWK set');
  const j = list[0] as Record<string, unknown>;
  try {
    if (j.kty === 'oct') return jwkToKey(j, false);
    if (j.d === undefined) return jwkToKey(j, false);
    return createPrivateKey({ key: j as never, format: 'jwk' });
  } catch (e) {
    throw new BuiltinError(name, `failed to parse JWK: ${(e as Error).message}`);
  }
}

function encodeSign(name: string, headers: string, payload: string, jwk: string): string {
  const key = signingKey(name, jwk);
  let hdr: unknown;
  if (headers === '') throw new BuiltinError(name, "missing or invalid 'alg' header: cannot parse JSON: cannot parse empty string");
  try {
    hdr = JSON.parse(headers);
  } catch {
    hdr = undefined;
  }
  const alg = hdr !== null && typeof hdr === 'object' ? (hdr as Record<string, unknown>).alg : undefined;
  if (typeof alg !== 'string') throw new BuiltinError(name, `missing or invalid 'alg' header: jwsbb: header "alg" not found`);
  if (!JWS_ALGORITHMS.has(alg)) throw new BuiltinError(name, `unknown JWS algorithm: ${alg}`);
  const typ = (hdr as Record<string, unknown>).typ;
  if (typeof typ !== 'string' || typ === 'JWT') {
    let ok = true;
    try {
      JSON.parse(payload);
    } catch {
      ok = false;
    }
    if (!ok) throw new BuiltinError(name, 'type is JWT but payload is not JSON');
  }
  const input = `${encodeBase64Url(headers)}.${encodeBase64Url(payload)}`;
  try {
    return `${input}.${encodeBase64Url(signJws(key, alg, Buffer.from(input)))}`;
  } catch (e) {
    throw new BuiltinError(name, (e as Error).message);
  }
}

export const jwtBuiltins: BuiltinDef[] = [
  { name: 'io.jwt.decode', arity: 1, impl: ([jwt]) => decode('io.jwt.decode', jwt as Value, 0) },
  ...['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'].map(verifyBuiltin),
  ...['HS256', 'HS384', 'HS512'].map(verifyHmacBuiltin),
  { name: 'io.jwt.decode_verify', arity: 2, impl: ([jwt, c], ctx) => decodeVerify('io.jwt.decode_verify', jwt as Value, c as Value, ctx) },
  {
    name: 'io.jwt.encode_sign',
    arity: 3,
    impl: ([h, p, k]) => encodeSign('io.jwt.encode_sign', marshalGo(h as Value), marshalGo(p as Value), marshalGo(k as Value)),
  },
  {
    name: 'io.jwt.encode_sign_raw',
    arity: 3,
    impl: ([h, p, k]) => {
      const name = 'io.jwt.encode_sign_raw';
      const key = str(name, k as Value, 3);
      return encodeSign(name, str(name, h as Value, 1), str(name, p as Value, 2), key);
    },
  },
];
