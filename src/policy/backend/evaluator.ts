/**
 * The one interface both back ends (JS closures, WASM through @open-policy-agent/opa-wasm) offer,
 * so the conformance harness, the differential test and the gateway treat them alike.
 */
import type { BuiltinRegistry } from '../builtins/registry.js';
import type { Value } from '../value/index.js';
import type { NdBuiltinCache } from './nd-builtin-cache.js';
import type { PlanTracer } from './trace.js';

export interface EvalOptions {
  /** builtin errors raise (eval_builtin_error) instead of making the expression undefined */
  strictBuiltinErrors?: boolean;
  /** value of time.now_ns() for this evaluation; defaults to the wall clock at evaluation start */
  nowNs?: bigint;
  /** environment for opa.runtime().env */
  env?: Readonly<Record<string, string>>;
  /** sink for print(); defaults to stderr */
  print?: (message: string) => void;
  /**
   * Wall-clock milliseconds the evaluation may run (eval-budget.ts: checked every so many loop
   * iterations and calls, from the first check on); past it, evaluate() throws RegoError
   * `REGO_ERR_EVAL_BUDGET` instead of returning a result. Absent: no limit. On the WASM back end
   * only modules regate compiled itself count their steps.
   */
  budgetMs?: number;
  /** records the results of non-deterministic builtins for the decision log (nd-builtin-cache.ts) */
  ndBuiltinCache?: NdBuiltinCache;
  /** receives the trace events of an evaluator made with `trace: true` (backend/trace.ts) */
  tracer?: PlanTracer;
}

export interface PlanEvaluator {
  /** names of the plans in the policy (entrypoints, e.g. "eval" or "gateway/decision") */
  readonly plans: readonly string[];
  /** Replaces the base document `data`. */
  setData(data: Value): void;
  /**
   * Runs one plan and returns its result set: one Value per ResultSetAddStmt, in order
   * (for a query plan each row is an object of variable bindings; for an entrypoint plan
   * `{"result": value}`). An empty array means undefined.
   * Throws RegoError (with `opaCode`, e.g. eval_conflict_error) when evaluation fails.
   */
  evaluate(plan: string, input: Value | undefined, opts?: EvalOptions): Value[];
  /** With `coverage: true` (JS back end): the lines the plans hold and those evaluated so far. */
  coverage?(): LineCoverage;
}

/** Source lines by file: those with IR statements, and those whose statements ran. */
export interface LineCoverage {
  executable: Map<string, Set<number>>;
  covered: Map<string, Set<number>>;
}

export interface EvaluatorOptions {
  data?: Value;
  builtins?: BuiltinRegistry;
  /** track which source lines run (JS back end only; off by default, and then costs nothing) */
  coverage?: boolean;
  /**
   * generate the trace hooks (JS back end only; `policy eval --explain`): off by default, and
   * then not a statement of them is in the code
   */
  trace?: boolean;
}
