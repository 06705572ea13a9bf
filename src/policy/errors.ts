/**
 * Errors of the policy toolchain. Every error carries a stable `code` from the one registry in
 * error-codes.ts (REGO_ERR_*, never reused) and, where OPA has one, OPA's error code for the same
 * failure (`eval_type_error`, `rego_parse_error`, …), which the conformance harness compares with
 * `want_error_code`.
 *
 * Tests assert on `code` / `opaCode`, never on message text.
 */
import { opaCodeOf, type OpaErrorCode, type RegoErrorCode } from './error-codes.js';

export type { OpaErrorCode, RegoErrorCode } from './error-codes.js';
export interface SourceLocation {
  file: string;
  line: number; // 1-based
  col: number; // 1-based
  /** the full text of the offending line, used to render a caret */
  text?: string;
}

export class RegoError extends Error {
  readonly code: RegoErrorCode;
  /** OPA's error code for the same failure (e.g. `eval_conflict_error`), when there is one. */
  readonly opaCode: OpaErrorCode | undefined;
  readonly location: SourceLocation | undefined;

  /** `opts.opaCode` overrides the registry's OPA code (an error that carries one from elsewhere, e.g. a WASM abort). */
  constructor(code: RegoErrorCode, message: string, opts: { opaCode?: OpaErrorCode; location?: SourceLocation; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'RegoError';
    this.code = code;
    this.opaCode = opts.opaCode ?? opaCodeOf(code);
    this.location = opts.location;
  }

  /** `file:line:col: message` followed by the source line and a caret, like compiler output. */
  render(): string {
    const loc = this.location;
    if (!loc) return `${this.code}: ${this.message}`;
    let out = `${loc.file}:${loc.line}:${loc.col}: ${this.code}: ${this.message}`;
    if (loc.text !== undefined) out += `\n  ${loc.text}\n  ${' '.repeat(Math.max(0, loc.col - 1))}^`;
    return out;
  }
}

/**
 * A builtin was called with an operand of the wrong type. OPA always raises these
 * (`eval_type_error`), strict mode or not.
 */
export class BuiltinTypeError extends RegoError {
  constructor(builtin: string, message: string) {
    super('REGO_ERR_BUILTIN_TYPE', `${builtin}: ${message}`);
    this.name = 'BuiltinTypeError';
  }
}

/**
 * A builtin failed on well-typed input (bad regex, unparsable date, …). OPA makes the
 * expression undefined unless strict builtin errors are on, then raises `eval_builtin_error`.
 */
export class BuiltinError extends RegoError {
  constructor(builtin: string, message: string) {
    super('REGO_ERR_BUILTIN', `${builtin}: ${message}`);
    this.name = 'BuiltinError';
  }
}

/** Two rule bodies produced different values for one complete document / key (OPA: eval_conflict_error). */
export class ConflictError extends RegoError {
  constructor(message: string, location?: SourceLocation) {
    super('REGO_ERR_CONFLICT', message, location ? { location } : {});
    this.name = 'ConflictError';
  }
}
