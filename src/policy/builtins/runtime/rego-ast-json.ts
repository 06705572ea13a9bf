/**
 * Renders the front end's Rego AST (src/policy/syntax) in OPA's JSON AST format — what
 * rego.parse_module returns: terms as {"type", "value"}, expressions as {"index", "terms"} where
 * a call expression lists [operator ref, args…], rule heads as {"name", "ref", "value", …}.
 * Locations are omitted, as in OPA's default JSON marshalling.
 *
 * @example
 *   moduleToOpaJson(parseModule('package a.b\np := 1', 'x.rego')).package
 *   // { path: [{type: 'var', value: 'data'}, {type: 'string', value: 'a'}, {type: 'string', value: 'b'}] }
 */
import type { Expr, Literal, Module, Rule, RuleBody, Span, Term } from '../../syntax/index.js';
import { compare, normalizeNumber, numberFromText, type PlainObject, type Value } from '../../value/index.js';

const t = (type: string, value: Value): PlainObject => ({ type, value });
const v = (name: string) => t('var', name);
const s = (str: string) => t('string', str);
const trueTerm = t('boolean', true);

/** A builtin/function name as OPA's operator ref: `count` → [count], `a.b` → [a, "b"]. */
function opRef(parts: string[]): PlainObject {
  return t(
    'ref',
    parts.map((p, i) => (i === 0 ? v(p) : s(p))),
  );
}

/** The literal's number with its text kept (`1.0` stays 1.0: OPA's JSON AST holds json.Number text). */
function numberValue(text: string): Value {
  if (/^-?\d+$/.test(text)) return normalizeNumber(BigInt(text));
  return numberFromText(text);
}

/** ast.Compare's order of kinds (OPA ast/compare.go sortOrder). */
const KIND_ORDER: Record<string, number> = {
  null: 0,
  boolean: 1,
  number: 2,
  string: 3,
  var: 4,
  ref: 5,
  array: 6,
  object: 7,
  set: 8,
  arraycomprehension: 9,
  objectcomprehension: 10,
  setcomprehension: 11,
  templatestring: 12,
  call: 13,
};

function compareLists(a: Value[], b: Value[], item: (x: Value, y: Value) => number): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const c = item(a[i] as Value, b[i] as Value);
    if (c !== 0) return c;
  }
  return a.length - b.length;
}

/**
 * ast.Compare over rendered terms: kind first, then scalars by value, refs/arrays/calls element
 * by element, objects pair by pair (keys already sorted), sets member by member.
 * Comprehensions compare equal (OPA compares their bodies; they are never set members in practice).
 */
function compareOpaTerm(a: Value, b: Value): number {
  const x = a as { type: string; value: Value };
  const y = b as { type: string; value: Value };
  const kx = KIND_ORDER[x.type] ?? 99;
  const ky = KIND_ORDER[y.type] ?? 99;
  if (kx !== ky) return kx - ky;
  switch (x.type) {
    case 'null':
      return 0;
    case 'boolean':
    case 'number':
    case 'string':
    case 'var':
      return compare(x.value, y.value);
    case 'ref':
    case 'array':
    case 'set':
    case 'call':
    case 'templatestring':
      return compareLists(x.value as Value[], y.value as Value[], compareOpaTerm);
    case 'object':
      return compareLists(x.value as Value[], y.value as Value[], (p, q) => compareLists(p as Value[], q as Value[], compareOpaTerm));
    default:
      return 0;
  }
}

/** A set literal's members as OPA's set holds them: duplicates (by ast.Compare) dropped, sorted. */
function sortedSet(items: PlainObject[]): PlainObject[] {
  const sorted = [...items].sort(compareOpaTerm);
  return sorted.filter((it, i) => i === 0 || compareOpaTerm(sorted[i - 1] as Value, it) !== 0);
}

export function termToOpaJson(x: Term): PlainObject {
  switch (x.kind) {
    case 'null':
      return t('null', null);
    case 'bool':
      return t('boolean', x.value);
    case 'number':
      return t('number', numberValue(x.text));
    case 'string':
      return s(x.value);
    case 'var':
      return v(x.name);
    case 'ref':
      return t('ref', [termToOpaJson(x.head), ...x.path.map(termToOpaJson)]);
    case 'array':
      return t('array', x.items.map(termToOpaJson));
    case 'set':
      return t('set', sortedSet(x.items.map(termToOpaJson)));
    case 'object':
      // OPA's object and set MarshalJSON write their members in sortedKeys() order
      // (ast.Compare), not as written: `{"b": 1, "a": 2}` comes back with "a" first.
      return t(
        'object',
        x.entries.map(([k, val]) => [termToOpaJson(k), termToOpaJson(val)] as [PlainObject, PlainObject]).sort((a, b) => compareOpaTerm(a[0], b[0])),
      );
    case 'call':
      return t('call', [opRef(x.fn), ...x.args.map(termToOpaJson)]);
    case 'arraycomp':
      return t('arraycomprehension', { term: termToOpaJson(x.term), body: bodyToOpaJson(x.body) });
    case 'setcomp':
      return t('setcomprehension', { term: termToOpaJson(x.term), body: bodyToOpaJson(x.body) });
    case 'objectcomp':
      return t('objectcomprehension', { key: termToOpaJson(x.key), value: termToOpaJson(x.value), body: bodyToOpaJson(x.body) });
    case 'template':
      return t('templatestring', x.parts.map((p) => (typeof p === 'string' ? s(p) : termToOpaJson(p))));
  }
}

function exprTerms(e: Expr): Value {
  switch (e.kind) {
    case 'term':
      // A call in statement position is the expression itself: [operator, args…].
      if (e.term.kind === 'call') return [opRef(e.term.fn), ...e.term.args.map(termToOpaJson)];
      return termToOpaJson(e.term);
    case 'assign':
      return [opRef(['assign']), termToOpaJson(e.lhs), termToOpaJson(e.rhs)];
    case 'unify':
      return [opRef(['eq']), termToOpaJson(e.lhs), termToOpaJson(e.rhs)];
    case 'some':
      return { symbols: e.vars.map(termToOpaJson) };
    case 'somein': {
      const args = e.key ? [e.key, e.value, e.coll] : [e.value, e.coll];
      return { symbols: [t('call', [opRef(['internal', e.key ? 'member_3' : 'member_2']), ...args.map(termToOpaJson)])] };
    }
    case 'every':
      return { key: e.key ? termToOpaJson(e.key) : null, value: termToOpaJson(e.value), domain: termToOpaJson(e.coll), body: bodyToOpaJson(e.body) };
  }
}

function bodyToOpaJson(body: Literal[]): Value[] {
  if (body.length === 0) return [{ index: 0, terms: trueTerm }];
  return body.map((l, index) => {
    const out: PlainObject = { index, terms: exprTerms(l.expr) };
    if (l.negated) out.negated = true;
    if (l.with.length) out.with = l.with.map((w) => ({ target: termToOpaJson(w.target), value: termToOpaJson(w.value) }));
    return out;
  });
}

function headToOpaJson(r: Rule, value: Term | undefined, assign: boolean): PlainObject {
  const ref = r.ref.map((p, i) => (i === 0 && p.kind === 'string' ? v(p.value) : termToOpaJson(p)));
  const head: PlainObject = { ref };
  const first = r.ref[0];
  if (r.ref.length === 1 && first?.kind === 'string') head.name = first.value;
  if (r.args) head.args = r.args.map(termToOpaJson);
  if (r.contains) head.key = termToOpaJson(r.contains);
  else head.value = value ? termToOpaJson(value) : trueTerm;
  if (assign) head.assign = true;
  return head;
}

function ruleToOpaJson(r: Rule): PlainObject {
  const out: PlainObject = { head: headToOpaJson(r, r.value, r.assign), body: bodyToOpaJson(r.body) };
  if (r.default) out.default = true;
  // `else` branches chain: each is a rule with the same head ref and its own value/body.
  let tail: PlainObject = out;
  for (const e of r.elses as RuleBody[]) {
    const er: PlainObject = { head: headToOpaJson(r, e.value, e.assign ?? r.assign), body: bodyToOpaJson(e.body) };
    tail.else = er;
    tail = er;
  }
  return out;
}

export function moduleToOpaJson(m: Module): PlainObject {
  const out: PlainObject = { package: { path: [v('data'), ...m.package.map(s)] } };
  if (m.imports.length) {
    out.imports = m.imports.map((i) => {
      const imp: PlainObject = { path: termToOpaJson(i.path) };
      if (i.alias !== undefined) imp.alias = i.alias;
      return imp;
    });
  }
  if (m.rules.length) out.rules = m.rules.map(ruleToOpaJson);
  return out;
}

/**
 * Module.Comments as OPA marshals them: ast.Comment has no JSON tags and no MarshalJSON, so each
 * is `{"Location": {"file", "row", "col"}, "Text": <base64 of the bytes after '#'>}` ([]byte
 * fields are base64 in encoding/json; the location's own text is left out by default).
 */
export function commentsToOpaJson(comments: readonly { text: string; span: Span }[]): Value[] {
  return comments.map((c) => ({
    Location: { file: c.span.file, row: c.span.line, col: c.span.col },
    Text: Buffer.from(c.text, 'utf8').toString('base64'),
  }));
}
