/**
 * `units.parse` and `units.parse_bytes` (OPA topdown/parse_units.go, parse_bytes.go).
 *
 * parse: SI (k, M, G… and lower-case except `m` = milli) and binary (Ki, Mi…) suffixes, case
 * kept on the first letter so `m` (milli) differs from `M` (mega); exact rational result.
 * parse_bytes: case-insensitive, optional trailing `b` (`kb`, `kib`), result truncated to an
 * integer after big.Float (64-bit mantissa) multiplication.
 */
import type { BuiltinDef } from '../registry.js';
import { BuiltinError } from '../../errors.js';
import { argString } from '../shared/args.js';
import { fromBigInt } from '../shared/num.js';
import { numberFromText, type RNumber } from '../../value/index.js';
import { mulRat, parseDecimal, ratToFixed, roundToBits, truncRat, type Rational } from '../shared/decimal.js';

const MAX_EXPONENT_DIGITS = 6;

class ExponentTooLarge extends Error {}

const isDigit = (c: string) => c >= '0' && c <= '9';

/** Splits "10.5Mi" into ["10.5", "Mi"]; OPA's extractNumAndUnit, scanning byte by byte. */
function splitNumUnit(s: string): [string, string] {
  let first = -1;
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string;
    if (!isDigit(c) && c !== '.' && c !== 'e' && c !== 'E' && c !== '+' && c !== '-') {
      first = i;
      break;
    }
    if (c === 'e' || c === 'E') {
      const nx = s[i + 1];
      if (nx === undefined || (!isDigit(nx) && nx !== '+' && nx !== '-')) {
        first = i;
        break;
      }
      if (nx === '+' || nx === '-') i++;
      let end = i + 1;
      while (end < s.length && isDigit(s[end] as string)) end++;
      if (end - (i + 1) > MAX_EXPONENT_DIGITS) throw new ExponentTooLarge();
    }
  }
  if (first === -1) return [s, ''];
  if (first === 0) return ['', s];
  return [s.slice(0, first), s.slice(first)];
}

const K = 1000n;
const SI: Record<string, bigint> = { k: K, m: K ** 2n, g: K ** 3n, t: K ** 4n, p: K ** 5n, e: K ** 6n };
const BIN: Record<string, bigint> = { ki: 1n << 10n, mi: 1n << 20n, gi: 1n << 30n, ti: 1n << 40n, pi: 1n << 50n, ei: 1n << 60n };

// OPA's errors here already start with the builtin's name (parseUnitsError, parseNumBytesError)
// and handleBuiltinErr prefixes it once more: "units.parse: units.parse: no amount provided".
function unitParse(raw: string): number | bigint | RNumber {
  const name = 'units.parse';
  const s = raw.replaceAll('"', '');
  if (s.includes(' ')) throw new BuiltinError(name, `${name}: spaces not allowed in resource strings`);
  let num: string;
  let unit: string;
  try {
    [num, unit] = splitNumUnit(s);
  } catch {
    throw new BuiltinError(name, `${name}: exponent too large`);
  }
  if (num === '') throw new BuiltinError(name, `${name}: no amount provided`);
  if (unit.length > 1) unit = unit[0] + unit.slice(1).toLowerCase();
  let mult: Rational;
  if (unit === 'm') mult = { num: 1n, den: 1000n };
  else if (unit === '') mult = { num: 1n, den: 1n };
  else if (unit === 'M') mult = { num: SI.m as bigint, den: 1n };
  else if (unit.length === 1 && unit !== 'm' && SI[unit.toLowerCase()] !== undefined) mult = { num: SI[unit.toLowerCase()] as bigint, den: 1n };
  else if (unit.length === 2 && BIN[unit.toLowerCase()] !== undefined && (unit[1] === 'i')) mult = { num: BIN[unit.toLowerCase()] as bigint, den: 1n };
  else throw new BuiltinError(name, `${name}: unit ${unit} not recognized`);
  const amount = parseDecimal(num);
  if (!amount) throw new BuiltinError(name, `${name}: could not parse amount to a number`);
  const r = mulRat(amount, mult);
  if (r.den === 1n) return fromBigInt(r.num);
  // OPA: json.Number(numRat.FloatString(10)) — the text keeps its ten decimals (0.5000000000),
  // which is what json.marshal, sprintf and the result printer show.
  return numberFromText(ratToFixed(r, 10));
}

function unitParseBytes(raw: string): number | bigint {
  const name = 'units.parse_bytes';
  const s = raw.toLowerCase().replaceAll('"', '');
  if (s.includes(' ')) throw new BuiltinError(name, `${name}: spaces not allowed in resource strings`);
  let num: string;
  let unit: string;
  try {
    [num, unit] = splitNumUnit(s);
  } catch {
    throw new BuiltinError(name, `${name}: exponent too large`);
  }
  if (num === '') throw new BuiltinError(name, `${name}: no byte amount provided`);
  const u = unit.endsWith('b') ? unit.slice(0, -1) : unit;
  let mult: bigint | undefined;
  if (unit === '') mult = 1n;
  else if (u.length === 1 && unit.length <= 2) mult = SI[u];
  else if (u.length === 2 && u[1] === 'i') mult = BIN[u];
  if (mult === undefined) throw new BuiltinError(name, `${name}: byte unit ${unit} not recognized`);
  const amount = parseDecimal(num);
  if (!amount) throw new BuiltinError(name, `${name}: could not parse byte amount to a number`);
  // Integer amounts whose product stays below 2^64 are exact in a 64-bit mantissa.
  if (amount.den === 1n) {
    const p = amount.num * mult;
    if (p < 1n << 64n && p > -(1n << 64n)) return fromBigInt(p);
  }
  // big.Float at 64 bits: the amount is rounded when parsed and again after the multiplication.
  const r = roundToBits(mulRat(roundToBits(amount, 64), { num: mult, den: 1n }), 64);
  return fromBigInt(truncRat(r));
}

export const unitsBuiltins: BuiltinDef[] = [
  { name: 'units.parse', arity: 1, impl: (args) => unitParse(argString('units.parse', args, 0)) },
  { name: 'units.parse_bytes', arity: 1, impl: (args) => unitParseBytes(argString('units.parse_bytes', args, 0)) },
];
