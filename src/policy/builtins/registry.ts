/**
 * The builtin function registry. One file per OPA namespace (strings.ts, regex.ts, time.ts, …)
 * exports a `BuiltinDef[]`; index.ts gathers them into one registry that both back ends use:
 * the JS back end calls `impl` directly, and the WASM back end hands the same functions to
 * @open-policy-agent/opa-wasm as host builtins (so modules built by a real `opa build` get them too).
 */
import type { Value } from '../value/index.js';
import type { NdBuiltinCache } from '../backend/nd-builtin-cache.js';

export interface BuiltinContext {
  /** Strict builtin errors: a BuiltinError raises instead of making the expression undefined. */
  readonly strict: boolean;
  /** `time.now_ns()` is fixed for one evaluation (OPA semantics): read it from here. */
  readonly nowNs: bigint;
  /** Per-evaluation cache for builtins that memoise (e.g. parsed regexes may use a global LRU instead). */
  readonly cache: Map<string, unknown>;
  /** Sink for `print` output (OPA writes it to stderr with the source location). */
  print(message: string): void;
  /** Environment visible to `opa.runtime()`. */
  readonly env: Readonly<Record<string, string>>;
  /** Seeded randomness for `rand.intn` / `uuid.rfc4122` (memoised per evaluation per OPA). */
  random(): number;
  /** when the decision log wants them: where the back end records `nondeterministic` builtins' results */
  readonly ndb?: NdBuiltinCache | undefined;
}

export interface BuiltinDef {
  /** Fully qualified name as Rego code calls it, e.g. `strings.replace_n`, `count`, `plus`. */
  readonly name: string;
  /** Number of operands (the output is not counted). */
  readonly arity: number;
  /** `time.now_ns`, `rand.intn`, `uuid.rfc4122`, `http.send`, … (may not be constant-folded or cached across evaluations). */
  readonly nondeterministic?: boolean;
  /**
   * Declared without a result (a `--capabilities` builtin whose `decl` has no `result`, like
   * OPA's print): a call of it used as a value is the compile error "f(x) used as value".
   */
  readonly void?: boolean;
  /**
   * Implementation. Return `undefined` for an undefined result. Throw `BuiltinTypeError` for an
   * operand of the wrong type (always raised, OPA's eval_type_error) and `BuiltinError` for
   * other failures (undefined unless strict, then eval_builtin_error).
   * Operands are never undefined.
   */
  readonly impl: (args: readonly Value[], ctx: BuiltinContext) => Value | undefined;
}

export type BuiltinRegistry = ReadonlyMap<string, BuiltinDef>;

/** Builds a registry, refusing duplicate names (a misuse, so a TypeError at construction). */
export function createRegistry(defs: Iterable<BuiltinDef>): BuiltinRegistry {
  const m = new Map<string, BuiltinDef>();
  for (const d of defs) {
    if (m.has(d.name)) throw new TypeError(`builtin ${d.name} registered twice`);
    m.set(d.name, d);
  }
  return m;
}
