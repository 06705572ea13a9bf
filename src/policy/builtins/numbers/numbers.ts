/**
 * Arithmetic (OPA topdown/arithmetic.go, numbers.go). Integers are exact at any size (bigint
 * beyond 2^53, like OPA's big.Int path), whatever their form (`1.0`, `1e3`, `1e400` are
 * integers); anything with a fractional part is computed on exact decimals and becomes a
 * double, or an RNumber when no double holds it (see fromRational).
 * `minus` doubles as set difference. Division by zero and `%` on non-integers are builtin
 * errors (undefined unless strict), wrong operand types are type errors.
 */
import type { BuiltinDef } from '../registry.js';
import { BuiltinError } from '../../errors.js';
import { RNumber, RSet, isNumber, type Num, type Value } from '../../value/index.js';
import { argBigInt, argNum, operandTypeError } from '../shared/args.js';
import { addRat, bothSafeInts, divRat, exactFloatOp, fromBigInt, fromDouble, fromRational, mulRatN, subRat, toExactInt, toRational } from '../shared/num.js';
import type { Rational } from '../shared/decimal.js';

/** Largest array numbers.range may build; beyond this the call is refused, not attempted. */
const MAX_RANGE = 10_000_000;

function plus(a: Num, b: Num): Num {
  if (bothSafeInts(a, b)) {
    const r = (a as number) + (b as number);
    if (Number.isSafeInteger(r)) return r;
  }
  const x = toExactInt(a);
  const y = toExactInt(b);
  if (x !== undefined && y !== undefined) return fromBigInt(x + y);
  return exactFloatOp('plus', a, b, addRat);
}

function minus(a: Num, b: Num): Num {
  if (bothSafeInts(a, b)) {
    const r = (a as number) - (b as number);
    if (Number.isSafeInteger(r)) return r;
  }
  const x = toExactInt(a);
  const y = toExactInt(b);
  if (x !== undefined && y !== undefined) return fromBigInt(x - y);
  return exactFloatOp('minus', a, b, subRat);
}

function mul(a: Num, b: Num): Num {
  if (bothSafeInts(a, b)) {
    const r = (a as number) * (b as number);
    if (Number.isSafeInteger(r)) return r === 0 ? 0 : r;
  }
  const x = toExactInt(a);
  const y = toExactInt(b);
  if (x !== undefined && y !== undefined) return fromBigInt(x * y);
  return exactFloatOp('mul', a, b, mulRatN);
}

function div(a: Num, b: Num): Num {
  const x = toExactInt(a);
  const y = toExactInt(b);
  if (y === 0n) throw new BuiltinError('div', 'divide by zero');
  // Exact when the divisor divides the dividend (OPA's int path); otherwise a float quotient.
  if (x !== undefined && y !== undefined && x % y === 0n) return fromBigInt(x / y);
  return exactFloatOp('div', a, b, divRat);
}

function rem(a: Num, b: Num): Num {
  const x = toExactInt(a);
  const y = toExactInt(b);
  if (x === undefined || y === undefined) throw new BuiltinError('rem', 'modulo on floating-point number');
  if (y === 0n) throw new BuiltinError('rem', 'modulo by zero');
  // bigint % truncates toward zero like Go's big.Int.Rem.
  return fromBigInt(x % y);
}

function binary(name: string, op: (a: Num, b: Num) => Num): BuiltinDef {
  return { name, arity: 2, impl: (args) => op(argNum(name, args, 0), argNum(name, args, 1)) };
}

function unary(name: string, onInt: (b: bigint) => bigint, onFloat: (d: number) => number, onRational: (r: Rational) => Rational): BuiltinDef {
  return {
    name,
    arity: 1,
    impl: (args) => {
      const n = argNum(name, args, 0);
      const i = toExactInt(n);
      if (i !== undefined) return fromBigInt(onInt(i));
      // A non-integral RNumber may be beyond a double's precision: compute on its exact value.
      if (n instanceof RNumber) return fromRational(onRational(toRational(n)));
      return fromDouble(name, onFloat(n as number));
    },
  };
}

/** Floor division of bigints (bigint `/` truncates toward zero). */
function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return (a % b !== 0n) && ((a < 0n) !== (b < 0n)) ? q - 1n : q;
}

const ratFloor = (r: Rational): Rational => ({ num: floorDiv(r.num, r.den), den: 1n });
const ratCeil = (r: Rational): Rational => ({ num: -floorDiv(-r.num, r.den), den: 1n });
const ratAbs = (r: Rational): Rational => ({ num: r.num < 0n ? -r.num : r.num, den: r.den });
// Half away from zero, as OPA's arithRound.
const ratRound = (r: Rational): Rational =>
  r.num < 0n ? { num: -floorDiv(-r.num * 2n + r.den, 2n * r.den), den: 1n } : { num: floorDiv(r.num * 2n + r.den, 2n * r.den), den: 1n };

/** Half away from zero (OPA arithRound), unlike Math.round which rounds -2.5 to -2. */
function roundHalfAway(d: number): number {
  return d < 0 ? -Math.floor(-d + 0.5) : Math.floor(d + 0.5);
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
  unary('abs', (b) => (b < 0n ? -b : b), Math.abs, ratAbs),
  unary('round', (b) => b, roundHalfAway, ratRound),
  unary('ceil', (b) => b, Math.ceil, ratCeil),
  unary('floor', (b) => b, Math.floor, ratFloor),
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
