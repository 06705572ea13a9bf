/**
 * Arithmetic (OPA topdown/arithmetic.go, numbers.go). `+ - * %` on integers are exact at any
 * size (bigint beyond 2^53, like OPA's big.Int path), whatever their form (`1.0`, `1e3`, `1e400`
 * are integers), from each operand as OPA's NumberToInt reads it (64 significant bits, see
 * shared/num.ts toOpaInt); anything with a fractional part goes through OPA's big.Float path: both operands
 * read at a 64-bit mantissa, the result rounded to 64 bits and written back as big.Float's
 * shortest text (`1 / 3` is `0.3333333333333333333`, `1234567 + 0.5` is `1.2345675e+06`; see
 * shared/big-float.ts). `minus` doubles as set difference. Division by zero and `%` on
 * non-integers are builtin errors (undefined unless strict), wrong operand types are type errors.
 */
import type { BuiltinDef } from '../registry.js';
import { BuiltinError } from '../../errors.js';
import { RSet, isNumber, type Num, type Value } from '../../value/index.js';
import { argBigInt, argNum, operandTypeError } from '../shared/args.js';
import {
  bigFloatAbs,
  bigFloatAdd,
  bigFloatFromSmall,
  bigFloatIsInt,
  bigFloatIsZero,
  bigFloatMul,
  bigFloatQuo,
  bigFloatSub,
  bigFloatTrunc,
  type BigFloat,
} from '../shared/big-float.js';
import { bothSafeInts, fromBigFloat, fromBigInt, toBigFloat, toExactInt, toOpaInt } from '../shared/num.js';

/** Largest array numbers.range may build; beyond this the call is refused, not attempted. */
const MAX_RANGE = 10_000_000;

function plus(a: Num, b: Num): Num {
  if (bothSafeInts(a, b)) {
    const r = (a as number) + (b as number);
    if (Number.isSafeInteger(r)) return r;
  }
  const x = toOpaInt(a);
  const y = toOpaInt(b);
  if (x !== undefined && y !== undefined) return fromBigInt(x + y);
  return fromBigFloat(bigFloatAdd(toBigFloat(a), toBigFloat(b)));
}

function minus(a: Num, b: Num): Num {
  if (bothSafeInts(a, b)) {
    const r = (a as number) - (b as number);
    if (Number.isSafeInteger(r)) return r;
  }
  const x = toOpaInt(a);
  const y = toOpaInt(b);
  if (x !== undefined && y !== undefined) return fromBigInt(x - y);
  return fromBigFloat(bigFloatSub(toBigFloat(a), toBigFloat(b)));
}

function mul(a: Num, b: Num): Num {
  if (bothSafeInts(a, b)) {
    const r = (a as number) * (b as number);
    if (Number.isSafeInteger(r)) return r === 0 ? 0 : r;
  }
  const x = toOpaInt(a);
  const y = toOpaInt(b);
  if (x !== undefined && y !== undefined) return fromBigInt(x * y);
  return fromBigFloat(bigFloatMul(toBigFloat(a), toBigFloat(b)));
}

/** Below 2^64 an integer is exact in a 64-bit mantissa, so OPA's float quotient equals ours. */
const EXACT_IN_64 = 1n << 64n;

function div(a: Num, b: Num): Num {
  const x = toExactInt(a);
  const y = toExactInt(b);
  if (y === 0n) throw new BuiltinError('div', 'divide by zero');
  // OPA divides integers exactly only when the divisor divides a nonzero dividend; every other
  // quotient (a zero dividend too: `0 / -5` is -0) is a big.Float one. That one is an exact
  // integer as well while the operands fit 64 bits, so only larger ones need the float path.
  if (x !== undefined && y !== undefined && x !== 0n && x % y === 0n) {
    const ax = x < 0n ? -x : x;
    const ay = y < 0n ? -y : y;
    if (ax < EXACT_IN_64 && ay < EXACT_IN_64) return fromBigInt(x / y);
  }
  const fy = toBigFloat(b);
  // A zero divisor of any form (0.0, 0e5): OPA checks the float too.
  if (bigFloatIsZero(fy)) throw new BuiltinError('div', 'divide by zero');
  return fromBigFloat(bigFloatQuo(toBigFloat(a), fy));
}

function rem(a: Num, b: Num): Num {
  const x = toOpaInt(a);
  const y = toOpaInt(b);
  if (x === undefined || y === undefined) throw new BuiltinError('rem', 'modulo on floating-point number');
  if (y === 0n) throw new BuiltinError('rem', 'modulo by zero');
  // bigint % truncates toward zero like Go's big.Int.Rem.
  return fromBigInt(x % y);
}

function binary(name: string, op: (a: Num, b: Num) => Num): BuiltinDef {
  return { name, arity: 2, impl: (args) => op(argNum(name, args, 0), argNum(name, args, 1)) };
}

function unary(name: string, onInt: (b: bigint) => bigint, onFloat: (x: BigFloat) => Num): BuiltinDef {
  return {
    name,
    arity: 1,
    impl: (args) => {
      const n = argNum(name, args, 0);
      // OPA's arithUnary: only its small ints skip big.Float; every other number, an integer
      // beyond 2^64 too, is read at 64 bits (round(9223372036854775809) adds 0.5 there and
      // ties to even: …810; abs(1.2345678901234567890123e22) prints the 64-bit value's digits).
      if (typeof n === 'number' && Number.isSafeInteger(n)) return fromBigInt(onInt(BigInt(n)));
      return onFloat(toBigFloat(n));
    },
  };
}

const HALF = bigFloatFromSmall(0.5);

/**
 * arithRound: ±0.5 (away from zero) added at 64 bits, then truncated. The addition rounds, so
 * a value within 2^-65 of a half already counts as the half.
 */
function roundFloat(a: BigFloat): Num {
  return fromBigInt(bigFloatTrunc(a.neg ? bigFloatSub(a, HALF) : bigFloatAdd(a, HALF)));
}

/**
 * arithCeil as OPA writes it: the truncation, plus one unless that truncation is negative or
 * exact. A truncation of 0 is never negative (big.Int has no -0), so ceil(-0.5) is 1 in OPA,
 * and this keeps that answer.
 */
function ceilFloat(a: BigFloat): Num {
  const i = bigFloatTrunc(a);
  return fromBigInt(i < 0n || bigFloatIsInt(a) ? i : i + 1n);
}

/** arithFloor likewise: floor(-0.5) is 0 in OPA (the truncation 0 is not negative). */
function floorFloat(a: BigFloat): Num {
  const i = bigFloatTrunc(a);
  return fromBigInt(i >= 0n || bigFloatIsInt(a) ? i : i - 1n);
}

function range(name: string, from: bigint, to: bigint, step: bigint): Value[] {
  const n = (to >= from ? to - from : from - to) / step + 1n;
  if (n > BigInt(MAX_RANGE)) throw new BuiltinError(name, `range of ${n} elements exceeds the limit of ${MAX_RANGE}`);
  const out: Value[] = [];
  if (to >= from) for (let v = from; v <= to; v += step) out.push(fromBigInt(v));
  else for (let v = from; v >= to; v -= step) out.push(fromBigInt(v));
  return out;
}

export const numbersBuiltins: BuiltinDef[] = [
  binary('plus', plus),
  {
    name: 'minus',
    arity: 2,
    impl: (args) => {
      const [a, b] = args as [Value, Value];
      const an = isNumber(a);
      const bn = isNumber(b);
      if (an && bn) return minus(a, b);
      if (a instanceof RSet && b instanceof RSet) {
        const out = new RSet();
        for (const v of a.values()) if (!b.has(v)) out.add(v);
        return out;
      }
      if (!an && !(a instanceof RSet)) throw operandTypeError('minus', 1, a, 'number', 'set');
      throw operandTypeError('minus', 2, b, an ? 'number' : 'set');
    },
  },
  binary('mul', mul),
  binary('div', div),
  binary('rem', rem),
  unary('abs', (b) => (b < 0n ? -b : b), (a) => fromBigFloat(bigFloatAbs(a))),
  unary('round', (b) => b, roundFloat),
  unary('ceil', (b) => b, ceilFloat),
  unary('floor', (b) => b, floorFloat),
  {
    name: 'numbers.range',
    arity: 2,
    impl: (args) => range('numbers.range', argBigInt('numbers.range', args, 0), argBigInt('numbers.range', args, 1), 1n),
  },
  {
    name: 'numbers.range_step',
    arity: 3,
    impl: (args) => {
      const name = 'numbers.range_step';
      const from = argBigInt(name, args, 0);
      const to = argBigInt(name, args, 1);
      const step = argBigInt(name, args, 2);
      // OPA's own text names the builtin, and handleBuiltinErr prefixes it again
      if (step <= 0n) throw new BuiltinError(name, `${name}: step must be a positive integer`);
      return range(name, from, to, step);
    },
  },
];
