/**
 * Compile errors: every one is a RegoError with a stable REGO_ERR_* code, OPA's error kind and
 * the span of the offending construct. `compileToPlan` gathers them into one `CompileErrors`.
 */
import { RegoError } from '../errors.js';
import type { Span } from '../syntax/ast.js';

export type CompileErrorCode =
  | 'REGO_ERR_UNSAFE_VAR' // rego_unsafe_var_error
  | 'REGO_ERR_RECURSION' // rego_recursion_error
  | 'REGO_ERR_ARITY' // rego_type_error: wrong number of arguments
  | 'REGO_ERR_UNDEFINED_FUNCTION' // rego_type_error: unknown function
  | 'REGO_ERR_RULE_CONFLICT' // rego_type_error: rules of different kinds at one path
  | 'REGO_ERR_TYPE' // rego_type_error: other compile-time type errors
  | 'REGO_ERR_VAR_REDECLARED' // rego_compile_error: `x := …` when x is already declared
  | 'REGO_ERR_UNSUPPORTED' // rego_compile_error: a construct this compiler does not plan yet
  | 'REGO_ERR_COMPILE'; // rego_compile_error: other

const OPA_CODES: Record<CompileErrorCode, string> = {
  REGO_ERR_UNSAFE_VAR: 'rego_unsafe_var_error',
  REGO_ERR_RECURSION: 'rego_recursion_error',
  REGO_ERR_ARITY: 'rego_type_error',
  REGO_ERR_UNDEFINED_FUNCTION: 'rego_type_error',
  REGO_ERR_RULE_CONFLICT: 'rego_type_error',
  REGO_ERR_TYPE: 'rego_type_error',
  REGO_ERR_VAR_REDECLARED: 'rego_compile_error',
  REGO_ERR_UNSUPPORTED: 'rego_compile_error',
  REGO_ERR_COMPILE: 'rego_compile_error',
};

/** Module sources by file name, so errors can carry the offending line for the caret. */
export const sourceText = new Map<string, string>();

export function createCompileError(code: CompileErrorCode, message: string, span?: Span): RegoError {
  if (span === undefined) return new RegoError(code, message, { opaCode: OPA_CODES[code] });
  const text = sourceText.get(span.file)?.split('\n')[span.line - 1];
  return new RegoError(code, message, {
    opaCode: OPA_CODES[code],
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
}
