/**
 * Template strings (`$"Hello {input.name}!"`, OPA v1.x string interpolation). Each embedded
 * expression is parsed from its source text with its own position so errors point into it.
 */
import type { TemplateTerm, Term } from './ast.js';
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
    if (sub.peek().kind !== 'eof') throw sub.unexpected('expected } after template expression');
    parts.push(term);
  }
  return { kind: 'template', parts, span: tok.span };
}
