/**
 * The JS back end: runs an OPA `ir.Policy` in-process as generated JavaScript (see codegen.ts).
 *
 * @example
 * ```ts
 * const ev = createJsEvaluator(plan, { data: { roles: { alice: 'admin' } } });
 * ev.evaluate('gateway/decision', { token: { sub: 'alice' } }); // → [{ result: … }] or [] (undefined)
 * ```
 */
import { RegoError, type SourceLocation } from '../../errors.js';
import type { BuiltinContext, BuiltinDef, BuiltinRegistry } from '../../builtins/registry.js';
import { defaultRegistry } from '../../builtins/index.js';
import type { Policy } from '../../ir/types.js';
import type { Value } from '../../value/index.js';
import type { EvalOptions, EvaluatorOptions, LineCoverage, PlanEvaluator } from '../evaluator.js';
import { generatePolicy, type GeneratedPolicy } from './codegen.js';
import { budgetOf, type BudgetState } from '../eval-budget.js';
import type { NdBuiltinCache } from '../nd-builtin-cache.js';
import * as runtime from './runtime.js';
import { NO_TRACER, type PlanTracer } from '../trace.js';
import { engineBuiltin } from '../with-bad-path.js';

type Run = (plan: number, input: Value | undefined, data: Value | undefined, ctx: BuiltinContext, tracer?: PlanTracer) => Value[];

const NO_ENV: Readonly<Record<string, string>> = Object.freeze({});

function wallClockNs(): bigint {
  // Microsecond resolution from the monotonic clock anchored at the process' time origin.
  return BigInt(Math.round((performance.timeOrigin + performance.now()) * 1000)) * 1000n;
}

function printToStderr(message: string): void {
  process.stderr.write(message + '\n');
}

/**
 * Per-evaluation builtin context. `nowNs` and the cache are created on first use so that a
 * decision that calls no such builtin pays nothing for them; once read, `nowNs` stays fixed for
 * the evaluation (OPA: time.now_ns is constant within one query).
 */
class EvalContext implements BuiltinContext, BudgetState {
  private now: bigint | undefined;
  private memo: Map<string, unknown> | undefined;
  readonly strict: boolean;
  readonly env: Readonly<Record<string, string>>;
  private readonly sink: (message: string) => void;
  readonly budgetMs: number;
  readonly ndb: NdBuiltinCache | undefined;
  deadline = 0;

  constructor(opts: EvalOptions | undefined) {
    this.strict = opts?.strictBuiltinErrors === true;
    this.now = opts?.nowNs;
    this.env = opts?.env ?? NO_ENV;
    this.sink = opts?.print ?? printToStderr;
    this.budgetMs = budgetOf(opts);
    this.ndb = opts?.ndBuiltinCache;
  }

  get nowNs(): bigint {
    return (this.now ??= wallClockNs());
  }

  get cache(): Map<string, unknown> {
    return (this.memo ??= new Map());
  }

  print(message: string): void {
    this.sink(message);
  }

  random(): number {
    return Math.random();
  }
}

/**
 * What the JS back end makes of a plan, in a form that crosses a thread boundary (structured
 * clone): the generated source, the builtins it calls by name (functions do not cross; the
 * receiving side takes them from its own registry) and the source locations of its errors.
 * Generating it is the expensive part for a large policy; `createJsEvaluatorFromArtifact` then
 * only hands the source to V8.
 */
export interface JsArtifact {
  readonly kind: 'js';
  readonly source: string;
  readonly builtins: readonly string[];
  readonly locations: readonly SourceLocation[];
  readonly planNames: readonly string[];
}

/** Generates the JS of `policy` (throws like createJsEvaluator for plans it cannot run). */
export function compileJsArtifact(policy: Policy, registry: BuiltinRegistry = defaultRegistry): JsArtifact {
  const gen = generatePolicy(policy, registry);
  return { kind: 'js', source: gen.source, builtins: gen.builtins.map((b) => b.name), locations: gen.locations, planNames: gen.planNames };
}

/**
 * An evaluator for an artefact of compileJsArtifact (perhaps made in another thread). Throws
 * `REGO_ERR_UNKNOWN_BUILTIN` when `opts.builtins` lacks a builtin the code calls.
 */
export function createJsEvaluatorFromArtifact(a: JsArtifact, opts: EvaluatorOptions = {}): PlanEvaluator {
  const registry: BuiltinRegistry = opts.builtins ?? defaultRegistry;
  const builtins = a.builtins.map((name) => {
    const def = registry.get(name) ?? engineBuiltin(name);
    if (def === undefined) throw new RegoError('REGO_ERR_UNKNOWN_BUILTIN', `unknown builtin function ${name}`);
    return def;
  });
  return instantiate({ source: a.source, builtins, locations: [...a.locations], planNames: [...a.planNames], lines: [] }, opts);
}

/**
 * Compiles `policy` to JS once. Throws RegoError `REGO_ERR_UNKNOWN_BUILTIN` when a plan calls a
 * builtin the registry lacks, `REGO_ERR_IR_INVALID` for malformed IR, TypeError on misuse.
 */
export function createJsEvaluator(policy: Policy, opts: EvaluatorOptions = {}): PlanEvaluator {
  const registry: BuiltinRegistry = opts.builtins ?? defaultRegistry;
  return instantiate(generatePolicy(policy, registry, { coverage: opts.coverage === true, trace: opts.trace === true }), opts);
}

function instantiate(gen: GeneratedPolicy, opts: EvaluatorOptions): PlanEvaluator {
  const factory = new Function('rt', 'B', 'LOC', 'COV', gen.source) as (rt: typeof runtime, b: BuiltinDef[], loc: SourceLocation[], cov: Uint8Array) => Run;
  const hits = new Uint8Array(gen.lines.length);
  const run = factory(runtime, gen.builtins, gen.locations, hits);
  const planIndex = new Map<string, number>();
  gen.planNames.forEach((n, i) => planIndex.set(n, i));
  let data: Value | undefined = opts.data;
  const indexOf = (plan: string): number => {
    const i = planIndex.get(plan);
    if (i === undefined) throw new RegoError('REGO_ERR_UNKNOWN_PLAN', `no plan named ${JSON.stringify(plan)} (have ${gen.planNames.join(', ')})`);
    return i;
  };

  return {
    plans: Object.freeze([...gen.planNames]),
    setData(d: Value): void {
      data = d;
    },
    // Only code generated for tracing gets the tracer; the untraced evaluate() is as before it existed.
    evaluate:
      gen.traced === true
        ? (plan: string, input: Value | undefined, evalOpts?: EvalOptions): Value[] => run(indexOf(plan), input, data, new EvalContext(evalOpts), evalOpts?.tracer ?? NO_TRACER)
        : function evaluate(plan: string, input: Value | undefined, evalOpts?: EvalOptions): Value[] {
            const i = planIndex.get(plan);
            if (i === undefined) throw new RegoError('REGO_ERR_UNKNOWN_PLAN', `no plan named ${JSON.stringify(plan)} (have ${gen.planNames.join(', ')})`);
            return run(i, input, data, new EvalContext(evalOpts));
          },
    ...(opts.coverage === true
      ? {
          coverage(): LineCoverage {
            const executable = new Map<string, Set<number>>();
            const covered = new Map<string, Set<number>>();
            gen.lines.forEach(({ file, row }, slot) => {
              const add = (m: Map<string, Set<number>>) => (m.get(file) ?? m.set(file, new Set()).get(file)!).add(row);
              add(executable);
              if (hits[slot] === 1) add(covered);
            });
            return { executable, covered };
          },
        }
      : {}),
  };
}

/** Exposed for tests and `regate policy build -t js`: the generated source of a policy. */
export function generateJsSource(policy: Policy, registry: BuiltinRegistry): string {
  return generatePolicy(policy, registry).source;
}
