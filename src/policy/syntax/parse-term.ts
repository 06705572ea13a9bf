/**
 * Terms and operator expressions with OPA's precedence, lowest first:
 * `in`, comparison (`== != < <= > >=`), `|`, `&`, `+ -`, `* / %`, unary minus, then refs/calls.
 * Operators become calls to their builtins (`plus`, `equal`, …) like OPA's parser does.
 */
import type { CallTerm, Literal, RefTerm, Span, Term } from './ast.js';
import { RegoError } from '../errors.js';
import { parseBody } from './parse-expr.js';
import { parseTemplate } from './parse-template.js';
import type { Parser } from './parser.js';
import type { Token } from './tokens.js';

const RELATION: Record<string, string> = { '==': 'equal', '!=': 'neq', '<': 'lt', '<=': 'lte', '>': 'gt', '>=': 'gte' };
const ARITH: Record<string, string> = { '+': 'plus', '-': 'minus' };
const FACTOR: Record<string, string> = { '*': 'mul', '/': 'div', '%': 'rem' };

export interface TermOpts {
  /** `k, v in xs` is allowed here (a literal or parentheses, not a list of terms) */
  keyValue?: boolean;
}

function opCall(op: string, fn: string, args: Term[], span: Span): CallTerm {
  return { kind: 'call', fn: [fn], args, op, span, fnSpan: span };
}

/** `a in b` (membership); the loosest binding operator. */
export function parseTermIn(p: Parser, opts: TermOpts = {}): Term {
  let lhs = parseTermRelation(p, opts);
  if (opts.keyValue && p.isPunct(',')) {
    // `k, v in xs`: membership with key (internal.member_3). Without the `in` (or if the middle
    // term does not parse) OPA's parseTermIn backs up to the comma, where the caller decides.
    const comma = p.pos;
    p.next();
    let v: Term | undefined;
    try {
      v = parseTermRelation(p, opts);
    } catch (e) {
      if (!(e instanceof RegoError)) throw e;
      v = undefined;
    }
    if (v !== undefined && p.isKeyword('in')) {
      p.next();
      const coll = parseTermRelation(p, opts);
      lhs = opCall('in', 'internal.member_3', [lhs, v, coll], lhs.span);
    } else {
      p.pos = comma;
    }
  }
  while (p.isKeyword('in')) {
    p.next();
    const rhs = parseTermRelation(p, opts);
    lhs = opCall('in', 'internal.member_2', [lhs, rhs], lhs.span);
  }
  return lhs;
}

export function parseTermRelation(p: Parser, opts: TermOpts = {}): Term {
  let lhs = parseTermOr(p, opts);
  for (;;) {
    const t = p.peek();
    const fn = t.kind === 'punct' ? RELATION[t.value] : undefined;
    if (fn === undefined) return lhs;
    p.next();
    lhs = opCall(t.value, fn, [lhs, parseTermOr(p, opts)], lhs.span);
  }
}

function parseTermOr(p: Parser, opts: TermOpts): Term {
  let lhs = parseTermAnd(p);
  while (p.isPunct('|')) {
    p.next();
    lhs = opCall('|', 'or', [lhs, parseTermAnd(p)], lhs.span);
  }
  return lhs;
}

function parseTermAnd(p: Parser): Term {
  let lhs = parseTermArith(p);
  while (p.isPunct('&')) {
    p.next();
    lhs = opCall('&', 'and', [lhs, parseTermArith(p)], lhs.span);
  }
  return lhs;
}

function parseTermArith(p: Parser): Term {
  let lhs = parseTermFactor(p);
  for (;;) {
    const t = p.peek();
    const fn = t.kind === 'punct' ? ARITH[t.value] : undefined;
    if (fn === undefined) return lhs;
    p.next();
    lhs = opCall(t.value, fn, [lhs, parseTermFactor(p)], lhs.span);
  }
}

function parseTermFactor(p: Parser): Term {
  let lhs = parseUnary(p);
  for (;;) {
    const t = p.peek();
    const fn = t.kind === 'punct' ? FACTOR[t.value] : undefined;
    if (fn === undefined) return lhs;
    p.next();
    lhs = opCall(t.value, fn, [lhs, parseUnary(p)], lhs.span);
  }
}

function parseUnary(p: Parser): Term {
  if (p.isPunct('-')) {
    // OPA's parseTerm reads `-` only as the sign of a number literal (ast/parser.go parseNumber:
    // whitespace may follow it, anything but a number is "expected number"); `a - b` is the
    // binary minus of parseTermArith.
    const minus = p.next();
    if (p.peek().kind !== 'number' && !(p.isPunct('.') && p.peek(1).kind === 'number' && !p.peek(1).wsBefore)) throw p.unexpected('expected number');
    const operand = parsePrimary(p);
    if (operand.kind !== 'number') throw p.unexpected('expected number');
    return parseSuffixes(p, { kind: 'number', text: '-' + operand.text, span: minus.span }, false, minus.start);
  }
  return parseTerm(p);
}

/** OPA's ValueName of a scalar that cannot head a ref (ast/parser.go parseRef). */
const SCALAR_NAMES: Partial<Record<Term['kind'], string>> = { number: 'number', string: 'string', bool: 'boolean', null: 'null', template: 'templatestring' };

/**
 * A primary term followed by ref/call suffixes (`x.y[z]`, `f(a)[0]`). `ruleHead`: the term names
 * a rule, where OPA's parseHeadFinish skips whitespace before the first `(`, `.` or `[` (so
 * `f (x) { … }` is the function f and `p [x] { … }` the ref p[x]); anywhere else a space ends the term.
 */
export function parseTerm(p: Parser, ruleHead = false): Term {
  const start = p.peek().start;
  return parseSuffixes(p, parsePrimary(p), ruleHead, start);
}

function parseSuffixes(p: Parser, head: Term, ruleHead: boolean, start: number): Term {
  let term = head;
  for (let first = true; ; first = false) {
    const t = p.peek();
    if (t.kind !== 'punct' || (t.wsBefore && !(first && ruleHead && (t.value === '(' || t.value === '.' || t.value === '[')))) return term;
    const scalar = first && (t.value === '.' || t.value === '[' || t.value === '(') ? SCALAR_NAMES[term.kind] : undefined;
    if (scalar !== undefined) throw p.error('REGO_ERR_PARSE_UNEXPECTED', `illegal ref (head cannot be ${scalar})`, term.span);
    if (t.value === '.') {
      p.next();
      const name = p.peek();
      if (name.kind !== 'ident' || name.wsBefore) throw p.unexpected('expected ident');
      p.next();
      term = appendRef(term, { kind: 'string', value: name.value, span: name.span, fromDot: true });
    } else if (t.value === '[') {
      p.next();
      p.nesting++;
      const key = parseTermIn(p);
      p.nesting--;
      // sic: OPA's parseRef names the opening bracket here ("expected [")
      if (!p.isPunct(']')) throw p.unexpected('expected [');
      p.next();
      term = appendRef(term, key);
    } else if (t.value === '(') {
      const fn = refName(term, true);
      const varHeadRef = fn === undefined && ruleHead && term.kind === 'ref' && term.head.kind === 'var';
      // OPA's parseRef calls any ref (`f(1).g(2)`, `[1](0)`): the operator, no function's name,
      // is the compiler's "undefined function f(1).g". Its source text stands for the name here.
      const operator = fn ?? (varHeadRef ? undefined : [p.src.slice(start, t.start)]);
      p.next();
      p.nesting++;
      const args: Term[] = [];
      while (!p.isPunct(')')) {
        args.push(parseTermIn(p));
        if (!p.acceptPunct(',')) break;
      }
      p.nesting--;
      const close = expectListEnd(p, ')');
      if (operator === undefined) {
        // `a.b[c].d(x)` heading a rule: a function OPA's parser takes (parseHead), whose name
        // no call can spell; parseRule makes the rule of it
        p.headCall = { ref: term, args, span: closedAt(term.span, close) };
        return term;
      }
      if (ruleHead && fn === undefined) {
        // `q(0).r(0) { … }`: OPA's parseHead refuses a function head whose ref does not start
        // with a name, at the token after it; with `.`/`[` after it the head is no rule at all
        const after = p.peek();
        if (!(after.kind === 'punct' && !after.wsBefore && (after.value === '.' || after.value === '['))) throw p.unexpected(`rule head ref ${operator[0]} invalid`);
        throw p.error('REGO_ERR_PARSE_RULE', 'rule head must be a name, reference or function', head.span);
      }
      term = { kind: 'call', fn: operator, args, span: closedAt(term.span, close), fnSpan: term.span };
    } else return term;
  }
}

/** The end of a term list; anything else is OPA's parseTermList error (`expected "," or "]"`). */
function expectListEnd(p: Parser, end: string): Token {
  if (!p.isPunct(end)) throw p.unexpected(`expected "," or "${end}"`);
  return p.next();
}

/** A bracketed term's span: where it starts, and the line its closing bracket is on. */
function closedAt(span: Span, close: Token): Span {
  return { ...span, endLine: close.span.line };
}

function appendRef(term: Term, key: Term): RefTerm {
  if (term.kind === 'ref') return { ...term, path: [...term.path, key] };
  return { kind: 'ref', head: term, path: [key], span: term.span };
}

/** The dotted name of a var or a ref of string keys (`a.b.c`), else undefined. */
export function refName(term: Term, anyString = false): string[] | undefined {
  if (term.kind === 'var') return [term.name];
  if (term.kind !== 'ref' || term.head.kind !== 'var') return undefined;
  const out = [term.head.name];
  for (const k of term.path) {
    if (k.kind !== 'string' || (!anyString && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(k.value))) return undefined;
    out.push(k.value);
  }
  return out;
}

function parsePrimary(p: Parser): Term {
  const t = p.peek();
  const span = t.span;
  switch (t.kind) {
    case 'number':
      p.next();
      return { kind: 'number', text: t.value, span };
    case 'string':
    case 'rawstring': {
      p.next();
      // a raw string may span lines: where it ends matters to the formatter's blank lines
      const lines = t.kind === 'rawstring' ? t.value.split('\n').length - 1 : 0;
      return { kind: 'string', value: t.value, span: lines > 0 ? { ...span, endLine: span.line + lines } : span };
    }
    case 'template':
      p.next();
      return parseTemplate(p, t);
    case 'ident': {
      // keywords may name rules in refs where a literal or rule starts (`true.foo`, `null["x"]`)
      const kwRef = p.kwRefAt === p.pos;
      p.next();
      if (kwRef) return { kind: 'var', name: t.value, span };
      if (t.value === 'true' || t.value === 'false') return { kind: 'bool', value: t.value === 'true', span };
      // OPA's parseTerm takes identifiers (and `contains`, a name anywhere but in rule heads);
      // any other keyword in force is no term: `x := not` is "unexpected not keyword"
      if (p.isReservedWord(t.value)) throw p.error('REGO_ERR_PARSE_KEYWORD', `unexpected ${t.value} keyword`, span);
      if (t.value === 'null') return { kind: 'null', span };
      if (t.value === 'set' && p.isPunct('(') && !p.peek().wsBefore && p.isPunct(')', 1)) {
        p.next();
        p.next();
        return { kind: 'set', items: [], span };
      }
      return { kind: 'var', name: t.value, span };
    }
    case 'punct':
      if (t.value === '(') {
        p.next();
        p.nesting++;
        const inner = parseTermIn(p, { keyValue: true });
        p.nesting--;
        if (!p.isPunct(')')) throw p.error('REGO_ERR_PARSE_UNEXPECTED', 'non-terminated expression');
        p.next();
        return { ...inner, span: { ...inner.span, parenthesized: true } };
      }
      if (t.value === '.' && p.peek(1).kind === 'number' && !p.peek(1).wsBefore) {
        // `.5` is 0.5 (OPA's parseNumber takes a leading `.` as the start of a fraction)
        p.next();
        const digits = p.next();
        if (digits.value.includes('.')) throw p.error('REGO_ERR_PARSE_NUMBER', 'invalid float', span);
        return { kind: 'number', text: '0.' + digits.value, span };
      }
      if (t.value === '[') return parseArray(p);
      if (t.value === '{') return parseBrace(p);
      break;
    default:
      break;
  }
  throw p.unexpected();
}

/*
 * Collections follow OPA's parseArray / parseSetOrObject: the first element is read as a single
 * term so that `[x | body]` / `{x | body}` is a comprehension rather than a bitwise or; only if
 * that term is followed by `]`, `}`, `,`, `:` or `|` is it kept, else the element is read again
 * as an operator expression. A comprehension head is therefore one term (`[x + 1 | …]` is a
 * parse error in OPA, open-policy-agent/opa#4215), and a comprehension whose body stops at a
 * comma is re-read as a list (`[x | y, z]` is an array of `x | y` and `z`).
 */

function parseArray(p: Parser): Term {
  const span = p.next().span;
  p.nesting++;
  try {
    if (p.acceptPunct(']')) return { kind: 'array', items: [], span };
    // one leading comma is skipped (`[, x]`, OPA keeps it for backwards compatibility); such a
    // list is never a comprehension
    const comprehension = p.acceptPunct(',') === undefined;
    const start = p.pos;
    const head = parseUnary(p);
    if (p.isPunct(']')) return { kind: 'array', items: [head], span: closedAt(span, p.next()) };
    if (p.acceptPunct(',')) return { kind: 'array', items: parseTermList(p, ']', [head]), span: closedAt(span, p.next()) };
    if (comprehension && p.acceptPunct('|')) {
      const body = tryBody(p, ']');
      if (body !== undefined) return { kind: 'arraycomp', term: head, body, span: closedAt(span, p.next()) };
    }
    p.pos = start;
    return { kind: 'array', items: parseTermList(p, ']', []), span: closedAt(span, p.next()) };
  } finally {
    p.nesting--;
  }
}

/**
 * A comprehension body up to `end`. When it fails at a comma OPA's parser backs up and reads the
 * collection as a list instead (undefined); any other failure is the error.
 */
function tryBody(p: Parser, end: string): Literal[] | undefined {
  try {
    const body = parseBody(p, end);
    if (!p.isPunct(end)) throw p.unexpected(`expected ${end}`);
    return body;
  } catch (e) {
    if (e instanceof RegoError && p.isPunct(',')) return undefined;
    throw e;
  }
}

/** OPA's parseTermList: elements up to `end` (left current), a trailing comma allowed. */
function parseTermList(p: Parser, end: string, items: Term[]): Term[] {
  if (p.isPunct(end)) return items;
  for (;;) {
    items.push(parseTermIn(p));
    if (p.isPunct(end)) return items;
    if (!p.acceptPunct(',')) throw p.unexpected(`expected "," or "${end}"`);
    if (p.isPunct(end)) return items;
  }
}

function parseBrace(p: Parser): Term {
  const span = p.next().span;
  p.nesting++;
  try {
    if (p.acceptPunct('}')) return { kind: 'object', entries: [], span };
    const comprehension = p.acceptPunct(',') === undefined;
    const start = p.pos;
    let head = parseUnary(p);
    if ((comprehension && p.isPunct('|')) || p.isPunct('}') || p.isPunct(',')) return parseSet(p, span, start, head, comprehension);
    if (p.isPunct(':')) return parseObject(p, span, head, comprehension);
    p.pos = start;
    head = parseTermIn(p);
    if (p.isPunct('}') || p.isPunct(',')) return parseSet(p, span, start, head, false);
    // it may still be an object comprehension: `{a + 1: b | …}`
    if (p.isPunct(':')) return parseObject(p, span, head, comprehension);
    throw p.unexpected('non-terminated set');
  } finally {
    p.nesting--;
  }
}

function parseSet(p: Parser, span: Span, start: number, head: Term, comprehension: boolean): Term {
  if (p.isPunct('}')) return { kind: 'set', items: [head], span: closedAt(span, p.next()) };
  if (p.acceptPunct(',')) return { kind: 'set', items: parseTermList(p, '}', [head]), span: closedAt(span, p.next()) };
  // `|` after a single-term head
  p.next();
  const body = tryBody(p, '}');
  if (body !== undefined) return { kind: 'setcomp', term: head, body, span: closedAt(span, p.next()) };
  p.pos = start;
  return { kind: 'set', items: parseTermList(p, '}', []), span: closedAt(span, p.next()) };
}

/**
 * OPA's parseObject, after the first key and its colon. A failure after a single-term first value
 * is reported by OPA as a "non-terminated object" at that value (its parser backs up there and
 * drops the error of the later entries), and so it is here.
 */
function parseObject(p: Parser, span: Span, key: Term, comprehension: boolean): Term {
  p.expectPunct(':');
  const start = p.pos;
  const value = parseUnary(p);
  let relation = true;
  if (comprehension && (p.isPunct('}') || p.isPunct(',') || p.isPunct('|'))) {
    relation = p.isPunct('|');
    try {
      return finishObject(p, span, key, value, true);
    } catch (e) {
      if (!(e instanceof RegoError)) throw e;
    }
  }
  p.pos = start;
  if (relation) {
    const v = parseTermIn(p);
    if (p.isPunct('}') || p.isPunct(',')) return finishObject(p, span, key, v, false);
  }
  throw p.unexpected('non-terminated object');
}

function finishObject(p: Parser, span: Span, key: Term, value: Term, comprehension: boolean): Term {
  if (p.isPunct('}')) return { kind: 'object', entries: [[key, value]], span: closedAt(span, p.next()) };
  if (p.isPunct('|')) {
    if (!comprehension) throw p.unexpected('non-terminated object');
    p.next();
    const body = parseBody(p, '}');
    return { kind: 'objectcomp', key, value, body, span: closedAt(span, p.expectPunct('}')) };
  }
  p.expectPunct(',');
  // OPA's parseTermPairList
  const entries: [Term, Term][] = [[key, value]];
  while (!p.isPunct('}')) {
    const k = parseTermIn(p);
    if (!p.isPunct(':')) throw p.unexpected('expected ":"');
    p.next();
    entries.push([k, parseTermIn(p)]);
    if (p.isPunct('}')) break;
    if (!p.acceptPunct(',')) throw p.unexpected('expected "," or "}"');
  }
  return { kind: 'object', entries, span: closedAt(span, p.next()) };
}
