/**
 * `walk(x)` (OPA topdown/walk.go): every `[path, value]` pair of a document in pre-order —
 * the root with path `[]` first, then children in Rego key order (array indexes, sorted object
 * keys, set members whose "key" is the member itself).
 * The IR calls it with one operand and scans the returned array.
 *
 * Also `graph.reachable` / `graph.reachable_paths` (OPA topdown/reachable.go): graph walks
 * over an adjacency object `{node: [neighbours]}`.
 */
import type { BuiltinDef } from './registry.js';
import { BuiltinError } from '../errors.js';
import { RSet, isObject, objectEntries, objectGet, type Value } from '../value/index.js';
import { argObject, operandTypeError } from './lib/core/args.js';

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
  throw operandTypeError(name, 2, v, 'set', 'array');
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

/** All maximal paths from each start node (OPA: a path ends at a leaf or before a cycle). */
function reachablePaths(args: readonly Value[]): RSet {
  const graph = argObject('graph.reachable_paths', args, 0);
  const out = new RSet();
  let budget = 1_000_000;
  const dfs = (node: Value, path: Value[], onPath: RSet): void => {
    if (--budget < 0) throw new BuiltinError('graph.reachable_paths', 'too many paths');
    if (objectGet(graph, node) === undefined) {
      if (path.length > 0) out.add(path);
      return;
    }
    const next = [...path, node];
    const seen = RSet.of(onPath.values()).add(node);
    const es = edges(graph, node).filter((m) => !seen.has(m));
    if (es.length === 0) {
      out.add(next);
      return;
    }
    for (const m of es) dfs(m, next, seen);
  };
  for (const n of initialNodes('graph.reachable_paths', args[1] as Value)) dfs(n, [], new RSet());
  return out;
}

export const walkBuiltins: BuiltinDef[] = [
  { name: 'walk', arity: 1, impl: (args) => walkValue(args[0] as Value) },
  { name: 'graph.reachable', arity: 2, impl: reachable },
  { name: 'graph.reachable_paths', arity: 2, impl: reachablePaths },
];
