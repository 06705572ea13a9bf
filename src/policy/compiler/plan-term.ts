/**
 * Terms to IR: scalars, composites, refs (Dot/Scan), calls and closures. Each function takes a
 * continuation that receives the operand holding the value and the scope (refs with unbound
 * key variables iterate, so the continuation runs inside a ScanStmt once per element).
 */
import type { ArrayCompTerm, ArrayTerm, CallTerm, Literal, ObjectTerm, SetCompTerm, StringTerm, Term } from '../syntax/ast.js';
import { compareStrings } from '../value/types.js';
import type { Local, Operand } from '../ir/types.js';
import { createCompileError } from './compile-error.js';
import { planBody, prepareBody } from './plan-body.js';
import { comprehensionIndexKeys, planComprehensionIndex, type PlanElement } from './comprehension-index.js';
import { planDataRef } from './plan-data.js';
import { planCall } from './plan-call.js';
import { bind, type K, type KOp, type Planner, type Scope } from './planner.js';
import { allVars, inputVars, isRoot, isWildcard, literalVars, pairObjects, pairObjectsByTerm } from './vars.js';

/** Can `t` be evaluated in scope `s` (all vars it reads are bound)? */
export const evaluable = (t: Term, s: Scope): boolean => [...inputVars(t)].every((v) => s.has(v));

export function planTerm(pl: Planner, t: Term, s: Scope, k: KOp): void {
  switch (t.kind) {
    case 'null': {
      const l = pl.local();
      pl.emit('MakeNullStmt', { target: l });
      return k({ type: 'local', value: l }, s);
    }
    case 'bool':
      return k({ type: 'bool', value: t.value }, s);
    case 'string':
      return k(pl.str(t.value), s);
    case 'number':
      return k({ type: 'local', value: planNumber(pl, t.text) }, s);
    case 'var': {
      if (t.name === 'input') {
        // input may be absent: a term using it is then undefined
        pl.emit('IsDefinedStmt', { source: 0 });
        return k({ type: 'local', value: 0 }, s);
      }
      if (t.name === 'data') return planDataRef(pl, [], s, (l, s2) => k({ type: 'local', value: l }, s2));
      const l = s.get(t.name);
      if (l === undefined) {
        // a comprehension head's generated variable is unbound only when the literal binding it
        // was unsafe, and that literal's own variables were reported (headIntoBody)
        if (t.name.startsWith('$comp')) return;
        pl.errors.push(createCompileError('REGO_ERR_UNSAFE_VAR', `var ${isWildcard(t.name) ? '_' : t.name.replace(/\$\d+$/, '')} is unsafe`, t.span));
        return;
      }
      return k({ type: 'local', value: l }, s);
    }
    case 'ref':
      if (t.head.kind === 'var' && !isRoot(t.head.name) && !t.head.name.startsWith('$comp') && s.get(t.head.name) === undefined) {
        // a ref on an unbound variable (only a rule head's terms get here unsafe: bodies are
        // ordered first): OPA's head safety check names every unbound variable of the head,
        // the ref's keys too (`p contains dead[i]`: dead and i)
        for (const v of allVars(t)) {
          if (s.get(v) !== undefined || v.startsWith('$comp')) continue;
          pl.errors.push(createCompileError('REGO_ERR_UNSAFE_VAR', `var ${isWildcard(v) ? '_' : v.replace(/\$\d+$/, '')} is unsafe`, t.span));
        }
        return;
      }
      return planRef(pl, t.head, t.path, s, (l, s2) => k({ type: 'local', value: l }, s2));
    case 'array':
      return planTerms(pl, t.items, s, (ops, s2) => {
        const l = pl.local();
        pl.emit('MakeArrayStmt', { capacity: ops.length, target: l });
        for (const op of ops) pl.emit('ArrayAppendStmt', { array: l, value: op });
        k({ type: 'local', value: l }, s2);
      });
    case 'set':
      return planTerms(pl, t.items, s, (ops, s2) => {
        const l = pl.local();
        pl.emit('MakeSetStmt', { target: l });
        for (const op of ops) pl.emit('SetAddStmt', { set: l, value: op });
        k({ type: 'local', value: l }, s2);
      });
    case 'object': {
      const order = insertionOrder(t.entries);
      return planTerms(pl, t.entries.flat(), s, (ops, s2) => {
        const l = pl.local();
        pl.emit('MakeObjectStmt', { target: l });
        for (const i of order) pl.emit('ObjectInsertStmt', { object: l, key: ops[2 * i]!, value: ops[2 * i + 1]! });
        k({ type: 'local', value: l }, s2);
      });
    }
    case 'call':
      return planCall(pl, t, s, (l, s2) => k({ type: 'local', value: l }, s2));
    case 'arraycomp':
    case 'setcomp':
    case 'objectcomp':
      return k({ type: 'local', value: planComprehension(pl, t, s) }, s);
    case 'template':
      return planTemplate(pl, t.parts, s, k);
  }
}

/** Integers that fit a double exactly use MakeNumberIntStmt; everything else keeps its text. */
export function planNumber(pl: Planner, text: string): Local {
  const l = pl.local();
  if (/^-?\d+$/.test(text) && Math.abs(Number(text)) <= Number.MAX_SAFE_INTEGER) {
    pl.emit('MakeNumberIntStmt', { target: l, value: Number(text) });
  } else {
    pl.emit('MakeNumberRefStmt', { Index: pl.strIndex(text), target: l });
  }
  return l;
}

/**
 * Evaluates terms left to right, except that a term reading a variable bound by a later term's
 * ref iteration (`f(x, xs[x])`) waits for it — OPA counts such vars as outputs of the expression.
 * A run of constant terms is planned in a loop, not through continuations: a policy holding a
 * large literal (a 4,000-line JSON Schema as one object) otherwise took a few stack frames per
 * term and overflowed the stack.
 */
export function planTerms(pl: Planner, ts: Term[], s: Scope, k: (ops: Operand[], s: Scope) => void, acc: (Operand | undefined)[] = ts.map(() => undefined)): void {
  let own = acc;
  for (;;) {
    const todo = own.findIndex((op, i) => op === undefined && evaluable(ts[i]!, s));
    const next = todo >= 0 ? todo : own.findIndex((op, i) => op === undefined && ts[i]!.kind !== 'var');
    const pick = next >= 0 ? next : own.findIndex((op) => op === undefined);
    if (pick < 0) return k(own as Operand[], s);
    const t = ts[pick]!;
    if (own === acc) own = [...acc];
    if (isConstant(t)) {
      own[pick] = planConstant(pl, t, s);
      continue;
    }
    const before = own;
    return planTerm(pl, t, s, (op, s2) => {
      const acc2 = [...before];
      acc2[pick] = op;
      planTerms(pl, ts, s2, k, acc2);
    });
  }
}

/** A literal built of scalars only: planning it binds nothing and continues exactly once. */
function isConstant(t: Term): boolean {
  switch (t.kind) {
    case 'null':
    case 'bool':
    case 'string':
    case 'number':
      return true;
    case 'array':
    case 'set':
      return t.items.every(isConstant);
    case 'object':
      return t.entries.every(([key, value]) => isConstant(key) && isConstant(value));
    default:
      return false;
  }
}

function planConstant(pl: Planner, t: Term, s: Scope): Operand {
  let out: Operand | undefined;
  planTerm(pl, t, s, (op) => {
    out = op;
  });
  if (out === undefined) throw new Error('a constant term did not plan to an operand');
  return out;
}

/** A ref `head.path…`: rooted at data (virtual documents), input, a local or any term. */
export function planRef(pl: Planner, head: Term, path: Term[], s: Scope, k: (l: Local, s: Scope) => void): void {
  if (head.kind === 'var' && head.name === 'data') return planDataRef(pl, path, s, k);
  planTerm(pl, head, s, (op, s2) => applyPath(pl, pl.toLocal(op), path, 0, s2, k));
}

/** Dot for keys that can be evaluated, Scan (binding the key pattern) otherwise. */
export function applyPath(pl: Planner, src: Local, path: Term[], i: number, s: Scope, k: (l: Local, s: Scope) => void): void {
  if (i === path.length) return k(src, s);
  const key = path[i]!;
  if (evaluable(key, s)) {
    planTerm(pl, key, s, (kop, s2) => {
      const t = pl.local();
      pl.emit('DotStmt', { source: { type: 'local', value: src }, key: kop, target: t });
      applyPath(pl, t, path, i + 1, s2, k);
    });
    return;
  }
  const kl = pl.local();
  const vl = pl.local();
  const block = pl.block(() => unifyLocal(pl, key, kl, s, (s2) => applyPath(pl, vl, path, i + 1, s2, k)));
  pl.emit('ScanStmt', { source: src, key: kl, value: vl, block });
}

/** Unifies the pattern `p` with the value in local `v`, binding p's unbound variables. */
export function unifyLocal(pl: Planner, p: Term, v: Local, s: Scope, k: K): void {
  if (p.kind === 'var' && p.name !== 'input' && p.name !== 'data') {
    if (isWildcard(p.name)) return k(s);
    const b = s.get(p.name);
    if (b === undefined) {
      // input/data locals change under `with`; a variable keeps the value it was bound to
      if (v <= 1) {
        const c = pl.local();
        pl.emit('AssignVarStmt', { source: { type: 'local', value: v }, target: c });
        return k(bind(s, p.name, c));
      }
      return k(bind(s, p.name, v));
    }
    pl.emit('EqualStmt', { a: { type: 'local', value: b }, b: { type: 'local', value: v } });
    return k(s);
  }
  if (evaluable(p, s)) {
    planTerm(pl, p, s, (op, s2) => {
      pl.emit('EqualStmt', { a: op, b: { type: 'local', value: v } });
      k(s2);
    });
    return;
  }
  if (p.kind === 'array') {
    pl.emit('IsArrayStmt', { source: { type: 'local', value: v } });
    const n = pl.local();
    pl.emit('LenStmt', { source: { type: 'local', value: v }, target: n });
    pl.emit('EqualStmt', { a: { type: 'local', value: n }, b: { type: 'local', value: planNumber(pl, String(p.items.length)) } });
    const step = (i: number, s2: Scope): void => {
      if (i === p.items.length) return k(s2);
      const e = pl.local();
      pl.emit('DotStmt', { source: { type: 'local', value: v }, key: { type: 'local', value: planNumber(pl, String(i)) }, target: e });
      unifyLocal(pl, p.items[i]!, e, s2, (s3) => step(i + 1, s3));
    };
    return step(0, s);
  }
  if (p.kind === 'object') {
    pl.emit('IsObjectStmt', { source: { type: 'local', value: v } });
    const n = pl.local();
    pl.emit('LenStmt', { source: { type: 'local', value: v }, target: n });
    pl.emit('EqualStmt', { a: { type: 'local', value: n }, b: { type: 'local', value: planNumber(pl, String(p.entries.length)) } });
    const step = (i: number, s2: Scope): void => {
      if (i === p.entries.length) return k(s2);
      const [kt, vt] = p.entries[i]!;
      planTerm(pl, kt, s2, (kop, s3) => {
        const e = pl.local();
        pl.emit('DotStmt', { source: { type: 'local', value: v }, key: kop, target: e });
        unifyLocal(pl, vt, e, s3, (s4) => step(i + 1, s4));
      });
    };
    return step(0, s);
  }
  // a ref/call with unbound key vars: evaluate (iterating) and compare
  planTerm(pl, p, s, (op, s2) => {
    pl.emit('EqualStmt', { a: op, b: { type: 'local', value: v } });
    k(s2);
  });
}

/** `a = b`: pairwise for array literals, otherwise evaluate one side and match the other. */
export function planUnify(pl: Planner, a: Term, b: Term, s: Scope, k: K): void {
  const objPairs = pairObjects(a, b);
  const termPairs = objPairs === undefined ? pairObjectsByTerm(a, b) : undefined;
  if (termPairs === 'mismatch') {
    pl.fail();
    return;
  }
  if ((a.kind === 'array' && b.kind === 'array') || objPairs !== undefined || termPairs !== undefined) {
    if (objPairs === 'mismatch' || (a.kind === 'array' && b.kind === 'array' && a.items.length !== b.items.length)) {
      pl.fail();
      return;
    }
    const pending: (readonly [Term, Term])[] =
      objPairs !== undefined ? [...objPairs] : termPairs !== undefined ? [...termPairs.pairs] : (a as ArrayTerm).items.map((x, i) => [x, (b as ArrayTerm).items[i]!] as const);
    // keys no pair matched (`{k: x} = {j: y}`): compared as objects after the pairs, when the
    // reorder pass has made sure every variable in them is bound
    const rest = termPairs !== undefined && (termPairs.restA as ObjectTerm).entries.length > 0 ? termPairs : undefined;
    const step = (s2: Scope): void => {
      if (pending.length === 0) {
        if (rest === undefined) return k(s2);
        return planTerm(pl, rest.restA, s2, (opA, s3) =>
          planTerm(pl, rest.restB, s3, (opB, s4) => {
            pl.emit('EqualStmt', { a: opA, b: opB });
            k(s4);
          }),
        );
      }
      let idx = pending.findIndex(([x, y]) => evaluable(x, s2) || evaluable(y, s2));
      if (idx < 0) idx = 0;
      const [x, y] = pending.splice(idx, 1)[0]!;
      planUnify(pl, x, y, s2, step);
    };
    return step(s);
  }
  const evA = evaluable(a, s);
  const evB = evaluable(b, s);
  if (evA && evB) {
    planTerm(pl, a, s, (opA, s2) =>
      planTerm(pl, b, s2, (opB, s3) => {
        pl.emit('EqualStmt', { a: opA, b: opB });
        k(s3);
      }),
    );
    return;
  }
  // neither side evaluable: a ref whose key variables it binds itself is evaluated (iterating),
  // whichever side it is on — `[v] = [q[k]]` with k and v unbound is OPA's `v = q[k]`
  if (evA || (!evB && evaluableIgnoringKeys(a, s))) {
    planTerm(pl, a, s, (op, s2) => unifyLocal(pl, b, pl.toLocal(op), s2, k));
    return;
  }
  if (!evB && !evaluableIgnoringKeys(b, s)) {
    pl.errors.push(createCompileError('REGO_ERR_UNSAFE_VAR', 'unification of two unbound terms', a.span));
    return;
  }
  planTerm(pl, b, s, (op, s2) => unifyLocal(pl, a, pl.toLocal(op), s2, k));
}

const evaluableIgnoringKeys = (t: Term, s: Scope): boolean => t.kind === 'ref' && evaluable(t.head, s);

/** Array/set/object comprehensions: always defined (possibly empty). */
export function planComprehension(pl: Planner, comp: Term & { kind: 'arraycomp' | 'setcomp' | 'objectcomp' }, s: Scope): Local {
  const l = pl.local();
  if (comp.kind === 'arraycomp') pl.emit('MakeArrayStmt', { capacity: 0, target: l });
  else if (comp.kind === 'setcomp') pl.emit('MakeSetStmt', { target: l });
  else pl.emit('MakeObjectStmt', { target: l });
  const t = headIntoBody(pl, comp);
  const before = pl.errors.length;
  const body = prepareBody(pl, t.body, s);
  if (pl.errors.length > before) {
    // the body is unsafe, and its variables were reported: OPA checks a comprehension's head
    // only for variables the body does not mention at all (checkComprehensionSafety), so
    // `[v | v = [x | …]; x > 1]` is "var x is unsafe", not v as well
    const inBody = new Set<string>();
    for (const lit of t.body) for (const v of literalVars(lit)) inBody.add(v);
    const head = t.kind === 'objectcomp' ? [t.key, t.value] : [t.term];
    for (const h of head) {
      for (const v of allVars(h)) {
        if (inBody.has(v) || s.get(v) !== undefined || isRoot(v) || v.startsWith('$comp')) continue;
        pl.errors.push(createCompileError('REGO_ERR_UNSAFE_VAR', `var ${isWildcard(v) ? '_' : v.replace(/\$\d+$/, '')} is unsafe`, h.span));
      }
    }
    return l;
  }
  const planElement: PlanElement = (s2, add) => {
    if (t.kind === 'arraycomp') planTerm(pl, t.term, s2, (op, s3) => add((g) => pl.emit('ArrayAppendStmt', { array: g, value: op }), s3));
    else if (t.kind === 'setcomp') planTerm(pl, t.term, s2, (op, s3) => add((g) => pl.emit('SetAddStmt', { set: g, value: op }), s3));
    else {
      planTerm(pl, t.key, s2, (kop, s3) =>
        planTerm(pl, t.value, s3, (vop, s4) => add((g) => pl.emit('ObjectInsertOnceStmt', { object: g, key: kop, value: vop }), s4)),
      );
    }
  };
  const index = comprehensionIndexKeys(pl, comp, t, body, s);
  if (index !== undefined) {
    planComprehensionIndex(pl, t.kind, index.keys, index.body, s, l, (b, s2, k) => planBody(pl, b, s2, k), planElement);
    return l;
  }
  pl.sub(() =>
    planBody(pl, body, s, (s2) => {
      if (t.kind === 'arraycomp') planTerm(pl, t.term, s2, (op) => pl.emit('ArrayAppendStmt', { array: l, value: op }));
      else if (t.kind === 'setcomp') planTerm(pl, t.term, s2, (op) => pl.emit('SetAddStmt', { set: l, value: op }));
      else {
        planTerm(pl, t.key, s2, (kop, s3) =>
          planTerm(pl, t.value, s3, (vop) => pl.emit('ObjectInsertOnceStmt', { object: l, key: kop, value: vop })),
        );
      }
    }),
  );
  return l;
}

/**
 * A comprehension's head is evaluated as part of its body, as OPA rewrites it before checking
 * safety (ast/compile.go): first expandExprTerm moves each call in the head (innermost first)
 * into a literal `f(args…, $t)` appended to the body; then rewriteComprehensionTerms binds a
 * head that still holds a ref or a closure with `$t = head`. So the head can bind what the body
 * reads — `[a[i] | startswith(i, "x")]` and `[sprintf("%s", w[i]) | not f(w[i])]` are safe,
 * a ref's key variable being bound by iterating it — and reordering runs that binding first.
 * A head that is undefined still drops the element: its literal fails.
 */
function headIntoBody<T extends Term & { kind: 'arraycomp' | 'setcomp' | 'objectcomp' }>(pl: Planner, t: T): T {
  const extra: Literal[] = [];
  const fresh = (at: Term): Term => ({ kind: 'var', name: `$comp${++pl.counter.n}`, span: at.span });
  const literal = (expr: Literal['expr'], at: Term): Literal => ({ negated: false, expr, with: [], span: at.span });
  const expandCalls = (x: Term): Term => {
    switch (x.kind) {
      case 'call': {
        // a call OPA would not accept as written keeps its place, so its error stays the same
        if (pl.arityOf(x) !== x.args.length) return x;
        const out = fresh(x);
        extra.push(literal({ kind: 'term', term: { ...x, args: [...x.args.map(expandCalls), out] }, span: x.span }, x));
        return out;
      }
      case 'array':
      case 'set':
        return { ...x, items: x.items.map(expandCalls) };
      case 'object':
        return { ...x, entries: x.entries.map(([k, v]) => [expandCalls(k), expandCalls(v)] as [Term, Term]) };
      default:
        return x;
    }
  };
  const bindFresh = (head: Term): Term => {
    const expanded = expandCalls(head);
    if (!requiresEval(expanded)) return expanded;
    const v = fresh(head);
    extra.push(literal({ kind: 'unify', lhs: v, rhs: expanded, span: head.span }, head));
    return v;
  };
  let out: T;
  if (t.kind === 'objectcomp') {
    const key = bindFresh(t.key);
    out = { ...t, key, value: bindFresh(t.value) };
  } else out = { ...t, term: bindFresh((t as ArrayCompTerm | SetCompTerm).term) };
  return extra.length === 0 ? t : { ...out, body: [...t.body, ...extra] };
}

/** ast.requiresEval: does evaluating `t` need more than reading variables? */
function requiresEval(t: Term): boolean {
  switch (t.kind) {
    case 'var':
      return t.name === 'input' || t.name === 'data';
    case 'array':
    case 'set':
      return t.items.some(requiresEval);
    case 'object':
      return t.entries.some(([k, v]) => requiresEval(k) || requiresEval(v));
    case 'null':
    case 'bool':
    case 'number':
    case 'string':
      return false;
    default:
      return true;
  }
}

/**
 * `$"…{e}…"` → internal.template_string([parts]); like OPA, a non-scalar expression is wrapped
 * in a set comprehension so an undefined one renders as `<undefined>` instead of failing.
 */
function planTemplate(pl: Planner, parts: (string | Term)[], s: Scope, k: KOp): void {
  const ops: Operand[] = [];
  for (const p of parts) {
    if (typeof p === 'string') ops.push(pl.str(p));
    else if (p.kind === 'string') ops.push(pl.str(p.value));
    else if (p.kind === 'bool') ops.push({ type: 'bool', value: p.value });
    else if (p.kind === 'number' || p.kind === 'null') planTerm(pl, p, s, (op) => ops.push(op));
    else if (p.kind === 'setcomp' && p.templateWith) ops.push({ type: 'local', value: planComprehension(pl, p, s) });
    else ops.push({ type: 'local', value: planComprehension(pl, wrapInSet(p), s) });
  }
  const arr = pl.local();
  pl.emit('MakeArrayStmt', { capacity: ops.length, target: arr });
  for (const op of ops) pl.emit('ArrayAppendStmt', { array: arr, value: op });
  const r = pl.local();
  pl.useBuiltin('internal.template_string', 1);
  pl.emit('CallStmt', { func: 'internal.template_string', args: [{ type: 'local', value: arr }], result: r });
  k({ type: 'local', value: r }, s);
}

export type { CallTerm };

/** `{t | true}`: the set of t's values, empty when t is undefined. */
export function wrapInSet(t: Term): Term & { kind: 'setcomp' } {
  const truth: Term = { kind: 'bool', value: true, span: t.span };
  return { kind: 'setcomp', term: t, body: [{ negated: false, expr: { kind: 'term', term: truth, span: t.span }, with: [], span: t.span }], span: t.span, free: [...allVars(t)] };
}

/**
 * The order an object literal's entries are inserted in: by key when every key is a string
 * constant (a stable sort, so a repeated key still ends with its last value), else as written.
 * Objects are unordered in Rego; this only makes the built object's own key order the order
 * results are reported in (code points), so that a decision leaves the JS back end already in
 * the shape the gateway wants and needs no copy (gateway/authz/load.ts). Values are still
 * evaluated in source order.
 */
function insertionOrder(entries: readonly (readonly [Term, Term])[]): number[] {
  const order = entries.map((_, i) => i);
  if (entries.every(([key]) => key.kind === 'string')) {
    order.sort((a, b) => compareStrings((entries[a]![0] as StringTerm).value, (entries[b]![0] as StringTerm).value) || a - b);
  }
  return order;
}
