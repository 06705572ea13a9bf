/**
 * Object builtins (OPA topdown/object.go, subset.go).
 */
import type { BuiltinDef } from '../registry.js';
import { BuiltinTypeError } from '../../errors.js';
import {
  ObjectBuilder,
  RSet,
  compare,
  equal,
  isObject,
  objectEntries,
  objectGet,
  objectKeys,
  type PlainObject,
  type RObject,
  type Value,
} from '../../value/index.js';
import { argArray, argObject, elementTypeError, operandTypeError } from '../shared/args.js';

type Obj = PlainObject | RObject;

/** Keys given as an array, set or object (its keys), as OPA's getObjectKeysParam accepts. */
function keysParam(name: string, v: Value): RSet {
  if (Array.isArray(v)) return RSet.of(v);
  if (v instanceof RSet) return v;
  if (isObject(v)) return RSet.of(objectKeys(v));
  throw operandTypeError(name, 2, v, 'object', 'set', 'array');
}

/** Walks a path of keys/indexes through objects, arrays and sets (OPA Object.Find). */
function find(v: Value, path: readonly Value[]): Value | undefined {
  let cur: Value = v;
  for (const seg of path) {
    if (Array.isArray(cur)) {
      if (typeof seg !== 'number' || !Number.isInteger(seg) || seg < 0 || seg >= cur.length) return undefined;
      cur = cur[seg] as Value;
    } else if (cur instanceof RSet) {
      if (!cur.has(seg)) return undefined;
      cur = seg;
    } else if (isObject(cur)) {
      const next = objectGet(cur, seg);
      if (next === undefined) return undefined;
      cur = next;
    } else {
      return undefined;
    }
  }
  return cur;
}

/** Recursive merge, right side wins except where both sides hold objects (OPA mergeWithOverwrite). */
function merge(a: Obj, b: Obj): Obj {
  const out = new ObjectBuilder();
  for (const [k, v] of objectEntries(a)) out.set(k, v);
  for (const [k, v] of objectEntries(b)) {
    const prev = objectGet(a, k);
    out.set(k, prev !== undefined && isObject(prev) && isObject(v) ? merge(prev, v) : v);
  }
  return out.build();
}

function objectSubset(sup: Obj, sub: Obj): boolean {
  for (const [k, sv] of objectEntries(sub)) {
    const pv = objectGet(sup, k);
    if (pv === undefined) return false;
    if (equal(sv, pv)) continue;
    if (isObject(pv) && isObject(sv)) {
      if (!objectSubset(pv, sv)) return false;
    } else if (pv instanceof RSet && sv instanceof RSet) {
      if (!setSubset(pv, sv)) return false;
    } else if (Array.isArray(pv) && Array.isArray(sv)) {
      if (!arraySubset(pv, sv)) return false;
    } else {
      return false;
    }
  }
  return true;
}

function setSubset(sup: RSet, sub: RSet): boolean {
  return sub.values().every((v) => sup.has(v));
}

/** `sub` appears as a contiguous run inside `sup`. */
function arraySubset(sup: readonly Value[], sub: readonly Value[]): boolean {
  if (sub.length > sup.length) return false;
  outer: for (let i = 0; i + sub.length <= sup.length; i++) {
    for (let j = 0; j < sub.length; j++) if (compare(sup[i + j] as Value, sub[j] as Value) !== 0) continue outer;
    return true;
  }
  return false;
}

/**
 * Array super, set sub: OPA counts array elements found in the set until the count of
 * set members is reached (so an empty array never contains anything, not even the empty set).
 */
function arraySetSubset(sup: readonly Value[], sub: RSet): boolean {
  let unmatched = sub.size;
  for (const x of sup) {
    if (sub.has(x)) unmatched--;
    if (unmatched === 0) return true;
  }
  return false;
}

export const objectsBuiltins: BuiltinDef[] = [
  {
    name: 'object.get',
    arity: 3,
    impl: (args) => {
      const o = argObject('object.get', args, 0);
      const key = args[1] as Value;
      const dflt = args[2] as Value;
      // a present null is a value (OPA: the term is non-nil), so no `??` here
      const found = Array.isArray(key) ? (key.length === 0 ? o : find(o, key)) : objectGet(o, key);
      return found === undefined ? dflt : found;
    },
  },
  {
    name: 'object.keys',
    arity: 1,
    impl: (args) => RSet.of(objectKeys(argObject('object.keys', args, 0))),
  },
  {
    name: 'object.remove',
    arity: 2,
    impl: (args) => {
      const o = argObject('object.remove', args, 0);
      const drop = keysParam('object.remove', args[1] as Value);
      const out = new ObjectBuilder();
      for (const [k, v] of objectEntries(o)) if (!drop.has(k)) out.set(k, v);
      return out.build();
    },
  },
  {
    name: 'object.filter',
    arity: 2,
    impl: (args) => {
      const o = argObject('object.filter', args, 0);
      const keep = keysParam('object.filter', args[1] as Value);
      const out = new ObjectBuilder();
      for (const k of keep.values()) {
        const v = objectGet(o, k);
        if (v !== undefined) out.set(k, v);
      }
      return out.build();
    },
  },
  {
    name: 'object.union',
    arity: 2,
    impl: (args) => merge(argObject('object.union', args, 0), argObject('object.union', args, 1)),
  },
  {
    name: 'object.union_n',
    arity: 1,
    impl: (args) => {
      const arr = argArray('object.union_n', args, 0);
      let acc: Obj = {};
      for (const x of arr) {
        if (!isObject(x)) throw elementTypeError('object.union_n', 1, arr, x, 'object');
        acc = merge(acc, x);
      }
      return acc;
    },
  },
  {
    name: 'object.subset',
    arity: 2,
    impl: (args) => {
      const [sup, sub] = args as [Value, Value];
      if (isObject(sup) && isObject(sub)) return objectSubset(sup, sub);
      if (sup instanceof RSet && sub instanceof RSet) return setSubset(sup, sub);
      if (Array.isArray(sup) && Array.isArray(sub)) return arraySubset(sup, sub);
      if (Array.isArray(sup) && sub instanceof RSet) return arraySetSubset(sup, sub);
      throw new BuiltinTypeError('object.subset', 'both arguments object.subset must be of the same type or array and set');
    },
  },
];
