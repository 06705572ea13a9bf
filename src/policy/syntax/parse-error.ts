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

/**
 * Several parse errors of one module, in source order: OPA's parseModule reports every statement
 * that parsed but makes no valid rule (`if` missing before three bodies is three errors). Code,
 * message and location are the first one's, so a caller that handles one error sees that one;
 * `errors` holds them all for the callers that print every error (compileModules, the CLI).
 */
export class ParseErrors extends RegoError {
  readonly errors: readonly RegoError[];

  constructor(errors: readonly RegoError[]) {
    const first = errors[0]!;
    super(first.code, first.message, {
      ...(first.opaCode === undefined ? {} : { opaCode: first.opaCode }),
      ...(first.location === undefined ? {} : { location: first.location }),
    });
    this.name = 'ParseErrors';
    this.errors = errors;
  }
}
