/**
 * Path handling shared by json.filter / json.remove / json.patch (OPA topdown/json.go):
 * paths are JSON-pointer strings (`a/b/0`, `~1` → `/`, `~0` → `~`) or arrays of segments, and
 * a list of paths becomes a tree object whose leaves are `null`.
 */
import { BuiltinTypeError } from '../../errors.js';
import { ObjectBuilder, RSet, isObject, objectEntries, objectGet, typeName, type PlainObject, type RObject, type Value } from '../../value/index.js';
import { operandTypeError } from '../shared/args.js';

type Obj = PlainObject | RObject;

/** One path operand element → segments. */
export function parsePath(builtin: string, p: Value): Value[] {
  if (typeof p === 'string') {
    if (p === '') return [];
    return p.replace(/^\/+/, '').split('/').map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'));
  }
  if (Array.isArray(p)) return p;
  throw new BuiltinTypeError(builtin, `operand 2 must be one of {set, array} containing string paths or array of path segments but got ${typeName(p)}`);
}

export function pathsOperand(builtin: string, v: Value): Value[][] {
  if (Array.isArray(v)) return v.map((p) => parsePath(builtin, p));
  if (v instanceof RSet) return v.values().map((p) => parsePath(builtin, p));
  throw operandTypeError(builtin, 2, v, 'set', 'array');
}

/** Mutable tree used while building the path object. */
type Node = Map<string, { key: Value; child: Node | null }>;

function keyOf(v: Value): string {
  return typeof v === 'string' ? v : '\u0001' + JSON.stringify(String(v)) + typeName(v);
}

/** OPA pathsToObject: `{a: {b: null}}` for `a/b`; a shorter path covers longer ones. */
export function pathsToTree(paths: Value[][]): Value {
  const root: Node = new Map();
  for (const path of paths) {
    if (path.length === 0) continue;
    let node = root;
    let done = false;
    for (let i = 0; i < path.length - 1 && !done; i++) {
      const k = path[i] as Value;
      const e = node.get(keyOf(k));
      if (!e) {
        const child: Node = new Map();
        node.set(keyOf(k), { key: k, child });
        node = child;
      } else if (e.child === null) done = true;
      else node = e.child;
    }
    if (!done) {
      const k = path[path.length - 1] as Value;
      node.set(keyOf(k), { key: k, child: null });
    }
  }
  const build = (n: Node): Value => {
    const b = new ObjectBuilder();
    for (const { key, child } of n.values()) b.set(key, child === null ? null : build(child));
    return b.build();
  };
  return build(root);
}

/** ast.Object.Filter: keep only what the filter tree names (a `null` leaf keeps the subtree). */
export function filterByTree(builtin: string, v: Value, filter: Value): Value {
  if (filter === null) return v;
  if (!isObject(filter)) throw new BuiltinTypeError(builtin, 'invalid filter value, expected an object');
  if (Array.isArray(v)) {
    const out: Value[] = [];
    for (let i = 0; i < v.length; i++) {
      const sub = objectGet(filter, String(i));
      if (sub !== undefined) out.push(filterByTree(builtin, v[i] as Value, sub));
    }
    return out;
  }
  if (v instanceof RSet) {
    const out = new RSet();
    for (const e of v.values()) {
      const sub = objectGet(filter, e);
      if (sub !== undefined) out.add(filterByTree(builtin, e, sub));
    }
    return out;
  }
  if (isObject(v)) {
    const b = new ObjectBuilder();
    for (const [k, x] of objectEntries(v)) {
      const sub = objectGet(filter, k);
      if (sub !== undefined) b.set(k, filterByTree(builtin, x, sub));
    }
    return b.build();
  }
  return v;
}

/** OPA jsonRemove: drop what the tree's `null` leaves name; arrays close the gaps. */
export function removeByTree(v: Value, tree: Value | undefined): Value | undefined {
  if (tree === undefined) return v;
  if (tree === null) return undefined;
  if (!isObject(tree)) return v;
  if (Array.isArray(v)) {
    const out: Value[] = [];
    for (let i = 0; i < v.length; i++) {
      const r = removeByTree(v[i] as Value, objectGet(tree, String(i)));
      if (r !== undefined) out.push(r);
    }
    return out;
  }
  if (v instanceof RSet) {
    const out = new RSet();
    for (const e of v.values()) {
      const r = removeByTree(e, objectGet(tree, e));
      if (r !== undefined) out.add(r);
    }
    return out;
  }
  if (isObject(v)) {
    const b = new ObjectBuilder();
    for (const [k, x] of objectEntries(v as Obj)) {
      const r = removeByTree(x, objectGet(tree, k));
      if (r !== undefined) b.set(k, r);
    }
    return b.build();
  }
  return v;
}
