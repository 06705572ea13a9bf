/**
 * String builtins (OPA topdown/strings.go, a thin layer over Go's `strings`). Indexes and
 * lengths count Unicode code points (Go runes), never UTF-16 units. Strings may carry raw bytes
 * (value/go-bytes.ts): joins repair them (joinGoStrings), byte-wise matching with such a needle
 * goes through go-byte-match.ts, and what OPA does through []rune sees each raw byte as U+FFFD.
 */
import type { BuiltinDef } from '../registry.js';
import { BuiltinError, BuiltinTypeError } from '../../errors.js';
import { RNumber, RSet, compare, decodeGoString, endsWithRawByte, formatValue, goStringBytes, hasRawBytes, isNumber, joinGoStrings, objectEntries, replaceRawBytes, typeName, validSeqLen, type Value } from '../../value/index.js';
import { argInt, argNum, argObject, argString, elementTypeError, isBmpOnly, operandTypeError } from '../shared/args.js';
import { toBigFloat } from '../shared/num.js';
import { bigFloatTrunc } from '../shared/big-float.js';
import { countGo, isGoSpace, mapCase, replaceGo, splitGo, trimBy, trimCutset } from './go-strings.js';
import { renderGoTemplate } from './go-template.js';
import { matchGoBytes, splitGoBytes, trimGoBytes } from './go-byte-match.js';

/**
 * strings.split_n(s, delim, n): the first n fields of split(s, delim) for n ≥ 0 (OPA splits
 * with a limit of n+1 and drops the unsplit rest), the last |n| for n < 0; all of them when n
 * is larger than their number, none for 0. n is read as IntOperand (`2.0` is a type error).
 *
 * @example strings.split_n("a.b.c", ".", -2) // ["b", "c"]
 */
function splitN(args: readonly Value[]): Value {
  const text = argString('strings.split_n', args, 0);
  const delim = argString('strings.split_n', args, 1);
  const n = argInt('strings.split_n', args, 2);
  const parts = splitGo(text, delim);
  const len = BigInt(parts.length);
  if (n >= 0n) return parts.slice(0, Number(n < len ? n : len));
  const start = len + n;
  return parts.slice(start > 0n ? Number(start) : 0);
}

function str2(name: string, f: (a: string, b: string) => Value): BuiltinDef {
  return { name, arity: 2, impl: (args) => f(argString(name, args, 0), argString(name, args, 1)) };
}

/** Strings of a string/array/set operand (OPA's StringSliceOperand for any_prefix_match). */
function stringList(name: string, v: Value, pos: number): string[] {
  if (typeof v === 'string') return [v];
  const xs = Array.isArray(v) ? v : v instanceof RSet ? v.values() : undefined;
  if (!xs) throw operandTypeError(name, pos, v, 'string', 'set', 'array');
  return xs.map((x) => {
    if (typeof x !== 'string') throw elementTypeError(name, pos, v, x, 'string');
    return x;
  });
}

/** Code-point index of the first occurrence of `needle` at or after code point `from`, or -1. */
function runeIndexes(hay: string, needle: string, all: boolean): number[] {
  const out: number[] = [];
  if (isBmpOnly(hay) && isBmpOnly(needle)) {
    for (let i = hay.indexOf(needle); i !== -1; i = hay.indexOf(needle, i + 1)) {
      out.push(i);
      if (!all) break;
    }
    return out;
  }
  const h = Array.from(hay);
  const n = Array.from(needle);
  outer: for (let i = 0; i + n.length <= h.length; i++) {
    for (let j = 0; j < n.length; j++) if (h[i + j] !== n[j]) continue outer;
    out.push(i);
    if (!all) break;
  }
  return out;
}

function formatInt(args: readonly Value[]): string {
  const n = argNum('format_int', args, 0);
  // OPA switches on the base's text (case ast.Number("16")), so 16.0 or 1.6e1 (RNumbers, never
  // equal to a double here) are not a base.
  const base = argNum('format_int', args, 1);
  const radix = base === 2 || base === 8 || base === 10 || base === 16 ? base : undefined;
  if (radix === undefined) throw new BuiltinTypeError('format_int', 'operand 2 must be one of {2, 8, 10, 16}');
  // Base 10 of an int64 (by its text) is printed as it is; everything else goes through
  // NumberToFloat — big.Float.SetString at 64-bit precision, rounded to nearest even — and
  // big.Float.Int, which truncates toward zero: beyond 2^64 the low bits are lost, as in OPA.
  if (radix === 10 && typeof n !== 'number' && !(n instanceof RNumber) && n >= -(2n ** 63n) && n < 2n ** 63n) return n.toString();
  if (radix === 10 && typeof n === 'number' && Number.isSafeInteger(n)) return String(n);
  // The same SetString as arithmetic's (shared/big-float.ts): Go's scale factors for a large
  // decimal exponent are themselves rounded, so `1e300` lands where Go's parse puts it.
  return bigFloatTrunc(toBigFloat(n)).toString(radix);
}

function concat(args: readonly Value[]): string {
  const sep = argString('concat', args, 0);
  const v = args[1] as Value;
  if (Array.isArray(v)) {
    // An array (what a policy's `concat(":", ["user", id])` passes): one indexed pass that checks
    // and joins. `Array#join` has a fixed cost that dwarfs a few short strings.
    let out = '';
    let raw = false;
    for (let i = 0; i < v.length; i++) {
      const x = v[i] as Value;
      if (typeof x !== 'string') throw elementTypeError('concat', 2, v, x, 'string');
      out = i === 0 ? x : out + sep + x;
      // endsWithRawByte, inlined: this loop is on the request path of most policies
      const last = x.charCodeAt(x.length - 1);
      if (last >= 0xdc80 && last <= 0xdcff) raw = true;
    }
    // strings.Join joins bytes: raw bytes on both sides of a seam may be UTF-8 together.
    return raw || endsWithRawByte(sep) ? joinGoStrings(out) : out;
  }
  const xs = v instanceof RSet ? v.values() : undefined;
  if (!xs) throw operandTypeError('concat', 2, v, 'set', 'array');
  let raw = endsWithRawByte(sep);
  for (const x of xs) {
    if (typeof x !== 'string') throw elementTypeError('concat', 2, v, x, 'string');
    if (endsWithRawByte(x)) raw = true;
  }
  const out = (xs as string[]).join(sep);
  return raw ? joinGoStrings(out) : out;
}


function substring(args: readonly Value[]): string {
  const s = argString('substring', args, 0);
  const start = argInt('substring', args, 1);
  const len = argInt('substring', args, 2);
  if (start < 0n) throw new BuiltinError('substring', 'negative offset');
  if (hasRawBytes(s)) return substringRaw(s, start, len);
  const cps = isBmpOnly(s) ? undefined : Array.from(s);
  const total = cps ? cps.length : s.length;
  if (start >= BigInt(total)) return '';
  const a = Number(start);
  const b = len < 0n ? total : Number(start + len > BigInt(total) ? BigInt(total) : start + len);
  return cps ? cps.slice(a, b).join('') : s.slice(a, b);
}

/**
 * OPA's substring of a string that is not ASCII: the whole string when the range covers it,
 * else a slice of []rune(s), where each raw byte has become U+FFFD.
 */
function substringRaw(s: string, start: bigint, len: bigint): string {
  const cps = Array.from(s);
  if (start === 0n && len >= BigInt(cps.length)) return s;
  if (start >= BigInt(cps.length)) return '';
  const b = len < 0n || start + len > BigInt(cps.length) ? cps.length : Number(start + len);
  return replaceRawBytes(cps.slice(Number(start), b).join(''));
}

function replaceN(args: readonly Value[]): string {
  const patterns = argObject('strings.replace_n', args, 0);
  const s = argString('strings.replace_n', args, 1);
  const pairs: [string, string][] = [];
  const entries = [...objectEntries(patterns)].sort((x, y) => compare(x[0], y[0]));
  for (const [k, v] of entries) {
    if (typeof k !== 'string') throw new BuiltinTypeError('strings.replace_n', 'operand 1 non-string key found in pattern object');
    if (typeof v !== 'string') throw new BuiltinTypeError('strings.replace_n', 'operand 1 non-string value found in pattern object');
    pairs.push([k, v]);
  }
  return pairs.length === 0 ? s : joinGoStrings(replaceGo(s, pairs));
}

/**
 * Any string of `strs` starts with any of `prefixes` (OPA builds a trie over the bytes; a loop is
 * equivalent). A prefix with raw bytes is matched byte-wise (go-byte-match.ts).
 */
function anyStartsWithAny(strs: string[], prefixes: string[]): boolean {
  for (const p of prefixes) {
    const raw = hasRawBytes(p);
    for (const s of strs) if (raw ? matchGoBytes('startswith', s, p) : s.startsWith(p)) return true;
  }
  return false;
}

function reverseCodePoints(s: string): string {
  if (!hasRawBytes(s)) return Array.from(s).reverse().join('');
  return reverseGoBytes(goStringBytes(s));
}

/**
 * OPA's reverseString on a string holding raw bytes, byte for byte: a buffer of len(s) bytes,
 * each rune utf8.EncodeRune'd at (len - end of the rune). An invalid byte decodes as U+FFFD of
 * width 1 but encodes as its three bytes, so it overwrites the first two bytes of what was
 * placed after it (`"ab\xff"` reverses to `"\ufffd"`, `"abc\xff"` to `"\ufffda"`), and within
 * the first two bytes of the string there is no room at all: EncodeRune's bounds check panics,
 * which becomes this builtin's error.
 */
function reverseGoBytes(src: Uint8Array): string {
  const size = src.length;
  const buf = new Uint8Array(size);
  for (let start = 0; start < size; ) {
    const c = src[start] as number;
    const n = c < 0x80 ? 1 : validSeqLen(src, start);
    const bytes = n === 0 ? RUNE_ERROR_UTF8 : src.subarray(start, start + n);
    start += n === 0 ? 1 : n;
    if (bytes.length > start) throw new BuiltinError('strings.reverse', `runtime error: index out of range [${bytes.length - 1}] with length ${start}`);
    buf.set(bytes, size - start);
  }
  return decodeGoString(buf);
}

const RUNE_ERROR_UTF8 = Uint8Array.of(0xef, 0xbf, 0xbd);

/**
 * A byte-wise `strings` test (Contains, HasPrefix, …): the JS one unless the needle carries raw
 * bytes. A JS match is a byte match too, so the needle is only looked at when JS says no.
 */
function byteWise(name: string, op: 'contains' | 'startswith' | 'endswith', f: (a: string, b: string) => boolean): BuiltinDef {
  return str2(name, (a, b) => f(a, b) || (hasRawBytes(b) && (matchGoBytes(op, a, b) as boolean)));
}

/**
 * `$"…{expr}…"`: the planner passes an array whose literal parts are strings and whose
 * expression parts are sets of the values the expression produced (empty: undefined).
 * OPA: topdown/template_string.go, using print's cross product.
 */
function templateString(args: readonly Value[]): string {
  const parts = args[0] as Value;
  if (!Array.isArray(parts)) throw operandTypeError('internal.template_string', 1, parts, 'array');
  let out = '';
  for (const p of parts) {
    if (typeof p === 'string') out += p;
    else if (isNumber(p) || typeof p === 'boolean' || p === null) out += formatValue(p);
    else if (p instanceof RSet) {
      if (p.size === 0) out += '<undefined>';
      else if (p.size > 1) throw new BuiltinError('internal.template_string', 'template-strings must not produce multiple outputs');
      else {
        const v = p.values()[0] as Value;
        out += typeof v === 'string' ? v : formatValue(v);
      }
    } else throw new BuiltinTypeError('internal.template_string', `illegal argument type: ${typeName(p)}`);
  }
  return joinGoStrings(out);
}

export const stringsBuiltins: BuiltinDef[] = [
  { name: 'concat', arity: 2, impl: concat },
  byteWise('contains', 'contains', (a, b) => a.includes(b)),
  byteWise('startswith', 'startswith', (a, b) => a.startsWith(b)),
  byteWise('endswith', 'endswith', (a, b) => a.endsWith(b)),
  { name: 'format_int', arity: 2, impl: formatInt },
  str2('indexof', (a, b) => {
    if (b === '') throw new BuiltinError('indexof', 'empty search character');
    // OPA compares []rune(a) with []rune(b): a raw byte is U+FFFD on both sides.
    return runeIndexes(replaceRawBytes(a), replaceRawBytes(b), false)[0] ?? -1;
  }),
  str2('indexof_n', (a, b) => {
    if (b === '') throw new BuiltinError('indexof_n', 'empty search character');
    return runeIndexes(replaceRawBytes(a), replaceRawBytes(b), true);
  }),
  { name: 'lower', arity: 1, impl: (args) => mapCase(argString('lower', args, 0), false) },
  { name: 'upper', arity: 1, impl: (args) => mapCase(argString('upper', args, 0), true) },
  {
    name: 'replace',
    arity: 3,
    impl: (args) => joinGoStrings(replaceGo(argString('replace', args, 0), [[argString('replace', args, 1), argString('replace', args, 2)]])),
  },
  { name: 'strings.replace_n', arity: 2, impl: replaceN },
  str2('split', (a, b) => (b !== '' && hasRawBytes(b) ? splitGoBytes(a, b) : splitGo(a, b))),
  { name: 'strings.split_n', arity: 3, impl: splitN },
  { name: 'substring', arity: 3, impl: substring },
  str2('trim', (a, b) => trimCutset(a, b, true, true)),
  str2('trim_left', (a, b) => trimCutset(a, b, true, false)),
  str2('trim_right', (a, b) => trimCutset(a, b, false, true)),
  str2('trim_prefix', (a, b) => (hasRawBytes(b) ? trimGoBytes(a, b, true) : a.startsWith(b) ? a.slice(b.length) : a)),
  str2('trim_suffix', (a, b) => (hasRawBytes(b) ? trimGoBytes(a, b, false) : b !== '' && a.endsWith(b) ? a.slice(0, a.length - b.length) : a)),
  { name: 'trim_space', arity: 1, impl: (args) => trimBy(argString('trim_space', args, 0), isGoSpace, true, true) },
  { name: 'strings.reverse', arity: 1, impl: (args) => reverseCodePoints(argString('strings.reverse', args, 0)) },
  {
    name: 'strings.any_prefix_match',
    arity: 2,
    impl: (args) => anyStartsWithAny(stringList('strings.any_prefix_match', args[0] as Value, 1), stringList('strings.any_prefix_match', args[1] as Value, 2)),
  },
  {
    name: 'strings.any_suffix_match',
    arity: 2,
    impl: (args) => {
      const strs = stringList('strings.any_suffix_match', args[0] as Value, 1);
      const sufs = stringList('strings.any_suffix_match', args[1] as Value, 2);
      for (const p of sufs) {
        const raw = hasRawBytes(p);
        for (const s of strs) if (raw ? matchGoBytes('endswith', s, p) : s.endsWith(p)) return true;
      }
      return false;
    },
  },
  str2('strings.count', (a, b) => (hasRawBytes(b) ? matchGoBytes('count', a, b) : countGo(a, b))),
  {
    name: 'strings.render_template',
    arity: 2,
    impl: (args) => joinGoStrings(renderGoTemplate('strings.render_template', argString('strings.render_template', args, 0), argObject('strings.render_template', args, 1))),
  },
  { name: 'internal.template_string', arity: 1, impl: templateString },
];
