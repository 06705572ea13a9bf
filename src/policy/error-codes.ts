/**
 * Every `REGO_ERR_*` code of the policy toolchain, in one place, each with the OPA error code
 * that OPA reports for the same failure (`null`: OPA has no code for it — a loader, CLI or
 * back-end failure outside the language). A code is never reused for another failure.
 *
 * OPA's codes are its `ast.Error.Code` (ast/errors.go: rego_parse_error, rego_compile_error,
 * rego_type_error, rego_unsafe_var_error, rego_recursion_error) and its `topdown.Error.Code`
 * (topdown/errors.go: eval_conflict_error, eval_type_error, eval_builtin_error,
 * eval_internal_error, eval_cancel_error, eval_with_merge_error).
 *
 * @example
 *   new RegoError('REGO_ERR_UNSAFE_VAR', 'var x is unsafe').opaCode; // 'rego_unsafe_var_error'
 */
export type OpaErrorCode =
  | 'rego_parse_error'
  | 'rego_compile_error'
  | 'rego_type_error'
  | 'rego_unsafe_var_error'
  | 'rego_recursion_error'
  | 'eval_conflict_error'
  | 'eval_type_error'
  | 'eval_builtin_error'
  | 'eval_internal_error'
  | 'eval_cancel_error'
  | 'eval_with_merge_error';

export const OPA_ERROR_CODES: readonly OpaErrorCode[] = [
  'rego_parse_error',
  'rego_compile_error',
  'rego_type_error',
  'rego_unsafe_var_error',
  'rego_recursion_error',
  'eval_conflict_error',
  'eval_type_error',
  'eval_builtin_error',
  'eval_internal_error',
  'eval_cancel_error',
  'eval_with_merge_error',
];

export const REGO_ERROR_CODES = {
  // Parsing (syntax/): OPA reports every one as rego_parse_error.
  REGO_ERR_PARSE_TOKEN: 'rego_parse_error', // a character the lexer does not know
  REGO_ERR_PARSE_STRING: 'rego_parse_error', // bad escape, unterminated string
  REGO_ERR_PARSE_NUMBER: 'rego_parse_error',
  REGO_ERR_PARSE_UNEXPECTED: 'rego_parse_error', // a token the grammar does not allow here
  REGO_ERR_PARSE_PACKAGE: 'rego_parse_error', // missing or malformed package clause
  REGO_ERR_PARSE_IMPORT: 'rego_parse_error',
  REGO_ERR_PARSE_CAPABILITIES: 'rego_parse_error', // --capabilities of an OPA that cannot read this dialect (no rego_v1 feature), or naming an unknown keyword
  REGO_ERR_PARSE_RULE: 'rego_parse_error', // malformed rule head
  REGO_ERR_PARSE_KEYWORD: 'rego_parse_error', // a reserved keyword where a name is required
  REGO_ERR_PARSE_DEPTH: 'rego_parse_error', // nesting deeper than the parser can recurse (OPA's max parsing recursion depth)
  REGO_ERR_PARSE_ANNOTATION: 'rego_parse_error', // a METADATA block that is not YAML, or a scope its statement cannot take

  // Compilation (compiler/).
  REGO_ERR_UNSAFE_VAR: 'rego_unsafe_var_error',
  REGO_ERR_RECURSION: 'rego_recursion_error',
  REGO_ERR_ARITY: 'rego_type_error', // wrong number of arguments
  REGO_ERR_UNDEFINED_FUNCTION: 'rego_type_error', // unknown function
  REGO_ERR_RULE_CONFLICT: 'rego_type_error', // rules of different kinds at one path
  REGO_ERR_TYPE: 'rego_type_error', // other compile-time type errors
  REGO_ERR_VAR_REDECLARED: 'rego_compile_error', // `x := …` when x is already declared
  REGO_ERR_ASSIGN_TARGET: 'rego_compile_error', // `:=` to something other than vars (`input.x := 1`), or inside `not`
  REGO_ERR_WITH_TARGET: 'rego_compile_error', // `with data.p.q.r` where data.p.q is a rule (OPA: cannot partially replace virtual documents), or a builtin `with` may not replace (`eq`, `walk`, `print`, `internal.*`, the metadata calls)
  REGO_ERR_UNUSED_SOME: 'rego_compile_error', // `some x` that nothing in its scope uses (OPA: declared var x unused, strict or not)
  REGO_ERR_ARG_CALL: 'rego_compile_error', // a call in a function's argument pattern: `f(1 + 1) = 7` (OPA: rule arguments cannot contain calls)
  REGO_ERR_SHADOWED_CALL: 'rego_compile_error', // a call term whose function name is a declared local: `[foo(1) | foo := 1]` (OPA: called function foo shadowed)
  REGO_ERR_UNDECLARED_VAR: 'rego_compile_error', // print(x) of a var nothing binds (OPA's rewritePrintCalls)
  REGO_ERR_TEMPLATE_EXPR: 'rego_compile_error', // a template-string expression OPA's rewriteTemplateStrings refuses: a var the body does not bind (`$"{xs[_]}"`), a relation builtin (`walk`)
  REGO_ERR_VOID_CALL: 'rego_type_error', // print(…) used as a value
  REGO_ERR_ANNOTATION_REDECLARED: 'rego_type_error', // a second `package`, `subpackages` or `document` METADATA block for one path (OPA's SetAnnotationSet: document annotation redeclared: a.rego:3)
  REGO_ERR_UNSUPPORTED: 'rego_compile_error', // a construct this compiler does not plan
  REGO_ERR_COMPILE: 'rego_compile_error', // other compile errors
  // Rego v1's compile checks (ast/rego_v1.go), also on v0 modules that import rego.v1
  REGO_ERR_SHADOW_ROOT: 'rego_compile_error', // `input := …` / `data := …`, or a function argument named input/data
  REGO_ERR_DUPLICATE_IMPORT: 'rego_compile_error', // two imports bind one name
  REGO_ERR_DEPRECATED_BUILTIN: 'rego_type_error', // a call to any/all/re_match/set_diff/cast_*/net.cidr_overlap
  REGO_ERR_STRICT: 'rego_compile_error', // `check --strict`: unused import or assignment, duplicate import, deprecated builtin
  // A plan calls a builtin OPA has but the embedding's registry leaves out (the gateway leaves
  // out `http.send` unless policies.http_send is configured); OPA without the builtin in its
  // capabilities reports an undefined function, a type error.
  REGO_ERR_BUILTIN_DISABLED: 'rego_type_error',

  // Evaluation (backend/, builtins/).
  REGO_ERR_CONFLICT: 'eval_conflict_error', // two values for one complete document / key
  REGO_ERR_BUILTIN_TYPE: 'eval_type_error', // an operand of the wrong type (always raised)
  REGO_ERR_BUILTIN: 'eval_builtin_error', // a builtin failed on well-typed input (strict mode)
  REGO_ERR_BUILTIN_INTERNAL: 'eval_internal_error', // a builtin threw something unexpected
  REGO_ERR_UNSUPPORTED_BUILTIN: 'eval_internal_error', // a call of a builtin a capabilities file declares but nothing implements (OPA: unsupported built-in)
  REGO_ERR_NUMBER_RANGE: 'eval_internal_error', // a number literal beyond a double
  REGO_ERR_TIMEOUT: 'eval_cancel_error', // an evaluation ran past its deadline (`policy test --timeout`)
  REGO_ERR_ENGINE_UNAVAILABLE: null, // engine: wasm without the binaryen package installed
  REGO_ERR_EVAL_BUDGET: 'eval_cancel_error', // an evaluation ran past EvalOptions.budgetMs (the gateway's policies.eval_budget_ms)

  // Plans and back ends.
  REGO_ERR_UNKNOWN_BUILTIN: null, // a plan calls a builtin the registry lacks
  REGO_ERR_IR_INVALID: null, // malformed IR
  REGO_ERR_UNKNOWN_PLAN: null, // evaluate() of a plan name the policy lacks
  REGO_ERR_UNKNOWN_ENTRYPOINT: null, // an entrypoint that no rule defines
  REGO_ERR_NOT_GROUND: null, // a conformance term that is not a value
  REGO_ERR_WASM_RUNTIME: null, // the embedded WASM runtime is malformed
  REGO_ERR_WASM_ENTRYPOINT: null, // no such entrypoint in a WASM module
  REGO_ERR_WASM_INVALID: null, // a generated module failed validation
  REGO_ERR_WASM_UNSUPPORTED: null, // a plan the WASM back end cannot compile
  REGO_ERR_WASM_BUILTIN_MISSING: null, // a module calls a builtin no host provides
  REGO_ERR_WASM_TRAP: 'eval_internal_error', // unreachable / out of bounds in the module
  REGO_ERR_WASM_ABORT: null, // opa_abort; carries the kind the runtime put in its message

  // Loading files (index.ts, bundle/, cli/).
  REGO_ERR_DATA_FILE: null, // a data.json / data.yaml that does not parse
  REGO_ERR_DATA_CONFLICT: null, // two data files put different values at one path
  REGO_ERR_INPUT_FILE: null, // an input document that does not parse
  REGO_ERR_BUNDLE: null, // a malformed bundle archive
  REGO_ERR_BUNDLE_ROOTS: null, // data or a package outside the .manifest roots, or two bundles whose roots overlap
  REGO_ERR_BUNDLE_SIGNATURE: null, // .signatures.json missing, not verifiable, or a file hash that does not match
  REGO_ERR_FILE: null, // a path that does not exist, or is not of the kind expected
  REGO_ERR_FORMAT: null, // `policy fmt --fail`: a file is not formatted
  REGO_ERR_FORMAT_RESULT: null, // `policy fmt --check-result`: the formatted module does not parse in its dialect
  REGO_ERR_COMPILE_ABORTED: null, // the thread compiling a policy set crashed, ran past its time limit or was closed
} as const satisfies Record<`REGO_ERR_${string}`, OpaErrorCode | null>;

export type RegoErrorCode = keyof typeof REGO_ERROR_CODES;

/** OPA's code for `code`, or undefined when OPA has none. */
export function opaCodeOf(code: RegoErrorCode): OpaErrorCode | undefined {
  return REGO_ERROR_CODES[code] ?? undefined;
}

/** Narrows a string (e.g. the kind in a WASM abort message) to an OPA error code. */
export function isOpaErrorCode(s: string): s is OpaErrorCode {
  return (OPA_ERROR_CODES as readonly string[]).includes(s);
}
