/**
 * Aggregates over collections (OPA topdown/aggregates.go): `count` counts code points of
 * strings (Go runes), `sum`/`product` stay exact on integers, `max`/`min` use Rego's total
 * order and are undefined on empty collections.
 */
import type { BuiltinDef } from '../registry.js';
import { RSet, compare, isNumber, isObject, objectSize, type Num, type Value } from '../../value/index.js';
import { argArrayOrSet, elementTypeError, operandTypeError } from '../shared/args.js';
import { addRat, fromBigInt, fromRational, mulRatN, toExactInt, toRational } from '../shared/num.js';
import { reduce, type Rational } from '../shared/decimal.js';

function countCodePoints(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    // A high surrogate followed by a low one is one code point.
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}

/**
 * The elements of a set or array operand. OPA's aggregates.go names the wanted types
 * "set, array" (sum, product, max, min, sort) where `any`/`all` and most other builtins say
 * "array, set": the order shows in the message, so each builtin passes its own.
 */
function collection(name: string, v: Value, ...order: ['set', 'array'] | ['array', 'set']): readonly Value[] {
  if (Array.isArray(v)) return v;
  if (v instanceof RSet) return v.values();
  throw operandTypeError(name, 1, v, ...order);
}

function numbersOf(name: string, args: readonly Value[]): Num[] {
  const v = args[0] as Value;
  const out: Num[] = [];
  for (const x of collection(name, v, 'set', 'array')) {
    // NewOperandElementErr: "operand 1 must be set of numbers but got set containing string".
    if (!isNumber(x)) throw elementTypeError(name, 1, v, x, 'number');
    out.push(x);
  }
  return out;
}

/**
 * Folds exactly: on integers as bigints (OPA: big.Int), otherwise on the operands' exact decimal
 * values, rounded to a double once at the end (see exactFloatOp).
 */
function fold(xs: Num[], start: bigint, op: (a: Rational, b: Rational) => Rational): Num {
  // Fast path: small integers whose running result stays exact as a double.
  let fast = Number(start);
  let i = 0;
  const isSum = start === 0n;
  for (; i < xs.length; i++) {
    const x = xs[i];
    if (typeof x !== 'number' || !Number.isSafeInteger(x)) break;
    const next = isSum ? fast + x : fast * x;
    if (!Number.isSafeInteger(next)) break;
    fast = next;
  }
  if (i === xs.length) return fast === 0 ? 0 : fast;
  let acc: Rational = { num: start, den: 1n };
  let allInts = true;
  for (const x of xs) {
    if (typeof x !== 'bigint' && toExactInt(x) === undefined) allInts = false;
    acc = reduce(op(acc, toRational(x)));
  }
  if (allInts) return fromBigInt(acc.num / acc.den);
  return fromRational(acc);
}

function extreme(name: string, sign: number): BuiltinDef {
  return {
    name,
    arity: 1,
    impl: (args) => {
      const xs = collection(name, args[0] as Value, 'set', 'array');
      if (xs.length === 0) return undefined;
      let best = xs[0] as Value;
      // Among equal array elements (1 and 1.0) OPA keeps the last one it sees (`<= 0` / `>= 0`);
      // set members are never equal.
      for (const x of xs) if (compare(x, best) * sign >= 0) best = x;
      return best;
    },
  };
}

export const aggregatesBuiltins: BuiltinDef[] = [
  {
    name: 'count',
    arity: 1,
    impl: (args) => {
      const v = args[0] as Value;
      if (typeof v === 'string') return countCodePoints(v);
      if (Array.isArray(v)) return v.length;
      if (v instanceof RSet) return v.size;
      if (isObject(v)) return objectSize(v);
      throw operandTypeError('count', 1, v, 'array', 'object', 'set', 'string');
    },
  },
  {
    name: 'sum',
    arity: 1,
    impl: (args) => fold(numbersOf('sum', args), 0n, addRat),
  },
  {
    name: 'product',
    arity: 1,
    impl: (args) => fold(numbersOf('product', args), 1n, mulRatN),
  },
  extreme('max', 1),
  extreme('min', -1),
  {
    name: 'sort',
    arity: 1,
    impl: (args) => {
      const v = args[0] as Value;
      if (v instanceof RSet) return [...v.values()];
      if (Array.isArray(v)) return [...v].sort(compare);
      throw operandTypeError('sort', 1, v, 'set', 'array');
    },
  },
  {
    name: 'any',
    arity: 1,
    impl: (args) => argArrayOrSet('any', args, 0).some((x) => x === true),
  },
  {
    name: 'all',
    arity: 1,
    impl: (args) => argArrayOrSet('all', args, 0).every((x) => x === true),
  },
];
