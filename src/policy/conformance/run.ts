/**
 * Runs OPA's conformance cases through one back end, either on OPA's own plans (`plansDir`:
 * tests the back end alone) or on plans our front end compiles from the case's modules.
 *
 * @example
 * ```ts
 * const results = await runConformance({ casesDir: '../shared/conformance/cases/v1',
 *   plansDir: '../shared/conformance/plans/v1', engine: 'js' });
 * console.log(results.filter((r) => r.pass).length);
 * ```
 */
import { RegoError } from '../errors.js';
import type { Policy } from '../ir/types.js';
import { fromJs, type Value } from '../value/index.js';
import type { PlanEvaluator } from '../backend/evaluator.js';
import { createJsEvaluator } from '../backend/js/index.js';
import { createEvaluator, type Engine } from '../index.js';
import { compileToPlan } from '../compiler/index.js';
import { parseTerm } from '../syntax/index.js';
import { loadCaseFiles, loadPlanEntries, type ConformanceCase, type PlanEntry } from './cases.js';
import { judgeCase, type Outcome } from './judge.js';
import { termToValue, type GroundTerm } from './term-value.js';

export type { Engine };

export interface ConformanceOptions {
  casesDir: string;
  /** run OPA's plans from this dir instead of compiling the modules with our front end */
  plansDir?: string;
  engine: Engine;
  /** only cases whose `file` or `note` contains this substring */
  filter?: string;
  /** compile the cases' modules and queries as Rego v0 (the `cases/v0-opa0.48` corpus) */
  regoVersion?: 'v0' | 'v1';
  /** called after each case (progress output) */
  onResult?: (r: CaseResult) => void;
}

export interface CaseResult {
  file: string;
  topic: string;
  note: string;
  pass: boolean;
  reason?: string;
}

type EvaluatorFactory = (policy: Policy, data: Value) => Promise<PlanEvaluator>;

/** The evaluator factory for an engine. */
export async function evaluatorFactory(engine: Engine): Promise<EvaluatorFactory> {
  if (engine === 'js') return async (policy, data) => createJsEvaluator(policy, { data });
  return (policy, data) => createEvaluator(policy, { engine, data });
}

type Compile = (modules: { file: string; text: string }[], opts: { query?: string; entrypoints?: string[]; regoVersion?: 'v0' | 'v1' }) => Policy;
type ParseTerm = (text: string) => GroundTerm;

interface Tools {
  compile: Compile | undefined;
  parseTerm: ParseTerm | undefined;
}

async function loadTools(needFrontEnd: boolean): Promise<Tools> {
  return { compile: needFrontEnd ? compileToPlan : undefined, parseTerm: parseTerm as ParseTerm };
}

class CaseFailure extends Error {}

function caseInput(c: ConformanceCase, tools: Tools): Value | undefined {
  if (c.input_term !== undefined) {
    if (tools.parseTerm) return termToValue(tools.parseTerm(c.input_term));
    // JSON text is a Rego term with the same meaning; anything else (sets, refs) needs the parser.
    try {
      return fromJs(JSON.parse(c.input_term));
    } catch {
      throw new CaseFailure('input_term needs the front end term parser (parseTerm), not available');
    }
  }
  return c.input === undefined ? undefined : fromJs(c.input);
}

async function runCase(c: ConformanceCase, policy: Policy, factory: EvaluatorFactory, tools: Tools): Promise<Outcome | string> {
  let ev: PlanEvaluator;
  try {
    ev = await factory(policy, fromJs(c.data ?? {}));
  } catch (e) {
    return `cannot load plan: ${e instanceof RegoError ? `${e.code}: ${e.message}` : String(e)}`;
  }
  let input: Value | undefined;
  try {
    input = caseInput(c, tools);
  } catch (e) {
    return e instanceof CaseFailure ? e.message : `bad input: ${String(e)}`;
  }
  try {
    const rows = ev.evaluate('eval', input, { strictBuiltinErrors: c.strict_error === true, env: c.env ?? {}, print: () => {} });
    return { rows };
  } catch (e) {
    return { error: e };
  }
}

export async function runConformance(opts: ConformanceOptions): Promise<CaseResult[]> {
  const files = await loadCaseFiles(opts.casesDir);
  const factory = await evaluatorFactory(opts.engine);
  const tools = await loadTools(opts.plansDir === undefined);
  const results: CaseResult[] = [];
  for (const f of files) {
    const matching = f.cases.filter((c) => !opts.filter || f.path.includes(opts.filter) || c.note.includes(opts.filter));
    if (matching.length === 0) continue;
    const plans: PlanEntry[] | undefined = opts.plansDir !== undefined ? await loadPlanEntries(opts.plansDir, f.path) : undefined;
    const seen = new Map<string, number>();
    for (const c of f.cases) {
      // Notes may repeat within a file: the k-th case with a note takes the k-th plan with it.
      const k = seen.get(c.note) ?? 0;
      seen.set(c.note, k + 1);
      if (!matching.includes(c)) continue;
      const r: CaseResult = { file: f.path, topic: f.topic, note: c.note, pass: false };
      let policy: Policy | undefined;
      if (opts.plansDir !== undefined) {
        policy = plans?.filter((p) => p.note === c.note)[k]?.plan;
        if (!policy) r.reason = 'no OPA plan for this case';
      } else if (!tools.compile) {
        r.reason = 'front end (compileToPlan) not available';
      } else {
        try {
          policy = tools.compile(
            // OPA's harness names the modules test-<i>.rego (its error texts quote them).
            (c.modules ?? []).map((text, i) => ({ file: `test-${i}.rego`, text })),
            { query: c.query, ...(opts.regoVersion !== undefined ? { regoVersion: opts.regoVersion } : {}) },
          );
        } catch (e) {
          // OPA's harness judges compile errors (rego_parse_error, rego_type_error, …) against
          // want_error_code / want_error like evaluation errors
          if (e instanceof RegoError && (c.want_error_code !== undefined || c.want_error !== undefined)) {
            const v = judgeCase(c, { error: e });
            r.pass = v.pass;
            if (v.reason !== undefined) r.reason = `compile error: ${v.reason}`;
          } else r.reason = `compile error: ${e instanceof RegoError ? `${e.code}: ${e.message}` : String(e)}`;
        }
      }
      if (policy) {
        const out = await runCase(c, policy, factory, tools);
        if (typeof out === 'string') r.reason = out;
        else {
          const v = judgeCase(c, out);
          r.pass = v.pass;
          if (v.reason !== undefined) r.reason = v.reason;
        }
      }
      results.push(r);
      opts.onResult?.(r);
    }
  }
  return results;
}

/** Per-topic pass/fail counts, topics sorted. */
export function summarizeByTopic(results: readonly CaseResult[]): { topic: string; passed: number; failed: number }[] {
  const m = new Map<string, { topic: string; passed: number; failed: number }>();
  for (const r of results) {
    let t = m.get(r.topic);
    if (!t) m.set(r.topic, (t = { topic: r.topic, passed: 0, failed: 0 }));
    if (r.pass) t.passed++;
    else t.failed++;
  }
  return [...m.values()].sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : 0));
}
