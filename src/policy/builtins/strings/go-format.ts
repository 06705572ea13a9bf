/**
 * Go `fmt.Sprintf` for the values OPA hands it (topdown/strings.go builtinSprintf): Go ints
 * (integral numbers), *big.Int (bigint), float64 (other numbers), strings, and — for
 * render_template — bool, nil, slices and maps. Bad verb/operand pairs render like Go:
 * `%!d(string=foo)`, missing operands `%!d(MISSING)`, surplus ones `%!(EXTRA int=1)`.
 */

import { goStringBytes, quoteGoString } from '../../value/index.js';

type GoVal = unknown;

/**
 * A Go float64 whose value is integral. OPA hands sprintf a float64 for a number whose text is
 * not an integer (`101.00`, `1e2`), so `%.2f` formats it; a JS number cannot carry that, so
 * sprintf passes such a number (an RNumber, value/number-text.ts) with this marker.
 */
export class GoFloat64 {
  constructor(readonly value: number) {}
}

/**
 * A value of a Go named string type, e.g. json.Number: fmt prints it as a string for %v %s %q
 * %x %X and names the type in a bad-verb report (`%!d(json.Number=42)`).
 */
export class GoNamedString {
  constructor(
    readonly type: string,
    readonly value: string,
  ) {}
}

interface Spec {
  minus: boolean;
  plus: boolean;
  sharp: boolean;
  space: boolean;
  zero: boolean;
  width: number | undefined;
  prec: number | undefined;
}

/** The verbs fmt accepts for a float64 (printValue fmtFloat): others are a bad verb. */
const FLOAT_VERBS = 'beEfFgGxXv';

/** The Go type fmt names for a value (`%T`), e.g. `json.Number`, `[]interface {}`. */
export function goType(v: GoVal): string {
  if (v instanceof GoNamedString) return v.type;
  if (v instanceof GoFloat64) return 'float64';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float64';
  if (typeof v === 'bigint') return '*big.Int';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  if (v === null || v === undefined) return '<nil>';
  if (Array.isArray(v)) return '[]interface {}';
  return 'map[string]interface {}';
}

function pad(s: string, spec: Spec, zeroOk: boolean): string {
  const w = spec.width;
  if (w === undefined) return s;
  const len = Array.from(s).length;
  if (len >= w) return s;
  if (spec.minus) return s + ' '.repeat(w - len);
  if (spec.zero && zeroOk) {
    const sign = /^[+\- ]/.test(s) ? (s[0] as string) : '';
    return sign + '0'.repeat(w - len) + s.slice(sign.length);
  }
  return ' '.repeat(w - len) + s;
}

function intDigits(v: bigint, verb: string, spec: Spec): string {
  const neg = v < 0n;
  const a = neg ? -v : v;
  let body: string;
  switch (verb) {
    case 'b':
      body = a.toString(2);
      if (spec.sharp) body = '0b' + body;
      break;
    case 'o':
      body = a.toString(8);
      if (spec.sharp && body !== '0') body = '0' + body;
      break;
    case 'O':
      body = '0o' + a.toString(8);
      break;
    case 'x':
      body = a.toString(16);
      if (spec.sharp) body = '0x' + body;
      break;
    case 'X':
      body = a.toString(16).toUpperCase();
      if (spec.sharp) body = '0X' + body;
      break;
    default:
      body = a.toString(10);
  }
  if (spec.prec !== undefined) {
    // Precision for integers is the minimum number of digits; %.0d of 0 is empty.
    if (spec.prec === 0 && a === 0n) body = '';
    else if (body.length < spec.prec) body = '0'.repeat(spec.prec - body.length) + body;
  }
  const sign = neg ? '-' : spec.plus ? '+' : spec.space ? ' ' : '';
  return pad(sign + body, spec, spec.prec === undefined);
}

/** Shortest round-trip decimal digits and the decimal exponent (d.ddd × 10^exp). */
function shortest(f: number): { digits: string; exp: number } {
  const [m = '0', e = '0'] = Math.abs(f).toExponential().split('e');
  return { digits: m.replace('.', ''), exp: Number(e) };
}

function expSuffix(exp: number, upper: boolean): string {
  const a = Math.abs(exp);
  return (upper ? 'E' : 'e') + (exp < 0 ? '-' : '+') + (a < 10 ? '0' + a : String(a));
}

/**
 * The exact decimal expansion of a finite |f| (a double is m·2^e, so it ends): all its digits
 * and where the decimal point sits. Go's strconv rounds from these, ties to even.
 */
function exactDecimal(f: number): { digits: string; point: number } {
  const bits = floatBits(f);
  const mant = bits.mant;
  // f = mant · 2^exp with mant an integer (floatBits' exponent is for 1.m)
  const exp = bits.exp - 52;
  if (mant === 0n) return { digits: '0', point: 1 };
  if (exp >= 0) {
    const d = (mant << BigInt(exp)).toString();
    return { digits: d, point: d.length };
  }
  const k = -exp;
  const d = (mant * 5n ** BigInt(k)).toString();
  return { digits: d, point: d.length - k };
}

/**
 * Rounds an exact decimal to `keep` digits after its start (keep may be ≤ 0), half to even as
 * strconv does; returns the kept digits (at least one) and the possibly moved point.
 */
function roundDecimal(digits: string, point: number, keep: number): { digits: string; point: number } {
  if (keep >= digits.length) return { digits: digits + '0'.repeat(keep - digits.length), point };
  const kept = keep > 0 ? digits.slice(0, keep) : '';
  const rest = keep > 0 ? digits.slice(keep) : '0'.repeat(-keep) + digits;
  const first = rest[0] ?? '0';
  const lastKept = kept === '' ? 0 : Number(kept[kept.length - 1]);
  const up = first > '5' || (first === '5' && (/[1-9]/.test(rest.slice(1)) || lastKept % 2 === 1));
  if (keep <= 0) return up ? { digits: '1', point: point - keep + 1 } : { digits: '', point: point - keep };
  const out = (BigInt(kept) + (up ? 1n : 0n)).toString().padStart(keep, '0');
  // a carry into a new leading digit (99 → 100) moves the point one place
  return { digits: out, point: out.length > keep ? point + 1 : point };
}

/** %.Nf of |f| with strconv's exact, half-even rounding (JS toFixed rounds ties up). */
function fixedExact(f: number, prec: number): string {
  const { digits, point } = exactDecimal(f);
  const r = roundDecimal(digits, point, point + prec);
  let ds = r.digits;
  let pt = r.point;
  if (pt <= 0) {
    ds = '0'.repeat(1 - pt) + ds;
    pt = 1;
  }
  ds = ds.padEnd(pt + prec, '0');
  const int = ds.slice(0, pt).replace(/^0+(?=\d)/, '') || '0';
  return prec > 0 ? int + '.' + ds.slice(pt, pt + prec) : int;
}

/** |f| with `sig` significant digits, half-even: the digits and the decimal exponent (d.ddd·10^exp). */
function sigExact(f: number, sig: number): { digits: string; exp: number } {
  if (f === 0) return { digits: '0'.repeat(sig), exp: 0 };
  const { digits, point } = exactDecimal(f);
  const lead = digits.search(/[1-9]/);
  const r = roundDecimal(digits.slice(lead), point - lead, sig);
  // a carry (9.9 → 10) lengthens the digits by one: drop the extra trailing zero
  const ds = r.digits.length > sig ? r.digits.slice(0, sig) : r.digits;
  return { digits: ds, exp: r.point - 1 };
}

function fmtE(f: number, prec: number | undefined, upper: boolean): string {
  if (prec === undefined) {
    const { digits, exp } = shortest(f);
    const m = digits.length > 1 ? digits[0] + '.' + digits.slice(1) : digits;
    return m + expSuffix(exp, upper);
  }
  const { digits, exp } = sigExact(f, Math.min(prec, 100) + 1);
  const m = digits.length > 1 ? digits[0] + '.' + digits.slice(1) : digits;
  return m + expSuffix(exp, upper);
}

function fmtF(f: number, prec: number | undefined): string {
  if (prec === undefined) {
    // Shortest digits in positional form (Go 'f' with precision -1).
    const { digits, exp } = shortest(f);
    if (exp >= digits.length - 1) return digits + '0'.repeat(exp - digits.length + 1);
    if (exp >= 0) return digits.slice(0, exp + 1) + '.' + digits.slice(exp + 1);
    return '0.' + '0'.repeat(-exp - 1) + digits;
  }
  return fixedExact(f, Math.min(prec, 100));
}

function fmtG(f: number, prec: number | undefined, upper: boolean, sharp: boolean): string {
  if (prec === undefined) {
    const { digits, exp } = shortest(f);
    // strconv: with the shortest precision, %e is chosen when exp < -4 || exp >= 6.
    void digits;
    if (exp < -4 || exp >= 6) return fmtE(f, undefined, upper);
    return fmtF(f, undefined);
  }
  const p = prec === 0 ? 1 : prec;
  const sig = sigExact(f, p);
  const m = sig.digits.length > 1 ? sig.digits[0] + '.' + sig.digits.slice(1) : sig.digits;
  const exp = sig.exp;
  let out: string;
  if (exp < -4 || exp >= p) {
    let mm = m;
    if (!sharp && mm.includes('.')) mm = mm.replace(/0+$/, '').replace(/\.$/, '');
    out = mm + expSuffix(exp, upper);
  } else {
    const ds = sig.digits;
    out = exp < 0 ? '0.' + '0'.repeat(-exp - 1) + ds : exp + 1 < ds.length ? ds.slice(0, exp + 1) + '.' + ds.slice(exp + 1) : ds;
    if (!sharp && out.includes('.')) out = out.replace(/0+$/, '').replace(/\.$/, '');
  }
  return out;
}

/** A finite double's sign-free mantissa and binary exponent as strconv's genericFtoa reads them. */
function floatBits(f: number): { mant: bigint; exp: number } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, Math.abs(f));
  const bits = view.getBigUint64(0);
  const biased = Number((bits >> 52n) & 0x7ffn);
  let mant = bits & ((1n << 52n) - 1n);
  let exp = biased;
  if (biased === 0) exp++;
  else mant |= 1n << 52n;
  return { mant, exp: exp - 1023 };
}

/** strconv 'b' (%b of a float64): decimal mantissa, 'p', binary exponent (6755399441055744p-52). */
function fmtBinaryFloat(f: number): string {
  const { mant, exp } = floatBits(f);
  const e = exp - 52;
  return `${mant}p${e >= 0 ? '+' : ''}${e}`;
}

/** strconv 'x'/'X' (%x of a float64): 0x1.8p+00, the fraction rounded to `prec` hex digits (half even). */
function fmtHexFloat(f: number, prec: number | undefined, upper: boolean): string {
  let { mant, exp } = floatBits(f);
  if (mant === 0n) exp = 0;
  const ONE = 1n << 60n;
  const MASK = ONE - 1n;
  mant <<= 8n; // leading bit from 1<<52 to 1<<60
  while (mant !== 0n && (mant & ONE) === 0n) {
    mant <<= 1n;
    exp--;
  }
  if (prec !== undefined && prec < 15) {
    const shift = BigInt(prec * 4);
    const extra = (mant << shift) & MASK;
    mant >>= 60n - shift;
    if ((extra | (mant & 1n)) > 1n << 59n) mant++;
    mant <<= 60n - shift;
    if ((mant & (1n << 61n)) !== 0n) {
      mant >>= 1n;
      exp++;
    }
  }
  const hex = (n: bigint) => (upper ? n.toString(16).toUpperCase() : n.toString(16));
  let out = '0' + (upper ? 'X' : 'x') + String((mant >> 60n) & 1n);
  mant = (mant << 4n) & ((1n << 64n) - 1n);
  if (prec === undefined && mant !== 0n) {
    out += '.';
    while (mant !== 0n) {
      out += hex((mant >> 60n) & 15n);
      mant = (mant << 4n) & ((1n << 64n) - 1n);
    }
  } else if (prec !== undefined && prec > 0) {
    out += '.';
    for (let i = 0; i < prec; i++) {
      out += hex((mant >> 60n) & 15n);
      mant = (mant << 4n) & ((1n << 64n) - 1n);
    }
  }
  const a = Math.abs(exp);
  return out + (upper ? 'P' : 'p') + (exp < 0 ? '-' : '+') + (a < 10 ? '0' + a : String(a));
}

function floatStr(f: number, verb: string, spec: Spec): string {
  let body: string;
  if (!Number.isFinite(f)) body = Number.isNaN(f) ? 'NaN' : 'Inf';
  else {
    switch (verb) {
      case 'e':
      case 'E':
        body = fmtE(f, spec.prec ?? 6, verb === 'E');
        break;
      case 'f':
      case 'F':
        body = fmtF(f, spec.prec ?? 6);
        break;
      case 'g':
      case 'G':
        body = fmtG(f, spec.prec, verb === 'G', false);
        break;
      case 'b':
        body = fmtBinaryFloat(f);
        break;
      case 'x':
      case 'X':
        body = fmtHexFloat(f, spec.prec, verb === 'X');
        break;
      default: // 'v' is %g: the shortest digits, or as many as a precision asks (%.2v)
        body = spec.prec === undefined ? fmtGShortestV(f) : fmtG(f, spec.prec, false, false);
    }
    // %b ignores the flag
    if (spec.sharp && verb !== 'b') body = sharpFloat(body, verb, spec.prec);
  }
  const neg = f < 0 || Object.is(f, -0);
  const sign = neg ? '-' : spec.plus ? '+' : spec.space ? ' ' : '';
  return pad(sign + body, spec, Number.isFinite(f));
}

/**
 * Go's fmtFloat under `#` (fmt/format.go): a decimal point always, and for %v, %g, %G and
 * lowercase %x the zeros up to the precision's (default 6) significant characters — counted
 * from the first non-zero one, for %x the `x` of `0x`: `%#x` of 1.5 is "0x1.8000p+00", `%#g`
 * of 1.1 "1.10000". `%#X` gets the point only (Go counts digits for 'x', not 'X':
 * "0X1.P+00"); `%#.0e`/`%#.0f` of 1 are "1.e+00" and "1.".
 */
function sharpFloat(num: string, verb: string, prec: number | undefined): string {
  let digits = 'vgGx'.includes(verb) ? (prec ?? 6) : 0;
  let body = num;
  let tail = '';
  let point = false;
  let nonzero = false;
  for (let i = 0; i < body.length; i++) {
    const c = body[i] as string;
    if (c === '.') point = true;
    else if (c === 'p' || c === 'P' || ((c === 'e' || c === 'E') && verb !== 'x' && verb !== 'X')) {
      tail = body.slice(i);
      body = body.slice(0, i);
    } else {
      if (c !== '0') nonzero = true;
      if (nonzero) digits--;
    }
  }
  if (!point) {
    if (body === '0') digits--;
    body += '.';
  }
  while (digits-- > 0) body += '0';
  return body + tail;
}

/** %v of a float64 with its sign (-1.5, -0), as a bad-verb report or a slice element shows it. */
function signedV(f: number): string {
  if (Number.isNaN(f)) return 'NaN';
  if (!Number.isFinite(f)) return f > 0 ? '+Inf' : '-Inf';
  return (f < 0 || Object.is(f, -0) ? '-' : '') + fmtGShortestV(f);
}

/** Go's %v for float64: %g with the shortest precision (1e+06, 123456, 1e-05), without the sign. */
function fmtGShortestV(f: number): string {
  return fmtG(f, undefined, false, false);
}

/**
 * One rune as Go's strconv appendEscapedRune writes it inside `quote`: the quote and backslash
 * escaped, control and unprintable runes as \a…\v, \xNN, \uNNNN (printability approximated
 * by the C0/C1 controls and U+00AD).
 */
function escapeRuneGo(ch: string, quote: string): string {
  const c = ch.codePointAt(0) as number;
  if (ch === quote || ch === '\\') return '\\' + ch;
  if (c === 7) return '\\a';
  if (c === 8) return '\\b';
  if (c === 12) return '\\f';
  if (c === 10) return '\\n';
  if (c === 13) return '\\r';
  if (c === 9) return '\\t';
  if (c === 11) return '\\v';
  if (c < 0x20 || c === 0x7f) return '\\x' + c.toString(16).padStart(2, '0');
  if ((c >= 0x80 && c < 0xa0) || c === 0xad) return '\\u' + c.toString(16).padStart(4, '0');
  return ch;
}

/**
 * Go's strconv.QuoteRune, what %q does with an integer (fmt fmtQc): a value that is no valid
 * rune (negative, past U+10FFFF, a surrogate) becomes U+FFFD first.
 */
function quoteRuneGo(n: number): string {
  const valid = n >= 0 && n <= 0x10ffff && !(n >= 0xd800 && n <= 0xdfff);
  return "'" + escapeRuneGo(String.fromCodePoint(valid ? n : 0xfffd), "'") + "'";
}

/** A Unicode scalar value (utf8.ValidRune): in range and no surrogate. */
function validRune(n: number): boolean {
  return n >= 0 && n <= 0x10ffff && !(n >= 0xd800 && n <= 0xdfff);
}

/** strconv.IsPrint, approximated as quoteGoString approximates it. */
const GO_PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

/** strconv.CanBackquote: no control character but tab, no backquote, no invalid UTF-8 / U+FEFF. */
function canBackquote(s: string): boolean {
  for (const ch of s) {
    const c = ch.codePointAt(0) as number;
    if (ch === '`' || c === 0xfeff || (c >= 0xd800 && c <= 0xdfff)) return false;
    if ((c < 0x20 && c !== 9) || c === 0x7f) return false;
  }
  return true;
}

/** QuoteToASCII from a Quote result: every non-ASCII rune left as itself becomes \uXXXX / \UXXXXXXXX. */
function toAsciiQuoted(q: string): string {
  let out = '';
  for (const ch of q) {
    const c = ch.codePointAt(0) as number;
    if (c < 0x80) out += ch;
    else if (c < 0x10000) out += '\\u' + c.toString(16).padStart(4, '0');
    else out += '\\U' + c.toString(16).padStart(8, '0');
  }
  return out;
}

/** %v of any Go value (slices `[a b]`, maps `map[k:v]` with sorted keys, nil `<nil>`). */
function plainV(v: GoVal): string {
  if (v === null || v === undefined) return '<nil>';
  if (v instanceof GoNamedString) return v.value;
  if (v instanceof GoFloat64) return signedV(v.value);
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') return Number.isInteger(v) && Math.abs(v) < 1e21 ? String(v) : signedV(v);
  if (Array.isArray(v)) return '[' + v.map(plainV).join(' ') + ']';
  const o = v as Record<string, unknown>;
  return 'map[' + Object.keys(o).sort().map((k) => k + ':' + plainV(o[k])).join(' ') + ']';
}

function badVerb(verb: string, v: GoVal): string {
  if (v === null || v === undefined) return `%!${verb}(<nil>)`;
  return `%!${verb}(${goType(v)}=${plainV(v)})`;
}

function hexString(s: string, upper: boolean, spec: Spec): string {
  const all = goStringBytes(s);
  // fmtSbx: a precision limits how many bytes are encoded
  const bytes = spec.prec !== undefined && spec.prec < all.length ? all.subarray(0, spec.prec) : all;
  let out = '';
  for (const b of bytes) {
    if (spec.space && out !== '') out += ' ';
    if (spec.sharp && (spec.space || out === '')) out += upper ? '0X' : '0x';
    const h = b.toString(16).padStart(2, '0');
    out += upper ? h.toUpperCase() : h;
  }
  return out;
}

function formatOne(verb: string, v: GoVal, spec: Spec): string {
  if (v instanceof GoNamedString) return 'vsqxX'.includes(verb) ? formatOne(verb, v.value, spec) : badVerb(verb, v);
  if (v instanceof GoFloat64) return FLOAT_VERBS.includes(verb) ? floatStr(v.value, verb, spec) : badVerb(verb, v);
  if (typeof v === 'number' && Number.isInteger(v) && Math.abs(v) < 2 ** 63) return formatInt(verb, BigInt(v), v, spec);
  if (typeof v === 'bigint') {
    if ('dvsboOxX'.includes(verb)) return intDigits(v, verb === 'v' || verb === 's' ? 'd' : verb, spec);
    // *big.Int formats itself (big.Int.Format): an unknown verb reads %!f(big.Int=…), no '*'
    return `%!${verb}(big.Int=${v})`;
  }
  if (typeof v === 'number') {
    if (FLOAT_VERBS.includes(verb)) return floatStr(v, verb, spec);
    return badVerb(verb, v);
  }
  if (typeof v === 'string') {
    switch (verb) {
      case 'v':
      case 's': {
        // %#v is Go syntax: the string quoted (fmtQ without backquotes)
        if (verb === 'v' && spec.sharp) return pad(quoteGoString(v), spec, false);
        const s = spec.prec !== undefined ? Array.from(v).slice(0, spec.prec).join('') : v;
        return pad(s, spec, false);
      }
      case 'q': {
        const s = spec.prec !== undefined ? Array.from(v).slice(0, spec.prec).join('') : v;
        // %#q backquotes when it can (strconv.CanBackquote); %+q is QuoteToASCII
        if (spec.sharp && canBackquote(s)) return pad('`' + s + '`', spec, false);
        return pad(spec.plus ? toAsciiQuoted(quoteGoString(s)) : quoteGoString(s), spec, false);
      }
      case 'x':
      case 'X':
        return pad(hexString(v, verb === 'X', spec), spec, false);
      default:
        return badVerb(verb, v);
    }
  }
  if (typeof v === 'boolean') return verb === 't' || verb === 'v' ? pad(String(v), spec, false) : badVerb(verb, v);
  if (verb === 'v' || verb === 's') return pad(plainV(v), spec, false);
  return badVerb(verb, v);
}

function formatInt(verb: string, b: bigint, n: number, spec: Spec): string {
  switch (verb) {
    case 'd':
    case 'v':
    case 'b':
    case 'o':
    case 'O':
    case 'x':
    case 'X':
      return intDigits(b, verb === 'v' ? 'd' : verb, spec);
    case 'c':
      // fmtC: past U+10FFFF (a negative int is a huge uint64) or a surrogate encodes as U+FFFD
      return pad(String.fromCodePoint(validRune(n) ? n : 0xfffd), spec, false);
    case 'q': {
      const q = quoteRuneGo(n);
      return pad(spec.plus ? toAsciiQuoted(q) : q, spec, false);
    }
    case 'U': {
      // fmtUnicode formats uint64(n): -1 is U+FFFFFFFFFFFFFFFF; '#' adds the printable rune
      const u = BigInt.asUintN(64, b);
      let out = 'U+' + u.toString(16).toUpperCase().padStart(spec.prec !== undefined && spec.prec > 4 ? spec.prec : 4, '0');
      if (spec.sharp && u <= 0x10ffffn && validRune(n) && GO_PRINTABLE.test(String.fromCodePoint(n))) out += " '" + String.fromCodePoint(n) + "'";
      return pad(out, spec, false);
    }
    default:
      return badVerb(verb, n);
  }
}

/**
 * Go's parseArgNumber for an explicit argument index `[n]` at format[i]: the zero-based index,
 * the bytes taken (through `]`, or just `[` when there is none) and whether `n` parsed.
 */
function parseArgNumber(format: string, i: number): { index: number; width: number; ok: boolean } {
  if (format.length - i < 3) return { index: 0, width: 1, ok: false };
  const close = format.indexOf(']', i + 1);
  if (close === -1) return { index: 0, width: 1, ok: false };
  const digits = format.slice(i + 1, close);
  if (!/^\d+$/.test(digits)) return { index: 0, width: close - i + 1, ok: false };
  return { index: Math.min(Number(digits), 1_000_000) - 1, width: close - i + 1, ok: true };
}

/**
 * fmt.Sprintf(format, args...), following Go's doPrintf: flags, width and precision (`*` takes
 * an operand), explicit operand indexes (`%[2]d`, `%[1]*d`; after one, surplus operands are not
 * reported), `%!v(BADINDEX)`, `%!d(MISSING)`, `%!(EXTRA …)`, `%!(NOVERB)`.
 *
 * @example formatGo('%s has %d items (%.1f%%)', ['cart', 3, 42.25]) // "cart has 3 items (42.2%)"
 * @example formatGo('%[2]s %[1]s', ['a', 'b']) // "b a"
 */
function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

export function formatGo(format: string, args: readonly GoVal[]): string {
  let out = '';
  let argi = 0;
  let i = 0;
  let reordered = false;
  const n = format.length;
  while (i < n) {
    const pct = format.indexOf('%', i);
    if (pct === -1) {
      out += format.slice(i);
      break;
    }
    out += format.slice(i, pct);
    i = pct + 1;
    // `%s` or `%v` of a string, the common directive of a policy's sprintf: no flags, index,
    // width or precision, so what the general path below would write is the string itself
    // (formatOne → pad with no width), without its per-directive closures and spec object.
    const v0 = format.charCodeAt(i);
    if ((v0 === 115 || v0 === 118) && argi < args.length && typeof args[argi] === 'string') {
      out += args[argi++] as string;
      i++;
      continue;
    }
    let goodArgNum = true;
    let afterIndex = false;
    // An explicit index `[n]` moves the operand cursor (Go: argNumber).
    const argNumber = (): void => {
      afterIndex = false;
      if (format[i] !== '[') return;
      reordered = true;
      const r = parseArgNumber(format, i);
      i += r.width;
      if (r.ok && r.index >= 0 && r.index < args.length) {
        argi = r.index;
        afterIndex = true;
        return;
      }
      goodArgNum = false;
      afterIndex = r.ok;
    };
    const intArg = (): number | undefined => {
      if (argi >= args.length) return undefined;
      const v = args[argi++];
      return typeof v === 'number' && Number.isInteger(v) && Math.abs(v) <= 1_000_000 ? v : undefined;
    };
    const spec: Spec = { minus: false, plus: false, sharp: false, space: false, zero: false, width: undefined, prec: undefined };
    for (; i < n; i++) {
      const c = format[i];
      if (c === '-') spec.minus = true;
      else if (c === '+') spec.plus = true;
      else if (c === '#') spec.sharp = true;
      else if (c === ' ') spec.space = true;
      else if (c === '0') spec.zero = !spec.minus;
      else break;
    }
    argNumber();
    if (format[i] === '*') {
      i++;
      const w = intArg();
      if (w === undefined) out += '%!(BADWIDTH)';
      else {
        spec.width = Math.abs(w);
        if (w < 0) spec.minus = true;
      }
      afterIndex = false;
    } else {
      // the regex (and its slice) only when a width is there at all
      const m = isDigit(format.charCodeAt(i)) ? /^\d+/.exec(format.slice(i)) : null;
      if (m) {
        spec.width = Math.min(Number(m[0]), 1_000_000);
        i += m[0].length;
        if (afterIndex) goodArgNum = false; // "%[3]2d"
      }
    }
    if (i + 1 < n && format[i] === '.') {
      i++;
      if (afterIndex) goodArgNum = false; // "%[3].2d"
      argNumber();
      if (format[i] === '*') {
        i++;
        const p = intArg();
        if (p === undefined || p < 0) {
          if (p === undefined) out += '%!(BADPREC)';
        } else spec.prec = p;
        afterIndex = false;
      } else {
        const m = /^\d+/.exec(format.slice(i));
        spec.prec = m ? Math.min(Number(m[0]), 1_000_000) : 0;
        if (m) i += m[0].length;
      }
    }
    if (!afterIndex) argNumber();
    if (i >= n) {
      out += '%!(NOVERB)';
      break;
    }
    const verb = String.fromCodePoint(format.codePointAt(i) as number);
    i += verb.length;
    if (verb === '%') out += '%';
    else if (!goodArgNum) out += `%!${verb}(BADINDEX)`;
    else if (argi >= args.length) out += `%!${verb}(MISSING)`;
    else out += formatOne(verb, args[argi++], spec);
  }
  if (!reordered && argi < args.length) {
    out += '%!(EXTRA ' + args.slice(argi).map((v) => (v === null || v === undefined ? '<nil>' : `${goType(v)}=${plainV(v)}`)).join(', ') + ')';
  }
  return out;
}
