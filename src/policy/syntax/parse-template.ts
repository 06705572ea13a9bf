/**
 * Template strings (`$"Hello {input.name}!"`, OPA v1.x string interpolation). Each embedded
 * expression is parsed from its source text with its own position so errors point into it.
 */
import type { Literal, TemplateTerm, Term } from './ast.js';
import { parseWiths } from './parse-expr.js';
import { parseTermIn } from './parse-term.js';
import { Parser } from './parser.js';
import type { Token } from './tokens.js';

export function parseTemplate(p: Parser, tok: Token): TemplateTerm {
  const parts: (string | Term)[] = [];
  for (const part of tok.parts ?? []) {
    if (part.kind === 'text') {
      parts.push(part.value);
      continue;
    }
    const sub = new Parser(part.source, p.file, { line: part.span.line, col: part.span.col });
    const term = parseTermIn(sub);
    const withs = parseWiths(sub);
    if (sub.peek().kind !== 'eof') throw sub.unexpected('expected } after template expression');
    if (withs.length === 0) {
      parts.push(term);
      continue;
    }
    // `{e with input as x}`: the set of e's values under the modifiers, `{$t | $t = e with …}`
    const v: Term = { kind: 'var', name: '$t', span: term.span };
    const lit: Literal = { negated: false, expr: { kind: 'unify', lhs: v, rhs: term, span: term.span }, with: withs, span: term.span };
    parts.push({ kind: 'setcomp', term: v, body: [lit], span: term.span, templateWith: true });
  }
  return { kind: 'template', parts, span: tok.span };
}
