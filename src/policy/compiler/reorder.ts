/**
 * Safety: every variable must be bound by a positive literal before it is read. Like OPA's
 * `reorderBodyForSafety`, literals are reordered — repeatedly taking the first literal whose
 * inputs are bound — and what remains is reported as rego_unsafe_var_error.
 */
import type { RegoError } from '../errors.js';
import type { CallTerm, Literal, Term } from '../syntax/ast.js';
import { createCompileError } from './compile-error.js';
import { refName } from '../syntax/parse-term.js';
import { inputVars, isWildcard, literalTerms, literalVars, outputVars, pairObjects, patternVars, withTargetKeys } from './vars.js';

/** Number of operands of a function, or undefined when unknown. */
export type ArityOf = (call: CallTerm) => number | undefined;

/** Vars a term still needs, given bound vars. */
const needs = (t: Term, bound: Set<string>): Set<string> => new Set([...inputVars(t)].filter((v) => !bound.has(v)));

/** Can `t` be used as a pattern (vars, arrays/objects of patterns, evaluable parts)? */
function isPattern(t: Term, bound: Set<string>): boolean {
  if (t.kind === 'var') return true;
  if (t.kind === 'array') return t.items.every((i) => isPattern(i, bound));
  if (t.kind === 'object') return t.entries.every(([k, v]) => needs(k, bound).size === 0 && isPattern(v, bound));
  return needs(t, bound).size === 0;
}

/**
 * Vars bound by unifying a with b, or undefined if that cannot be planned yet.
 *
 * Follows OPA's unifier (ast/unify.go), which the safety check runs on `a = b` with a the left
 * operand: equal-length array literals pair item by item; object literals with as many keys
 * pair the values of the keys both have; a variable in a position nothing pairs it with stays
 * unbound, so `[1, y] = {"a": 1}` or `[1, y] = [1, 2, 3]` leave y unsafe (a compile error,
 * not a type error or an undefined body).
 */
export function unifyOutputs(a: Term, b: Term, bound: Set<string>): Set<string> | undefined {
  const objPairs = pairObjects(a, b);
  if ((a.kind === 'array' && b.kind === 'array') || (a.kind === 'object' && b.kind === 'object')) {
    const pairs = literalPairs(a, b, objPairs);
    const out = new Set<string>();
    const cur = new Set(bound);
    while (pairs.length > 0) {
      const idx = pairs.findIndex(([x, y]) => unifyOutputs(x, y, cur) !== undefined);
      if (idx < 0) return undefined;
      const [x, y] = pairs.splice(idx, 1)[0]!;
      for (const v of unifyOutputs(x, y, cur)!) {
        out.add(v);
        cur.add(v);
      }
    }
    // what no pair bound must have been bound before (the unification then simply fails)
    if (needs(a, cur).size > 0 || needs(b, cur).size > 0) return undefined;
    return out;
  }
  const evA = needs(a, bound).size === 0;
  const evB = needs(b, bound).size === 0;
  const out = new Set<string>();
  const add = (s: Set<string>): void => s.forEach((v) => !bound.has(v) && out.add(v));
  if (evA && evB) {
    add(outputVars(a));
    add(outputVars(b));
    return out;
  }
  if (evA && isPattern(b, bound) && patternFedBy(b, a, 'right')) {
    add(outputVars(a));
    add(patternVars(b));
    add(outputVars(b));
    return out;
  }
  if (evB && isPattern(a, bound) && patternFedBy(a, b, 'left')) {
    add(outputVars(b));
    add(patternVars(a));
    add(outputVars(a));
    return out;
  }
  return undefined;
}

/**
 * What unifying a with b binds even when it cannot be planned: OPA's safety check adds those
 * variables to the safe set anyway (reorderBodyForSafety), so only the others are reported —
 * `{"a": x, "b": y} = {"a": 1, "c": 2}` reports y, not x.
 */
function partialUnifyOutputs(a: Term, b: Term, bound: Set<string>): Set<string> {
  const whole = unifyOutputs(a, b, bound);
  if (whole !== undefined) return whole;
  const objPairs = pairObjects(a, b);
  if (!((a.kind === 'array' && b.kind === 'array') || (a.kind === 'object' && b.kind === 'object'))) return new Set();
  const out = new Set<string>();
  const cur = new Set(bound);
  for (const [x, y] of literalPairs(a, b, objPairs)) {
    for (const v of partialUnifyOutputs(x, y, cur)) {
      out.add(v);
      cur.add(v);
    }
  }
  return out;
}

/** The operand pairs OPA's unifier visits for two array or two object literals. */
function literalPairs(a: Term, b: Term, objPairs: ReturnType<typeof pairObjects>): [Term, Term][] {
  if (a.kind === 'array' && b.kind === 'array') return a.items.length === b.items.length ? a.items.map((x, i) => [x, b.items[i]!]) : [];
  if (Array.isArray(objPairs)) return [...objPairs];
  if (a.kind !== 'object' || b.kind !== 'object' || a.entries.length !== b.entries.length) return [];
  // keys match as terms (Object.Get): `{k: [x]} = {k: [v]}` pairs the values of the same variable k
  const valueOf = new Map(b.entries.map(([k, v]) => [termKey(k), v] as const));
  const pairs: [Term, Term][] = [];
  for (const [k, v] of a.entries) {
    const other = valueOf.get(termKey(k));
    if (other !== undefined) pairs.push([v, other]);
  }
  return pairs;
}

/** A term's identity, spans aside. */
const termKey = (t: Term): string => JSON.stringify(t, (k, v) => (k === 'span' || k === 'fnSpan' ? undefined : v));

/**
 * Does OPA's unifier bind the variables of composite pattern `pat` from the evaluated `src`?
 * Only from a variable, a ref or a call, or from a comprehension of a kind its case lists:
 * with the pattern on the right, an array comprehension feeds an array and an object
 * comprehension an object; with the pattern on the left, any comprehension feeds an array and
 * none an object. A literal of another kind (or a scalar) feeds nothing.
 */
function patternFedBy(pat: Term, src: Term, side: 'left' | 'right'): boolean {
  if (pat.kind !== 'array' && pat.kind !== 'object') return true;
  if (src.kind === 'var' || src.kind === 'ref' || src.kind === 'call') return true;
  if (side === 'right') return (src.kind === 'arraycomp' && pat.kind === 'array') || (src.kind === 'objectcomp' && pat.kind === 'object');
  return pat.kind === 'array' && (src.kind === 'arraycomp' || src.kind === 'setcomp' || src.kind === 'objectcomp');
}

/** Vars a literal binds if it can be planned now, else undefined. */
export function literalOutputs(lit: Literal, bound: Set<string>, arityOf: ArityOf): Set<string> | undefined {
  for (const w of lit.with) {
    // `with f as g`: g names a function, not a variable
    const fn = w.value.kind === 'var' || w.value.kind === 'ref' ? refName(w.value, true) : undefined;
    if (fn !== undefined && arityOf({ kind: 'call', fn, args: [], span: w.span, fnSpan: w.span }) !== undefined) continue;
    if (needs(w.value, bound).size > 0) return undefined;
  }
  // OPA's outputVarsForExpr: a `with` whose target or value reads an unbound variable binds nothing
  if (lit.with.some((w) => withTargetKeys(w).some((k) => needs(k, bound).size > 0))) return undefined;
  const e = lit.expr;
  if (lit.negated) {
    // vars in a negated expression must be bound outside it, except wildcards
    const vs = [...literalVars(lit)].filter((v) => !isWildcard(v) && !bound.has(v));
    return vs.length === 0 ? new Set() : undefined;
  }
  switch (e.kind) {
    case 'some':
      return new Set();
    case 'term': {
      const t = e.term;
      if (t.kind === 'call') {
        const n = arityOf(t);
        // n < 0: a variadic builtin (print), which has no output operand; `print()` has no
        // operands at all and once read `args[-1]` here (a TypeError instead of a plan).
        if (n !== undefined && n >= 0 && t.args.length === n + 1) {
          const ins = t.args.slice(0, n);
          if (!ins.every((a) => needs(a, bound).size === 0)) return undefined;
          const out = new Set<string>();
          for (const a of ins) outputVars(a).forEach((v) => out.add(v));
          const res = t.args[n]!;
          const cur = new Set([...bound, ...out]);
          if (!isPattern(res, cur)) return undefined;
          patternVars(res).forEach((v) => !cur.has(v) && out.add(v));
          return out;
        }
      }
      // vars bound by ref iteration inside the expression count as bound for the whole expression
      const outs = new Set([...outputVars(t)].filter((v) => !bound.has(v)));
      if (![...needs(t, bound)].every((v) => outs.has(v))) return undefined;
      return outs;
    }
    case 'assign':
    case 'unify':
      return unifyOutputs(e.lhs, e.rhs, bound);
    case 'somein': {
      if (needs(e.coll, bound).size > 0) return undefined;
      const out = new Set([...outputVars(e.coll)].filter((v) => !bound.has(v)));
      const cur = new Set([...bound, ...out]);
      for (const p of e.key ? [e.key, e.value] : [e.value]) {
        if (!isPattern(p, cur)) return undefined;
        patternVars(p).forEach((v) => !cur.has(v) && out.add(v));
      }
      return out;
    }
    case 'every': {
      if (needs(e.coll, bound).size > 0) return undefined;
      if (!(e.free ?? []).every((v) => bound.has(v))) return undefined;
      return new Set();
    }
  }
}

/**
 * Orders `body` so each literal's inputs are bound by earlier ones (stable otherwise).
 * Unsafe variables are pushed onto `errors`; the returned order then contains only the safe prefix.
 */
export function reorderBody(body: Literal[], bound: Set<string>, arityOf: ArityOf, errors: RegoError[]): { body: Literal[]; bound: Set<string> } {
  printBeforeBinding(body, bound, arityOf, errors);
  const cur = new Set(bound);
  const pending = [...body];
  const out: Literal[] = [];
  while (pending.length > 0) {
    let picked = -1;
    let outs: Set<string> | undefined;
    for (let i = 0; i < pending.length; i++) {
      outs = literalOutputs(pending[i]!, cur, arityOf);
      if (outs !== undefined) {
        picked = i;
        break;
      }
    }
    if (picked < 0) {
      reportUnsafe(pending, cur, errors);
      return { body: out, bound: cur };
    }
    out.push(pending.splice(picked, 1)[0]!);
    outs!.forEach((v) => cur.add(v));
  }
  return { body: out, bound: cur };
}

/**
 * OPA captures print's operands where the call is written, before ordering for safety
 * (rewritePrintCalls): an operand variable only a later literal binds is "undeclared" there,
 * even though reordering could have made it safe. Variables nothing binds at all are left to
 * reportUnsafe, which names them the same way, so no variable is reported twice.
 */
function printBeforeBinding(body: Literal[], bound: Set<string>, arityOf: ArityOf, errors: RegoError[]): void {
  if (!body.some(isPrint)) return;
  const cur = new Set(bound);
  for (const l of body) {
    if (isPrint(l)) {
      const t = (l.expr as { term: CallTerm }).term;
      for (const a of t.args) {
        for (const v of inputVars(a)) {
          if (cur.has(v) || isWildcard(v) || !boundLater(body, l, v)) continue;
          errors.push(createCompileError('REGO_ERR_UNDECLARED_VAR', `var ${v.replace(/\$\d+$/, '')} is undeclared`, a.span));
        }
      }
      continue;
    }
    literalOutputs(l, cur, arityOf)?.forEach((v) => cur.add(v));
  }
}

const isPrint = (l: Literal): boolean => l.expr.kind === 'term' && l.expr.term.kind === 'call' && l.expr.term.fn.length === 1 && l.expr.term.fn[0] === 'print';

/** Does a literal after `at` (one that is not a print) mention v, so that it may bind it? */
function boundLater(body: Literal[], at: Literal, v: string): boolean {
  return body.slice(body.indexOf(at) + 1).some((l) => !l.negated && !isPrint(l) && literalVars(l).has(v));
}

/** The variables a literal's closures (comprehensions, `every`) read from the enclosing body. */
function closureFree(l: Literal): string[] {
  const out: string[] = [];
  const visit = (t: Term): void => {
    if (t.kind === 'arraycomp' || t.kind === 'setcomp' || t.kind === 'objectcomp') {
      out.push(...(t.free ?? []));
      return;
    }
    if (t.kind === 'ref') [t.head, ...t.path].forEach(visit);
    else if (t.kind === 'call') t.args.forEach(visit);
    else if (t.kind === 'array' || t.kind === 'set') t.items.forEach(visit);
    else if (t.kind === 'object') t.entries.forEach(([k, v]) => (visit(k), visit(v)));
    else if (t.kind === 'template') t.parts.forEach((p) => typeof p !== 'string' && visit(p));
  };
  literalTerms(l).forEach(visit);
  if (l.expr.kind === 'every') out.push(...(l.expr.free ?? []));
  return out;
}

function reportUnsafe(pending: Literal[], safe: Set<string>, errors: RegoError[]): void {
  const seen = new Set<string>();
  const bound = new Set(safe);
  // OPA checks closures first (reorderBodyForClosures): a literal whose closure reads a
  // variable nothing outside binds is unsafe for those variables only, so
  // `[v | v = [x | x = 1]; x > 1]` reports x, not v as well
  const closureOnly = new Set<Literal>();
  for (const l of pending) {
    const free = closureFree(l).filter((v) => !bound.has(v) && !v.startsWith('$comp'));
    if (free.length === 0) continue;
    closureOnly.add(l);
    for (const v of free) {
      if (seen.has(v)) continue;
      seen.add(v);
      errors.push(createCompileError('REGO_ERR_UNSAFE_VAR', `var ${isWildcard(v) ? '_' : v.replace(/\$\d+$/, '')} is unsafe`, l.span));
    }
  }
  for (const l of pending) {
    // OPA's outputVarsForExpr: a negated literal, or one whose `with` values are unsafe, binds nothing
    if (l.negated || l.with.some((w) => [w.value, ...withTargetKeys(w)].some((t) => needs(t, safe).size > 0))) continue;
    if (l.expr.kind === 'unify' || l.expr.kind === 'assign') partialUnifyOutputs(l.expr.lhs, l.expr.rhs, bound).forEach((v) => bound.add(v));
  }
  for (const l of pending) {
    if (closureOnly.has(l)) continue;
    for (const v of literalVars(l)) {
      // a variable the compiler made (a comprehension head's value) is unsafe only because one
      // the policy wrote is: that one is reported, as OPA reports no generated variable
      if (bound.has(v) || seen.has(v) || v.startsWith('$comp')) continue;
      seen.add(v);
      const shown = isWildcard(v) ? '_' : v.replace(/\$\d+$/, '');
      // print's operands are captured in comprehensions before the safety check: OPA reports a
      // var nothing binds there as undeclared, a rego_compile_error (rewritePrintCalls)
      const t = l.expr.kind === 'term' ? l.expr.term : undefined;
      if (t?.kind === 'call' && t.fn.length === 1 && t.fn[0] === 'print') errors.push(createCompileError('REGO_ERR_UNDECLARED_VAR', `var ${shown} is undeclared`, t.args.find((a) => inputVars(a).has(v))?.span ?? l.span));
      else errors.push(createCompileError('REGO_ERR_UNSAFE_VAR', `var ${shown} is unsafe`, l.span));
    }
  }
  if (seen.size === 0) errors.push(createCompileError('REGO_ERR_UNSAFE_VAR', 'expression is unsafe', pending[0]?.span));
}

