/**
 * Variable analysis for safety and body ordering: which variables a term reads (must be bound
 * before) and which it can bind (ref keys iterate: `xs[i]` binds `i`; patterns in `=` bind).
 * Closures (comprehensions, `every`) read only their `free` variables (set by resolve.ts).
 */
import type { Literal, Term, With } from '../syntax/ast.js';

export const isWildcard = (name: string): boolean => name.startsWith('$_');
export const isRoot = (name: string): boolean => name === 'input' || name === 'data';

/** Variables `t` needs bound to be evaluated (ref-key variables excluded: they can iterate). */
export function inputVars(t: Term, out = new Set<string>()): Set<string> {
  switch (t.kind) {
    case 'var':
      if (!isRoot(t.name)) out.add(t.name);
      break;
    case 'ref':
      inputVars(t.head, out);
      for (const k of t.path) keyInputs(k, out);
      break;
    case 'call':
      for (const a of t.args) inputVars(a, out);
      break;
    case 'array':
    case 'set':
      for (const a of t.items) inputVars(a, out);
      break;
    case 'object':
      for (const [k, v] of t.entries) {
        inputVars(k, out);
        inputVars(v, out);
      }
      break;
    case 'arraycomp':
    case 'setcomp':
    case 'objectcomp':
      for (const v of t.free ?? []) out.add(v);
      break;
    case 'template':
      // each expression is captured in a comprehension that closes over the body's variables
      // (check-template-strings.ts): all of them must be bound before, none is bound by it
      for (const p of t.parts) if (typeof p !== 'string') allVars(p, out);
      break;
    default:
      break;
  }
  return out;
}

/** A ref key: plain vars and composite patterns of vars may be bound by iteration. */
function keyInputs(k: Term, out: Set<string>): void {
  if (k.kind === 'var') return;
  if (k.kind === 'array') for (const a of k.items) keyInputs(a, out);
  else if (k.kind === 'object') for (const [kk, v] of k.entries) { inputVars(kk, out); keyInputs(v, out); }
  else inputVars(k, out);
}

/** Variables that evaluating `t` binds through ref-key iteration. */
export function outputVars(t: Term, out = new Set<string>()): Set<string> {
  switch (t.kind) {
    case 'ref':
      outputVars(t.head, out);
      for (const k of t.path) {
        patternVars(k, out);
        outputVars(k, out);
      }
      break;
    case 'call':
      for (const a of t.args) outputVars(a, out);
      break;
    case 'array':
    case 'set':
      for (const a of t.items) outputVars(a, out);
      break;
    case 'object':
      for (const [k, v] of t.entries) {
        outputVars(k, out);
        outputVars(v, out);
      }
      break;
    default:
      break;
  }
  return out;
}

/** Variables in pattern position (vars, array items, object values). */
export function patternVars(t: Term, out = new Set<string>()): Set<string> {
  if (t.kind === 'var') {
    if (!isRoot(t.name)) out.add(t.name);
  } else if (t.kind === 'array') for (const a of t.items) patternVars(a, out);
  else if (t.kind === 'object') for (const [, v] of t.entries) patternVars(v, out);
  return out;
}

/** Every variable occurring in `t` (closures contribute their free variables). */
export function allVars(t: Term, out = new Set<string>()): Set<string> {
  inputVars(t, out);
  outputVars(t, out);
  return out;
}

export function literalTerms(lit: Literal): Term[] {
  const e = lit.expr;
  const ts: Term[] = [];
  switch (e.kind) {
    case 'term':
      ts.push(e.term);
      break;
    case 'assign':
    case 'unify':
      ts.push(e.lhs, e.rhs);
      break;
    case 'somein':
      if (e.key) ts.push(e.key);
      ts.push(e.value, e.coll);
      break;
    case 'every':
      ts.push(e.coll);
      break;
    case 'some':
      break;
  }
  for (const w of lit.with) ts.push(...withTargetKeys(w), w.value);
  return ts;
}

/**
 * The keys of a `with` target's ref (`x` in `with input[x] as 1`): variables of the expression
 * like any other, which OPA's safety check requires bound (outputVarsForExpr walks the whole
 * `with`, target too; `input`/`data` are global, a function target is a name, no variable).
 * A target of another root is refused before the safety check (OPA's rewriteWithModifiers
 * stage comes first and compilation stops there), so its keys are not looked at.
 */
export function withTargetKeys(w: With): Term[] {
  const t = w.target;
  return t.kind === 'ref' && t.head.kind === 'var' && (t.head.name === 'input' || t.head.name === 'data') ? t.path : [];
}

/** All variables a literal mentions (for unsafe-variable messages). */
export function literalVars(lit: Literal): Set<string> {
  const out = new Set<string>();
  for (const t of literalTerms(lit)) allVars(t, out);
  if (lit.expr.kind === 'every') for (const v of lit.expr.free ?? []) out.add(v);
  return out;
}

/** Ground scalars and composites of them. */
export function isGround(t: Term): boolean {
  switch (t.kind) {
    case 'null':
    case 'bool':
    case 'number':
    case 'string':
      return true;
    case 'array':
    case 'set':
      return t.items.every(isGround);
    case 'object':
      return t.entries.every(([k, v]) => isGround(k) && isGround(v));
    default:
      return false;
  }
}

/** Identity of a ground term (ignoring spans), for matching object literal keys. */
export function groundKey(t: Term): string | undefined {
  if (!isGround(t)) return undefined;
  return JSON.stringify(t, (k, v) => (k === 'span' ? undefined : v));
}

/**
 * Two object literals with the same ground keys unify value by value (like arrays item by
 * item); returns the pairs, or undefined when the literals are not of that shape.
 */
export function pairObjects(a: Term, b: Term): [Term, Term][] | 'mismatch' | undefined {
  if (a.kind !== 'object' || b.kind !== 'object') return undefined;
  const keysA = a.entries.map(([k]) => groundKey(k));
  const keysB = new Map(b.entries.map(([k, v]) => [groundKey(k), v] as const));
  if (keysA.some((k) => k === undefined) || [...keysB.keys()].some((k) => k === undefined)) return undefined;
  if (keysA.length !== keysB.size || keysA.some((k) => !keysB.has(k))) return 'mismatch';
  return a.entries.map(([, v], i) => [v, keysB.get(keysA[i])!] as [Term, Term]);
}

/**
 * Two object literals with some non-ground keys, as OPA pairs them (topdown biunifyObjects,
 * ir planner planUnifyObjects): keys equal as terms pair their values — `{k: [v]} = {k: [q[k]]}`
 * unifies `[v]` with `[q[k]]` whatever k turns out to be — and the entries left over on each
 * side are compared as objects once the pairs have bound their variables. 'mismatch' when the
 * sizes differ (never equal), undefined when a or b is not an object literal.
 */
export function pairObjectsByTerm(a: Term, b: Term): { pairs: [Term, Term][]; restA: Term; restB: Term } | 'mismatch' | undefined {
  if (a.kind !== 'object' || b.kind !== 'object') return undefined;
  if (a.entries.length !== b.entries.length) return 'mismatch';
  const key = (t: Term): string => JSON.stringify(t, (k, v) => (k === 'span' || k === 'fnSpan' ? undefined : v));
  const inB = new Map<string, [Term, Term]>();
  for (const e of b.entries) inB.set(key(e[0]), e);
  const pairs: [Term, Term][] = [];
  const restA: [Term, Term][] = [];
  for (const e of a.entries) {
    const other = inB.get(key(e[0]));
    if (other === undefined) restA.push(e);
    else {
      pairs.push([e[1], other[1]]);
      inB.delete(key(e[0]));
    }
  }
  return { pairs, restA: { ...a, entries: restA }, restB: { ...b, entries: [...inB.values()] } };
}
