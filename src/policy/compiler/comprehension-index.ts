/**
 * Comprehension indexing, OPA's optimisation for joins (ast/compile.go getComprehensionIndex,
 * topdown/eval.go buildComprehensionCache). In
 *
 *     some o in input.os
 *     id := o.id
 *     rs := [r | some r in input.rs; r.owner == id]
 *
 * the comprehension reads the outer variable `id` only where its own body could bind it. OPA
 * then evaluates the body once with `id` unbound, groups the results by the value `id` takes,
 * and answers each outer binding by looking its group up: O(os + rs) instead of O(os × rs).
 *
 * regate plans the grouped evaluation as a function of (input, data) only — the body reads
 * nothing else — which both back ends memoize per evaluation and per `with` frame, like a rule
 * without arguments — and plans the comprehension itself as a lookup in that function's result (an absent group is
 * the empty collection). Within a group, elements come in the order the body produces them, the
 * order of the unindexed comprehension, because the body is planned in the same literal order.
 *
 * The conditions are OPA's, with two of regate's own that keep the plan identical in meaning:
 * - the literal is `var = comprehension` or `var := comprehension` (either side), not negated,
 *   without `with` (planBody marks it: `Planner.indexable`);
 * - every outer variable the comprehension reads is bound by its body when nothing outside is
 *   bound (OPA: no unsafe vars), and those variables are the index keys (OPA: candidates ∩
 *   outputs; regate's candidates are the variables bound at that point);
 * - no ref in the body has a candidate among its key variables before the body has mentioned
 *   it, nor does `walk`'s output operand (OPA: it "could worsen performance" — a lookup
 *   `data.m[id]` would become an iteration over `data.m`);
 * - no closure nested in the body reads a candidate (OPA: the evaluator cannot close over it);
 * - regate: no `with` of an enclosing literal is being planned (mocked functions and data are
 *   planned into the rule's own functions), and the body orders its literals the same with the
 *   keys unbound as with them bound (so a group's elements keep their order).
 */
import type { Literal, Term } from '../syntax/ast.js';
import type { RegoError } from '../errors.js';
import { COMPREHENSION_INDEX_FUNC_PREFIX, type Local } from '../ir/types.js';
import type { Planner, Scope } from './planner.js';
import { reorderBody } from './reorder.js';
import { allVars, literalTerms } from './vars.js';

type Comp = Term & { kind: 'arraycomp' | 'setcomp' | 'objectcomp' };

/** The `walk` builtin's operand that receives its output (OPA's comprehensionIndexBlacklist). */
const OUTPUT_OPERAND: Record<string, number> = { walk: 1 };

/**
 * The index keys of comprehension `orig` (as written; `t` is it with its head moved into the
 * body, `ordered` that body ordered for scope `s`), sorted, or undefined when it is not indexed.
 * The reordered body to plan with the keys unbound is returned with them.
 */
export function comprehensionIndexKeys(pl: Planner, orig: Comp, t: Comp, ordered: Literal[], s: Scope): { keys: string[]; body: Literal[] } | undefined {
  if (!pl.indexable.has(orig)) return undefined;
  if (pl.mocks.data.length > 0 || pl.mocks.fns.size > 0) return undefined;
  const free = t.free ?? [];
  if (free.length === 0 || free.some((v) => !s.has(v))) return undefined;
  // standalone safety: the body, nothing outside bound, must bind every variable it reads
  const unified = new Map(t.body.map((l) => [l, unifyEquals(l)]));
  const errors: RegoError[] = [];
  const alone = reorderBody([...unified.values()], new Set(), pl.arityOf, errors);
  if (errors.length > 0) return undefined;
  if (free.some((v) => !alone.bound.has(v))) return undefined;
  if (alone.body.length !== ordered.length || alone.body.some((l, i) => l !== unified.get(ordered[i]!))) return undefined;
  const candidates = new Set(s.keys());
  if (worsens(alone.body, candidates) || closesOverCandidate(alone.body, candidates)) return undefined;
  return { keys: [...free].sort(), body: alone.body };
}

/**
 * OPA's rewriteEquals (a compiler stage after the safety check, before comprehension indexing):
 * a literal that is a call of `==` becomes `=`, so `r.owner == id` binds `id` when the body is
 * evaluated for the index, and is the same comparison when `id` is bound.
 */
function unifyEquals(lit: Literal): Literal {
  const e = lit.expr;
  if (e.kind !== 'term' || e.term.kind !== 'call' || e.term.fn.length !== 1 || e.term.fn[0] !== 'equal' || e.term.args.length !== 2) return lit;
  return { ...lit, expr: { kind: 'unify', lhs: e.term.args[0]!, rhs: e.term.args[1]!, span: e.span } };
}

/** OPA's comprehensionIndexRegressionCheckVisitor: terms visited in order, closures skipped. */
function worsens(body: Literal[], candidates: Set<string>): boolean {
  const seen = new Set<string>();
  const fresh = (vs: Set<string>): boolean => [...vs].some((v) => candidates.has(v) && !seen.has(v));
  const visit = (t: Term): boolean => {
    switch (t.kind) {
      case 'var':
        seen.add(t.name);
        return false;
      case 'ref': {
        const keys = new Set<string>();
        for (const p of t.path) allVars(p, keys);
        if (fresh(keys)) return true;
        return visit(t.head) || t.path.some(visit);
      }
      case 'call': {
        const pos = OUTPUT_OPERAND[t.fn.join('.')];
        if (pos !== undefined && t.args[pos] !== undefined && fresh(allVars(t.args[pos]!))) return true;
        return t.args.some(visit);
      }
      case 'array':
      case 'set':
        return t.items.some(visit);
      case 'object':
        return t.entries.some(([k, v]) => visit(k) || visit(v));
      default:
        return false;
    }
  };
  return body.some((lit) => literalTerms(lit).some(visit));
}

/** OPA's comprehensionIndexNestedCandidateVisitor, also for `every` and template strings. */
function closesOverCandidate(body: Literal[], candidates: Set<string>): boolean {
  const reads = (vs: Iterable<string>): boolean => [...vs].some((v) => candidates.has(v));
  const visit = (t: Term): boolean => {
    switch (t.kind) {
      case 'arraycomp':
      case 'setcomp':
      case 'objectcomp':
        return reads(t.free ?? []);
      case 'template':
        return reads(allVars(t));
      case 'ref':
        return visit(t.head) || t.path.some(visit);
      case 'call':
        return t.args.some(visit);
      case 'array':
      case 'set':
        return t.items.some(visit);
      case 'object':
        return t.entries.some(([k, v]) => visit(k) || visit(v));
      default:
        return false;
    }
  };
  return body.some((lit) => (lit.expr.kind === 'every' && reads(lit.expr.free ?? [])) || literalTerms(lit).some(visit));
}

/** Adds one element, planned from the head in scope `s`, to a group: `insert(group)` emits it. */
export type PlanElement = (s: Scope, add: (insert: (group: Local) => void, s: Scope) => void) => void;

/**
 * Plans the function that evaluates `body` once and groups the comprehension's elements by the
 * keys' values (one key: its value; several: the array of their values in sorted-name order),
 * then the lookup of the group for the keys bound in `s` into `target`, which holds the empty
 * collection and keeps it when there is no group.
 */
export function planComprehensionIndex(
  pl: Planner,
  kind: Comp['kind'],
  keys: string[],
  body: Literal[],
  s: Scope,
  target: Local,
  planBodyInto: (body: Literal[], s: Scope, k: (s: Scope) => void) => void,
  planElement: PlanElement,
): void {
  const name = `${COMPREHENSION_INDEX_FUNC_PREFIX}${++pl.counter.n}`;
  const keyOf = (sc: Scope): Local => {
    if (keys.length === 1) return sc.get(keys[0]!)!;
    const k = pl.local();
    pl.emit('MakeArrayStmt', { capacity: keys.length, target: k });
    for (const v of keys) pl.emit('ArrayAppendStmt', { array: k, value: { type: 'local', value: sc.get(v)! } });
    return k;
  };
  const span = pl.span;
  pl.withFunction(2, () => {
    const ret = pl.local();
    const build = pl.block(() => {
      pl.span = span;
      pl.emit('MakeObjectStmt', { target: ret });
      pl.sub(() =>
        planBodyInto(body, new Map(), (s2) =>
          planElement(s2, (insert, s3) => {
            pl.span = span;
            const key: Local = keyOf(s3);
            const group = pl.local();
            pl.emit('ResetLocalStmt', { target: group });
            pl.sub(() => pl.emit('DotStmt', { source: { type: 'local', value: ret }, key: { type: 'local', value: key }, target: group }));
            pl.sub(() => {
              // the first element of its group
              pl.emit('IsUndefinedStmt', { source: group });
              if (kind === 'arraycomp') pl.emit('MakeArrayStmt', { capacity: 0, target: group });
              else if (kind === 'setcomp') pl.emit('MakeSetStmt', { target: group });
              else pl.emit('MakeObjectStmt', { target: group });
            });
            insert(group);
            // entered (again) after the insertion: an insert may replace the collection (the JS
            // back end turns a plain object into a map at its first non-string key)
            pl.emit('ObjectInsertStmt', { object: ret, key: { type: 'local', value: key }, value: { type: 'local', value: group } });
          }),
        ),
      );
    });
    const done = pl.block(() => {
      pl.span = pl.noLocation();
      pl.emit('ReturnLocalStmt', { source: ret });
    });
    pl.funcs.set(name, { name, params: [0, 1], return: ret, blocks: [build, done] });
  });
  pl.span = span;
  const groups = pl.local();
  pl.emit('CallStmt', { func: name, args: [{ type: 'local', value: 0 }, { type: 'local', value: 1 }], result: groups });
  const key = keyOf(s);
  pl.sub(() => {
    const group = pl.local();
    pl.emit('DotStmt', { source: { type: 'local', value: groups }, key: { type: 'local', value: key }, target: group });
    pl.emit('AssignVarStmt', { source: { type: 'local', value: group }, target });
  });
}
