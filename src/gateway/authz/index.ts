/**
 * The authorize stage: evaluates the route's Rego entrypoint over the policy input and applies
 * the decision's allow/deny (the map stage applies the rest).
 *
 * Fail closed, always: an undefined decision, a policy runtime error, an evaluation that runs
 * past its budget, or a decision that asks for anything undeclared ends the call — 403
 * (`GW_ERR_FORBIDDEN`, `GW_ERR_POLICY_ERROR`, `GW_ERR_POLICY_BUDGET`) or 500
 * (`GW_ERR_POLICY_DECISION`) — and the audit event records why.
 */
import { GatewayError } from '../errors.js';
import type { RequestContext, Stage } from '../pipeline/context.js';
import { parseDecision, type DecisionCatalog } from './decision.js';
import { buildPolicyInput } from '../shared/policy-input.js';
import { NdBuiltinCache } from '../../policy/index.js';

export { createPolicyCompiler, createPolicyLoader, instantiatePolicySet, policyBuiltins, type CompiledPolicySet, type PolicyLoadConfig } from './load.js';
export { createCompileThread, deserializeCompileError, policyCompileSpec, policyLoadConfig, serializeCompileError, type CompileThread, type PolicyCompileSpec, type SerializedCompileError } from './compile-thread.js';
export { createPolicyHolder, type PolicyHolder, type PolicyStatus } from './policy-holder.js';
export { createBundleService, downloadFailures, persistedBundleReaders, type BundleService, type BundleStatus } from './bundle-service.js';

/** What the stage needs of a loaded policy set (see policy-holder.ts). */
export interface LoadedPolicy {
  readonly revision: string;
  /** the OPA bundles of this set by name, with their manifest revisions (absent: no bundles) */
  readonly bundles?: Readonly<Record<string, { readonly revision: string }>>;
  /** `bundles` serialised once, for the audit encoder */
  readonly bundlesJson?: string;
  /**
   * the entrypoint's value, `undefined` when undefined; throws on a policy runtime error, and with
   * code `REGO_ERR_EVAL_BUDGET` when the evaluation ran past `opts.budgetMs`
   */
  evaluate(entrypoint: string, input: unknown, opts?: EvaluateOptions): unknown;
}

/** How a request whose evaluation threw fails: over budget, or any other policy error. */
export type PolicyFailureCode = 'GW_ERR_POLICY_BUDGET' | 'GW_ERR_POLICY_ERROR';

export interface EvaluateOptions {
  readonly budgetMs?: number;
  /** collects the non-deterministic builtins' results of this evaluation (decision_logs.nd_builtin_cache) */
  readonly ndBuiltinCache?: NdBuiltinCache;
}

export interface PolicySource {
  /** the policy set to use for the next request; null while nothing has loaded */
  current(): LoadedPolicy | null;
}

export interface AuthorizeStageOptions {
  readonly policies: PolicySource;
  readonly catalog: DecisionCatalog;
  /** wall-clock budget of one evaluation (`policies.eval_budget_ms`); absent: none */
  readonly evalBudgetMs?: number;
  /** called with the error of a failed evaluation and the code the request fails with (logging, metrics) */
  onPolicyError?(ctx: RequestContext, err: unknown, revision: string, code: PolicyFailureCode): void;
  /** record non-deterministic builtin results in the decision (`decision_logs.nd_builtin_cache`) */
  readonly ndBuiltinCache?: boolean;
}

export function createAuthorizeStage(opts: AuthorizeStageOptions): Stage {
  const { policies, catalog } = opts;
  if (opts.evalBudgetMs !== undefined && !(opts.evalBudgetMs > 0)) throw new TypeError(`evalBudgetMs must be a positive number, got ${opts.evalBudgetMs}`);
  // One options object for every request: nothing is allocated per evaluation for it.
  const evalOpts: EvaluateOptions | undefined = opts.evalBudgetMs !== undefined ? Object.freeze({ budgetMs: opts.evalBudgetMs }) : undefined;
  return {
    name: 'authorize',
    run(ctx: RequestContext) {
      const entrypoint = ctx.route.policy;
      if (entrypoint === undefined) return; // "absent = allow authenticated" (DESIGN.md)
      // One snapshot per request: a reload in the middle never mixes two revisions.
      const policy = policies.current();
      if (policy === null) throw new GatewayError('GW_ERR_POLICY_UNAVAILABLE');
      const input = buildPolicyInput(ctx);
      ctx.policyInput = input;
      // a cache per evaluation only when the decision log wants it: otherwise nothing is allocated
      const nd = opts.ndBuiltinCache === true ? new NdBuiltinCache() : undefined;
      const t0 = process.hrtime.bigint();
      let raw: unknown;
      try {
        raw = policy.evaluate(entrypoint, input, nd === undefined ? evalOpts : { ...evalOpts, ndBuiltinCache: nd });
      } catch (err) {
        // The toolchain's code for a stopped evaluation (src/policy/backend/eval-budget.ts).
        const code: PolicyFailureCode = (err as { code?: unknown } | null)?.code === 'REGO_ERR_EVAL_BUDGET' ? 'GW_ERR_POLICY_BUDGET' : 'GW_ERR_POLICY_ERROR';
        opts.onPolicyError?.(ctx, err, policy.revision, code);
        ctx.decision = { allow: false, raw: null, revision: policy.revision, evalNs: Number(process.hrtime.bigint() - t0), ...(nd !== undefined ? { ndBuiltinCache: nd.stringify() } : {}) };
        if (policy.bundles) (ctx.decision.bundles = policy.bundles), (ctx.decision.bundlesJson = policy.bundlesJson!);
        throw new GatewayError(code, { cause: err });
      }
      const meta = { revision: policy.revision, evalNs: Number(process.hrtime.bigint() - t0) };
      const d = parseDecision(raw, catalog, meta); // throws GW_ERR_POLICY_DECISION
      if (nd !== undefined) d.ndBuiltinCache = nd.stringify();
      if (policy.bundles) (d.bundles = policy.bundles), (d.bundlesJson = policy.bundlesJson!);
      ctx.decision = d;
      if (d.allow) return;
      throw denial(ctx, d);
    },
  } satisfies Stage;
}

function denial(ctx: RequestContext, d: NonNullable<RequestContext['decision']>): GatewayError {
  const headers: Record<string, string> = { ...(d.response_headers ?? {}) };
  const body = d.reason !== undefined ? { reason: d.reason } : undefined;
  const base = { headers, ...(body ? { body } : {}), ...(d.reason !== undefined ? { message: d.reason } : {}) };
  if (ctx.auth === null && (d.status === undefined || d.status === 401)) {
    // No token and a deny: the caller should authenticate (RFC 6750 §3).
    headers['www-authenticate'] = 'Bearer';
    return new GatewayError('GW_ERR_POLICY_DENIED_UNAUTHENTICATED', base);
  }
  if (d.insufficientScope) {
    headers['www-authenticate'] = `Bearer error="insufficient_scope"${d.requiredScope ? `, scope="${d.requiredScope}"` : ''}`;
    return new GatewayError('GW_ERR_INSUFFICIENT_SCOPE', { ...base, ...(d.status !== undefined ? { status: d.status } : {}) });
  }
  return new GatewayError('GW_ERR_FORBIDDEN', { ...base, ...(d.status !== undefined ? { status: d.status } : {}) });
}
