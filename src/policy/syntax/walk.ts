/**
 * Walks the AST of a rule: every term (depth first, closures and `every` bodies included) and
 * every expression. For checks that look at the whole of a module (strict mode, v1 checks).
 *
 * @example
 *   walkRule(rule, { term: (t) => { if (t.kind === 'call') names.push(t.fn.join('.')); } });
 */
import type { Expr, Literal, Rule, Term } from './ast.js';

export interface Visitor {
  term?: (t: Term) => void;
  expr?: (e: Expr) => void;
  literal?: (l: Literal) => void;
}

export function walkTerm(t: Term, v: Visitor): void {
  v.term?.(t);
  switch (t.kind) {
    case 'ref':
      walkTerm(t.head, v);
      t.path.forEach((x) => walkTerm(x, v));
      return;
    case 'array':
    case 'set':
      t.items.forEach((x) => walkTerm(x, v));
      return;
    case 'object':
      t.entries.forEach(([k, x]) => (walkTerm(k, v), walkTerm(x, v)));
      return;
    case 'call':
      t.args.forEach((x) => walkTerm(x, v));
      return;
    case 'arraycomp':
    case 'setcomp':
      walkTerm(t.term, v);
      walkBody(t.body, v);
      return;
    case 'objectcomp':
      walkTerm(t.key, v);
      walkTerm(t.value, v);
      walkBody(t.body, v);
      return;
    case 'template':
      t.parts.forEach((p) => (typeof p === 'string' ? undefined : walkTerm(p, v)));
      return;
    default:
      return;
  }
}

export function walkExpr(e: Expr, v: Visitor): void {
  v.expr?.(e);
  switch (e.kind) {
    case 'term':
      return walkTerm(e.term, v);
    case 'assign':
    case 'unify':
      walkTerm(e.lhs, v);
      return walkTerm(e.rhs, v);
    case 'some':
      return e.vars.forEach((x) => walkTerm(x, v));
    case 'somein':
      if (e.key) walkTerm(e.key, v);
      walkTerm(e.value, v);
      return walkTerm(e.coll, v);
    case 'every':
      if (e.key) walkTerm(e.key, v);
      walkTerm(e.value, v);
      walkTerm(e.coll, v);
      return walkBody(e.body, v);
  }
}

export function walkBody(body: readonly Literal[], v: Visitor): void {
  for (const l of body) {
    v.literal?.(l);
    walkExpr(l.expr, v);
    for (const w of l.with) (walkTerm(w.target, v), walkTerm(w.value, v));
  }
}

export function walkRule(r: Rule, v: Visitor): void {
  r.ref.forEach((x) => walkTerm(x, v));
  r.args?.forEach((x) => walkTerm(x, v));
  if (r.contains) walkTerm(r.contains, v);
  if (r.value) walkTerm(r.value, v);
  walkBody(r.body, v);
  for (const e of r.elses) {
    if (e.value) walkTerm(e.value, v);
    walkBody(e.body, v);
  }
}
