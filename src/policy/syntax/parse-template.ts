/**
 * Template strings (`$"Hello {input.name}!"`, OPA v1.x string interpolation). Each embedded
 * expression is parsed from its source text with its own position so errors point into it.
 */
import type { Literal, TemplateTerm, Term } from './ast.js';
import { parseLiteral } from './parse-expr.js';
import { Parser } from './parser.js';
import type { Token } from './tokens.js';

export function parseTemplate(p: Parser, tok: Token): TemplateTerm {
  const parts: (string | Term)[] = [];
  for (const part of tok.parts ?? []) {
    if (part.kind === 'text') {
      parts.push(part.value);
      continue;
    }
    // `{}`: OPA's parseTemplateString reads no literal there
    if (part.source.trim() === '') throw p.error('REGO_ERR_PARSE_UNEXPECTED', 'invalid template-string expression', part.span);
    const sub = new Parser(part.source, p.file, { line: part.span.line, col: part.span.col }, { regoVersion: p.compatV1 ? 'v0v1' : p.regoVersion });
    for (const kw of p.keywords) sub.keywords.add(kw);
    // OPA's parseTemplateString reads a literal and accepts only a term (with modifiers) of it
    const lit = parseLiteral(sub);
    const refuse = (what: string): never => {
      throw sub.error('REGO_ERR_PARSE_UNEXPECTED', `unexpected ${what} in template-string expression`, lit.span);
    };
    if (lit.negated) refuse("negation ('not')");
    const expr = lit.expr;
    if (expr.kind === 'unify') refuse("unification ('=')");
    if (expr.kind === 'assign') refuse("assignment (':=')");
    if (expr.kind === 'every') refuse("'every'");
    if (expr.kind === 'some' || expr.kind === 'somein') refuse("'some'");
    if (expr.kind !== 'term') throw sub.error('REGO_ERR_PARSE_UNEXPECTED', 'invalid template-string expression', lit.span);
    if (sub.peek().kind !== 'eof') throw sub.error('REGO_ERR_PARSE_UNEXPECTED', 'expected } to end template string expression');
    const term = expr.term;
    const withs = lit.with;
    if (withs.length === 0) {
      parts.push(term);
      continue;
    }
    // `{e with input as x}`: the set of e's values under the modifiers, `{$t | $t = e with …}`
    const v: Term = { kind: 'var', name: '$t', span: term.span };
    const each: Literal = { negated: false, expr: { kind: 'unify', lhs: v, rhs: term, span: term.span }, with: withs, span: term.span };
    parts.push({ kind: 'setcomp', term: v, body: [each], span: term.span, templateWith: true });
  }
  return { kind: 'template', parts, span: tok.span };
}
