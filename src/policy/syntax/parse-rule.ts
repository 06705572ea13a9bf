/**
 * Rule heads and bodies (Rego v1):
 *   `[default] ref [contains t] [:= v | = v] [if body] [else [:= v] [if body]]…`
 * where ref is `p`, `a.b[x].c` or a function head `f(x, y)`; a body is `{ literals }` or one
 * literal after `if`. A `{ … }` body without `if` (v0 style) is accepted too.
 */
import type { Literal, Rule, RuleBody, Term } from './ast.js';
import { parseBody, parseLiteral, parseWiths } from './parse-expr.js';
import { parseTerm, parseTermIn } from './parse-term.js';
import type { Parser } from './parser.js';
import { RegoError } from '../errors.js';
import { parseAnnotations } from './parse-annotations.js';
import { ParseErrors } from './parse-error.js';

/**
 * A rule, plus the extra definitions of v0's `p { a } { b }` (one rule per body, same head).
 */
export function parseRules(p: Parser): Rule[] {
  const rule = parseRule(p);
  const out = [rule];
  // OPA's parseRules skips newlines like any whitespace: a `{` after a rule, on its line or
  // the next, is another body of it, and after an else chain an error
  while (p.isPunct('{') && !rule.default) {
    if (rule.elses.length > 0) throw p.error('REGO_ERR_PARSE_RULE', 'expected else keyword');
    const span = p.peek().span;
    out.push({ ...rule, body: parseBraced(p), annotations: [], span, chained: true });
  }
  return out;
}

export function parseRule(p: Parser): Rule {
  const first = p.peek();
  const annotations = parseAnnotations(first, p, 'rule');
  let isDefault = false;
  const startSpan = p.peek().span;
  if (p.isIdent('default') && !p.startsKeywordRef()) {
    p.next();
    isDefault = true;
  }
  const headTok = p.peek();
  // OPA's parseRules takes `default` only before a name; else the statement is a query, where
  // `default` is "unexpected default keyword"
  if (isDefault && headTok.kind !== 'ident') throw p.unexpected(undefined, first);
  if (headTok.kind !== 'ident') throw p.error('REGO_ERR_PARSE_RULE', 'expected a rule head', headTok.span);
  // `true.x := 1`, `null["y"] := 2`: a keyword heading a ref names a rule (OPA scanAheadRef);
  // a keyword alone is read as a name too, for the rule-name check below to refuse it
  if (p.startsKeywordRef() || p.isReservedWord(headTok.value)) p.kwRefAt = p.pos;
  p.headCall = undefined;
  const head = parseTerm(p, true);
  const headCall = p.headCall as { ref: Term; args: Term[] } | undefined;
  p.headCall = undefined;
  // OPA parseHeadFinish: an operator glued to the rule name (`foo+bar := 1`) is refused there
  const after = p.peek();
  if (head.kind === 'var' && after.kind === 'punct' && !after.wsBefore && HEAD_OPERATORS.has(after.value)) throw p.unexpected();
  // `p > 3`, `f(x) == 1`, `input.x != y`, `p in q`: a head followed by an operator makes no rule; OPA's
  // parseRules gives up without an error and the statement is read again as a query
  if (!isDefault && ((after.kind === 'punct' && HEAD_OPERATORS.has(after.value)) || p.isKeyword('in'))) throw new NotARule();
  const rule: Rule = { default: isDefault, ref: [], assign: false, body: [], elses: [], annotations, span: headTok.span };
  if (head.kind === 'call') {
    rule.ref = head.fn.map((name, i) => ({ kind: 'string' as const, value: name, span: i === 0 ? head.span : head.fnSpan }));
    rule.args = head.args;
  } else if (head.kind === 'var') {
    rule.ref = [{ kind: 'string', value: head.name, span: head.span }];
  } else if (head.kind === 'ref' && head.head.kind === 'var') {
    rule.ref = [{ kind: 'string', value: head.head.name, span: head.head.span }, ...head.path];
    if (headCall !== undefined) rule.args = headCall.args;
  } else {
    throw p.error('REGO_ERR_PARSE_RULE', 'rule head must be a name, reference or function', head.span);
  }
  const name = (rule.ref[0] as { value: string }).value;
  // only where v1's checks apply (OPA's checkKeywordOverrides: strict, or a v1 / rego.v1
  // module): a v0 module may name a rule `input`, which then is what `input` means in its package
  if (['input', 'data'].includes(name) && p.strictV1) {
    // OPA 1.x's checkRootDocumentOverrides (ast/rego_v1.go): a CompileErr with this wording, at
    // the rule (`input := 1`, `input.a.b := 1`, `data contains "a"`, `default input := 1`)
    // (OPA locates a rule at its first token: `default` for a default rule); deferred until the
    // file has parsed, as OPA checks it after parsing (a parse error further down comes first)
    const text = p.src.split('\n')[startSpan.line - 1];
    p.defer(new RegoError('REGO_ERR_SHADOW_ROOT', `rules must not shadow ${name} (use a different rule name)`, { location: text === undefined ? { ...startSpan } : { ...startSpan, text } }));
  }
  const v1 = p.strictV1;
  if (v1 && rule.ref.length < 2 && V1_KEYWORDS.has(name)) {
    p.defer(p.error('REGO_ERR_PARSE_KEYWORD', `${name} keyword cannot be used for rule name`, head.span));
  }
  if (p.isKeyword('contains')) {
    if (rule.args !== undefined) {
      throw p.error('REGO_ERR_PARSE_RULE', `the contains keyword can only be used with multi-value rule definitions (e.g., ${name} contains <VALUE> { ... })`, p.peek().span);
    }
    p.next();
    rule.contains = parseTermIn(p);
  } else if (p.isPunct(':=') || p.isPunct('=')) {
    rule.assign = p.next().value === ':=';
    rule.value = parseHeadValue(p, rule, isDefault);
  }
  if (isDefault) {
    // OPA's parseHead gives a head without a value the value true, unless it is `p[x]` (which
    // would be a multi-value rule): `default a` is `default a := true`
    if (rule.value === undefined && rule.contains === undefined && (rule.ref.length !== 2 || rule.args !== undefined)) rule.value = { kind: 'bool', value: true, span: head.span };
    if (rule.value === undefined) throw p.error('REGO_ERR_PARSE_RULE', 'illegal default rule (must have a value)', head.span);
    checkDefault(p, rule, head.span);
    return rule;
  }
  const usesIf = p.isKeyword('if');
  const braced = !usesIf && p.isPunct('{');
  const body = parseRuleBody(p);
  if (body !== undefined) rule.body = body;
  if (braced && v1) p.defer(p.error('REGO_ERR_PARSE_RULE', `\`if\` keyword is required before ${rule.args ? 'function' : 'rule'} body`, head.span));
  const last = rule.ref[rule.ref.length - 1]!;
  if (body === undefined && !isDefault) {
    // a head without a body is one of OPA's expression statements (ParseRuleFromExpr)
    // (OPA reads it as a query: `;` joins further expressions, `with` modifies it)
    const withs = p.isIdent('with') && !p.startsKeywordRef() ? parseWiths(p) : [];
    if (p.isPunct(';') && rule.contains === undefined) {
      while (p.acceptPunct(';')) parseLiteral(p);
      p.defer(p.error('REGO_ERR_PARSE_RULE', 'multiple expressions cannot be used for rule head', headTok.span));
    }
    if (withs.length > 0) p.defer(p.error('REGO_ERR_PARSE_RULE', 'expressions using with keyword cannot be used for rule head', headTok.span));
  }
  if (body === undefined && rule.value === undefined && rule.contains === undefined) {
    bodilessHead(p, rule, head.span);
  } else if (!usesIf && rule.value === undefined && rule.contains === undefined && rule.args === undefined && rule.ref.length === 2 && !(last.kind === 'string' && last.fromDot)) {
    // Rego v0: `p[x] { … }` (no `if`, no value) is a partial set rule (ast/parser.go parseRules);
    // v1 refuses it twice, as checkRegoV1Rule does: no `if` (above), and a multi-value rule
    // without `contains`
    if (p.strictV1) p.defer(p.error('REGO_ERR_PARSE_RULE', '`contains` keyword is required for partial set rules', head.span));
    rule.contains = last;
    rule.ref = rule.ref.slice(0, 1);
  }
  while (p.isIdent('else') && !p.startsKeywordRef()) {
    // OPA parseRules: an else chain needs one value per rule, so not on multi-value rules nor
    // on heads with variables (`p[x] := … else := …`)
    if (rule.contains !== undefined) throw p.error('REGO_ERR_PARSE_RULE', 'else keyword cannot be used on multi-value rules', p.peek().span);
    if (rule.ref.slice(1).some((t) => !isGround(t))) throw p.error('REGO_ERR_PARSE_RULE', 'else keyword cannot be used on rules with variables in head', p.peek().span);
    const span = p.next().span;
    const branch: RuleBody = { body: [], span };
    if (p.isPunct(':=') || p.isPunct('=')) {
      branch.assign = p.next().value === ':=';
      branch.value = parseTermIn(p);
    } else if (!p.isKeyword('if') && !p.isPunct('{')) {
      throw p.unexpected('expected else value term or rule body');
    }
    const elseBraced = !p.isKeyword('if') && p.isPunct('{');
    const b = parseRuleBody(p, true);
    if (b !== undefined) branch.body = b;
    if (elseBraced && v1) p.defer(p.error('REGO_ERR_PARSE_RULE', `\`if\` keyword is required before ${rule.args ? 'function' : 'rule'} body`, span));
    rule.elses.push(branch);
  }
  return rule;
}

/** Thrown by parseRule where OPA's parseRules returns nil without an error: the caller reads a query there. */
export class NotARule extends Error {}

const HEAD_OPERATORS = new Set(['+', '-', '*', '/', '%', '&', '|', '==', '!=', '<', '<=', '>', '>=']);

/** A term without variables, refs or calls (closures aside, which default values may hold). */
function isGround(t: Term): boolean {
  switch (t.kind) {
    case 'var':
    case 'ref':
    case 'call':
    case 'template':
      return false;
    case 'array':
    case 'set':
      return t.items.every(isGround);
    case 'object':
      return t.entries.every(([k, v]) => isGround(k) && isGround(v));
    default:
      return true;
  }
}

/**
 * OPA validateDefaultRuleValue / validateDefaultRuleArgs: a default value is a constant (it
 * cannot depend on anything: no var, ref or call outside a comprehension), and a default
 * function's arguments are distinct variables.
 */
function checkDefault(p: Parser, rule: Rule, span: Rule['span']): void {
  const bad = (t: Term): string | undefined => {
    switch (t.kind) {
      case 'var':
        return 'var';
      case 'ref':
        return 'ref';
      case 'call':
        return t.op !== undefined ? 'call' : 'call';
      case 'array':
      case 'set':
        return t.items.map(bad).find((x) => x !== undefined);
      case 'object':
        return t.entries.flatMap(([k, v]) => [bad(k), bad(v)]).find((x) => x !== undefined);
      default:
        return undefined;
    }
  };
  const what = bad(rule.value!);
  if (what !== undefined) throw p.error('REGO_ERR_PARSE_RULE', `illegal default rule (value cannot contain ${what})`, span);
  const seen = new Set<string>();
  for (const a of rule.args ?? []) {
    if (a.kind !== 'var') throw p.error('REGO_ERR_PARSE_RULE', `illegal default rule (arguments cannot contain ${a.kind})`, span);
    if (a.name !== '_' && seen.has(a.name)) throw p.error('REGO_ERR_PARSE_RULE', `illegal default rule (arguments cannot be repeated ${a.name})`, span);
    seen.add(a.name);
  }
}

/** Words that cannot name a rule in Rego v1 (OPA's IsKeywordInRegoVersion). */
const V1_KEYWORDS = new Set(['package', 'import', 'as', 'default', 'else', 'if', 'contains', 'in', 'some', 'every', 'not', 'with', 'true', 'false', 'null']);

/**
 * A head with neither value nor body nor `contains`. OPA's parser reads such a line as an
 * expression statement and turns it into a rule (ast/parser_ext.go ParseRuleFromExpr):
 * `f(x)` is a function that is true for those arguments; `p[x]` / `p.q` a partial set
 * member (v0 only: v1 requires `contains`); `a.b.c` the value true (v0 only: v1 requires a
 * value or a body); a lone name `p` is not a rule at all.
 */
function bodilessHead(p: Parser, rule: Rule, span: Rule['span']): void {
  if (rule.args !== undefined) {
    if (rule.args.length === 0) p.defer(p.error('REGO_ERR_PARSE_RULE', 'rule argument list must take at least one argument', span));
    rule.value = { kind: 'bool', value: true, span };
    rule.bodilessCall = true;
    return;
  }
  if (rule.ref.length === 1) {
    // OPA's parser reads `data` and `input` as refs
    const root = ruleName(rule) === 'data' || ruleName(rule) === 'input';
    p.defer(p.error('REGO_ERR_PARSE_RULE', root ? 'refs cannot be used for rule head' : 'var cannot be used for rule name', span));
    return;
  }
  if (rule.ref.length === 2) {
    if (p.strictV1) p.defer(p.error('REGO_ERR_PARSE_RULE', '`contains` keyword is required for partial set rules', span));
    rule.contains = rule.ref[1]!;
    rule.ref = rule.ref.slice(0, 1);
    return;
  }
  if (p.strictV1) p.defer(p.error('REGO_ERR_PARSE_RULE', 'rule must have value assignment and/or body declaration', span));
  rule.value = { kind: 'bool', value: true, span };
}

function parseRuleBody(p: Parser, afterElse = false): Literal[] | undefined {
  if (p.isKeyword('if')) {
    p.next();
    if (p.isPunct('{') && !afterElse) {
      // OPA's parseRules reads what follows `if` as one literal first and takes `{ … }` as a
      // body only when that fails or gives a set literal: `p if {}` is an (always true) empty
      // object, `p if {x: 1 | …}` an object comprehension, `p if { x }` a body
      const at = p.pos;
      try {
        const lit = parseLiteral(p);
        if (!(lit.expr.kind === 'term' && lit.expr.term.kind === 'set')) return [lit];
      } catch (e) {
        // not a literal: a body
        if (!(e instanceof RegoError)) throw e;
      }
      p.pos = at;
      return parseBraced(p);
    }
    if (p.isPunct('{')) return parseBraced(p);
    return [parseLiteral(p)];
  }
  if (p.isPunct('{')) return parseBraced(p);
  return undefined;
}

function parseBraced(p: Parser): Literal[] {
  p.expectPunct('{');
  const body = parseBody(p, '}');
  p.expectPunct('}');
  return body;
}

/** Term helper for callers that need the head name. */
export function ruleName(rule: Rule): string {
  return (rule.ref[0] as Term & { value: string }).value;
}

/** A head's ref as OPA prints it (Ref.String): `f`, `a.b`, `f[_]`, `p["a b"]`. */
function headRefText(rule: Rule): string {
  return rule.ref
    .map((t, i) => {
      if (t.kind === 'string') return i === 0 ? t.value : t.fromDot === true ? `.${t.value}` : `[${JSON.stringify(t.value)}]`;
      if (t.kind === 'var') return `[${t.name === '_' || t.name.startsWith('$') ? '_' : t.name}]`;
      if (t.kind === 'number') return `[${t.text}]`;
      return '[...]';
    })
    .join('');
}

/**
 * A rule head's value. One that does not parse is two errors in OPA (parseHead): the term's,
 * then one at the same token naming what was expected there, "unexpected eq token: expected
 * function value term (e.g., f(...) := <VALUE> { ... })".
 */
function parseHeadValue(p: Parser, rule: Rule, isDefault: boolean): Term {
  try {
    return parseTermIn(p);
  } catch (e) {
    if (!(e instanceof RegoError) || e instanceof ParseErrors || e.opaCode !== 'rego_parse_error') throw e;
    // a token that does not lex is reported alone, as before (OPA's wording there is unverified)
    if (e.code === 'REGO_ERR_PARSE_STRING' || e.code === 'REGO_ERR_PARSE_NUMBER' || e.code === 'REGO_ERR_PARSE_TOKEN') throw e;
    const name = headRefText(rule);
    const last = rule.ref[1];
    // OPA prints the head's key, nil for a head without one
    const key = rule.ref.length === 2 && last?.kind === 'var' ? last.name : '<nil>';
    let what: string;
    if (!rule.assign) what = `expected rule value term (e.g., ${name}[${key}] = <VALUE> { ... })`;
    else if (rule.args !== undefined) what = `expected function value term (e.g., ${name}(...) := <VALUE> { ... })`;
    else if (isDefault) what = `expected default rule value term (e.g., default ${name} := <VALUE>)`;
    else what = `expected rule value term (e.g., ${name} := <VALUE> { ... })`;
    const at = e.location;
    const tok = p.tokens.find((t) => at !== undefined && t.span.line === at.line && t.span.col === at.col) ?? p.tokens[p.tokens.length - 1]!;
    throw new ParseErrors([e, p.unexpected(what, tok)]);
  }
}
