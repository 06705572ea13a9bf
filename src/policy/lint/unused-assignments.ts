/**
 * Strict mode's "assigned var x unused" (OPA's rewriteLocalVars with strict, checkUnusedAssignedVars),
 * scope by scope: each body — the rule's, an `else`'s, a comprehension's, an `every`'s — declares
 * its own `x := …` variables, and one is used when a later term of its scope or of a closure inside
 * it reads that variable, or the head of its scope names it (a rule's head ref, key or value; a
 * comprehension's head). A `:=` in a comprehension shadows the outer name, so in
 * `x := 2; y := [x | x := 2]` the outer x is unused; in `x := 2; x > 1; [1 | x := 2]` the inner one.
 * As OPA, a scope whose closures already reported an unused variable reports none of its own
 * (OPA stops checking once errors are on the stack): `y := {z | z := 2 * x; a := 2}` names a only.
 *
 * @example
 *   unusedAssignments(parseModule('package p\nq if { x := 1 }').rules[0]!); // [{ name: 'x', span: 2:8 }]
 */
import type { Literal, Rule, Span, Term } from '../syntax/ast.js';

export interface UnusedAssignment {
  name: string;
  span: Span;
}

interface Declared {
  span: Span;
  /** assigned with `:=` (the others — `some`, `every` and `some … in` variables — only shadow) */
  assigned: boolean;
  used: boolean;
}

type Scope = Map<string, Declared>;

export function unusedAssignments(r: Rule): UnusedAssignment[] {
  const out: UnusedAssignment[] = [];
  const headTerms = [...r.ref.slice(1), ...(r.contains ? [r.contains] : [])];
  checkBody(r.body, [], [...headTerms, ...(r.value ? [r.value] : [])], out);
  for (const e of r.elses) checkBody(e.body, [], [...headTerms, ...(e.value ? [e.value] : [])], out);
  return out;
}

/** Checks one scope; returns whether it or a closure inside it reported anything. */
function checkBody(body: readonly Literal[], outer: readonly Scope[], head: readonly Term[], out: UnusedAssignment[]): boolean {
  const local: Scope = new Map();
  const scopes = [...outer, local];
  let nested = false;
  const read = (t: Term): void => {
    walkClosuresAware(t, (name) => use(scopes, name), (closure) => {
      nested = checkClosure(closure, scopes, out) || nested;
    });
  };
  for (const l of body) {
    const e = l.expr;
    switch (e.kind) {
      case 'assign': {
        read(e.rhs);
        l.with.forEach((w) => read(w.value));
        // object keys in a pattern are read, its values declared
        for (const v of patternNames(e.lhs, read)) if (v.name !== '_') local.set(v.name, { span: v.span, assigned: true, used: false });
        continue;
      }
      case 'some':
        for (const v of e.vars) local.set(v.name, { span: v.span, assigned: false, used: false });
        break;
      case 'somein':
        read(e.coll);
        for (const t of e.key ? [e.key, e.value] : [e.value]) for (const v of patternNames(t, read)) local.set(v.name, { span: v.span, assigned: false, used: false });
        break;
      case 'every': {
        read(e.coll);
        const own: Scope = new Map();
        for (const t of e.key ? [e.key, e.value] : [e.value]) for (const v of patternNames(t, read)) own.set(v.name, { span: v.span, assigned: false, used: false });
        nested = checkBody(e.body, [...scopes, own], [], out) || nested;
        break;
      }
      case 'term':
        read(e.term);
        break;
      case 'unify':
        read(e.lhs);
        read(e.rhs);
        break;
    }
    l.with.forEach((w) => read(w.value));
  }
  head.forEach(read);
  if (nested) return true;
  let reported = false;
  for (const [name, d] of local) {
    if (!d.assigned || d.used) continue;
    out.push({ name, span: d.span });
    reported = true;
  }
  return reported;
}

function checkClosure(t: Term, scopes: readonly Scope[], out: UnusedAssignment[]): boolean {
  if (t.kind === 'objectcomp') return checkBody(t.body, scopes, [t.key, t.value], out);
  if (t.kind === 'arraycomp' || t.kind === 'setcomp') return checkBody(t.body, scopes, [t.term], out);
  return false;
}

/** Marks the innermost declaration of `name` used. */
function use(scopes: readonly Scope[], name: string): void {
  for (let i = scopes.length - 1; i >= 0; i--) {
    const d = scopes[i]!.get(name);
    if (d !== undefined) {
      d.used = true;
      return;
    }
  }
}

/** The variables a pattern declares (vars, array items, object values); object keys are read. */
function patternNames(t: Term, read: (t: Term) => void): { name: string; span: Span }[] {
  if (t.kind === 'var') return [{ name: t.name, span: t.span }];
  if (t.kind === 'array') return t.items.flatMap((i) => patternNames(i, read));
  if (t.kind === 'object') {
    return t.entries.flatMap(([k, v]) => {
      read(k);
      return patternNames(v, read);
    });
  }
  read(t);
  return [];
}

/** Visits the variables of `t` outside closures, and hands each closure (comprehension) over whole. */
function walkClosuresAware(t: Term, onVar: (name: string) => void, onClosure: (t: Term) => void): void {
  if (t.kind === 'arraycomp' || t.kind === 'setcomp' || t.kind === 'objectcomp') return onClosure(t);
  if (t.kind === 'var') return onVar(t.name);
  const kids: Term[] = [];
  switch (t.kind) {
    case 'ref':
      kids.push(t.head, ...t.path);
      break;
    case 'array':
    case 'set':
      kids.push(...t.items);
      break;
    case 'object':
      for (const [k, v] of t.entries) kids.push(k, v);
      break;
    case 'call':
      kids.push(...t.args);
      break;
    case 'template':
      for (const p of t.parts) if (typeof p !== 'string') kids.push(p);
      break;
    default:
      break;
  }
  kids.forEach((k) => walkClosuresAware(k, onVar, onClosure));
}
