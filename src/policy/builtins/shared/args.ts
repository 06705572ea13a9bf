/**
 * Operand checks shared by the core builtins. Messages follow OPA's `builtins.NewOperandTypeErr`
 * ("operand 2 must be string but got number") because conformance cases match on them.
 */
import { BuiltinError, BuiltinTypeError } from '../../errors.js';
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

/**
 * An integer operand (OPA `builtins.IntOperand`): a number whose value is integral.
 * Non-integers are a type error in OPA ("operand 2 must be integer number but got floating-point number").
 */
export function argInt(builtin: string, args: readonly Value[], i: number): bigint {
  const v = argNumber(builtin, args, i);
  if (typeof v === 'bigint') return v;
  if (!Number.isInteger(v)) throw new BuiltinTypeError(builtin, `operand ${i + 1} must be integer number but got floating-point number`);
  return BigInt(v);
}

/**
 * An integer operand read as OPA's `builtins.BigIntOperand` does (numbers.range, bits.*): the same
 * as argInt, except that a non-number is "operand N must be integer but got string" — that helper
 * names the wanted type "integer" where IntOperand says "number".
 */
export function argBigInt(builtin: string, args: readonly Value[], i: number): bigint {
  const v = args[i] as Value;
  if (typeof v !== 'number' && typeof v !== 'bigint' && !(v instanceof RNumber)) throw operandTypeError(builtin, i + 1, v, 'integer');
  return argInt(builtin, args, i);
}

/** A small integer operand as a JS number (string indexes, counts). */
export function argSmallInt(builtin: string, args: readonly Value[], i: number): number {
  const b = argInt(builtin, args, i);
  if (b > BigInt(Number.MAX_SAFE_INTEGER) || b < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new BuiltinError(builtin, `operand ${i + 1} out of range`);
  }
  return Number(b);
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
