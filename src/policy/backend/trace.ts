/**
 * Evaluation tracing (`regate policy eval --explain`), the events OPA's topdown tracer records
 * (v1/topdown/trace.go): Enter, Exit, Fail and Note, each in a query with a parent query, so
 * that OPA's lineage filters (notes, fails) and its pretty printer apply unchanged.
 *
 * The JS back end emits the calls only into code generated with `trace: true`
 * (EvaluatorOptions); an evaluator generated without it has no trace hook at all, so the
 * gateway's decisions pay nothing for this. What the IR-plan engine can report is a subset of
 * OPA's event stream (it runs OPA's plans, not OPA's interpreter): a rule body's Enter and Exit,
 * the Fail of the statement that made an expression undefined or false, and `trace(msg)` Notes.
 * Eval, Redo, Index and Unify events, and child queries of `not`, comprehensions and `every`,
 * have no counterpart in a plan.
 *
 * @example
 *   const rec = createTraceRecorder();
 *   rec.enter({ file: '<query>', line: 1, col: 1 }, 'data.p.allow = _');
 *   ev.evaluate('eval', input, { tracer: rec });
 *   rec.events; // [{ op: 'Enter', …, queryId: 1, parentId: 0 }, { op: 'Enter', text: 'data.p.allow', … }, …]
 */
import type { SourceLocation } from '../errors.js';

export type TraceOp = 'Enter' | 'Exit' | 'Fail' | 'Note' | 'Redo' | 'Eval';

export interface TraceEvent {
  readonly op: TraceOp;
  /** where the event happened (a rule's head for Enter/Exit, the expression for Fail/Note) */
  readonly location: SourceLocation;
  /** Enter/Exit of a rule: its path (`data.p.allow`); of a query: its text; otherwise empty */
  readonly text: string;
  /** a Note's message */
  readonly message: string;
  /** the event opens a rule (Enter/Exit of a rule body) rather than a query or an expression */
  readonly rule: boolean;
  /** a Fail inside the operand of `not` (which makes the negation true) */
  readonly negated: boolean;
  readonly queryId: number;
  readonly parentId: number;
}

/** The hooks generated code calls. */
export interface PlanTracer {
  /** a rule body starts: a new query under the current one */
  enter(loc: SourceLocation, path: string): void;
  /** the rule body succeeded */
  exit(loc: SourceLocation, path: string): void;
  /** the rule body is left (after exit, or after a failure): back to the parent query */
  leave(): void;
  /** the statement at `loc` made its expression undefined or false (`negated`: the operand of a `not`) */
  fail(loc: SourceLocation, negated?: boolean): void;
  /** `trace(message)` ran */
  note(message: unknown, loc: SourceLocation): void;
}

export interface TraceRecorder extends PlanTracer {
  readonly events: TraceEvent[];
  /** opens a query (the CLI's own query: `data.p.allow = _`) */
  enterQuery(loc: SourceLocation, text: string): void;
  /** the open query produced a result */
  exitQuery(loc: SourceLocation, text: string): void;
}

/** Records every event, with OPA's query ids: 1 for the first query, each Enter a fresh id under the current one. */
export function createTraceRecorder(): TraceRecorder {
  const events: TraceEvent[] = [];
  const stack: number[] = [0];
  // rule bodies are left down to the query that was open when they were entered
  let base = 1;
  let next = 1;
  const current = (): number => stack[stack.length - 1]!;
  const parent = (): number => stack[stack.length - 2] ?? 0;
  const push = (op: TraceOp, location: SourceLocation, text: string, message: string, rule: boolean, negated = false): void => {
    events.push({ op, location, text, message, rule, negated, queryId: current(), parentId: parent() });
  };
  return {
    events,
    enterQuery(loc, text) {
      stack.push(next++);
      base = stack.length;
      push('Enter', loc, text, '', false);
    },
    exitQuery(loc, text) {
      push('Exit', loc, text, '', false);
    },
    enter(loc, path) {
      stack.push(next++);
      push('Enter', loc, path, '', true);
    },
    exit(loc, path) {
      push('Exit', loc, path, '', true);
    },
    leave() {
      if (stack.length > base) stack.pop();
    },
    fail(loc, negated) {
      push('Fail', loc, '', '', false, negated === true);
    },
    note(message, loc) {
      // as OPA's builtinTrace: a Note only for a string operand (the builtin's own check raises otherwise)
      if (typeof message === 'string') push('Note', loc, '', message, false);
    },
  };
}

/** For an evaluator generated with tracing but run without a tracer. */
export const NO_TRACER: PlanTracer = Object.freeze({
  enter() {},
  exit() {},
  leave() {},
  fail() {},
  note() {},
});

/**
 * OPA's lineage filters (v1/topdown/lineage): `full` drops Unify events (regate has none),
 * `notes`/`fails` keep each Note/Fail with the chain of rule and query Enter events that led to it,
 * a chain printed once (the remembered Enter events are forgotten after each kept event).
 */
export function filterTrace(events: readonly TraceEvent[], mode: 'full' | 'debug' | 'notes' | 'fails'): TraceEvent[] {
  if (mode === 'full' || mode === 'debug') return [...events];
  const want: TraceOp = mode === 'notes' ? 'Note' : 'Fail';
  return filterLineage(events, (e) => e.op === want);
}

/**
 * OPA's lineage.Filter: each event `keep` accepts, after the chain of Enter (and Redo) events
 * of the queries that led to it not yet printed (`opa test -v` keeps Notes and Fails so).
 */
export function filterLineage(events: readonly TraceEvent[], keep: (e: TraceEvent) => boolean): TraceEvent[] {
  const out: TraceEvent[] = [];
  let opened = new Map<number, TraceEvent>();
  for (const e of events) {
    if (keep(e)) {
      const path = [e];
      let cur = opened.get(e.queryId);
      let prev: TraceEvent | undefined;
      while (cur !== undefined && cur !== prev) {
        path.push(cur);
        prev = cur;
        cur = opened.get(cur.parentId);
      }
      out.push(...path.reverse());
      opened = new Map();
    }
    if (e.op === 'Enter' || e.op === 'Redo') opened.set(e.queryId, e);
  }
  return out;
}
