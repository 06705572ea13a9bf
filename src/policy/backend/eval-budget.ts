/**
 * The per-evaluation budget both back ends enforce (`EvalOptions.budgetMs`).
 *
 * A policy can loop over whatever its input holds, and the gateway evaluates policies on the
 * worker that serves every other request, so an evaluation must not run on without bound.
 * Reading the clock costs 150–200 ns on the machines regate runs on (more than a small
 * decision), so generated code only counts steps — one per loop iteration (ScanStmt) and per
 * rule or function call — and asks for the time every STEP_INTERVAL steps. The first check
 * starts the clock and later ones compare against it, so a decision of fewer than FIRST_CHECK
 * steps — nearly every gateway decision — never reads it. What runs before the first check and
 * between two checks is bounded by the plan's size (no recursion in Rego), except a single
 * builtin call, which is never interrupted (README "Evaluation budget").
 *
 * Exceeding the budget is an error, never a partial result: the evaluation throws and its
 * result set is dropped. OPA's nearest kind is the cancelled query (`eval_cancel_error`).
 */
import { RegoError } from '../errors.js';

/** Steps before the first check (which starts the clock). */
export const FIRST_CHECK = 64;
/** Steps between two later checks: at ~10–100 ns a step, a clock read every 10–100 µs. */
export const STEP_INTERVAL = 1024;

/** Per-evaluation budget state, held by each back end's evaluation context. */
export interface BudgetState {
  /** the budget in milliseconds; Infinity: none */
  budgetMs: number;
  /** performance.now() value past which the evaluation stops; 0 until the first check */
  deadline: number;
}

/** `opts.budgetMs` checked (misuse is a TypeError), Infinity when absent. */
export function budgetOf(opts: { budgetMs?: number } | undefined): number {
  const ms = opts?.budgetMs;
  if (ms === undefined) return Infinity;
  if (typeof ms !== 'number' || !(ms > 0)) throw new TypeError(`budgetMs must be a positive number of milliseconds, got ${String(ms)}`);
  return ms;
}

/**
 * One check, every STEP_INTERVAL steps: starts the clock on the first call, throws RegoError
 * `REGO_ERR_EVAL_BUDGET` once the budget has run out.
 */
export function checkBudget(s: BudgetState): void {
  if (s.budgetMs === Infinity) return;
  const now = performance.now();
  if (s.deadline === 0) s.deadline = now + s.budgetMs;
  else if (now > s.deadline) throw new RegoError('REGO_ERR_EVAL_BUDGET', `evaluation exceeded its budget of ${s.budgetMs} ms`, { opaCode: 'eval_cancel_error' });
}
