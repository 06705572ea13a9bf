/**
 * Go's math/big.Float, as far as OPA's arithmetic uses it (topdown/arithmetic.go, aggregates.go):
 * a number's text is read with `new(big.Float).SetString` (64-bit mantissa, ties to even),
 * `Add`/`Sub`/`Mul`/`Quo` round their exact result once to the receiver's precision (64 bits when
 * it starts at 0), and `builtins.FloatToNumber` writes the result back as text: `Text('f', -1)`
 * for an integer, `Text('g', -1)` otherwise — the fewest digits that name the value among floats
 * of its precision, so `1 / 3` is `0.3333333333333333333` (19 threes), not float64's 16.
 * Regate's doubles cannot carry that, so these are done on bigints (issue #16).
 *
 * @example bigFloatText(bigFloatQuo(bigFloatFromText("1"), bigFloatFromText("3"))) // "0.3333333333333333333"
 */

/** |x| = mant × 2^exp; mant is 0n for zero, else exactly `prec` bits long. */
export interface BigFloat {
  readonly neg: boolean;
  readonly mant: bigint;
  readonly exp: number;
  readonly prec: number;
}

/** The precision `SetString` gives a Float whose precision was 0. */
export const DEFAULT_PREC = 64;

const HEX_BITS = [0, 1, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 4, 4, 4, 4];

/** Bit length of a non-negative bigint (hex text is a quarter of binary's). */
function bitLen(x: bigint): number {
  if (x === 0n) return 0;
  const h = x.toString(16);
  return (h.length - 1) * 4 + (HEX_BITS[parseInt(h[0] as string, 16)] as number);
}

/** 5^k, cached: every text conversion and parse needs one, mostly the same few. */
const POW5 = new Map<number, bigint>();
function pow5Int(k: number): bigint {
  let p = POW5.get(k);
  if (p === undefined) {
    p = 5n ** BigInt(k);
    if (POW5.size < 4096) POW5.set(k, p);
  }
  return p;
}

function zero(neg: boolean, prec: number): BigFloat {
  return { neg, mant: 0n, exp: 0, prec };
}

/**
 * Rounds n × 2^e to `prec` bits, ties to even (big.Float's default mode). `sticky` says that
 * nonzero bits lie below n (a quotient's remainder), so a "tie" in n is really above half.
 */
function roundBits(neg: boolean, n: bigint, e: number, prec: number, sticky = false): BigFloat {
  if (n === 0n) return zero(neg, prec);
  const len = bitLen(n);
  if (len <= prec) return { neg, mant: n << BigInt(prec - len), exp: e - (prec - len), prec };
  const s = len - prec;
  let q = n >> BigInt(s);
  const low = n & ((1n << BigInt(s)) - 1n);
  const half = 1n << BigInt(s - 1);
  if (low > half || (low === half && (sticky || (q & 1n) === 1n))) q += 1n;
  let exp = e + s;
  if (bitLen(q) > prec) {
    q >>= 1n;
    exp += 1;
  }
  return { neg, mant: q, exp, prec };
}

/** Rounds (num / den) × 2^e to `prec` bits, as big.Float's Quo does (quotient plus sticky bit). */
function roundRatio(neg: boolean, num: bigint, den: bigint, e: number, prec: number): BigFloat {
  if (num === 0n) return zero(neg, prec);
  const k = Math.max(0, prec + 2 + bitLen(den) - bitLen(num));
  const scaled = num << BigInt(k);
  return roundBits(neg, scaled / den, e - k, prec, scaled % den !== 0n);
}

/** An exact big.Int as `new(big.Float).SetInt` makes it: precision max(bit length, 64), exact. */
export function bigFloatFromInt(i: bigint): BigFloat {
  const neg = i < 0n;
  const a = neg ? -i : i;
  return roundBits(neg, a, 0, Math.max(bitLen(a), DEFAULT_PREC));
}

/** `big.NewFloat(f)` of a small dyadic constant (0.5, 1): 53-bit precision, exact. */
export function bigFloatFromSmall(f: 0.5 | 1): BigFloat {
  return f === 1 ? roundBits(false, 1n, 0, 53) : roundBits(false, 1n, -1, 53);
}

/**
 * 5^n the way Go's Float.scan builds its decimal scale factor (pow5): exact up to 5^27 (one
 * uint64), beyond that squarings rounded to 128 bits (192 for the squared factor). The parse then
 * rounds once more, so a literal with a large decimal exponent can land one ulp from the nearest
 * 64-bit value, exactly where Go's does.
 */
const POW5_FLOAT = new Map<number, BigFloat>();

function pow5(n: number): BigFloat {
  let p = POW5_FLOAT.get(n);
  if (p === undefined) {
    p = computePow5(n);
    if (POW5_FLOAT.size < 4096) POW5_FLOAT.set(n, p);
  }
  return p;
}

function computePow5(n: number): BigFloat {
  const prec = DEFAULT_PREC + 64;
  if (n <= 27) return roundBits(false, pow5Int(n), 0, prec);
  let z = roundBits(false, pow5Int(27), 0, prec);
  let f = roundBits(false, 5n, 0, prec + 64);
  for (let m = n - 27; m > 0; m = Math.floor(m / 2)) {
    if (m % 2 === 1) z = bigFloatMul(z, f, prec);
    f = bigFloatMul(f, f, prec + 64);
  }
  return z;
}

const NUMBER_TEXT = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/**
 * `new(big.Float).SetString(text)` for decimal text (what an ast.Number holds): every mantissa
 * digit read exactly, then one multiplication or division by 5^|e| and the power of two.
 *
 * @example bigFloatText(bigFloatFromText("0.1")) // "0.1"
 */
export function bigFloatFromText(text: string): BigFloat {
  const m = NUMBER_TEXT.exec(text);
  if (!m) throw new TypeError(`not a decimal number: ${text}`);
  const neg = m[1] === '-';
  const ip = m[2] ?? '';
  const fp = m[3] ?? '';
  const digits = BigInt((ip + fp).replace(/^0+(?=\d)/, '') || '0');
  if (digits === 0n) return zero(neg, DEFAULT_PREC);
  const exp10 = (m[4] === undefined ? 0 : Number(m[4])) - fp.length;
  if (exp10 === 0) return roundBits(neg, digits, 0, DEFAULT_PREC);
  const p = pow5(Math.abs(exp10));
  if (exp10 > 0) return roundBits(neg, digits * p.mant, exp10 + p.exp, DEFAULT_PREC);
  return roundRatio(neg, digits, p.mant, exp10 - p.exp, DEFAULT_PREC);
}

/** z.Add(x, y) with z's precision 0: max of the operands' precisions unless `prec` is given. */
export function bigFloatAdd(x: BigFloat, y: BigFloat, prec = Math.max(x.prec, y.prec)): BigFloat {
  if (x.mant === 0n && y.mant === 0n) return zero(x.neg && y.neg, prec);
  const e = Math.min(x.exp, y.exp);
  const a = (x.mant << BigInt(x.exp - e)) * (x.neg ? -1n : 1n);
  const b = (y.mant << BigInt(y.exp - e)) * (y.neg ? -1n : 1n);
  const s = a + b;
  // x + (-x) is +0 when rounding to nearest.
  if (s === 0n) return zero(false, prec);
  return roundBits(s < 0n, s < 0n ? -s : s, e, prec);
}

export function bigFloatNeg(x: BigFloat): BigFloat {
  return { ...x, neg: !x.neg };
}

export function bigFloatSub(x: BigFloat, y: BigFloat, prec = Math.max(x.prec, y.prec)): BigFloat {
  return bigFloatAdd(x, bigFloatNeg(y), prec);
}

export function bigFloatMul(x: BigFloat, y: BigFloat, prec = Math.max(x.prec, y.prec)): BigFloat {
  const neg = x.neg !== y.neg;
  if (x.mant === 0n || y.mant === 0n) return zero(neg, prec);
  return roundBits(neg, x.mant * y.mant, x.exp + y.exp, prec);
}

/** x / y; the caller has refused a zero divisor (OPA: "divide by zero"). */
export function bigFloatQuo(x: BigFloat, y: BigFloat, prec = Math.max(x.prec, y.prec)): BigFloat {
  const neg = x.neg !== y.neg;
  if (x.mant === 0n) return zero(neg, prec);
  return roundRatio(neg, x.mant, y.mant, x.exp - y.exp, prec);
}

export function bigFloatAbs(x: BigFloat): BigFloat {
  return { ...x, neg: false };
}

export function bigFloatIsZero(x: BigFloat): boolean {
  return x.mant === 0n;
}

export function bigFloatIsInt(x: BigFloat): boolean {
  if (x.mant === 0n || x.exp >= 0) return true;
  return (x.mant & ((1n << BigInt(-x.exp)) - 1n)) === 0n;
}

/** x.Int(nil): truncated toward zero. */
export function bigFloatTrunc(x: BigFloat): bigint {
  const a = x.exp >= 0 ? x.mant << BigInt(x.exp) : x.mant >> BigInt(-x.exp);
  return x.neg ? -a : a;
}

// ---- Text ------------------------------------------------------------------------------------

/** Go's big/decimal.go: digits without trailing zeros, value 0.digits × 10^dp. */
interface Decimal {
  digits: string;
  dp: number;
}

/** The exact decimal of m × 2^e (m > 0), as decimal.init makes it. */
function decimalOf(m: bigint, e: number): Decimal {
  let s: string;
  let dp: number;
  if (e >= 0) {
    s = (m << BigInt(e)).toString();
    dp = s.length;
  } else {
    // m / 2^k = m × 5^k / 10^k
    s = (m * pow5Int(-e)).toString();
    dp = s.length + e;
  }
  const t = s.replace(/0+$/, '');
  return { digits: t, dp };
}

function digitAt(d: Decimal, i: number): number {
  return i >= 0 && i < d.digits.length ? d.digits.charCodeAt(i) : 48;
}

function roundDown(d: Decimal, n: number): Decimal {
  if (n < 0 || n >= d.digits.length) return d;
  return { digits: d.digits.slice(0, n).replace(/0+$/, ''), dp: d.dp };
}

function roundUp(d: Decimal, n: number): Decimal {
  if (n < 0 || n >= d.digits.length) return d;
  let k = n;
  while (k > 0 && d.digits.charCodeAt(k - 1) >= 57) k--;
  if (k === 0) return { digits: '1', dp: d.dp + 1 };
  return { digits: d.digits.slice(0, k - 1) + String.fromCharCode(d.digits.charCodeAt(k - 1) + 1), dp: d.dp };
}

/** decimal.round: half up, except an exact half rounds to even. */
function roundHalf(d: Decimal, n: number): Decimal {
  if (n < 0 || n >= d.digits.length) return d;
  const c = d.digits.charCodeAt(n);
  const up = c === 53 && n + 1 === d.digits.length ? n > 0 && (d.digits.charCodeAt(n - 1) - 48) % 2 === 1 : c >= 53;
  return up ? roundUp(d, n) : roundDown(d, n);
}

/**
 * Go's roundShortest: the fewest digits within half an ulp (at x's precision) of x, the bounds
 * included when x's mantissa is even. The ulp is the one above x even at a power of two, as in Go.
 */
function roundShortest(d: Decimal, x: BigFloat): Decimal {
  if (d.digits === '') return d;
  const lower = decimalOf((x.mant << 1n) - 1n, x.exp - 1);
  const upper = decimalOf((x.mant << 1n) + 1n, x.exp - 1);
  const inclusive = (x.mant & 1n) === 0n;
  for (let i = 0; i < d.digits.length; i++) {
    const m = d.digits.charCodeAt(i);
    const l = digitAt(lower, i);
    const u = digitAt(upper, i);
    const okdown = l !== m || (inclusive && i + 1 === lower.digits.length);
    const okup = m !== u && (inclusive || m + 1 < u || i + 1 < upper.digits.length);
    if (okdown && okup) return roundHalf(d, i + 1);
    if (okdown) return roundDown(d, i + 1);
    if (okup) return roundUp(d, i + 1);
  }
  return d;
}

function fmtF(d: Decimal, prec: number): string {
  let out = '';
  if (d.dp > 0) {
    out = d.digits.slice(0, d.dp);
    out += '0'.repeat(Math.max(0, d.dp - d.digits.length));
  } else out = '0';
  if (prec > 0) {
    out += '.';
    for (let i = 0; i < prec; i++) out += String.fromCharCode(digitAt(d, d.dp + i));
  }
  return out;
}

function fmtE(d: Decimal, prec: number): string {
  let out = d.digits === '' ? '0' : d.digits[0] as string;
  if (prec > 0) out += '.' + d.digits.slice(1, prec + 1).padEnd(prec, '0');
  const exp = d.digits === '' ? 0 : d.dp - 1;
  const a = Math.abs(exp);
  return `${out}e${exp < 0 ? '-' : '+'}${a < 10 ? '0' : ''}${a}`;
}

/**
 * OPA's FloatToNumber: `x.Text('f', -1)` when x is an integer, else `x.Text('g', -1)` (`%e`
 * form below 1e-4 and from 1e6 up, two exponent digits at least). A negative zero is `-0`.
 *
 * @example bigFloatText(bigFloatFromText("1234567.5")) // "1.2345675e+06"
 */
export function bigFloatText(x: BigFloat): string {
  const sign = x.neg ? '-' : '';
  let d: Decimal = x.mant === 0n ? { digits: '', dp: 0 } : decimalOf(x.mant, x.exp);
  d = roundShortest(d, x);
  if (bigFloatIsInt(x)) return sign + fmtF(d, Math.max(d.digits.length - d.dp, 0));
  const exp = d.dp - 1;
  if (exp < -4 || exp >= 6) return sign + fmtE(d, d.digits.length - 1);
  return sign + fmtF(d, Math.max(d.digits.length - d.dp, 0));
}
