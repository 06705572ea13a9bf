/**
 * Numbers that must keep their literal text, as OPA's `ast.Number` (a `json.Number`) does.
 *
 * Most numbers are JS doubles (or bigints beyond ±2^53), and for them the text OPA would print is
 * the canonical text of the double, so nothing is lost. Two kinds of literal are different:
 * - integral values written as floats (`1.0`, `1e3`, `1.50` too: OPA prints them as written,
 *   `json.marshal(1.0)` is `"1.0"`, `sprintf("%.2f", [101.00])` formats a float);
 * - values a double cannot hold: beyond its range (`1e1000`, `2e308`) or its precision
 *   (`0.1000000000000000000001`), which OPA keeps exactly as big.Float/big.Rat can.
 * Such a number is an {@link RNumber}. Its value is the exact decimal its text denotes; it is
 * equal to, hashes like and orders with the double or bigint of the same value (1.0 == 1).
 *
 * The "exact value" of a double is the integer it holds when integral, else the decimal of its
 * shortest text (what OPA's json.Number for it would say); see {@link decimalOf}.
 */

/** A Rego number kept as its JSON text (never the canonical text of a double or bigint). */
export class RNumber {
  /** Nearest double (±Infinity beyond the range, 0 below it); only for fast ordering. */
  readonly approx: number;
  constructor(readonly text: string) {
    this.approx = Number(text);
  }
  toString(): string {
    return this.text;
  }
}

const INTEGER_TEXT = /^-?\d+$/;
const JSON_NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

/**
 * The number a JSON/Rego number text denotes, in regate's representation: a double when the
 * double's own text is the same text, an exact bigint for long integers, else an RNumber.
 * The caller has checked the syntax.
 *
 * @example numberFromText("1.5")  // 1.5
 * @example numberFromText("1.0")  // RNumber("1.0")
 * @example numberFromText("12345678901234567890") // 12345678901234567890n
 */
export function numberFromText(text: string): number | bigint | RNumber {
  if (INTEGER_TEXT.test(text)) {
    // `-0` stays text: OPA prints a negative zero as it was written or computed (`0 / -5`).
    if (text.length < 16) return Object.is(Number(text), -0) ? new RNumber(text) : Number(text);
    const b = BigInt(text);
    return b >= -9007199254740991n && b <= 9007199254740991n ? Number(b) : b;
  }
  const d = Number(text);
  if (Number.isFinite(d) && formatNumber(d) === text) return d;
  return new RNumber(text);
}

/** Is `text` a JSON number (OPA's literal syntax after the lexer)? */
export function isNumberText(text: string): boolean {
  return JSON_NUMBER.test(text);
}

/**
 * OPA refuses a literal whose binary exponent exceeds 1e5 ("number too big"): printing or
 * converting such a big.Float costs time that grows faster than the text. 10^30103 ≈ 2^100000.
 */
export const MAX_DECIMAL_EXPONENT = 30102;

/** Does the text's exponent lie beyond what OPA accepts for a number literal? */
export function exceedsExponentLimit(text: string): boolean {
  const d = parseDec(text);
  return d.digits !== '' && Math.abs(d.exp) > MAX_DECIMAL_EXPONENT;
}

/**
 * Formats a double the way Go's encoding/json does for float64 (OPA's json.Number output for
 * computed values): integers without exponent up to 1e21, otherwise shortest round-trip form
 * with Go's exponent style (e.g. 1e+21, 1e-07).
 */
export function formatNumber(n: number): string {
  if (Object.is(n, -0)) return '0';
  const abs = Math.abs(n);
  // An integral double beyond 2^53 (a float quotient or product): OPA's number is the text of
  // its big.Float result, written with every digit ('f' format for integers, FloatToNumber), not
  // float64's shortest digits padded with zeros (1234567890123456768, not …800). The WASM back end
  // hands such a double over as those digits too (host-bridge.ts), so both engines print alike.
  if (abs > 9007199254740991 && abs < 1e21 && Number.isInteger(n)) return BigInt(n).toString();
  if (abs !== 0 && (abs < 1e-6 || abs >= 1e21)) {
    // JS: 1e-7 / 1e+21; Go: 1e-07 / 1e+21 — exponents get at least two digits.
    return n.toExponential().replace(/e([+-])(\d)$/, 'e$10$2');
  }
  return String(n);
}

// ---------------------------------------------------------------------------------------------
// Exact decimals: value = (neg ? -1 : 1) × 0.d1d2…dn × 10^exp, no leading or trailing zero digit.

export interface Dec {
  neg: boolean;
  digits: string; // '' for zero
  exp: number;
}

const DEC_TEXT = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/** The exact decimal of a number text (decimal syntax only). */
export function parseDec(text: string): Dec {
  const m = DEC_TEXT.exec(text);
  if (!m) throw new TypeError(`not a decimal number: ${text}`);
  const ip = m[2] ?? '';
  const fp = m[3] ?? '';
  const all = ip + fp;
  let lead = 0;
  while (lead < all.length && all.charCodeAt(lead) === 48) lead++;
  let end = all.length;
  while (end > lead && all.charCodeAt(end - 1) === 48) end--;
  const digits = all.slice(lead, end);
  if (digits === '') return { neg: false, digits: '', exp: 0 };
  const e = m[4] === undefined ? 0 : Number(m[4]);
  return { neg: m[1] === '-', digits, exp: ip.length - lead + e };
}

/** The exact value of any Rego number as a decimal. */
export function decimalOf(n: number | bigint | RNumber): Dec {
  if (n instanceof RNumber) return parseDec(n.text);
  if (typeof n === 'bigint') return parseDec(n.toString());
  // A double stands for its text (formatNumber: every digit below 1e21, `1e+23` beyond), which
  // is the json.Number OPA would hold for it.
  return parseDec(Number.isSafeInteger(n) ? String(n) : formatNumber(n));
}

/** Total order of exact decimals. */
export function compareDec(x: Dec, y: Dec): number {
  const xs = x.digits === '' ? 0 : x.neg ? -1 : 1;
  const ys = y.digits === '' ? 0 : y.neg ? -1 : 1;
  if (xs !== ys) return xs < ys ? -1 : 1;
  if (xs === 0) return 0;
  let r: number;
  if (x.exp !== y.exp) r = x.exp < y.exp ? -1 : 1;
  else r = x.digits === y.digits ? 0 : x.digits < y.digits ? -1 : 1; // same length class: lexicographic = numeric
  return xs < 0 ? -r : r;
}

/** Is the decimal an integer? */
export function isIntegralDec(d: Dec): boolean {
  return d.digits === '' || d.exp >= d.digits.length;
}

/** The integer a decimal holds (the caller checked {@link isIntegralDec}). */
export function decToBigInt(d: Dec): bigint {
  if (d.digits === '') return 0n;
  const b = BigInt(d.digits) * 10n ** BigInt(d.exp - d.digits.length);
  return d.neg ? -b : b;
}

/**
 * The identity key of an RNumber's value, equal to the key the same value gets as a double or
 * bigint (see hashKey in types.ts): integers by their digits, a non-integer that a double holds
 * exactly by the double's text, anything else by its normalised decimal.
 */
export function rnumberKey(n: RNumber): string {
  const d = parseDec(n.text);
  if (isIntegralDec(d)) return decToBigInt(d).toString();
  if (Number.isFinite(n.approx) && compareDec(parseDec(String(n.approx)), d) === 0) return String(n.approx);
  return `${d.neg ? '-' : ''}0.${d.digits}e${d.exp}`;
}

/** The value as a double or an exact integer, for builtins that compute on those. */
export function rnumberToNative(n: RNumber): number | bigint {
  const d = parseDec(n.text);
  if (isIntegralDec(d)) {
    const b = decToBigInt(d);
    return b >= -9007199254740991n && b <= 9007199254740991n ? Number(b) : b;
  }
  return Object.is(n.approx, -0) ? 0 : n.approx;
}
