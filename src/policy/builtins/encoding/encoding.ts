/**
 * Encoding builtins (OPA topdown/encoding.go): base64 / base64url / hex / URL query, JSON
 * marshal/unmarshal and YAML. Decoded bytes become Go strings: bytes that are not UTF-8 stay
 * themselves, carried as escapes (value/go-bytes.ts), and encoders see the same bytes again.
 */
import { isPair, isScalar, parseAllDocuments, stringify as stringifyYaml, visit, type ScalarTag } from 'yaml';
import type { BuiltinDef } from '../registry.js';
import { BuiltinError, BuiltinTypeError } from '../../errors.js';
import { GO_YAML_OPTIONS, ObjectBuilder, RNumber, RSet, compare, compareStrings, formatValue, fromJs, objectEntries, parseJson, typeName, type Value } from '../../value/index.js';
import { argObject, argString } from '../shared/args.js';
import { decodeGoString, goStringBytes as utf8Bytes, hasRawBytes, replaceRawBytes } from '../../value/go-bytes.js';
import { marshalGo } from '../shared/go-json.js';
import { decodeGoJson } from '../shared/go-json-decode.js';
import { goYamlSyntaxError, goYamlUnknownAnchor, goYamlUtf8Error } from './go-yaml-error.js';

// ---- base64 -----------------------------------------------------------------------------------

const STD = /^[A-Za-z0-9+/]*$/;
const URL = /^[A-Za-z0-9_-]*$/;

/**
 * Go's base64.StdEncoding / URLEncoding DecodeString: padding required, `\r`/`\n` ignored,
 * anything else outside the alphabet is "illegal base64 data at input byte N".
 */
function decodeBase64Strict(name: string, input: string, url: boolean): Uint8Array {
  const s = input.replace(/[\r\n]/g, '');
  const alphabet = url ? URL : STD;
  const firstPad = s.indexOf('=');
  const body = firstPad === -1 ? s : s.slice(0, firstPad);
  const pad = firstPad === -1 ? '' : s.slice(firstPad);
  if (!alphabet.test(body)) {
    let i = 0;
    while (i < body.length && alphabet.test(body[i] as string)) i++;
    throw new BuiltinError(name, `illegal base64 data at input byte ${i}`);
  }
  const rem = body.length % 4;
  const wantPad = rem === 0 ? 0 : 4 - rem;
  if (rem === 1 || pad.length !== wantPad || /[^=]/.test(pad)) {
    throw new BuiltinError(name, `illegal base64 data at input byte ${rem === 1 ? body.length - 1 : Math.min(s.length, body.length + wantPad)}`);
  }
  return new Uint8Array(Buffer.from(body, url ? 'base64url' : 'base64'));
}

function encodeBase64(s: string, url: boolean, padding: boolean): string {
  const out = Buffer.from(utf8Bytes(s)).toString(url ? 'base64url' : 'base64');
  if (!url) return out;
  return padding ? out + '='.repeat((4 - (out.length % 4)) % 4) : out;
}

// ---- hex ------------------------------------------------------------------------------------

function decodeHex(s: string): Uint8Array {
  const b = new Uint8Array(Math.floor(s.length / 2));
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string;
    if (!/[0-9a-fA-F]/.test(c)) {
      const cp = c.codePointAt(0) as number;
      throw new BuiltinError('hex.decode', `encoding/hex: invalid byte: U+${cp.toString(16).toUpperCase().padStart(4, '0')} ${goQuoteRune(c)}`);
    }
  }
  if (s.length % 2 === 1) throw new BuiltinError('hex.decode', 'encoding/hex: odd length hex string');
  for (let i = 0; i < b.length; i++) b[i] = parseInt(s.slice(2 * i, 2 * i + 2), 16);
  return b;
}

function goQuoteRune(c: string): string {
  return c === "'" ? "'\\''" : `'${c}'`;
}

// ---- URL query ------------------------------------------------------------------------------

/** url.QueryEscape: unreserved bytes stay, space becomes '+', the rest %XX (upper case). */
export function queryEscape(s: string): string {
  let out = '';
  for (const b of utf8Bytes(s)) {
    const c = String.fromCharCode(b);
    if (/[A-Za-z0-9\-_.~]/.test(c)) out += c;
    else if (b === 0x20) out += '+';
    else out += '%' + b.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

/** url.QueryUnescape: '+' is a space; a bad escape is an error naming it. */
function queryUnescape(name: string, s: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string;
    if (c === '%') {
      const h = s.slice(i + 1, i + 3);
      if (!/^[0-9a-fA-F]{2}$/.test(h)) {
        throw new BuiltinError(name, `invalid URL escape ${JSON.stringify(s.slice(i, i + 3))}`);
      }
      bytes.push(parseInt(h, 16));
      i += 2;
    } else if (c === '+') bytes.push(0x20);
    else {
      // One code point (both halves of a pair), so an astral character keeps its four bytes.
      const cp = s.codePointAt(i) as number;
      const ch = String.fromCodePoint(cp);
      if (cp > 0xffff) i++;
      for (const b of utf8Bytes(ch)) bytes.push(b);
    }
  }
  return decodeGoString(new Uint8Array(bytes));
}

function encodeObject(args: readonly Value[]): string {
  const o = argObject('urlquery.encode_object', args, 0);
  const parts: [string, string][] = [];
  const bad = () => new BuiltinTypeError('urlquery.encode_object', 'operand 1 values must be string, array[string], or set[string]');
  for (const [k, v] of objectEntries(o)) {
    if (typeof k !== 'string') throw bad();
    if (typeof v === 'string') parts.push([k, v]);
    else if (Array.isArray(v) || v instanceof RSet) {
      for (const e of Array.isArray(v) ? v : v.values()) {
        if (typeof e !== 'string') throw bad();
        parts.push([k, e]);
      }
    } else throw bad();
  }
  // url.Values.Encode sorts by key (stable, so a key's values keep their order).
  parts.sort((a, b) => compareStrings(a[0], b[0]));
  return parts.map(([k, v]) => queryEscape(k) + '=' + queryEscape(v)).join('&');
}

function decodeObject(args: readonly Value[]): Value {
  const s = argString('urlquery.decode_object', args, 0);
  const m = new Map<string, Value[]>();
  for (const part of s.split(/&/)) {
    if (part === '') continue;
    if (part.includes(';')) throw new BuiltinError('urlquery.decode_object', 'invalid semicolon separator in query');
    const eq = part.indexOf('=');
    const k = queryUnescape('urlquery.decode_object', eq === -1 ? part : part.slice(0, eq));
    const v = queryUnescape('urlquery.decode_object', eq === -1 ? '' : part.slice(eq + 1));
    const list = m.get(k);
    if (list) list.push(v);
    else m.set(k, [v]);
  }
  const out = new ObjectBuilder();
  for (const [k, v] of m) out.set(k, v);
  return out.build();
}

// ---- JSON -----------------------------------------------------------------------------------

function marshalWithOptions(args: readonly Value[]): string {
  const name = 'json.marshal_with_options';
  const v = args[0] as Value;
  const opts = argObject(name, args, 1);
  let indent = '\t';
  let prefix = '';
  let implicit = false;
  let explicit: boolean | undefined;
  // OPA walks the keys in their sorted order and reads each value with StringOperand(val, idx),
  // the key's index standing as the operand position; keys print as ast.String.String()
  // (strconv.Quote), so the wording is `key "indent" failed cast to string: operand 0 must be …`.
  const entries = [...objectEntries(opts)].sort((a, b) => compare(a[0], b[0]));
  for (const [idx, [k, x]] of entries.entries()) {
    if (typeof k !== 'string') {
      throw new BuiltinTypeError(name, `operand 2 failed to stringify key ${formatValue(k)} at index ${idx}: operand ${idx} must be string but got ${typeName(k)}`);
    }
    if (k === 'prefix' || k === 'indent') {
      if (typeof x !== 'string') {
        throw new BuiltinTypeError(name, `operand 2 key ${formatValue(k)} failed cast to string: operand ${idx} must be string but got ${typeName(x)}`);
      }
      if (k === 'prefix') prefix = x;
      else indent = x;
      implicit = true;
    } else if (k === 'pretty') {
      if (typeof x !== 'boolean') throw new BuiltinTypeError(name, `operand 2 key ${formatValue(k)} failed cast to bool`);
      explicit = x;
    } else throw new BuiltinTypeError(name, `operand 2 object contained unknown key ${formatValue(k)}`);
  }
  if (!(explicit ?? implicit)) return marshalGo(v);
  // MarshalIndent does not prefix the first line; OPA adds it.
  return prefix + marshalGo(v, { prefix, indent });
}

/** OPA util.UnmarshalJSON: the first value of the text, failures worded as Go's decoder's. */
function unmarshalJson(name: string, s: string): Value {
  try {
    // encoding/json reads a byte that is not UTF-8 inside a string as U+FFFD (and outside one
    // it is a syntax error either way).
    return decodeGoJson(replaceRawBytes(s));
  } catch (e) {
    throw new BuiltinError(name, (e as Error).message);
  }
}

/** Deepest nesting of arrays/objects outside strings (for Go's scanner limit). */
function jsonNestingDepth(s: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) max = Math.max(max, ++depth);
    else if (c === 0x5d || c === 0x7d) depth--;
  }
  return max;
}

/** Go's json.Valid: one JSON value, whitespace around it, nesting at most maxNestingDepth (10000). */
function isValidJson(s: string): boolean {
  if (s.length > 20000 && jsonNestingDepth(s) > 10000) return false;
  try {
    parseJson(replaceRawBytes(s));
    return true;
  } catch {
    return false;
  }
}

// ---- YAML -----------------------------------------------------------------------------------

/** Go's strconv.FormatFloat(x, 'g', -1, 32): the shortest float32 digits, %e past 1e-4..1e6. */
function goFloat32Text(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? '+Inf' : '-Inf';
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  const f = Math.fround(x);
  let digits = '';
  let exp = 0;
  for (let p = 1; p <= 9; p++) {
    const t = f.toExponential(p - 1);
    if (Math.fround(Number(t)) === f || p === 9) {
      const [m = '', e = '0'] = t.split('e');
      digits = m.replace('-', '').replace('.', '').replace(/0+$/, '') || '0';
      exp = Number(e);
      break;
    }
  }
  const sign = f < 0 ? '-' : '';
  // 'g' with the shortest precision uses %e when exp < -4 || exp >= 6 (eprec is 6 then)
  if (exp < -4 || exp >= 6) {
    const mant = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const ee = Math.abs(exp) < 10 ? `0${Math.abs(exp)}` : String(Math.abs(exp));
    return `${sign}${mant}e${exp < 0 ? '-' : '+'}${ee}`;
  }
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  if (digits.length <= exp + 1) return sign + digits + '0'.repeat(exp + 1 - digits.length);
  return `${sign}${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
}

/**
 * A float map key equal to zero, kept apart from the JS Map: a Map stores -0 as 0 (SameValueZero),
 * so `-0.0: a` would lose its sign, where go-yaml keeps the float64 -0 and YAMLToJSON writes
 * the key "-0". Go's map holds one key for 0.0 and -0.0 (they are ==) and, a float key being
 * updated on assignment (runtime needkeyupdate), the later one's form and value.
 */
class FloatZeroKey {
  constructor(
    readonly negative: boolean,
    readonly offset: number,
  ) {}
}

/** A Go %+#v-like rendering of a YAML scalar for sigs.k8s.io/yaml's key error. */
function goSyntax(x: unknown): string {
  if (x === null || x === undefined) return '<nil>';
  if (typeof x === 'string') return JSON.stringify(x);
  return String(x);
}

/**
 * A map key as sigs.k8s.io/yaml's YAMLToJSON turns it into a JSON key: strings stay, integers in
 * decimal, floats as FormatFloat(k, 'g', -1, 32) (".inf" for +Inf), booleans as true/false; any
 * other key (null, a sequence, a mapping) fails the conversion.
 */
function yamlKey(k: unknown, v: unknown): string {
  if (typeof k === 'string') return k;
  if (typeof k === 'bigint') return k.toString();
  if (typeof k === 'boolean') return String(k);
  if (typeof k === 'number') {
    const t = goFloat32Text(k);
    return t === '+Inf' ? '.inf' : t === '-Inf' ? '-.inf' : t === 'NaN' ? '.nan' : t;
  }
  const type = k === null ? '%!s(<nil>)' : Array.isArray(k) ? '[]interface {}' : 'map[interface {}]interface {}';
  throw new TypeError(`unsupported map key of type: ${type}, key: ${goSyntax(k)}, value: ${goSyntax(v)}`);
}

/** JSON-compatible value from the yaml package's output (sigs.k8s.io/yaml, then json.Marshal). */
function yamlToValue(x: unknown): Value {
  // json.Marshal refuses what YAML's .inf/.nan decode to
  if (typeof x === 'number' && !Number.isFinite(x)) throw new TypeError(`json: unsupported value: ${Number.isNaN(x) ? 'NaN' : x > 0 ? '+Inf' : '-Inf'}`);
  if (Array.isArray(x)) return x.map(yamlToValue);
  // !!binary: go-yaml v2 decodes the base64 into a Go string of those bytes
  if (x instanceof Uint8Array) return decodeGoString(x);
  // !!set: go-yaml v2 has no sets, it is the mapping it is written as (members → null)
  if (x instanceof Set) {
    const b = new ObjectBuilder();
    for (const k of x) b.set(yamlKey(k, null), null);
    return b.build();
  }
  if (x instanceof Map) {
    const b = new ObjectBuilder();
    let zero: [FloatZeroKey, unknown] | undefined;
    for (const [k, v] of x) {
      if (!(k instanceof FloatZeroKey)) b.set(yamlKey(k, v), yamlToValue(v));
      else if (zero === undefined || k.offset > zero[0].offset) zero = [k, v];
    }
    if (zero !== undefined) b.set(zero[0].negative ? '-0' : '0', yamlToValue(zero[1]));
    return b.build();
  }
  if (x !== null && typeof x === 'object') {
    const b = new ObjectBuilder();
    for (const [k, v] of Object.entries(x)) b.set(k, yamlToValue(v));
    return b.build();
  }
  return fromJs(x);
}

/**
 * go-yaml v2's Unmarshal into interface{} (what yaml.is_valid runs): the first document as JS
 * (maps as Maps, keys as they were typed), or go-yaml's error text.
 *
 * sigs.k8s.io/yaml (what OPA uses) decodes with go-yaml v2, whose scalars GO_YAML_OPTIONS
 * resolve (`yes`/`on` are booleans, `.` and `1:20` strings). Like go-yaml v2's (non-strict)
 * Unmarshal, a repeated key keeps its last value; failures are worded as go-yaml's.
 */
function decodeYaml(s: string): unknown {
  // Bytes that are not UTF-8 (a decoded string's): go-yaml refuses them before parsing.
  const notUtf8 = hasRawBytes(s) ? goYamlUtf8Error(utf8Bytes(s)) : undefined;
  if (notUtf8 !== undefined) throw new BuiltinError('yaml.unmarshal', notUtf8);
  // go-yaml v2's scalar resolution (value/go-yaml.ts); ints as bigints so that a map key
  // written 16777217 stays an int, not a float32-formatted float
  const docs = parseAllDocuments(s, { ...GO_YAML_OPTIONS, intAsBigInt: true });
  // go-yaml v2's Unmarshal decodes the first document of a stream and never reads the rest
  // (`a: 1\n---\nb: 2` is {"a": 1}); an empty stream is null.
  const doc = Array.isArray(docs) ? docs[0] : undefined;
  if (doc === undefined) return null;
  const bad = doc.errors[0];
  if (bad !== undefined) throw new BuiltinError('yaml.unmarshal', goYamlSyntaxError(s, bad));
  const unknownAnchor = goYamlUnknownAnchor(doc);
  if (unknownAnchor !== undefined) throw new BuiltinError('yaml.unmarshal', unknownAnchor);
  visit(doc, {
    Pair(_, pair) {
      if (isPair(pair) && isScalar(pair.key) && pair.key.value === 0 && typeof pair.key.value === 'number') {
        pair.key.value = new FloatZeroKey(Object.is(pair.key.value, -0), pair.key.range?.[0] ?? 0);
      }
    },
  });
  try {
    return doc.toJS({ maxAliasCount: 1000, mapAsMap: true });
  } catch (e) {
    throw new BuiltinError('yaml.unmarshal', (e as Error).message);
  }
}

/** yaml.unmarshal: go-yaml's decode, then YAMLToJSON's key conversion and json.Marshal. */
function unmarshalYaml(s: string): Value {
  const js = decodeYaml(s);
  try {
    return yamlToValue(js);
  } catch (e) {
    throw new BuiltinError('yaml.unmarshal', (e as Error).message);
  }
}

/** OPA's yaml.is_valid runs yaml.Unmarshal alone: `.inf` or a null key is valid YAML. */
function isValidYaml(s: string): boolean {
  try {
    decodeYaml(s);
    return true;
  } catch {
    return false;
  }
}

/** go-yaml v2 layout: block style, sequences not indented under their key, sorted keys. */
/** A number on its way to go-yaml's encoder, with the text json.Marshal gave it. */
class YamlNumber {
  constructor(readonly text: string) {}
}

/**
 * What go-yaml v2 writes for a JSON number text: JSONToYAML decodes the JSON with go-yaml, which
 * resolves an int64/uint64 text as an integer and any other number as a float64, and its encoder
 * prints a float with strconv.FormatFloat(f, 'g', -1, 64) — 1.0 is 1, 1e30 is 1e+30, 0.000001
 * is 1e-06, 100000000000000000000 (no int64) is 1e+20.
 */
function goYamlNumberText(text: string): string {
  if (/^[-+]?[0-9]+$/.test(text)) {
    const b = BigInt(text);
    if (b >= -(2n ** 63n) && b < 2n ** 64n) return b.toString();
  }
  const f = Number(text);
  // beyond a float64 ParseFloat fails, go-yaml keeps the scalar as the string it reads
  if (!Number.isFinite(f)) return text;
  if (f === 0) return Object.is(f, -0) ? '-0' : '0';
  const [m = '0', e = '0'] = Math.abs(f).toExponential().split('e');
  const digits = m.replace('.', '');
  const exp = Number(e);
  const sign = f < 0 ? '-' : '';
  // strconv 'g' with the shortest precision: %e when exp < -4 || exp >= 6 (eprec is 6)
  if (exp < -4 || exp >= 6) {
    const mant = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return `${sign}${mant}e${exp < 0 ? '-' : '+'}${Math.abs(exp) < 10 ? '0' : ''}${Math.abs(exp)}`;
  }
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  if (digits.length <= exp + 1) return sign + digits + '0'.repeat(exp + 1 - digits.length);
  return `${sign}${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
}

/** Value → JS for the yaml package, numbers wrapped with their JSON text (see goYamlNumberText). */
function toYamlJs(v: Value): unknown {
  if (typeof v === 'number') return new YamlNumber(String(v));
  if (typeof v === 'bigint') return new YamlNumber(v.toString());
  if (v instanceof RNumber) return new YamlNumber(v.text);
  // OPA marshals to JSON first (sigs.k8s.io/yaml), which writes a raw byte as U+FFFD
  if (typeof v === 'string') return replaceRawBytes(v);
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map(toYamlJs);
  if (v instanceof RSet) return v.values().map(toYamlJs);
  const out: Record<string, unknown> = {};
  for (const [k, x] of objectEntries(v)) {
    const key = typeof k === 'string' ? replaceRawBytes(k) : formatValue(k);
    Object.defineProperty(out, key, { value: toYamlJs(x), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

const YAML_NUMBER_TAG: ScalarTag = {
  tag: 'tag:yaml.org,2002:float',
  default: true,
  identify: (x: unknown) => x instanceof YamlNumber,
  resolve: (str: string) => str,
  stringify: (item) => goYamlNumberText((item.value as YamlNumber).text),
};

function marshalYaml(v: Value): string {
  return stringifyYaml(toYamlJs(v), { indentSeq: false, sortMapEntries: true, lineWidth: 0, version: '1.1', customTags: [YAML_NUMBER_TAG] });
}

function str1(name: string, f: (s: string) => Value): BuiltinDef {
  return { name, arity: 1, impl: (args) => f(argString(name, args, 0)) };
}

export const encodingBuiltins: BuiltinDef[] = [
  str1('base64.encode', (s) => encodeBase64(s, false, true)),
  str1('base64.decode', (s) => decodeGoString(decodeBase64Strict('base64.decode', s, false))),
  {
    name: 'base64.is_valid',
    arity: 1,
    impl: (args) => {
      const s = args[0];
      if (typeof s !== 'string') return false;
      try {
        decodeBase64Strict('base64.is_valid', s, false);
        return true;
      } catch {
        return false;
      }
    },
  },
  str1('base64url.encode', (s) => encodeBase64(s, true, true)),
  str1('base64url.encode_no_pad', (s) => encodeBase64(s, true, false)),
  str1('base64url.decode', (s) => {
    // RFC 7515 Appendix C: restore omitted padding.
    let t = s;
    if (!t.endsWith('=')) {
      const r = t.length % 4;
      if (r === 2) t += '==';
      else if (r === 3) t += '=';
      else if (r === 1) throw new BuiltinError('base64url.decode', `illegal base64url string: ${s}`);
    }
    return decodeGoString(decodeBase64Strict('base64url.decode', t, true));
  }),
  str1('hex.encode', (s) => Buffer.from(utf8Bytes(s)).toString('hex')),
  str1('hex.decode', (s) => decodeGoString(decodeHex(s))),
  str1('urlquery.encode', queryEscape),
  str1('urlquery.decode', (s) => queryUnescape('urlquery.decode', s)),
  { name: 'urlquery.encode_object', arity: 1, impl: encodeObject },
  { name: 'urlquery.decode_object', arity: 1, impl: decodeObject },
  { name: 'json.marshal', arity: 1, impl: (args) => marshalGo(args[0] as Value) },
  { name: 'json.marshal_with_options', arity: 2, impl: marshalWithOptions },
  str1('json.unmarshal', (s) => unmarshalJson('json.unmarshal', s)),
  { name: 'json.is_valid', arity: 1, impl: (args) => typeof args[0] === 'string' && isValidJson(args[0]) },
  { name: 'yaml.marshal', arity: 1, impl: (args) => marshalYaml(args[0] as Value) },
  str1('yaml.unmarshal', unmarshalYaml),
  { name: 'yaml.is_valid', arity: 1, impl: (args) => typeof args[0] === 'string' && isValidYaml(args[0]) },
];
