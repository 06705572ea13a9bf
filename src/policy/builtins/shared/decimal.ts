/**
 * Exact decimal arithmetic for the units builtins. OPA parses amounts with big.Rat
 * (units.parse: exact) and big.Float at 64-bit precision (units.parse_bytes: rounded to a
 * 64-bit mantissa, then truncated to an integer); both are reproduced here with bigints.
 */

export interface Rational {
  num: bigint; // sign lives here
  den: bigint; // > 0
}

const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/**
 * Parses `[+-]digits[.digits][e[+-]digits]` exactly (what big.Rat/big.Float SetString accept
 * from the characters units' tokenizer lets through). Returns undefined on bad syntax.
 *
 * @example parseDecimal("1.5e3") // { num: 1500n, den: 1n }
 */
export function parseDecimal(s: string): Rational | undefined {
  const m = DECIMAL.exec(s);
  if (!m) return undefined;
  const [, sign = '', ip = '', fp = '', ex] = m;
  if (ip === '' && fp === '') return undefined;
  if (ex !== undefined && Math.abs(Number(ex)) > 1_000_000) return undefined;
  let num = BigInt((ip || '0') + fp);
  const scale = fp.length - (ex === undefined ? 0 : Number(ex));
  let den = 1n;
  if (scale > 0) den = 10n ** BigInt(scale);
  else if (scale < 0) num *= 10n ** BigInt(-scale);
  if (sign === '-') num = -num;
  return reduce({ num, den });
}

function gcd(a: bigint, b: bigint): bigint {
  a = a < 0n ? -a : a;
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

export function reduce(r: Rational): Rational {
  const g = gcd(r.num, r.den);
  return g > 1n ? { num: r.num / g, den: r.den / g } : r;
}

export function mulRat(a: Rational, b: Rational): Rational {
  return reduce({ num: a.num * b.num, den: a.den * b.den });
}

/** Rounds |r| to `prec` significant bits, ties to even (big.Float's default mode). */
export function roundToBits(r: Rational, prec: number): Rational {
  if (r.num === 0n) return r;
  const neg = r.num < 0n;
  let n = neg ? -r.num : r.num;
  let d = r.den;
  // Scale so that 2^(prec-1) <= n/d < 2^prec, tracking the binary exponent.
  const bits = (x: bigint) => x.toString(2).length;
  let e = bits(n) - bits(d) - prec;
  if (e > 0) d <<= BigInt(e);
  else if (e < 0) n <<= BigInt(-e);
  const lo = 1n << BigInt(prec - 1);
  const hi = 1n << BigInt(prec);
  while (n / d >= hi) {
    d <<= 1n;
    e++;
  }
  while (n / d < lo) {
    n <<= 1n;
    e--;
  }
  let q = n / d;
  const rem2 = (n % d) * 2n;
  if (rem2 > d || (rem2 === d && (q & 1n) === 1n)) q += 1n;
  const sq = neg ? -q : q;
  return e >= 0 ? { num: sq << BigInt(e), den: 1n } : reduce({ num: sq, den: 1n << BigInt(-e) });
}

/** Integer part, truncated toward zero. */
export function truncRat(r: Rational): bigint {
  return r.num / r.den;
}

/**
 * big.Rat.FloatString(digits): fixed-point text with the last digit rounded half away from zero.
 */
export function ratToFixed(r: Rational, digits: number): string {
  const neg = r.num < 0n;
  const n = neg ? -r.num : r.num;
  const scale = 10n ** BigInt(digits);
  let q = (n * scale) / r.den;
  const rem = (n * scale) % r.den;
  if (rem * 2n >= r.den) q += 1n;
  const s = q.toString().padStart(digits + 1, '0');
  const out = digits > 0 ? s.slice(0, s.length - digits) + '.' + s.slice(s.length - digits) : s;
  return (neg ? '-' : '') + out;
}
