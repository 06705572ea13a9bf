/**
 * Parse errors: stable `REGO_ERR_PARSE_*` codes, OPA kind `rego_parse_error`, and a location
 * carrying the source line so `render()` can draw a caret.
 */
import { RegoError } from '../errors.js';
import type { Span } from './tokens.js';

export type ParseErrorCode =
  | 'REGO_ERR_PARSE_TOKEN' // a character the lexer does not know
  | 'REGO_ERR_PARSE_STRING' // bad escape / unterminated string
  | 'REGO_ERR_PARSE_NUMBER'
  | 'REGO_ERR_PARSE_UNEXPECTED' // a token the grammar does not allow here
  | 'REGO_ERR_PARSE_PACKAGE' // missing or malformed package clause
  | 'REGO_ERR_PARSE_IMPORT'
  | 'REGO_ERR_PARSE_RULE' // malformed rule head
  | 'REGO_ERR_PARSE_KEYWORD'; // a reserved keyword where a name is required

/** Creates a parse error at `span`; `source` is the module text used to render the caret. */
export function createParseError(code: ParseErrorCode, message: string, span: Span, source?: string): RegoError {
  const text = source === undefined ? undefined : source.split('\n')[span.line - 1];
  return new RegoError(code, message, {
    opaCode: 'rego_parse_error',
    location: text === undefined ? { ...span } : { ...span, text },
  });
}
