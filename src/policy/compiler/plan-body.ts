/**
 * Bodies and literals. A body is first reordered for safety (reorder.ts), then planned literal
 * by literal in continuation-passing style. Negation and `every` record success in a flag local
 * (ResetLocal / BlockStmt / IsUndefined) so iteration inside them means "some solution exists".
 */
import type { Literal, Term } from '../syntax/ast.js';
import { createCompileError } from './compile-error.js';
import { hoistNegated } from './hoist-negated.js';
import { planCall, statementCalls } from './plan-call.js';
import { planTerm, planTerms, planUnify, unifyLocal } from './plan-term.js';
import { planWith } from './plan-with.js';
import type { K, Planner, Scope } from './planner.js';
import { reorderBody } from './reorder.js';

/** Orders a body for safety given the variables bound in `s`. */
export function prepareBody(pl: Planner, body: Literal[], s: Scope, extraBound: Iterable<string> = []): Literal[] {
  return reorderBody(body, new Set([...s.keys(), ...extraBound]), pl.arityOf, pl.errors).body;
}

export function planBody(pl: Planner, body: Literal[], s: Scope, k: K, i = 0): void {
  if (i === body.length) return k(s);
  const lit = body[i]!;
  // OPA's coverage counts an expression when it is evaluated (its Eval event), whether or not
  // any work happens at its line: `out := value` only names a value, `r := {` builds from the
  // lines below. A NopStmt at its line stands for that event; it is dropped again when the
  // literal's first statement is at that line anyway. Not for `some x` (OPA leaves declarations
  // out of coverage) nor a head's arguments (a head counts only when its body succeeds).
  const mark = lit.expr.kind !== 'some' && !pl.headArgs.has(lit);
  markIndexable(pl, lit);
  const block = pl.currentStmts;
  const at = block.length;
  if (mark) {
    pl.span = lit.span;
    pl.emit('NopStmt', {});
  }
  planLiteral(pl, lit, s, (s2) => planBody(pl, body, s2, k, i + 1));
  const next = block[at + 1];
  if (mark && next !== undefined && next.stmt.row === lit.span.line && next.stmt.file === block[at]!.stmt.file) block.splice(at, 1);
}

/** OPA's getComprehensionIndex looks only at `<var> = <comprehension>`, not negated, without `with`. */
function markIndexable(pl: Planner, lit: Literal): void {
  const e = lit.expr;
  if (lit.negated || lit.with.length > 0 || (e.kind !== 'assign' && e.kind !== 'unify')) return;
  const isComp = (t: Term): boolean => t.kind === 'arraycomp' || t.kind === 'setcomp' || t.kind === 'objectcomp';
  if (e.lhs.kind === 'var' && isComp(e.rhs)) pl.indexable.add(e.rhs);
  else if (e.rhs.kind === 'var' && isComp(e.lhs)) pl.indexable.add(e.lhs);
}

export function planLiteral(pl: Planner, lit: Literal, s: Scope, k: K): void {
  pl.span = lit.span;
  if (lit.with.length > 0) return planWith(pl, lit, s, k);
  if (lit.negated) return planNot(pl, lit, s, k);
  const e = lit.expr;
  switch (e.kind) {
    case 'some':
      return k(s);
    case 'term':
      return planExprTerm(pl, e.term, s, k);
    case 'assign':
    case 'unify':
      return planUnify(pl, e.lhs, e.rhs, s, k);
    case 'somein':
      return planTerm(pl, e.coll, s, (op, s2) => {
        const src = pl.toLocal(op);
        const kl = pl.local();
        const vl = pl.local();
        const block = pl.block(() => {
          const bindValue = (s3: Scope): void => unifyLocal(pl, e.value, vl, s3, k);
          if (e.key) unifyLocal(pl, e.key, kl, s2, bindValue);
          else bindValue(s2);
        });
        pl.emit('ScanStmt', { source: src, key: kl, value: vl, block });
      });
    case 'every':
      return planEvery(pl, e, s, k);
  }
}

// generated names start with `$`, which no Rego variable can
let hoisted = 0;
const freshVar = (): string => `$not${hoisted++}`;

/**
 * `not expr`: true when expr has no solution. The operands OPA evaluates before the negation
 * (hoist-negated.ts) are planned first, outside it: when one is undefined, so is the `not`.
 * Under `import future.keywords.not` (OPA 1.17, lit.scopedNot) nothing is lifted: the whole
 * expression is the negated body, so `not f(input.missing)` is true.
 */
function planNot(pl: Planner, lit: Literal, s: Scope, k: K): void {
  const { pre, lit: inner } = lit.scopedNot ? { pre: [], lit } : hoistNegated(lit, freshVar);
  planBody(pl, pre, s, (s2) => {
    const flag = pl.local();
    pl.span = lit.span;
    pl.emit('ResetLocalStmt', { target: flag });
    pl.sub(() => planLiteral(pl, { ...inner, negated: false }, s2, () => pl.emit('AssignVarStmt', { source: { type: 'bool', value: true }, target: flag })));
    pl.span = lit.span;
    pl.emit('IsUndefinedStmt', { source: flag });
    k(s);
  });
}

/** `every k, v in xs { body }`: no element of xs for which body has no solution. */
function planEvery(pl: Planner, e: Literal['expr'] & { kind: 'every' }, s: Scope, k: K): void {
  planTerm(pl, e.coll, s, (op, s2) => {
    const src = pl.toLocal(op);
    const failed = pl.local();
    pl.emit('ResetLocalStmt', { target: failed });
    const kl = pl.local();
    const vl = pl.local();
    const block = pl.block(() => {
      const ok = pl.local();
      pl.emit('ResetLocalStmt', { target: ok });
      pl.sub(() => {
        const run = (s3: Scope): void => {
          const body = prepareBody(pl, e.body, s3);
          planBody(pl, body, s3, () => pl.emit('AssignVarStmt', { source: { type: 'bool', value: true }, target: ok }));
        };
        const bindValue = (s3: Scope): void => unifyLocal(pl, e.value, vl, s3, run);
        if (e.key) unifyLocal(pl, e.key, kl, s2, bindValue);
        else bindValue(s2);
      });
      pl.emit('IsUndefinedStmt', { source: ok });
      pl.emit('AssignVarStmt', { source: { type: 'bool', value: true }, target: failed });
    });
    pl.emit('ScanStmt', { source: src, key: kl, value: vl, block });
    pl.emit('IsUndefinedStmt', { source: failed });
    k(s2);
  });
}

/**
 * A term used as a literal holds when it is defined and not false. `a == b` / `a != b` plan as
 * Equal/NotEqual statements; a call with one operand more than its arity binds its result.
 */
function planExprTerm(pl: Planner, t: Term, s: Scope, k: K): void {
  if (t.kind === 'call') {
    const name = t.fn.join('.');
    if (t.args.length === 2 && (name === 'equal' || name === 'neq') && !pl.mocks.fns.has(name)) {
      planTerms(pl, t.args, s, ([a, b], s2) => {
        pl.span = t.span;
        pl.emit(name === 'equal' ? 'EqualStmt' : 'NotEqualStmt', { a: a!, b: b! });
        k(s2);
      });
      return;
    }
    const n = pl.arityOf(t);
    if (n !== undefined && n >= 0 && t.args.length === n + 1) {
      planCall(pl, t, s, (r, s2) => unifyLocal(pl, t.args[n]!, r, s2, k), t.args.slice(0, n));
      return;
    }
  }
  if (t.kind === 'call') statementCalls.add(t);
  if (t.kind === 'var' && !s.has(t.name) && t.name !== 'input' && t.name !== 'data') {
    pl.errors.push(createCompileError('REGO_ERR_UNSAFE_VAR', `var ${t.name} is unsafe`, t.span));
    return;
  }
  planTerm(pl, t, s, (op, s2) => {
    pl.span = t.span;
    pl.emit('NotEqualStmt', { a: op, b: { type: 'bool', value: false } });
    k(s2);
  });
}
