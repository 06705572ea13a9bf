/**
 * `opa fmt` writes a call of an operator's builtin by name as the operator (OPA format.go
 * writeFunctionCall / writeCall print every builtin that has an `Infix` infix): `equal(a, b)` is
 * `a == b`, `plus(x, 1)` is `x + 1`, `internal.member_2(x, xs)` is `x in xs`. A call that
 * also names its output, one argument more than the builtin's arity, is written as the
 * unification it is: `plus(1, 2, x)` is `x = 1 + 2`. A call with any other number of arguments
 * stays a call (OPA refuses to format it, see README "opa compatibility").
 *
 * OPA's parser makes the same AST of both spellings, and so does regate's up to the `op`
 * marker this pass sets, so the output plans as the input did. `eq` and `assign` are
 * already `=` / `:=` expressions when parsed (syntax/parse-expr.ts).
 *
 * @example
 *   sugarInfixCalls(mod); // `neq(y, 2)` in mod now formats as `y != 2`
 */
import type { Expr, Literal, Module, Term } from '../syntax/ast.js';
import { walkBody, walkRule, type Visitor } from '../syntax/walk.js';

/** The builtins OPA declares with an infix operator (ast/builtins.go `Infix:`), by name. */
const INFIX: Readonly<Record<string, string>> = {
  equal: '==',
  neq: '!=',
  lt: '<',
  lte: '<=',
  gt: '>',
  gte: '>=',
  plus: '+',
  minus: '-',
  mul: '*',
  div: '/',
  rem: '%',
  and: '&',
  or: '|',
  'internal.member_2': 'in',
  'internal.member_3': 'in',
};

/** Arity of each operator's builtin: the two membership calls take 2 and 3, the rest 2. */
function arityOf(name: string): number {
  return name === 'internal.member_3' ? 3 : 2;
}

function infixOf(t: Term): { op: string; arity: number } | undefined {
  if (t.kind !== 'call' || t.op !== undefined) return undefined;
  const name = t.fn.join('.');
  const op = Object.hasOwn(INFIX, name) ? INFIX[name] : undefined;
  return op === undefined ? undefined : { op, arity: arityOf(name) };
}

/** An output-naming operator call as an expression, `x = 1 + 2`; undefined for anything else. */
function asUnification(e: Expr): Expr | undefined {
  if (e.kind !== 'term') return undefined;
  const t = e.term;
  const inf = infixOf(t);
  // OPA prints `c = a in b` for internal.member_2(a, b, c) too, but `k, v in xs` has no such form
  if (t.kind !== 'call' || inf === undefined || inf.op === 'in' || t.args.length !== inf.arity + 1) return undefined;
  const out = t.args[inf.arity]!;
  const call: Term = { ...t, args: t.args.slice(0, inf.arity), op: inf.op };
  return { kind: 'unify', lhs: out, rhs: call, span: e.span };
}

/** Marks every operator call written by name in `mod` as infix (mutates the formatter's own parse). */
export function sugarInfixCalls(mod: Module): void {
  const v: Visitor = {
    literal: (l: Literal) => {
      const u = asUnification(l.expr);
      if (u !== undefined) l.expr = u;
      // `not { … }` keeps the body as written beside what is planned; the formatter prints that one
      if (l.notBody) walkBody(l.notBody, v);
    },
    term: (t: Term) => {
      const inf = infixOf(t);
      if (t.kind === 'call' && inf !== undefined && t.args.length === inf.arity) t.op = inf.op;
    },
  };
  for (const r of mod.rules) walkRule(r, v);
}
