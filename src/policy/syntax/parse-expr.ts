/**
 * Body literals: `[not] expr [with t as v]…` where expr is a term, `a := b`, `a = b`,
 * `some x, y`, `some [k,] v in xs`, `every [k,] v in xs { … }` or `k, v in xs`.
 * Literals are separated by `;` or newlines.
 */
import { RegoError } from '../errors.js';
import type { CallTerm, Expr, Literal, Term, VarTerm, With } from './ast.js';
import { parseTerm, parseTermIn, parseTermRelation } from './parse-term.js';
import type { Parser } from './parser.js';

/** Parses literals up to (not including) the punctuation `closer`, or to end of input. */
export function parseBody(p: Parser, closer: string | undefined): Literal[] {
  const out: Literal[] = [];
  // OPA: `{}` where a body must be is "found empty body", at the closer
  if (closer !== undefined && p.isPunct(closer)) throw p.error('REGO_ERR_PARSE_UNEXPECTED', 'found empty body');
  const saved = p.nesting;
  p.nesting = 0;
  try {
    // OPA's parseQuery: `;` only separates literals (a leading, doubled or trailing one is where a
    // literal is missing); a body closes at its closer or, for a query, at the end of input
    for (let afterSemi = false; ; ) {
      const t = p.peek();
      if (!afterSemi && closer !== undefined && p.isPunct(closer)) break;
      if (!afterSemi && t.kind === 'eof' && closer === undefined && out.length > 0) break;
      if (t.kind === 'eof' && closer !== undefined && out.length > 0 && !afterSemi && !newlineBefore(p)) {
        throw p.unexpected(`expected \\n or ; or ${closer}`);
      }
      const at = p.pos;
      out.push(parseLiteral(p));
      afterSemi = p.acceptPunct(';') !== undefined;
      const after = p.peek();
      if (afterSemi || (closer !== undefined && p.isPunct(closer)) || after.kind === 'eof' || after.nlBefore) continue;
      // in v0 a `some … in` or `every` that would parse with its future keyword gets a hint
      // (parseSome, parseLiteralExpr)
      const last = out[out.length - 1]!.expr;
      let hint = '';
      if (last.kind === 'some' && p.isIdent('in') && !p.keywords.has('in')) hint = ' (hint: `import future.keywords.in` for `some x in xs` expressions)';
      if (last.kind === 'term' && last.term.kind === 'var' && last.term.name === 'every' && !p.keywords.has('every') && parsesAsEvery(p, at)) {
        hint = ' (hint: `import future.keywords.every` for `every x in xs { ... }` expressions)';
      }
      throw p.unexpected(`expected \\n or ; or ${closer ?? 'eof'}${hint}`);
    }
  } finally {
    p.nesting = saved;
  }
  return out;
}

/** A newline between the previous token and the current one (the eof token always claims one). */
function newlineBefore(p: Parser): boolean {
  const prev = p.tokens[p.pos - 1];
  return p.src.slice(prev?.end ?? 0, p.peek().start).includes('\n');
}

/**
 * OPA's parseLiteralExpr hints at the `every` import only when the literal at `at` would parse
 * as an `every` with the keyword (its futureParser); `every x` alone gets no hint.
 */
function parsesAsEvery(p: Parser, at: number): boolean {
  const pos = p.pos;
  const added = ['every', 'in'].filter((k) => !p.keywords.has(k));
  for (const k of added) p.keywords.add(k);
  p.pos = at;
  try {
    return parseLiteral(p).expr.kind === 'every';
  } catch (e) {
    if (!(e instanceof RegoError)) throw e;
    return false;
  } finally {
    for (const k of added) p.keywords.delete(k);
    p.pos = pos;
  }
}

export function parseLiteral(p: Parser): Literal {
  const start = p.peek().span;
  // a keyword directly followed by `.` is a ref to a rule of that name (`not.foo == 1`)
  // a keyword directly followed by `.` or `[` is a name (OPA parseLiteral's isAllowedRefKeyword)
  if (p.startsKeywordRef()) {
    p.kwRefAt = p.pos;
    return { negated: false, expr: parseExpr(p), with: parseWiths(p), span: start };
  }
  if (p.isIdent('some')) return { negated: false, expr: parseSome(p), with: parseWiths(p), span: start };
  if (p.isKeyword('every')) return { negated: false, expr: parseEvery(p), with: parseWiths(p), span: start };
  let negated = false;
  if (p.isIdent('not')) {
    p.next();
    negated = true;
    // OPA parseLiteral: `some` and `every` declare; there is nothing to negate
    if (p.isIdent('some') && !p.startsKeywordRef()) throw p.unexpected("illegal negation of 'some'");
    if (p.isKeyword('every') && !p.startsKeywordRef()) throw p.unexpected("illegal negation of 'every'");
    if (p.startsKeywordRef()) p.kwRefAt = p.pos;
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
  // `eq(a, b)` and `assign(x, 1)` written as calls: OPA's parser makes the same expression of
  // them as of `a = b` and `x := 1` (an Expr whose operator is eq / assign), so they unify and
  // declare as those do (`equal(a, b)` is `a == b` already: a call of the same builtin)
  if (lhs.kind === 'call' && lhs.op === undefined && lhs.fn.length === 1 && lhs.args.length === 2) {
    const [a, b] = lhs.args as [Term, Term];
    if (lhs.fn[0] === 'eq') return { kind: 'unify', lhs: a, rhs: b, span };
    if (lhs.fn[0] === 'assign') return { kind: 'assign', lhs: a, rhs: b, span };
  }
  return { kind: 'term', term: lhs, span };
}

function parseSome(p: Parser): Expr {
  const span = p.next().span;
  // OPA parseSome: a keyword in force is no variable ("unexpected if keyword: expected var")
  if (p.peek().kind === 'ident' && p.isReservedWord(p.peek().value) && !p.startsKeywordRef()) {
    throw p.error('REGO_ERR_PARSE_KEYWORD', `unexpected ${p.peek().value} keyword: expected var`);
  }
  const first = parseTermRelation(p);
  if (p.isKeyword('in')) {
    p.next();
    return { kind: 'somein', value: first, coll: parseTermRelation(p), span };
  }
  if (first.kind === 'call' && !p.isPunct(',')) {
    // OPA parseSome: the membership builtins called by name are the same declarations
    // (`some internal.member_2(x, xs)` is `some x in xs`) if they have their arity; any
    // other call is neither form
    const domain = memberDomain(p, first);
    if (domain === undefined) throw p.unexpected('expected `x in xs` or `x, y in xs` expression');
    return { kind: 'somein', ...domain, span };
  }
  const vars: Term[] = [first];
  while (p.acceptPunct(',')) vars.push(parseTermRelation(p));
  if (p.isKeyword('in')) {
    if (vars.length !== 2) throw p.unexpected('some with in takes at most a key and a value');
    p.next();
    return { kind: 'somein', key: vars[0]!, value: vars[1]!, coll: parseTermRelation(p), span };
  }
  for (const v of vars) {
    // OPA parseSome: "unexpected number token: expected var", "unexpected true keyword: …"
    if (v.kind !== 'var') {
      const found = v.kind === 'bool' ? `${String(v.value)} keyword` : v.kind === 'null' ? 'null keyword' : `${v.kind} token`;
      throw p.error('REGO_ERR_PARSE_UNEXPECTED', `unexpected ${found}: expected var`, v.span);
    }
    // OPA's parseSome takes only identifier tokens here, and a keyword in force (`contains`,
    // `if`, `in`, `every` in v1 or after their future import) is not one: "expected var". A
    // keyword that is a term elsewhere (`some contains in xs`, `x := contains`) stays a name.
    if (p.keywords.has(v.name)) throw p.error('REGO_ERR_PARSE_KEYWORD', `unexpected ${v.name} keyword: expected var`, v.span);
  }
  return { kind: 'some', vars: vars as VarTerm[], span };
}

function parseEvery(p: Parser): Expr {
  const span = p.next().span;
  // OPA parseEvery reads `x in xs` / `k, v in xs` as one membership term (parseTermInfixCall)
  // and takes that call apart; its errors name the token after the term
  const term = parseTermIn(p, { keyValue: true });
  const domain = term.kind === 'call' ? memberDomain(p, term) : undefined;
  if (domain === undefined) throw p.unexpected('expected `x[, y] in xs { ... }` expression');
  const { key, value, coll } = domain;
  if (key !== undefined && key.kind !== 'var') throw p.unexpected('expected key to be a variable');
  if (value.kind !== 'var') throw p.unexpected('expected value to be a variable');
  if (!p.isPunct('{')) throw p.unexpected('missing body');
  p.next();
  const body = parseBody(p, '}');
  // where the block closes, for the formatter's comments
  const closed = { ...span, endLine: p.expectPunct('}').span.line };
  return key === undefined ? { kind: 'every', value, coll, body, span: closed } : { kind: 'every', key, value, coll, body, span: closed };
}

/**
 * The parts of a membership call, `x in xs` (internal.member_2) or `k, v in xs`
 * (internal.member_3), however written; undefined for any other call. The wrong number of
 * arguments is OPA's "illegal domain" (parseSome, parseEvery).
 */
function memberDomain(p: Parser, call: CallTerm): { key?: Term; value: Term; coll: Term } | undefined {
  const name = call.fn.join('.');
  if (name !== 'internal.member_2' && name !== 'internal.member_3') return undefined;
  const a = call.args;
  if (a.length !== (name === 'internal.member_2' ? 2 : 3)) throw p.unexpected('illegal domain');
  return a.length === 2 ? { value: a[0]!, coll: a[1]! } : { key: a[0]!, value: a[1]!, coll: a[2]! };
}

export function parseWiths(p: Parser): With[] {
  const out: With[] = [];
  while (p.isIdent('with') && !p.startsKeywordRef()) {
    const span = p.next().span;
    // OPA parseWith: the target is a name or a ref ("expected ident", "expected with target path")
    if (p.peek().kind !== 'ident') throw p.unexpected('expected ident');
    if (p.startsKeywordRef()) p.kwRefAt = p.pos;
    const target = parseTerm(p);
    if (target.kind !== 'var' && target.kind !== 'ref') throw p.unexpected('expected with target path');
    if (!p.isIdent('as')) throw p.unexpected('expected as keyword');
    p.next();
    const value = parseTermIn(p);
    out.push({ target, value, span });
  }
  return out;
}
