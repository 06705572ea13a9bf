/**
 * Terms and operator expressions with OPA's precedence, lowest first:
 * `in`, comparison (`== != < <= > >=`), `|`, `&`, `+ -`, `* / %`, unary minus, then refs/calls.
 * Operators become calls to their builtins (`plus`, `equal`, …) like OPA's parser does.
 */
import type { CallTerm, RefTerm, Span, Term } from './ast.js';
import { parseBody } from './parse-expr.js';
import { parseTemplate } from './parse-template.js';
import { RegoError } from '../errors.js';
import type { Parser } from './parser.js';
import type { Token } from './tokens.js';

const RELATION: Record<string, string> = { '==': 'equal', '!=': 'neq', '<': 'lt', '<=': 'lte', '>': 'gt', '>=': 'gte' };
const ARITH: Record<string, string> = { '+': 'plus', '-': 'minus' };
const FACTOR: Record<string, string> = { '*': 'mul', '/': 'div', '%': 'rem' };

export interface TermOpts {
  /** a top-level `|` ends the term (the first element of `[x | body]` / `{x | body}`) */
  noBar?: boolean;
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
    // `k, v in xs`: membership with key (internal.member_3). As OPA's parseTermIn, a `,` not
    // followed by `v in` is left to the caller: in `[s | t, u]` it ends the comprehension body
    // there, and the brackets are read again as an array.
    const comma = saveParser(p);
    p.next();
    let v: Term | undefined;
    try {
      v = parseTermRelation(p, opts);
    } catch (err) {
      if (!(err instanceof RegoError)) throw err;
    }
    if (v === undefined || !p.isKeyword('in')) {
      restoreParser(p, comma);
      return lhs;
    }
    p.next();
    const coll = parseTermRelation(p, opts);
    lhs = opCall('in', 'internal.member_3', [lhs, v, coll], lhs.span);
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
  while (!opts.noBar && p.isPunct('|')) {
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
    return parseSuffixes(p, { kind: 'number', text: '-' + operand.text, span: minus.span }, false);
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
  return parseSuffixes(p, parsePrimary(p), ruleHead);
}

function parseSuffixes(p: Parser, head: Term, ruleHead: boolean): Term {
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
      if (fn === undefined) throw p.unexpected('call of a non-function');
      p.next();
      p.nesting++;
      const args: Term[] = [];
      while (!p.isPunct(')')) {
        args.push(parseTermIn(p));
        if (!p.acceptPunct(',')) break;
      }
      p.nesting--;
      const close = expectListEnd(p, ')');
      term = { kind: 'call', fn, args, span: closedAt(term.span, close), fnSpan: term.span };
    } else return term;
  }
}

/** The end of a term list; anything else is OPA's parseTermList error (`expected "," or "]"`). */
function expectListEnd(p: Parser, end: string): Token {
  if (!p.isPunct(end)) throw p.unexpected(`expected "," or "${end}"`);
  return p.next();
}

/** The parser's position, to read a bracket's contents a second way (OPA's parser save/restore). */
interface ParserMark {
  pos: number;
  nesting: number;
  kwRefAt: number;
}

function saveParser(p: Parser): ParserMark {
  return { pos: p.pos, nesting: p.nesting, kwRefAt: p.kwRefAt };
}

function restoreParser(p: Parser, m: ParserMark): void {
  p.pos = m.pos;
  p.nesting = m.nesting;
  p.kwRefAt = m.kwRefAt;
}

/**
 * The body of `[x | …]`, `{x | …}` or `{k: v | …}` at the `|`, or undefined when it does not
 * parse and the brackets are a list whose first item is a set union (`{"a": s | t, "b": u}`).
 * OPA's parser tries the comprehension first and backtracks when its body fails: an array or
 * set only when the body stopped at a `,` (ast/parser.go parseArray, parseSet), an object on any
 * failure (parseObject reads the value again as an expression).
 */
function tryComprehensionBody(p: Parser, end: ']' | '}', needComma: boolean): ReturnType<typeof parseBody> | undefined {
  const bar = saveParser(p);
  p.next();
  try {
    return parseBody(p, end);
  } catch (err) {
    if (!(err instanceof RegoError) || (needComma && !p.isPunct(','))) throw err;
    restoreParser(p, bar);
    return undefined;
  }
}

/** The rest of a term list after its first item, up to (not over) its closing bracket. */
function parseListItems(p: Parser, end: string, first: Term): Term[] {
  const items = [first];
  while (p.acceptPunct(',')) {
    if (p.isPunct(end)) break;
    items.push(parseTermIn(p));
  }
  return items;
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

function parseArray(p: Parser): Term {
  const span = p.next().span;
  p.nesting++;
  try {
    if (p.acceptPunct(']')) return { kind: 'array', items: [], span };
    // OPA's parseArray skips one leading comma (`[, x]`, kept for backwards compatibility);
    // such a list is never a comprehension
    const leadingComma = p.acceptPunct(',') !== undefined;
    const start = saveParser(p);
    const first = parseTermIn(p, { noBar: !leadingComma });
    if (!leadingComma && p.isPunct('|')) {
      const body = tryComprehensionBody(p, ']', true);
      if (body !== undefined) return { kind: 'arraycomp', term: first, body, span: closedAt(span, expectListEnd(p, ']')) };
      restoreParser(p, start);
      return { kind: 'array', items: parseListItems(p, ']', parseTermIn(p)), span: closedAt(span, expectListEnd(p, ']')) };
    }
    const items = [first];
    while (p.acceptPunct(',')) {
      if (p.isPunct(']')) break;
      items.push(parseTermIn(p));
    }
    return { kind: 'array', items, span: closedAt(span, expectListEnd(p, ']')) };
  } finally {
    p.nesting--;
  }
}

function parseBrace(p: Parser): Term {
  const span = p.next().span;
  p.nesting++;
  try {
    if (p.acceptPunct('}')) return { kind: 'object', entries: [], span };
    // as in arrays, one leading comma is skipped and rules out a comprehension (parseSetOrObject)
    const leadingComma = p.acceptPunct(',') !== undefined;
    const start = saveParser(p);
    const first = parseTermIn(p, { noBar: !leadingComma });
    if (p.acceptPunct(':')) {
      const valueStart = saveParser(p);
      let value = parseTermIn(p, { noBar: !leadingComma });
      if (!leadingComma && p.isPunct('|')) {
        const body = tryComprehensionBody(p, '}', false);
        if (body !== undefined) return { kind: 'objectcomp', key: first, value, body, span: closedAt(span, p.expectPunct('}')) };
        // ast/parser.go parseObject: the value is read again as an expression, `|` its set union
        restoreParser(p, valueStart);
        value = parseTermIn(p);
        if (!p.isPunct(',') && !p.isPunct('}')) throw p.unexpected('non-terminated object');
      }
      const entries: [Term, Term][] = [[first, value]];
      while (p.acceptPunct(',')) {
        if (p.isPunct('}')) break;
        const k = parseTermIn(p);
        if (!p.isPunct(':')) throw p.unexpected('expected ":"');
        p.next();
        entries.push([k, parseTermIn(p)]);
      }
      return { kind: 'object', entries, span: closedAt(span, expectListEnd(p, '}')) };
    }
    if (!leadingComma && p.isPunct('|')) {
      const body = tryComprehensionBody(p, '}', true);
      if (body !== undefined) return { kind: 'setcomp', term: first, body, span: closedAt(span, p.expectPunct('}')) };
      restoreParser(p, start);
      return { kind: 'set', items: parseListItems(p, '}', parseTermIn(p)), span: closedAt(span, expectListEnd(p, '}')) };
    }
    return { kind: 'set', items: parseListItems(p, '}', first), span: closedAt(span, expectListEnd(p, '}')) };
  } finally {
    p.nesting--;
  }
}
