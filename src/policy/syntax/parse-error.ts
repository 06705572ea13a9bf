/**
 * Parse errors: stable `REGO_ERR_PARSE_*` codes, OPA kind `rego_parse_error`, and a location
 * carrying the source line so `render()` can draw a caret.
 */
import { RegoError } from '../errors.js';
import type { RegoErrorCode } from '../error-codes.js';
import type { Span } from './tokens.js';

/** The parse codes of the registry (error-codes.ts), all OPA's rego_parse_error. */
export type ParseErrorCode = Extract<RegoErrorCode, `REGO_ERR_PARSE_${string}`>;

/** Creates a parse error at `span`; `source` is the module text used to render the caret. */
export function createParseError(code: ParseErrorCode, message: string, span: Span, source?: string): RegoError {
  const text = source === undefined ? undefined : source.split('\n')[span.line - 1];
  return new RegoError(code, message, {
    location: text === undefined ? { ...span } : { ...span, text },
  });
}
