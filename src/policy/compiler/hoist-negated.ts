/**
 * What OPA evaluates *outside* a negation. Before planning, OPA's compiler binds the operands of
 * an expression to generated locals placed in front of it (ast/compile.go: RewriteExprTerms lifts
 * nested calls, RewriteDynamicTerms lifts refs), and for `not expr` those bindings are not
 * negated. So the operand of a negated call must be defined for the `not` to hold:
 *
 *   not f(input.missing)       # undefined — `input.missing` is evaluated before the `not`
 *   not count(input.xs) > 0    # undefined when input.xs is — count(…) is lifted
 *   not input.missing == 1     # true — `==` of two operands is unification, whose sides stay
 *   not input.a[input.missing] # undefined — a ref's dynamic key is lifted, the ref is not
 *
 * A wildcard in a lifted operand therefore iterates outside: `not input.xs[_] < 0` holds when some
 * element is not negative. OPA tracks this as open issue #8387; its fix is opt-in
 * (`import future.keywords.not`, OPA 1.17), under which plan-body.ts's planNot skips this.
 *
 * hoistNegated returns those bindings (to plan before the negation) and the literal that reads
 * them. Comprehensions and scalars are left in place: lifting them cannot change the answer.
 *
 * @example
 *   const { pre, lit: rest } = hoistNegated(lit, fresh); // plan `pre`, then `not rest`
 */
import type { Literal, Term, VarTerm } from '../syntax/ast.js';

export function hoistNegated(lit: Literal, fresh: () => string): { pre: Literal[]; lit: Literal } {
  const pre: Literal[] = [];
  const bind = (t: Term): VarTerm => {
    const v: VarTerm = { kind: 'var', name: fresh(), span: t.span };
    pre.push({ negated: false, expr: { kind: 'unify', lhs: v, rhs: t, span: t.span }, with: [], span: t.span });
    return v;
  };

  // a ref's head (when not a variable) and its keys are evaluated first, the ref itself is kept
  const refParts = (t: Term & { kind: 'ref' }): Term => ({
    ...t,
    head: t.head.kind === 'var' ? t.head : bind(elements(t.head)),
    path: t.path.map(lift),
  });

  // the parts of a composite or call operand, lifted one by one
  const elements = (t: Term): Term => {
    switch (t.kind) {
      case 'array':
      case 'set':
        return { ...t, items: t.items.map(lift) };
      case 'object':
        return { ...t, entries: t.entries.map(([k, v]) => [lift(k), lift(v)] as [Term, Term]) };
      case 'call':
        return { ...t, args: t.args.map(lift) };
      default:
        return t;
    }
  };

  // an operand of a call (OPA's rewriteDynamicsOne + expandExprTerm): calls and refs are bound
  const lift = (t: Term): Term => {
    switch (t.kind) {
      case 'call':
        return bind(elements(t));
      case 'ref':
        return bind(refParts(t));
      case 'var':
        // `input` and `data` are refs in OPA's AST; other variables are locals
        return t.name === 'input' || t.name === 'data' ? bind(t) : t;
      case 'array':
      case 'set':
      case 'object':
        return elements(t);
      default:
        return t;
    }
  };

  // a side of a unification or a term used as the expression (OPA's rewriteDynamicsInTerm)
  const side = (t: Term): Term => {
    if (t.kind === 'ref') return refParts(t);
    if (t.kind === 'var') return t;
    return lift(t);
  };

  const e = lit.expr;
  let expr = e;
  if (e.kind === 'term' && e.term.kind === 'call') {
    const call = e.term;
    // `a == b` becomes `a = b` in OPA (RewriteEquals) before the operands are lifted
    const unification = call.fn.length === 1 && call.fn[0] === 'equal' && call.args.length === 2;
    expr = { ...e, term: { ...call, args: call.args.map(unification ? side : lift) } };
  } else if (e.kind === 'term') {
    expr = { ...e, term: side(e.term) };
  } else if (e.kind === 'unify') {
    expr = { ...e, lhs: side(e.lhs), rhs: side(e.rhs) };
  }
  return { pre, lit: { ...lit, expr } };
}
