/**
 * Number helpers for the core builtins. Rego numbers are doubles, bigints for integers beyond
 * ±2^53, or RNumbers that keep their literal text (see value/types.ts, value/number-text.ts).
 * OPA computes on integers exactly (big.Int) and on everything else in floating point; these
 * helpers pick the representation the same way.
 */
import { RNumber, decToBigInt, formatNumber, isIntegralDec, normalizeNumber, numberFromText, parseDec, type Num } from '../../value/index.js';
import { bigFloatFromText, bigFloatIsInt, bigFloatText as floatToNumberText, bigFloatTrunc, type BigFloat } from './big-float.js';
import { parseDecimal, type Rational } from './decimal.js';

/** Doubles a policy computes with are mostly a few constants: their parses are kept. */
const DOUBLE_FLOATS = new Map<number, BigFloat>();

/** OPA's builtins.NumberToFloat: the number's text read into a 64-bit-mantissa big.Float. */
export function toBigFloat(n: Num): BigFloat {
  if (n instanceof RNumber) return bigFloatFromText(n.text);
  if (typeof n === 'bigint') return bigFloatFromText(n.toString());
  let f = DOUBLE_FLOATS.get(n);
  if (f === undefined) {
    f = bigFloatFromText(formatNumber(n));
    if (DOUBLE_FLOATS.size >= 1024) DOUBLE_FLOATS.clear();
    DOUBLE_FLOATS.set(n, f);
  }
  return f;
}

/**
 * OPA's builtins.FloatToNumber: the number whose text is the big.Float's shortest text, kept as
 * regate keeps any number text (a double when the double's own text is that text, else an
 * RNumber). A negative zero stays `-0`, as Go prints it (`0 / -5`, `-0.5 * 0`).
 */
export function fromBigFloat(f: BigFloat): Num {
  const text = floatToNumberText(f);
  return text === '-0' ? new RNumber(text) : numberFromText(text);
}

/** The exact integer value of `n`, or undefined when `n` has a fractional part. */
export function toExactInt(n: Num): bigint | undefined {
  if (typeof n === 'bigint') return n;
  if (n instanceof RNumber) {
    const d = parseDec(n.text);
    return isIntegralDec(d) ? decToBigInt(d) : undefined;
  }
  return Number.isInteger(n) ? BigInt(n) : undefined;
}

/** Integers below 2^64 in magnitude fit a 64-bit mantissa exactly, so NumberToInt keeps them. */
const EXACT_IN_64 = 1n << 64n;

/**
 * OPA's `builtins.NumberToInt`: the number's TEXT read into a 64-bit-mantissa big.Float
 * (`SetString`, ties to even), then `Int` when that float is an integer, else undefined
 * ("illegal value"). So an integer of more than 64 significant bits is rounded first
 * (`18446744073709551617` is read as 2^64, `1e300` as the 64-bit float nearest 10^300), and a
 * fraction too small to survive 64 bits is no fraction (`12345678901234567890.5` is an
 * integer). OPA's exact big.Int paths (`+ - * %`, sum, product, bits.*, numbers.range) start
 * from this value. A double that is a safe integer, or a bigint below 2^64, is itself.
 *
 * @example toOpaInt(18446744073709551617n) // 18446744073709551616n
 */
export function toOpaInt(n: Num): bigint | undefined {
  if (typeof n === 'number' && Number.isSafeInteger(n)) return BigInt(n);
  if (typeof n === 'bigint' && n < EXACT_IN_64 && n > -EXACT_IN_64) return n;
  const f = toBigFloat(n);
  return bigFloatIsInt(f) ? bigFloatTrunc(f) : undefined;
}

/** One canonical form for an integer result: a double when exact, else a bigint. */
export function fromBigInt(b: bigint): number | bigint {
  return normalizeNumber(b);
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

// ---- exact rationals --------------------------------------------------------------------------

/** The exact rational value of a number's shortest decimal text (what OPA's ast.Number holds). */
export function toRational(n: Num): Rational {
  if (typeof n === 'bigint') return { num: n, den: 1n };
  if (n instanceof RNumber) return parseDecimal(n.text) as Rational;
  return parseDecimal(String(n)) as Rational;
}
