/**
 * The builtins OPA marks deprecated (ast/builtins.go `Deprecated: true`). Rego v1 refuses calls to
 * them at compile time (ast/rego_v1.go checkDeprecatedBuiltins); v0 modules may call them, and
 * `check --strict` reports them there.
 */
export const DEPRECATED_BUILTINS: ReadonlySet<string> = new Set([
  'any', 'all', 're_match', 'net.cidr_overlap', 'set_diff',
  'cast_array', 'cast_set', 'cast_string', 'cast_boolean', 'cast_null', 'cast_object',
]);
