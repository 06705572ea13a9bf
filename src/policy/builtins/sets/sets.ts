/**
 * Set operators and membership (OPA topdown/sets.go, aggregates.go `member`).
 * `and`/`or` are the infix `&`/`|`; `internal.member_2/3` implement `x in xs` / `k, v in xs`.
 */
import type { BuiltinDef } from '../registry.js';
import { RSet, equal, isObject, objectEntries, objectGet, type Value } from '../../value/index.js';
import { argSet, operandTypeError } from '../shared/args.js';

function setsOf(name: string, args: readonly Value[]): RSet[] {
  const s = argSet(name, args, 0);
  const out: RSet[] = [];
  for (const x of s.values()) {
    // OPA sets.go reads each member with builtins.SetOperand(x, 1): the message names the member.
    if (!(x instanceof RSet)) throw operandTypeError(name, 1, x, 'set');
    out.push(x);
  }
  return out;
}

function intersect(a: RSet, b: RSet): RSet {
  const [small, big] = a.size <= b.size ? [a, b] : [b, a];
  const out = new RSet();
  for (const v of small.values()) if (big.has(v)) out.add(v);
  return out;
}

function unite(sets: readonly RSet[]): RSet {
  const out = new RSet();
  for (const s of sets) for (const v of s.values()) out.add(v);
  return out;
}

/** Elements of a collection for `in`: array elements, set members, object values. */
function memberValues(xs: Value): readonly Value[] | undefined {
  if (Array.isArray(xs)) return xs;
  if (xs instanceof RSet) return xs.values();
  return undefined;
}

export const setsBuiltins: BuiltinDef[] = [
  { name: 'and', arity: 2, impl: (args) => intersect(argSet('and', args, 0), argSet('and', args, 1)) },
  { name: 'or', arity: 2, impl: (args) => unite([argSet('or', args, 0), argSet('or', args, 1)]) },
  {
    name: 'intersection',
    arity: 1,
    impl: (args) => {
      const sets = setsOf('intersection', args);
      if (sets.length === 0) return new RSet();
      let acc = sets[0] as RSet;
      for (let i = 1; i < sets.length; i++) acc = intersect(acc, sets[i] as RSet);
      return acc;
    },
  },
  { name: 'union', arity: 1, impl: (args) => unite(setsOf('union', args)) },
  {
    // Deprecated spelling of `x - y` on sets (kept for v0 policies).
    name: 'set_diff',
    arity: 2,
    impl: (args) => {
      const a = argSet('set_diff', args, 0);
      const b = argSet('set_diff', args, 1);
      return RSet.of(a.values().filter((v) => !b.has(v)));
    },
  },
  {
    // `x in xs`: false (not undefined) when xs is not a collection, as OPA does.
    name: 'internal.member_2',
    arity: 2,
    impl: (args) => {
      const [x, xs] = args as [Value, Value];
      if (xs instanceof RSet) return xs.has(x);
      const vs = memberValues(xs);
      if (vs) return vs.some((v) => equal(v, x));
      if (isObject(xs)) return objectEntries(xs).some((e) => equal(e[1], x));
      return false;
    },
  },
  {
    // `k, v in xs`: key/index k holds v.
    name: 'internal.member_3',
    arity: 3,
    impl: (args) => {
      const [k, v, xs] = args as [Value, Value, Value];
      if (Array.isArray(xs)) {
        if (typeof k !== 'number' || !Number.isInteger(k) || k < 0 || k >= xs.length) return false;
        return equal(xs[k] as Value, v);
      }
      // Sets have no keys: OPA's member_3 is false for them.
      if (isObject(xs)) {
        const got = objectGet(xs, k);
        return got !== undefined && equal(got, v);
      }
      return false;
    },
  },
];
