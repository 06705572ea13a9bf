/**
 * Aggregates over collections (OPA topdown/aggregates.go): `count` counts code points of
 * strings (Go runes), `sum`/`product` stay exact on integers, `max`/`min` use Rego's total
 * order and are undefined on empty collections.
 */
import type { BuiltinDef } from '../registry.js';
import { RSet, compare, isNumber, isObject, objectSize, type Num, type Value } from '../../value/index.js';
import { argArrayOrSet, elementTypeError, operandTypeError } from '../shared/args.js';
import { bigFloatAdd, bigFloatFromSmall, bigFloatMul, DEFAULT_PREC, type BigFloat } from '../shared/big-float.js';
import { fromBigFloat, fromBigInt, toBigFloat, toOpaInt } from '../shared/num.js';

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
 * Folds as aggregates.go does: exactly on integers (big.Int), else in a big.Float, element by
 * element in the collection's order (a set's sorted order), each step rounded. `sum` starts from
 * `new(big.Float)`, which takes the elements' 64 bits; `product` starts from `big.NewFloat(1)`,
 * whose 53 bits it keeps, so a product of floats is rounded to 53 bits at every step and printed
 * with the digits that name it among 53-bit floats (`product([0.1, 3])` is `0.30000000000000004`
 * where `0.1 * 3` is `0.3`).
 */
function fold(xs: Num[], isSum: boolean): Num {
  // Fast path: small integers whose running result stays exact as a double.
  let fast = isSum ? 0 : 1;
  let i = 0;
  for (; i < xs.length; i++) {
    const x = xs[i];
    if (typeof x !== 'number' || !Number.isSafeInteger(x)) break;
    const next = isSum ? fast + x : fast * x;
    if (!Number.isSafeInteger(next)) break;
    fast = next;
  }
  if (i === xs.length) return fast === 0 ? 0 : fast;
  let exact = isSum ? 0n : 1n;
  let allInts = true;
  for (const x of xs) {
    // exactIntAccumulate: each element through NumberToInt (64 significant bits).
    const n = toOpaInt(x);
    if (n === undefined) {
      allInts = false;
      break;
    }
    exact = isSum ? exact + n : exact * n;
  }
  if (allInts) return fromBigInt(exact);
  let acc: BigFloat = isSum ? { neg: false, mant: 0n, exp: 0, prec: 0 } : bigFloatFromSmall(1);
  for (const x of xs) {
    const f = toBigFloat(x);
    acc = isSum ? bigFloatAdd(acc, f, Math.max(acc.prec, DEFAULT_PREC)) : bigFloatMul(acc, f, acc.prec);
  }
  return fromBigFloat(acc);
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
    impl: (args) => fold(numbersOf('sum', args), true),
  },
  {
    name: 'product',
    arity: 1,
    impl: (args) => fold(numbersOf('product', args), false),
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
