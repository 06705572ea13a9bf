/**
 * uuid.* (OPA topdown/uuid.go, internal/uuid): rfc4122 makes a version-4 UUID from the
 * evaluation's random source, memoised per evaluation per key; parse decodes a UUID in any of
 * google/uuid's accepted spellings into {version, variant, …} (time fields for v1/v2).
 */
import { BuiltinTypeError } from '../../errors.js';
import { hashKey, normalizeNumber, typeName, type PlainObject, type Value } from '../../value/index.js';
import type { BuiltinDef } from '../registry.js';

/** 100-ns intervals between 1582-10-15 (the UUID epoch) and 1970-01-01. */
const G1582_NS100 = 122192928000000000n;

/** google/uuid.Parse forms: 36 chars, {…}, urn:uuid:…, or 32 bare hex digits. */
export function parseUuidBytes(s: string): Uint8Array | undefined {
  let t = s;
  if (t.length === 45 && t.slice(0, 9).toLowerCase() === 'urn:uuid:') t = t.slice(9);
  else if (t.length === 38 && t[0] === '{' && t[37] === '}') t = t.slice(1, 37);
  let hex: string;
  if (t.length === 36) {
    if (t[8] !== '-' || t[13] !== '-' || t[18] !== '-' || t[23] !== '-') return undefined;
    hex = t.slice(0, 8) + t.slice(9, 13) + t.slice(14, 18) + t.slice(19, 23) + t.slice(24);
  } else if (t.length === 32) hex = t;
  else return undefined;
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) return undefined;
  return Uint8Array.from(Buffer.from(hex, 'hex'));
}

function variant(b: number): string {
  if ((b & 0xc0) === 0x80) return 'RFC4122';
  if ((b & 0xe0) === 0xc0) return 'Microsoft';
  if ((b & 0xe0) === 0xe0) return 'Future';
  return 'Reserved';
}

function macVariables(b: number): string {
  if ((b & 3) === 3) return 'local:multicast';
  if ((b & 1) === 1) return 'global:multicast';
  if ((b & 2) === 2) return 'local:unicast';
  return 'global:unicast';
}

function describe(u: Uint8Array): PlainObject {
  const version = (u[6] as number) >> 4;
  const out: PlainObject = { version, variant: variant(u[8] as number) };
  if (version === 1 || version === 2) {
    const be = (i: number, n: number) => {
      let v = 0n;
      for (let k = 0; k < n; k++) v = (v << 8n) | BigInt(u[i + k] as number);
      return v;
    };
    const t = be(0, 4) | (be(4, 2) << 32n) | ((be(6, 2) & 0xfffn) << 48n);
    const d = t - G1582_NS100;
    const sec = d / 10_000_000n;
    const nsec = (d % 10_000_000n) * 100n;
    out.time = normalizeNumber(sec * 1_000_000_000n + nsec);
    out.nodeid = [...u.slice(10, 16)].map((b) => b.toString(16).padStart(2, '0')).join('-');
    out.macvariables = macVariables(u[10] as number);
    out.clocksequence = Number(be(8, 2) & 0x3fffn);
    if (version === 2) {
      out.id = Number(be(0, 4));
      const dom = u[9] as number;
      out.domain = dom === 0 ? 'Person' : dom === 1 ? 'Group' : dom === 2 ? 'Org' : `Domain${dom}`;
    }
  }
  return out;
}

export const uuidBuiltins: BuiltinDef[] = [
  {
    name: 'uuid.rfc4122',
    arity: 1,
    nondeterministic: true,
    impl: ([k], ctx) => {
      const key = `uuid.rfc4122\u0000${hashKey(k as Value)}`;
      const hit = ctx.cache.get(key);
      if (hit !== undefined) return hit as Value;
      const b = new Uint8Array(16);
      for (let i = 0; i < 16; i++) b[i] = Math.floor(ctx.random() * 256) & 0xff;
      // RFC 4122 §4.4: version 4, variant 10xx.
      b[8] = ((b[8] as number) & 0x3f) | 0x80;
      b[6] = ((b[6] as number) & 0x0f) | 0x40;
      const h = Buffer.from(b).toString('hex');
      const s = `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
      ctx.cache.set(key, s);
      return s;
    },
  },
  {
    name: 'uuid.parse',
    arity: 1,
    impl: ([s]) => {
      if (typeof s !== 'string') throw new BuiltinTypeError('uuid.parse', `operand 1 must be string but got ${typeName(s as Value)}`);
      // An unparsable UUID makes the call undefined (OPA returns no result, not an error).
      const u = parseUuidBytes(s);
      return u ? describe(u) : undefined;
    },
  },
];
