/**
 * Number helpers for the core builtins. Rego numbers are doubles, bigints for integers beyond
 * ±2^53, or RNumbers that keep their literal text (see value/types.ts, value/number-text.ts).
 * OPA computes on integers exactly (big.Int) and on everything else in floating point; these
 * helpers pick the representation the same way.
 */
import { BuiltinError } from '../../errors.js';
import { RNumber, decToBigInt, isIntegralDec, normalizeNumber, parseDec, type Num } from '../../value/index.js';
import { parseDecimal, reduce, type Rational } from './decimal.js';

/** The exact integer value of `n`, or undefined when `n` has a fractional part. */
export function toExactInt(n: Num): bigint | undefined {
  if (typeof n === 'bigint') return n;
  if (n instanceof RNumber) {
    const d = parseDec(n.text);
    return isIntegralDec(d) ? decToBigInt(d) : undefined;
  }
  return Number.isInteger(n) ? BigInt(n) : undefined;
}

export function toDouble(n: Num): number {
  if (n instanceof RNumber) return n.approx;
  return typeof n === 'bigint' ? Number(n) : n;
}

/** One canonical form for an integer result: a double when exact, else a bigint. */
export function fromBigInt(b: bigint): number | bigint {
  return normalizeNumber(b);
}

/**
 * A float result. OPA's big.Float never overflows; a double does, and Infinity/NaN are not
 * Rego values, so that becomes a builtin error rather than a corrupt value.
 */
export function fromDouble(builtin: string, d: number): number {
  if (!Number.isFinite(d)) throw new BuiltinError(builtin, 'number out of range');
  return Object.is(d, -0) ? 0 : d;
}

/** Both operands integral and small enough that a double op is exact. */
export function bothSafeInts(a: Num, b: Num): boolean {
  return typeof a === 'number' && typeof b === 'number' && Number.isSafeInteger(a) && Number.isSafeInteger(b);
}

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const HEX_FLOAT = /^[+-]?0[xX](?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)[pP][+-]?\d+$/;

/** True when `s` has Go strconv.ParseFloat's syntax (decimal or hex float), whatever its range. */
export function isGoFloatSyntax(s: string): boolean {
  return DECIMAL.test(s) || HEX_FLOAT.test(s);
}

/**
 * Parses number text the way OPA's `to_number` accepts it (Go strconv.ParseFloat syntax,
 * minus inf/nan). Integers stay exact (bigint beyond 2^53). Returns undefined on bad syntax
 * or when the value does not fit a double (Go: ErrRange).
 *
 * @example parseNumberText("12345678901234567890") // 12345678901234567890n
 */
export function parseNumberText(s: string): number | bigint | undefined {
  if (DECIMAL.test(s)) {
    if (/^[+-]?\d+$/.test(s)) {
      const b = BigInt(s);
      return normalizeNumber(b);
    }
    const d = Number(s);
    if (!Number.isFinite(d)) return undefined;
    return Object.is(d, -0) ? 0 : d;
  }
  if (HEX_FLOAT.test(s)) {
    const neg = s.startsWith('-');
    const body = s.replace(/^[+-]?0[xX]/, '');
    const [mant = '', exp = '0'] = body.split(/[pP]/);
    const [ip = '', fp = ''] = mant.split('.');
    let v = 0;
    for (const c of ip) v = v * 16 + parseInt(c, 16);
    let scale = 1 / 16;
    for (const c of fp) {
      v += parseInt(c, 16) * scale;
      scale /= 16;
    }
    const d = v * Math.pow(2, Number(exp));
    if (!Number.isFinite(d)) return undefined;
    return neg ? -d : d;
  }
  return undefined;
}

// ---- decimal-exact float arithmetic ---------------------------------------------------------


/** The exact rational value of a number's shortest decimal text (what OPA's ast.Number holds). */
export function toRational(n: Num): Rational {
  if (typeof n === 'bigint') return { num: n, den: 1n };
  if (n instanceof RNumber) return parseDecimal(n.text) as Rational;
  return parseDecimal(String(n)) as Rational;
}

/** Significant decimal digits kept of a result no double can hold: OPA's big.Float has a 64-bit mantissa (≈ 19.3 digits). */
const BIG_FLOAT_DIGITS = 19;

/**
 * The number for an exact rational result, as OPA's FloatToNumber gives it: an integer exactly
 * (printed as digits, Go's 'f' format), else a double when one holds the value, else (beyond a
 * double's range, or a nonzero value below it) an RNumber rounded to big.Float's precision in Go's
 * 'g' text (`1.5e+400`).
 */
export function fromRational(r0: Rational): Num {
  const r = reduce(r0);
  if (r.den === 1n) return fromBigInt(r.num);
  const d = rationalToDouble(r);
  if (Number.isFinite(d) && d !== 0) return d;
  return new RNumber(bigFloatText(r));
}

function bigFloatText(r: Rational): string {
  const neg = r.num < 0n;
  const n = neg ? -r.num : r.num;
  // q = round(n/den × 10^k) with exactly BIG_FLOAT_DIGITS digits; value ≈ q × 10^-k.
  const digits = (x: bigint) => x.toString().length;
  let k = BIG_FLOAT_DIGITS - (digits(n) - digits(r.den));
  const scaled = (kk: number) => (kk >= 0 ? [n * 10n ** BigInt(kk), r.den] : [n, r.den * 10n ** BigInt(-kk)]) as [bigint, bigint];
  let [a, b] = scaled(k);
  while (digits(a / b) > BIG_FLOAT_DIGITS) [a, b] = scaled(--k);
  while (digits(a / b) < BIG_FLOAT_DIGITS) [a, b] = scaled(++k);
  let q = a / b;
  const rem2 = (a % b) * 2n;
  if (rem2 > b || (rem2 === b && (q & 1n) === 1n)) q += 1n;
  if (digits(q) > BIG_FLOAT_DIGITS) {
    q /= 10n;
    k--;
  }
  const s = q.toString().replace(/0+$/, '');
  const exp = s.length === 0 ? 0 : q.toString().length - 1 - k;
  const mant = s.length > 1 ? `${s[0]}.${s.slice(1)}` : s;
  const e = Math.abs(exp);
  return `${neg ? '-' : ''}${mant}e${exp < 0 ? '-' : '+'}${e < 10 ? '0' + e : e}`;
}

/** Nearest double to a rational (25 significant digits, then the JS parser rounds once more). */
export function rationalToDouble(r: Rational): number {
  if (r.num === 0n) return 0;
  const neg = r.num < 0n;
  const n = neg ? -r.num : r.num;
  // Scale to 25 significant digits: q = n·10^k / den with 10^24 <= q < 10^25.
  const digits = (x: bigint) => x.toString().length;
  let k = 25 - (digits(n) - digits(r.den));
  let q = k >= 0 ? (n * 10n ** BigInt(k)) / r.den : n / (r.den * 10n ** BigInt(-k));
  while (digits(q) > 25) {
    q /= 10n;
    k--;
  }
  const s = `${neg ? '-' : ''}${q}e${-k}`;
  return Number(s);
}

/**
 * A float operation the way OPA computes it: on the exact decimal values of the operands
 * (OPA parses number text into 64-bit-mantissa big.Floats, which for decimal literals is far
 * closer to the decimal than a double is), rounded to a double once at the end. This makes
 * `0.1 + 0.2 == 0.3` hold, as it does in OPA.
 */
export function exactFloatOp(_name: string, a: Num, b: Num, op: (x: Rational, y: Rational) => Rational): Num {
  const fast = typeof a === 'number' && typeof b === 'number' ? scaledOp(a, b, op) : undefined;
  if (fast !== undefined && Number.isFinite(fast) && fast !== 0) return Object.is(fast, -0) ? 0 : fast;
  const r = op(toRational(a), toRational(b));
  if (r.num === 0n) return 0;
  if (a instanceof RNumber || b instanceof RNumber) return fromRational(r);
  // Doubles in, a double out, as before; only a result beyond a double's range is kept exactly.
  const d = rationalToDouble(r);
  if (Number.isFinite(d) && d !== 0) return d;
  return fromRational(r);
}

const POW10 = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22];

/** Digits after the decimal point in a double's shortest text, or -1 if it uses an exponent. */
function decimals(x: number): number {
  const s = String(x);
  if (s.includes('e')) return -1;
  const dot = s.indexOf('.');
  return dot === -1 ? 0 : s.length - dot - 1;
}

/**
 * The same result without bigints when it is cheap to get exactly: operands with few decimals
 * become exact integers m·10^-k, the integer op is exact below 2^53, and the one final
 * division by a power of ten (exact up to 10^22) rounds correctly. Undefined: take the slow path.
 */
function scaledOp(a: number, b: number, op: (x: Rational, y: Rational) => Rational): number | undefined {
  const da = decimals(a);
  const db = decimals(b);
  if (da < 0 || db < 0 || da > 15 || db > 15) return undefined;
  const ia = Math.round(a * (POW10[da] as number));
  const ib = Math.round(b * (POW10[db] as number));
  if (!Number.isSafeInteger(ia) || !Number.isSafeInteger(ib)) return undefined;
  let num: number;
  let den: number;
  if (op === addRat || op === subRat) {
    const k = Math.max(da, db);
    const x = ia * (POW10[k - da] as number);
    const y = ib * (POW10[k - db] as number);
    num = op === addRat ? x + y : x - y;
    den = POW10[k] as number;
  } else if (op === mulRatN) {
    num = ia * ib;
    den = POW10[da + db] as number;
  } else if (op === divRat) {
    num = ia * (POW10[db] as number);
    den = ib * (POW10[da] as number);
    if (den === 0) return undefined;
  } else return undefined;
  if (!Number.isSafeInteger(num) || !Number.isSafeInteger(den)) return undefined;
  return num / den;
}

export function addRat(x: Rational, y: Rational): Rational {
  return { num: x.num * y.den + y.num * x.den, den: x.den * y.den };
}

export function subRat(x: Rational, y: Rational): Rational {
  return { num: x.num * y.den - y.num * x.den, den: x.den * y.den };
}

export function mulRatN(x: Rational, y: Rational): Rational {
  return { num: x.num * y.num, den: x.den * y.den };
}

export function divRat(x: Rational, y: Rational): Rational {
  const neg = y.num < 0n;
  return { num: (neg ? -x.num : x.num) * y.den, den: x.den * (neg ? -y.num : y.num) };
}
