/**
 * `walk(x)` (OPA topdown/walk.go): every `[path, value]` pair of a document in pre-order —
 * the root with path `[]` first, then children in Rego key order (array indexes, sorted object
 * keys, set members whose "key" is the member itself).
 * The IR calls it with one operand and scans the returned array.
 *
 * Also `graph.reachable` / `graph.reachable_paths` (OPA topdown/reachable.go): graph walks
 * over an adjacency object `{node: [neighbours]}`.
 */
import type { BuiltinDef } from '../registry.js';
import { BuiltinError, BuiltinTypeError } from '../../errors.js';
import { RSet, isObject, objectEntries, objectGet, typeName, type Value } from '../../value/index.js';
import { argObject } from '../shared/args.js';

/** Upper bound on emitted pairs, so a pathological document cannot exhaust memory silently. */
const MAX_PAIRS = 50_000_000;

function walkValue(v: Value): Value[] {
  const out: Value[] = [];
  const path: Value[] = [];
  const visit = (x: Value): void => {
    if (out.length >= MAX_PAIRS) throw new BuiltinError('walk', 'document too large');
    out.push([[...path], x]);
    if (Array.isArray(x)) {
      for (let i = 0; i < x.length; i++) {
        path.push(i);
        visit(x[i] as Value);
        path.pop();
      }
    } else if (x instanceof RSet) {
      for (const e of x.values()) {
        path.push(e);
        visit(e);
        path.pop();
      }
    } else if (isObject(x)) {
      for (const [k, e] of objectEntries(x)) {
        path.push(k);
        visit(e);
        path.pop();
      }
    }
  };
  visit(v);
  return out;
}

/** Neighbours of a node: an array or set of node names (null / missing: none). */
function edges(graph: Value, node: Value): readonly Value[] {
  if (!isObject(graph)) return [];
  const e = objectGet(graph, node);
  if (e === undefined || e === null) return [];
  if (Array.isArray(e)) return e;
  if (e instanceof RSet) return e.values();
  return [];
}

function initialNodes(name: string, v: Value): readonly Value[] {
  if (Array.isArray(v)) return v;
  if (v instanceof RSet) return v.values();
  throw new BuiltinTypeError(name, `operand 2 must be {array, set} but got ${typeName(v)}`);
}

function reachable(args: readonly Value[]): RSet {
  const graph = argObject('graph.reachable', args, 0);
  const out = new RSet();
  const queue: Value[] = [...initialNodes('graph.reachable', args[1] as Value)];
  // Breadth-first; every node enters `out` once, so the loop is bounded by the graph's size.
  while (queue.length > 0) {
    const n = queue.shift() as Value;
    if (out.has(n)) continue;
    if (objectGet(graph, n) === undefined) continue;
    out.add(n);
    for (const m of edges(graph, n)) if (!out.has(m)) queue.push(m);
  }
  return out;
}

/**
 * Paths from each start node (OPA pathBuilder): a path ends at a node without edges, before a
 * node missing from the graph, or before a node already reached in this walk.
 */
function reachablePaths(args: readonly Value[]): RSet {
  const graph = argObject('graph.reachable_paths', args, 0);
  const out = new RSet();
  let budget = 1_000_000;
  const build = (root: Value, path: Value[], reached: RSet): void => {
    if (--budget < 0) throw new BuiltinError('graph.reachable_paths', 'too many paths');
    if (objectGet(graph, root) === undefined) {
      out.add(path);
      return;
    }
    const next = [...path, root];
    const es = edges(graph, root);
    if (es.length === 0) {
      out.add(next);
      return;
    }
    // One `reached` set is shared by the whole walk below a start node's neighbour (not
    // copied per branch), which decides where OPA's paths stop.
    reached.add(root);
    for (const m of es) {
      if (reached.has(m)) out.add(next);
      else build(m, next, reached);
    }
  };
  for (const n of initialNodes('graph.reachable_paths', args[1] as Value)) {
    if (objectGet(graph, n) === undefined) continue;
    const es = edges(graph, n);
    if (es.length === 0) out.add([n]);
    for (const m of es) build(m, [n], RSet.of([n]));
  }
  return out;
}

export const walkBuiltins: BuiltinDef[] = [
  { name: 'walk', arity: 1, impl: (args) => walkValue(args[0] as Value) },
  { name: 'graph.reachable', arity: 2, impl: reachable },
  { name: 'graph.reachable_paths', arity: 2, impl: reachablePaths },
];
