/**
 * Body literals: `[not] expr [with t as v]…` where expr is a term, `a := b`, `a = b`,
 * `some x, y`, `some [k,] v in xs`, `every [k,] v in xs { … }` or `k, v in xs`.
 * Literals are separated by `;` or newlines.
 */
import type { Expr, Literal, Term, VarTerm, With } from './ast.js';
import { parseTerm, parseTermIn, parseTermRelation } from './parse-term.js';
import type { Parser } from './parser.js';

/** Parses literals up to (not including) the punctuation `closer`, or to end of input. */
export function parseBody(p: Parser, closer: string | undefined): Literal[] {
  const out: Literal[] = [];
  const saved = p.nesting;
  p.nesting = 0;
  try {
    for (;;) {
      while (p.acceptPunct(';'));
      const t = p.peek();
      if (t.kind === 'eof' || (closer !== undefined && p.isPunct(closer))) break;
      out.push(parseLiteral(p));
      const after = p.peek();
      if (after.kind === 'eof' || (closer !== undefined && p.isPunct(closer)) || p.isPunct(';') || after.nlBefore) continue;
      throw p.unexpected('expected end of expression');
    }
  } finally {
    p.nesting = saved;
  }
  if (out.length === 0 && closer !== undefined) throw p.error('REGO_ERR_PARSE_UNEXPECTED', 'found empty body');
  return out;
}

export function parseLiteral(p: Parser): Literal {
  const start = p.peek().span;
  // a keyword directly followed by `.` is a ref to a rule of that name (`not.foo == 1`)
  const kwRef = p.isPunct('.', 1) && !p.peek(1).wsBefore;
  if (kwRef) return { negated: false, expr: parseExpr(p), with: parseWiths(p), span: start };
  if (p.isIdent('some')) return { negated: false, expr: parseSome(p), with: parseWiths(p), span: start };
  if (p.isKeyword('every')) return { negated: false, expr: parseEvery(p), with: parseWiths(p), span: start };
  let negated = false;
  if (p.isIdent('not')) {
    p.next();
    negated = true;
    // OPA parseLiteral: `some` and `every` declare; there is nothing to negate
    if (p.isIdent('some') && !(p.isPunct('.', 1) && !p.peek(1).wsBefore)) throw p.unexpected("illegal negation of 'some'");
    if (p.isKeyword('every') && !(p.isPunct('.', 1) && !p.peek(1).wsBefore)) throw p.unexpected("illegal negation of 'every'");
    // OPA 1.17 `not { … }`: a negated conjunction, its `:=` locals its own. Planned as the negation
    // of `[true | body][0]`, a comprehension having the same scoping and no solution exactly when
    // the body has none (scoped, so nothing of it is lifted out: Literal.scopedNot).
    if (p.notBodies && p.isPunct('{')) {
      const open = p.next().span;
      const body = parseBody(p, '}');
      const span = { ...open, endLine: p.expectPunct('}').span.line };
      const comp: Term = { kind: 'arraycomp', term: { kind: 'bool', value: true, span: open }, body, span };
      const expr: Expr = { kind: 'term', term: { kind: 'ref', head: comp, path: [{ kind: 'number', text: '0', span: open }], span }, span };
      return { negated, scopedNot: true, notBody: body, expr, with: parseWiths(p), span: start };
    }
  }
  const expr = parseExpr(p);
  return { negated, expr, with: parseWiths(p), span: start };
}

function parseExpr(p: Parser): Expr {
  const span = p.peek().span;
  const lhs = parseTermIn(p, { keyValue: true });
  if (p.isPunct(':=')) {
    p.next();
    // the right side is OPA's parseTermInfixCall, where `k, v in xs` is allowed too
    return { kind: 'assign', lhs, rhs: parseTermIn(p, { keyValue: true }), span };
  }
  if (p.isPunct('=')) {
    p.next();
    return { kind: 'unify', lhs, rhs: parseTermIn(p, { keyValue: true }), span };
  }
  return { kind: 'term', term: lhs, span };
}

function parseSome(p: Parser): Expr {
  const span = p.next().span;
  const first = parseTermRelation(p);
  if (p.isKeyword('in')) {
    p.next();
    return { kind: 'somein', value: first, coll: parseTermRelation(p), span };
  }
  const vars: Term[] = [first];
  while (p.acceptPunct(',')) vars.push(parseTermRelation(p));
  if (p.isKeyword('in')) {
    if (vars.length !== 2) throw p.unexpected('some with in takes at most a key and a value');
    p.next();
    return { kind: 'somein', key: vars[0]!, value: vars[1]!, coll: parseTermRelation(p), span };
  }
  for (const v of vars) {
    if (v.kind !== 'var') throw p.error('REGO_ERR_PARSE_UNEXPECTED', 'expected a variable after some', v.span);
    // OPA's parseSome takes only identifier tokens here, and a keyword in force (`contains`,
    // `if`, `in`, `every` in v1 or after their future import) is not one: "expected var". A
    // keyword that is a term elsewhere (`some contains in xs`, `x := contains`) stays a name.
    if (p.keywords.has(v.name)) throw p.error('REGO_ERR_PARSE_KEYWORD', `unexpected ${v.name} keyword: expected var`, v.span);
  }
  return { kind: 'some', vars: vars as VarTerm[], span };
}

function parseEvery(p: Parser): Expr {
  const span = p.next().span;
  const first = parseTerm(p);
  let key: Term | undefined;
  let value = first;
  if (p.acceptPunct(',')) {
    key = first;
    value = parseTerm(p);
  }
  if (!p.isKeyword('in')) throw p.unexpected('expected in after every variables');
  // OPA parseEvery: `every` binds variables, not patterns
  if (key !== undefined && key.kind !== 'var') throw p.error('REGO_ERR_PARSE_UNEXPECTED', 'expected key to be a variable', key.span);
  if (value.kind !== 'var') throw p.error('REGO_ERR_PARSE_UNEXPECTED', 'expected value to be a variable', value.span);
  p.next();
  const coll = parseTermRelation(p);
  p.expectPunct('{');
  const body = parseBody(p, '}');
  // where the block closes, for the formatter's comments
  const closed = { ...span, endLine: p.expectPunct('}').span.line };
  return key === undefined ? { kind: 'every', value, coll, body, span: closed } : { kind: 'every', key, value, coll, body, span: closed };
}

export function parseWiths(p: Parser): With[] {
  const out: With[] = [];
  while (p.isIdent('with') && !(p.isPunct('.', 1) && !p.peek(1).wsBefore)) {
    const span = p.next().span;
    const target = parseTerm(p);
    p.expectIdent('as');
    const value = parseTermIn(p);
    out.push({ target, value, span });
  }
  return out;
}
