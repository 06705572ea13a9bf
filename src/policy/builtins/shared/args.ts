/**
 * Operand checks shared by the core builtins. Messages follow OPA's `builtins.NewOperandTypeErr`
 * ("operand 2 must be string but got number") because conformance cases match on them.
 */
import { BuiltinTypeError } from '../../errors.js';
import { toOpaInt } from './num.js';
import { RNumber, RSet, isObject, rnumberToNative, typeName, type Num, type PlainObject, type RObject, type Value } from '../../value/index.js';

/** OPA's name for a value's type in error messages. */
export function valueName(v: Value): string {
  return typeName(v);
}

/** `operand N must be X but got Y` (or `must be one of {X, Y}`), as OPA words it. */
export function operandTypeError(builtin: string, pos: number, got: Value, ...expected: string[]): BuiltinTypeError {
  const want = expected.length === 1 ? (expected[0] as string) : `one of {${expected.join(', ')}}`;
  return new BuiltinTypeError(builtin, `operand ${pos} must be ${want} but got ${valueName(got)}`);
}

/** A string operand at 1-based position `pos`, or OPA's operand type error. */
export function expectString(builtin: string, v: Value, pos: number): string {
  if (typeof v !== 'string') throw operandTypeError(builtin, pos, v, 'string');
  return v;
}

export function argString(builtin: string, args: readonly Value[], i: number): string {
  const v = args[i] as Value;
  if (typeof v !== 'string') throw operandTypeError(builtin, i + 1, v, 'string');
  return v;
}

/**
 * A number operand as a double, or a bigint when integral beyond 2^53. A number kept as its
 * literal text (RNumber) gives its value: `1.0` is 1, as OPA's builtins read a json.Number
 * through big.Float/big.Int; builtins that keep the text (arithmetic, formatting) use argNum.
 */
export function argNumber(builtin: string, args: readonly Value[], i: number): number | bigint {
  const v = args[i] as Value;
  if (typeof v === 'number' || typeof v === 'bigint') return v;
  if (v instanceof RNumber) return rnumberToNative(v);
  throw operandTypeError(builtin, i + 1, v, 'number');
}

/** A number operand in any representation (RNumbers stay as they are). */
export function argNum(builtin: string, args: readonly Value[], i: number): Num {
  const v = args[i] as Value;
  if (typeof v === 'number' || typeof v === 'bigint' || v instanceof RNumber) return v;
  throw operandTypeError(builtin, i + 1, v, 'number');
}

/** A value with any RNumber at its top replaced by its double or integer (see argNumber). */
export function nativeNumber(v: Value): Value {
  return v instanceof RNumber ? rnumberToNative(v) : v;
}

export function argArray(builtin: string, args: readonly Value[], i: number): Value[] {
  const v = args[i] as Value;
  if (!Array.isArray(v)) throw operandTypeError(builtin, i + 1, v, 'array');
  return v;
}

export function argSet(builtin: string, args: readonly Value[], i: number): RSet {
  const v = args[i] as Value;
  if (!(v instanceof RSet)) throw operandTypeError(builtin, i + 1, v, 'set');
  return v;
}

export function argObject(builtin: string, args: readonly Value[], i: number): PlainObject | RObject {
  const v = args[i] as Value;
  if (!isObject(v)) throw operandTypeError(builtin, i + 1, v, 'object');
  return v;
}

/** Elements of an array or set operand (OPA accepts either for most collection builtins). */
export function argArrayOrSet(builtin: string, args: readonly Value[], i: number): readonly Value[] {
  const v = args[i] as Value;
  if (Array.isArray(v)) return v;
  if (v instanceof RSet) return v.values();
  throw operandTypeError(builtin, i + 1, v, 'array', 'set');
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const INTEGER_TEXT = /^-?\d+$/;

function notIntegerError(builtin: string, i: number): BuiltinTypeError {
  return new BuiltinTypeError(builtin, `operand ${i + 1} must be integer number but got floating-point number`);
}

/**
 * An integer operand as OPA's `builtins.IntOperand` reads it: `ast.Number.Int()`, which is
 * strconv.ParseInt of the number's TEXT. So the value is not enough: `1.0`, `1e0` (RNumbers)
 * and integers beyond int64 are refused with "must be integer number but got floating-point
 * number" (an ErrOperand: eval_type_error). OPA reads substring, array.slice, regex.find_n,
 * rand.intn and time.add_date this way; {@link argBigInt} is the by-value reader.
 *
 * @example argInt('substring', ['abc', 1, 2], 1) // 1n; with RNumber('1.0') a type error
 */
export function argInt(builtin: string, args: readonly Value[], i: number): bigint {
  const v = args[i] as Value;
  let b: bigint;
  if (typeof v === 'number') {
    // A double's text is its shortest form: integer digits when integral below 1e21, and
    // every double beyond that is outside int64 anyway.
    if (!Number.isInteger(v)) throw notIntegerError(builtin, i);
    b = BigInt(v);
  } else if (typeof v === 'bigint') {
    b = v;
  } else if (v instanceof RNumber) {
    // numberFromText makes integer texts doubles or bigints, but a text is a text.
    if (!INTEGER_TEXT.test(v.text)) throw notIntegerError(builtin, i);
    b = BigInt(v.text);
  } else {
    throw operandTypeError(builtin, i + 1, v, 'number');
  }
  if (b < INT64_MIN || b > INT64_MAX) throw notIntegerError(builtin, i);
  return b;
}

/**
 * A count operand read as {@link argInt} (IntOperand), as a JS number. Beyond ±2^53 it is
 * clamped: its callers (regex.find_n's match limit) behave the same for any count larger than
 * a string can have matches.
 */
export function argSmallInt(builtin: string, args: readonly Value[], i: number): number {
  const b = argInt(builtin, args, i);
  if (b > BigInt(Number.MAX_SAFE_INTEGER)) return Number.MAX_SAFE_INTEGER;
  if (b < BigInt(Number.MIN_SAFE_INTEGER)) return Number.MIN_SAFE_INTEGER;
  return Number(b);
}

/**
 * An integer operand as OPA's `builtins.BigIntOperand` reads it: the VALUE through a 64-bit
 * big.Float (NumberToInt, {@link toOpaInt}), so `1.0` and `1e0` are 1 and there is no size limit
 * (an integer of more than 64 significant bits is rounded to 64); a fractional
 * value is "must be integer number but got floating-point number", a non-number "must be
 * integer but got …". OPA reads bits.* and numbers.range/range_step this way.
 *
 * @example argBigInt('bits.and', [RNumber('1.0'), 3], 0) // 1n
 */
export function argBigInt(builtin: string, args: readonly Value[], i: number): bigint {
  const v = args[i] as Value;
  if (typeof v !== 'number' && typeof v !== 'bigint' && !(v instanceof RNumber)) throw operandTypeError(builtin, i + 1, v, 'integer');
  const b = toOpaInt(v);
  if (b === undefined) throw notIntegerError(builtin, i);
  return b;
}

/** True if every code unit is below the surrogate range (so UTF-16 index == code point index). */
export function isBmpOnly(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdfff) return false;
  }
  return true;
}

/** OPA's NewOperandElementErr: "operand 2 must be array of strings but got array containing number". */
export function elementTypeError(builtin: string, pos: number, container: Value, elem: Value, want: string): BuiltinTypeError {
  const c = valueName(container);
  return new BuiltinTypeError(builtin, `operand ${pos} must be ${c} of ${want}s but got ${c} containing ${valueName(elem)}`);
}
