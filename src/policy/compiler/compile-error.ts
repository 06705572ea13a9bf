/**
 * Compile errors: every one is a RegoError with a stable REGO_ERR_* code, OPA's error kind and
 * the span of the offending construct. `compileToPlan` gathers them into one `CompileErrors`.
 */
import { RegoError } from '../errors.js';
import type { RegoErrorCode } from '../error-codes.js';
import type { Span } from '../syntax/ast.js';

/** The compile codes of the registry (error-codes.ts, which gives each its OPA code). */
export type CompileErrorCode = Extract<
  RegoErrorCode,
  | 'REGO_ERR_UNSAFE_VAR'
  | 'REGO_ERR_RECURSION'
  | 'REGO_ERR_ARITY'
  | 'REGO_ERR_UNDEFINED_FUNCTION'
  | 'REGO_ERR_RULE_CONFLICT'
  | 'REGO_ERR_TYPE'
  | 'REGO_ERR_VAR_REDECLARED'
  | 'REGO_ERR_ASSIGN_TARGET'
  | 'REGO_ERR_UNDECLARED_VAR'
  | 'REGO_ERR_TEMPLATE_EXPR'
  | 'REGO_ERR_SHADOWED_CALL'
  | 'REGO_ERR_ARG_CALL'
  | 'REGO_ERR_WITH_TARGET'
  | 'REGO_ERR_UNUSED_SOME'
  | 'REGO_ERR_VOID_CALL'
  | 'REGO_ERR_ANNOTATION_REDECLARED'
  | 'REGO_ERR_UNSUPPORTED'
  | 'REGO_ERR_COMPILE'
  | 'REGO_ERR_SHADOW_ROOT'
  | 'REGO_ERR_DUPLICATE_IMPORT'
  | 'REGO_ERR_DEPRECATED_BUILTIN'
>;

/** Module sources by file name, so errors can carry the offending line for the caret. */
export const sourceText = new Map<string, string>();

export function createCompileError(code: CompileErrorCode, message: string, span?: Span): RegoError {
  if (span === undefined) return new RegoError(code, message);
  const text = sourceText.get(span.file)?.split('\n')[span.line - 1];
  return new RegoError(code, message, {
    location: text === undefined ? { ...span } : { ...span, text },
  });
}

/**
 * All errors of one compilation. `code`/`opaCode` are those of the first error so callers that
 * only look at one error (the conformance harness) see the most relevant one.
 */
export class CompileErrors extends RegoError {
  readonly errors: RegoError[];

  constructor(errors: RegoError[]) {
    const first = errors[0];
    super(first?.code ?? 'REGO_ERR_COMPILE', errors.map((e) => e.render()).join('\n'), {
      ...(first?.opaCode === undefined ? {} : { opaCode: first.opaCode }),
      ...(first?.location === undefined ? {} : { location: first.location }),
    });
    this.name = 'CompileErrors';
    this.errors = errors;
  }

  /**
   * Each error once, located, with its caret. The message already holds those renderings, so
   * RegoError's `file:line:col: CODE: message` + caret would print the first one twice.
   */
  override render(): string {
    return this.errors.length === 0 ? `${this.code}: ${this.message}` : this.errors.map((e) => e.render()).join('\n');
  }
}
