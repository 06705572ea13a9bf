/**
 * Calls: user functions (`data.pkg.f(x)` → CallStmt to the rule's func with input and data as
 * the first two arguments) and builtins (CallStmt by name). `with` mocks replace either.
 * `print(a, b)` is planned like OPA: each operand becomes a set comprehension, so undefined
 * operands print as `<undefined>`, and the call goes to `internal.print([…])`.
 */
import type { CallTerm, Term } from '../syntax/ast.js';
import type { Local } from '../ir/types.js';
import { createCompileError } from './compile-error.js';
import { ensureGroupFunc } from './plan-rules.js';
import { metadataChain, metadataRule, planJson } from './metadata.js';
import { planComprehension, planRef, planTerms } from './plan-term.js';
import type { Planner, Scope } from './planner.js';
import { pathKey } from './rule-index.js';
import { inputVars } from './vars.js';
import { arityDetail } from './arg-error-detail.js';
import { declaredParams } from './check-types.js';

export function planCall(pl: Planner, call: CallTerm, s: Scope, k: (l: Local, s: Scope) => void, args: Term[] = call.args): void {
  pl.span = call.span;
  let fn = call.fn;
  const mock = pl.mocks.fns.get(fn.join('.'));
  if (mock?.kind === 'value') {
    // the replacement value was stored at data["$mock"][key] by the WithStmt (plan-with.ts)
    planTerms(pl, args, s, (_ops, s2) => {
      const m = pl.local();
      const v = pl.local();
      pl.emit('DotStmt', { source: { type: 'local', value: 1 }, key: pl.str(MOCK_KEY), target: m });
      pl.emit('DotStmt', { source: { type: 'local', value: m }, key: pl.str(mock.key), target: v });
      k(v, s2);
    });
    return;
  }
  const outerMocks = pl.mocks;
  if (mock?.kind === 'fn') {
    fn = mock.name;
    // inside a replacement function no function mock applies: it calls the originals (OPA
    // semantics: a mock neither calls itself nor another mock)
    pl.mocks = { data: pl.mocks.data, fns: new Map() };
  }
  try {
    planCallTo(pl, call, fn, s, k, args, outerMocks);
  } finally {
    pl.mocks = outerMocks;
  }
}

/**
 * Calls that stand alone as a literal (`count(1, 2)`), as plan-body marks them before planning
 * them as a term: their arity error lists only their operands, where a call used as a value
 * also lists the output OPA gave it.
 */
export const statementCalls = new WeakSet<CallTerm>();

/** Builtins that are relations (OPA plans walk as a call returning all [path, value] pairs). */
const RELATIONS = new Set(['walk']);

/** Reserved data key under which `with f as <value>` keeps replacement values. */
export const MOCK_KEY = '$mock';

function planCallTo(pl: Planner, call: CallTerm, fn: string[], s: Scope, k: (l: Local, s: Scope) => void, args: Term[], outerMocks: Planner['mocks']): void {
  const name = fn.join('.');
  if (fn[0] === 'data') {
    const g = pl.index.groups.get(pathKey(fn.slice(1)));
    if (g === undefined || g.kind !== 'function') {
      if (g !== undefined && g.kind === 'complete' && args.length === 0) {
        // OPA: a complete rule called without arguments, `r()` or `r()[_]`, passes
        // checkUndefinedFuncs (its arity is 0) and, when the type checker finds no precise type
        // for it (a union such as set|array, or any), evaluates like a function whose result is
        // the rule's value (topdown evalFunc) — StatCan/gatekeeper-policies' restrict-hostnames
        // has `host := get_hosts()[_]`
        const span = call.span;
        const path: Term[] = fn.slice(1).map((value) => ({ kind: 'string', value, span }));
        planRef(pl, { kind: 'var', name: 'data', span }, path, s, k);
        return;
      }
      if (g !== undefined && g.kind !== 'function' && args.length === 0) {
        // OPA's type checker: a partial rule's type is a set or an object, not a function
        pl.errors.push(createCompileError('REGO_ERR_TYPE', `undefined function ${name}`, call.span));
        return;
      }
      pl.errors.push(createCompileError('REGO_ERR_UNDEFINED_FUNCTION', `undefined function ${name}`, call.fnSpan));
      return;
    }
    if (args.length !== g.arity) {
      pl.errors.push(createCompileError('REGO_ERR_ARITY', `function ${name} has arity ${g.arity}, got ${args.length} argument${args.length === 1 ? '' : 's'}`, call.span));
      return;
    }
    const func = ensureGroupFunc(pl, g);
    pl.mocks = outerMocks;
    planTerms(pl, args, s, (ops, s2) => {
      const r = pl.local();
      pl.span = call.span;
      pl.emit('CallStmt', { func, args: [{ type: 'local', value: 0 }, { type: 'local', value: 1 }, ...ops], result: r });
      k(r, s2);
    });
    return;
  }
  if (name === 'print') return planPrint(pl, call, s, k);
  if ((name === 'rego.metadata.chain' || name === 'rego.metadata.rule') && args.length === 0) {
    const cur = pl.currentRule;
    const v = cur === undefined ? [] : name === 'rego.metadata.chain' ? metadataChain(pl, cur.ri, cur.g) : metadataRule(pl, cur.ri);
    return k(planJson(pl, v), s);
  }
  pl.mocks = outerMocks;
  const arity = pl.arityOf({ ...call, fn });
  if (arity === undefined) {
    pl.errors.push(createCompileError('REGO_ERR_UNDEFINED_FUNCTION', `undefined function ${name}`, call.fnSpan));
    return;
  }
  if (arity >= 0 && args.length !== arity) {
    // OPA's arityMismatchError: with the operand and declared types where the builtin is typed
    const params = declaredParams(name);
    const detail = params === undefined ? '' : `\n\t${arityDetail(name, args, !statementCalls.has(call), params)}`;
    pl.errors.push(createCompileError('REGO_ERR_ARITY', `${name}: arity mismatch${detail}`, call.span));
    return;
  }
  pl.mocks = outerMocks;
  planTerms(pl, args, s, (ops, s2) => {
    const r = pl.local();
    pl.span = call.span;
    pl.useBuiltin(name, arity);
    pl.emit('CallStmt', { func: name, args: ops, result: r });
    if (!RELATIONS.has(name)) return k(r, s2);
    // a relation returns all its solutions as an array; the call stands for each of them
    const kl = pl.local();
    const vl = pl.local();
    const block = pl.block(() => k(vl, s2));
    pl.emit('ScanStmt', { source: r, key: kl, value: vl, block });
  });
}

function planPrint(pl: Planner, call: CallTerm, s: Scope, k: (l: Local, s: Scope) => void): void {
  const sets = call.args.map((a) =>
    planComprehension(pl, {
      kind: 'setcomp',
      term: a,
      body: [{ negated: false, expr: { kind: 'term', term: { kind: 'bool', value: true, span: a.span }, span: a.span }, with: [], span: a.span }],
      span: a.span,
      free: [...inputVars(a)],
    }, s),
  );
  const arr = pl.local();
  pl.emit('MakeArrayStmt', { capacity: sets.length, target: arr });
  for (const l of sets) pl.emit('ArrayAppendStmt', { array: arr, value: { type: 'local', value: l } });
  const r = pl.local();
  pl.useBuiltin('internal.print', 1);
  pl.emit('CallStmt', { func: 'internal.print', args: [{ type: 'local', value: arr }], result: r });
  k(r, s);
}
