/**
 * Name resolution: decides for every variable whether it is a local, a rule of the package, an
 * import, `input` or `data`, and rewrites global names into full refs (`q` → `data.pkg.q`,
 * `lib.f(x)` → `data.lib.f(x)`). Locals declared with `some`/`:=` shadow outer ones and get a
 * fresh internal name; each `_` becomes a distinct wildcard `$_N`. Closures get their `free` list.
 */
import type { Expr, Literal, Term, VarTerm } from '../syntax/ast.js';
import { isRoot, patternVars } from './vars.js';
import type { RegoError } from '../errors.js';
import { createCompileError } from './compile-error.js';

export interface ResolveContext {
  pkg: string[];
  imports: Map<string, Term>;
  /** first head-ref names of the rules of this package */
  ruleNames: Set<string>;
  counter: { n: number };
  /** where rego_compile_errors (e.g. a variable assigned twice) go */
  errors?: RegoError[];
}

type Env = Map<string, string>;

export function isGlobalName(name: string, ctx: ResolveContext): boolean {
  return name === 'input' || name === 'data' || ctx.imports.has(name) || ctx.ruleNames.has(name);
}

/** The full ref a global name stands for. */
function globalTerm(v: VarTerm, ctx: ResolveContext): Term {
  // a v0 package's own rule named `input` (or `data`) is what that name means in the package: OPA's
  // getGlobals maps every rule name of the package, root names included, to its data ref
  if ((v.name === 'input' || v.name === 'data') && !ctx.ruleNames.has(v.name)) return v;
  const imp = ctx.imports.get(v.name);
  if (imp !== undefined) return { ...imp, span: v.span };
  return {
    kind: 'ref',
    head: { kind: 'var', name: 'data', span: v.span },
    path: [...ctx.pkg, v.name].map((s) => ({ kind: 'string' as const, value: s, span: v.span })),
    span: v.span,
  };
}

const fresh = (name: string, ctx: ResolveContext): string => `${name}$${++ctx.counter.n}`;

/** The variables of a `:=` pattern, once per occurrence (`_` and root names are none). */
function patternOccurrences(t: Term): string[] {
  if (t.kind === 'var') return t.name === '_' || isRoot(t.name) ? [] : [t.name];
  if (t.kind === 'array') return t.items.flatMap(patternOccurrences);
  if (t.kind === 'object') return t.entries.flatMap(([, v]) => patternOccurrences(v));
  return [];
}

/** Names a body declares explicitly (`some x`, `x := …`, `some x in xs`). */
function declaredNames(lits: Literal[]): string[] {
  const out: string[] = [];
  for (const l of lits) {
    const e = l.expr;
    if (e.kind === 'some') for (const v of e.vars) out.push(v.name);
    else if (e.kind === 'assign') {
      // each occurrence: `[r, r] := …` declares r twice, OPA's "var r assigned above"
      out.push(...patternOccurrences(e.lhs));
      // `input := …` (v0 only; v1 refuses it in check-rego-v1.ts) declares a local too
      if (e.lhs.kind === 'var' && isRoot(e.lhs.name)) out.push(e.lhs.name);
    }
    else if (e.kind === 'somein') {
      // OPA (rewriteSomeDeclStatement) declares only the output vars of `value = coll[key]` that
      // do not occur in the collection: in `some b in b.children`, b is the b already in scope
      // (a function's argument, say), compared with each element — not a new b
      const vars = [...(e.key ? patternVars(e.key) : []), ...patternVars(e.value)];
      out.push(...vars.filter((n) => !mentionsVar(e.coll, n)));
    }
  }
  return out.filter((n) => n !== '_');
}

/** Names used anywhere in the body outside closures. */
function usedNames(lits: Literal[], out: Set<string>): void {
  for (const l of lits) {
    forEachTerm(l, (t) => {
      if (t.kind === 'var') out.add(t.name);
    });
  }
}

/** OPA's names of term kinds in "cannot assign to …" (ast.ValueName). */
const VALUE_NAMES: Partial<Record<Term['kind'], string>> = {
  null: 'null', bool: 'boolean', number: 'number', string: 'string', template: 'templatestring', ref: 'ref', set: 'set', call: 'call',
  arraycomp: 'arraycomprehension', setcomp: 'setcomprehension', objectcomp: 'objectcomprehension',
};

/**
 * `:=` declares vars: its left side may only be a var, or an array/object pattern of them
 * (object keys are matched, not declared). Anything else is OPA's "cannot assign to <kind>"
 * (compile.go, rewriteDeclaredAssignment).
 */
function assignTargetError(t: Term): string | undefined {
  switch (t.kind) {
    case 'var':
      return undefined;
    case 'array':
      for (const i of t.items) {
        const e = assignTargetError(i);
        if (e !== undefined) return e;
      }
      return undefined;
    case 'object':
      for (const [, v] of t.entries) {
        const e = assignTargetError(v);
        if (e !== undefined) return e;
      }
      return undefined;
    case 'ref':
      return `cannot assign to ref`;
    default:
      return `cannot assign to ${VALUE_NAMES[t.kind] ?? t.kind}`;
  }
}

export class Resolver {
  constructor(readonly ctx: ResolveContext) {}

  /**
   * The names of a scope that are only used (bound by unification or a ref), not declared with
   * `some`/`:=`: OPA's declared-var stack (rewriteLocalVars) holds only declared ones, so a call
   * named after a merely used var is no shadowing — `regex.match(xs[regex], v)` compiles in OPA
   * (StatCan/gatekeeper-policies' metadata-restrictions).
   */
  private readonly usedOnly = new WeakMap<Env, Set<string>>();

  /**
   * The locals of a scope that no closure in it captures: a `some x` whose x occurs in that body
   * only inside closures. OPA drops the `some` once it has renamed x (rewriteLocalVars), and a
   * closure captures only the vars its enclosing body mentions outside closures
   * (reorderBodyForClosures), so in `some i; v := [x | x := f[i]]` each comprehension binds its
   * own i — without this regate read i as the outer, never bound i: "var i is unsafe".
   */
  private readonly hidden = new WeakMap<Env, Set<string>>();

  /** Resolves a body in the scope `env` (outer locals); returns the body and its scope. */
  body(lits: Literal[], env: Env, declared: string[] = [], args: ReadonlySet<string> = new Set()): { body: Literal[]; env: Env } {
    const inner: Env = new Map(env);
    const usedOnly = new Set(this.usedOnly.get(env));
    this.usedOnly.set(inner, usedOnly);
    const declare = (name: string, clash = false): void => {
      usedOnly.delete(name);
      // a v0 local named input/data shadows the root document (OPA renames it, rewriteLocalVars)
      inner.set(name, clash || env.has(name) || inner.has(name) || this.ctx.ruleNames.has(name) || isRoot(name) ? fresh(name, this.ctx) : name);
    };
    declared.forEach((n) => declare(n));
    const explicit = new Set(declaredNames(lits));
    const used = new Set<string>();
    usedNames(lits, used);
    const hidden = new Set(this.hidden.get(env));
    this.hidden.set(inner, hidden);
    for (const name of used) {
      const outer = explicit.has(name) ? undefined : env.get(name);
      if (outer !== undefined) hidden.delete(outer);
    }
    for (const name of used) {
      if (name === '_' || inner.has(name) || explicit.has(name) || isGlobalName(name, this.ctx)) continue;
      inner.set(name, name);
      usedOnly.add(name);
    }
    // `some x` / `x := …` declare from their literal on (OPA rewrites locals in order), so a
    // closure before the declaration has its own x
    const out: Literal[] = [];
    const done = new Set<string>();
    // names earlier literals of this body read or bound (not declared): `x := …` after them is an
    // error in OPA (rewriteLocalVars: "var x referenced above")
    const seenBefore = new Set<string>();
    // how each name of this scope was declared, for OPA's wording of a second declaration
    const how = new Map<string, 'assigned' | 'declared'>();
    for (const l of lits) {
      // OPA (rewriteDeclaredAssignment) rewrites the right side and the `with` values of
      // `x := …` before it declares x: there x is still the outer x, or else unbound — a
      // comprehension's own x (`xs := [xs | xs = …]`, StatCan/gatekeeper-policies) stays its own
      const before = l.expr.kind === 'assign' ? new Map(inner) : undefined;
      if (before !== undefined) {
        this.usedOnly.set(before, new Set(usedOnly));
        this.hidden.set(before, hidden);
      }
      if (l.expr.kind === 'assign') {
        const bad = l.negated ? 'cannot assign vars inside negated expression' : assignTargetError(l.expr.lhs);
        if (bad !== undefined) {
          this.ctx.errors?.push(createCompileError('REGO_ERR_ASSIGN_TARGET', bad, l.negated ? l.span : l.expr.lhs.span));
          continue;
        }
      }
      for (const name of declaredNames([l])) {
        // OPA (rewriteDeclaredVar): `:=`, `some x` and `some x in …` may not declare again a
        // variable of the same scope, whether a function's argument, declared, assigned or
        // already used there; a closure's body is a scope of its own and may shadow
        if (args.has(name)) {
          this.ctx.errors?.push(createCompileError('REGO_ERR_VAR_REDECLARED', `arg ${name} redeclared`, l.span));
          continue;
        }
        if (done.has(name) || (l.expr.kind === 'assign' && declared.includes(name))) {
          this.ctx.errors?.push(createCompileError('REGO_ERR_VAR_REDECLARED', `var ${name} ${how.get(name) ?? 'declared'} above`, l.span));
          continue;
        }
        if (seenBefore.has(name) && !env.has(name) && !isGlobalName(name, this.ctx)) {
          this.ctx.errors?.push(createCompileError('REGO_ERR_VAR_REDECLARED', `var ${name} referenced above`, l.span));
          continue;
        }
        done.add(name);
        how.set(name, l.expr.kind === 'assign' ? 'assigned' : 'declared');
        // a right side that mentions the name means another variable: the declared one is renamed
        declare(name, l.expr.kind === 'assign' && (mentionsVar(l.expr.rhs, name) || l.with.some((w) => mentionsVar(w.value, name))));
        if (l.expr.kind === 'some' && !used.has(name)) hidden.add(inner.get(name)!);
      }
      if (before !== undefined && l.expr.kind === 'assign') {
        out.push({
          ...l,
          expr: { ...l.expr, lhs: this.term(l.expr.lhs, inner), rhs: this.term(l.expr.rhs, before) },
          with: l.with.map((w) => ({ ...w, target: this.withTarget(w.target), value: this.term(w.value, before) })),
        });
      } else out.push(this.literal(l, inner));
      usedNames([l], seenBefore);
    }
    // OPA's safety check (reorderBodyForSafety) makes a closure wait only for the variables
    // the enclosing body itself mentions outside closures; `some x` alone is no mention (it is
    // rewritten away). So in `some x; [x | x = 2]` the comprehension binds x on its own.
    const someDeclared = lits.flatMap((l) => (l.expr.kind === 'some' ? l.expr.vars.map((v) => inner.get(v.name) ?? v.name) : []));
    if (someDeclared.length > 0) {
      const mentioned = new Set<string>();
      usedNames(out, mentioned);
      for (const v of someDeclared) if (!mentioned.has(v)) out.forEach((l) => closuresOf(l).forEach((c) => unfree(c, v)));
    }
    return { body: out, env: inner };
  }

  literal(l: Literal, env: Env): Literal {
    return {
      ...l,
      expr: this.expr(l.expr, env),
      with: l.with.map((w) => ({ ...w, target: this.withTarget(w.target), value: this.term(w.value, env) })),
    };
  }

  /** `with` targets name input/data paths or functions; rules/imports expand to full refs. */
  private withTarget(t: Term): Term {
    if (t.kind === 'var') return isGlobalName(t.name, this.ctx) ? globalTerm(t, this.ctx) : t;
    if (t.kind === 'ref' && t.head.kind === 'var' && isGlobalName(t.head.name, this.ctx)) {
      const g = globalTerm(t.head, this.ctx);
      return g.kind === 'ref' ? { ...t, head: g.head, path: [...g.path, ...t.path] } : t;
    }
    return t;
  }

  private expr(e: Expr, env: Env): Expr {
    switch (e.kind) {
      case 'term':
        return { ...e, term: this.term(e.term, env, true) };
      case 'assign':
      case 'unify':
        return { ...e, lhs: this.term(e.lhs, env), rhs: this.term(e.rhs, env) };
      case 'some':
        return { ...e, vars: e.vars.map((v) => ({ ...v, name: env.get(v.name) ?? v.name })) };
      case 'somein': {
        const out: Expr = { ...e, value: this.term(e.value, env), coll: this.term(e.coll, env) };
        if (e.key) out.key = this.term(e.key, env);
        return out;
      }
      case 'every': {
        const declared = [...(e.key ? patternVars(e.key) : []), ...patternVars(e.value)].filter((n) => n !== '_');
        const r = this.body(e.body, env, declared);
        const out: Expr = { ...e, coll: this.term(e.coll, env), value: this.term(e.value, r.env), body: r.body };
        if (e.key) out.key = this.term(e.key, r.env);
        out.free = this.freeOf(r.body, env, [out.value, ...(out.key ? [out.key] : [])]);
        return out;
      }
    }
  }

  /** `statement`: t is a whole expression (a call there is an expression, not a call term). */
  term(t: Term, env: Env, statement = false): Term {
    switch (t.kind) {
      case 'var': {
        if (t.name === '_') return { ...t, name: `$_${++this.ctx.counter.n}` };
        const local = env.get(t.name);
        if (local !== undefined) return { ...t, name: local };
        return isGlobalName(t.name, this.ctx) ? globalTerm(t, this.ctx) : t;
      }
      case 'ref': {
        const head = this.term(t.head, env);
        const path = t.path.map((k) => this.term(k, env));
        if (head.kind === 'ref') return { ...t, head: head.head, path: [...head.path, ...path] };
        return { ...t, head, path };
      }
      case 'call': {
        const args = t.args.map((a) => this.term(a, env));
        const first = t.fn[0]!;
        if (!statement && env.has(first) && !this.usedOnly.get(env)?.has(first)) {
          // OPA's rewriteLocalVars (rewriteDeclaredVarsInTerm, case Call): a call term whose
          // function name is a declared local would be rewritten to it — no first-class
          // functions. A call that is a whole expression is left to checkUndefinedFuncs.
          this.ctx.errors?.push(createCompileError('REGO_ERR_SHADOWED_CALL', `called function ${t.fn.join('.')} shadowed`, t.span));
          return { ...t, args };
        }
        if (t.fn.length >= 1 && !env.has(first) && isGlobalName(first, this.ctx) && first !== 'input') {
          const g = globalTerm({ kind: 'var', name: first, span: t.span }, this.ctx);
          const prefix = g.kind === 'ref' ? ['data', ...g.path.map((k) => (k.kind === 'string' ? k.value : '?'))] : [first];
          return { ...t, fn: [...prefix, ...t.fn.slice(1)], args };
        }
        return { ...t, args };
      }
      case 'array':
      case 'set':
        return { ...t, items: t.items.map((a) => this.term(a, env)) };
      case 'object':
        return { ...t, entries: t.entries.map(([k, v]) => [this.term(k, env), this.term(v, env)] as [Term, Term]) };
      case 'arraycomp':
      case 'setcomp': {
        const r = this.body(t.body, env);
        const term = this.term(t.term, r.env);
        return { ...t, term, body: r.body, free: this.freeOf(r.body, env, [term]) };
      }
      case 'objectcomp': {
        const r = this.body(t.body, env);
        const key = this.term(t.key, r.env);
        const value = this.term(t.value, r.env);
        return { ...t, key, value, body: r.body, free: this.freeOf(r.body, env, [key, value]) };
      }
      case 'template':
        return { ...t, parts: t.parts.map((p) => (typeof p === 'string' ? p : this.term(p, env))) };
      default:
        return t;
    }
  }

  /** Variables of the outer scope `env` that a closure body/head mentions. */
  private freeOf(body: Literal[], env: Env, head: Term[]): string[] {
    const hidden = this.hidden.get(env);
    const outer = new Set([...env.values()].filter((v) => hidden === undefined || !hidden.has(v)));
    const used = new Set<string>();
    usedNames(body, used);
    const visitFree = (t: Term): void => {
      if ((t.kind === 'arraycomp' || t.kind === 'setcomp' || t.kind === 'objectcomp') && t.free) t.free.forEach((v) => used.add(v));
    };
    const walk = (lits: Literal[]): void => {
      for (const l of lits) {
        if (l.expr.kind === 'every') l.expr.free?.forEach((v) => used.add(v));
        deepTerms(l).forEach(visitFree);
      }
    };
    walk(body);
    usedNames([{ negated: false, expr: { kind: 'term', term: { kind: 'array', items: head, span: body[0]?.span ?? head[0]!.span }, span: head[0]!.span }, with: [], span: head[0]!.span }], used);
    head.forEach((h) => deepTerms({ negated: false, expr: { kind: 'term', term: h, span: h.span }, with: [], span: h.span }).forEach(visitFree));
    return [...used].filter((v) => outer.has(v));
  }
}

type CompTerm = Extract<Term, { kind: 'arraycomp' | 'setcomp' | 'objectcomp' }>;
type Closure = CompTerm | Extract<Expr, { kind: 'every' }>;

/** The closures of a literal that are not inside another closure (comprehensions, `every`). */
function closuresOf(l: Literal): Closure[] {
  const out: Closure[] = deepTerms(l).filter((t): t is CompTerm => t.kind === 'arraycomp' || t.kind === 'setcomp' || t.kind === 'objectcomp');
  if (l.expr.kind === 'every') out.push(l.expr);
  return out;
}

/**
 * `v` is the closure's own variable, not one it reads from the enclosing body; the same holds
 * for the closures inside it unless its own body (or head) mentions v outside them.
 */
function unfree(c: Closure, v: string): void {
  if (c.free === undefined || !c.free.includes(v)) return;
  c.free = c.free.filter((x) => x !== v);
  const mentioned = new Set<string>();
  usedNames(c.body, mentioned);
  const head = c.kind === 'objectcomp' ? [c.key, c.value] : c.kind === 'every' ? [c.value, ...(c.key ? [c.key] : [])] : [c.term];
  for (const h of head) if (mentionsVar(h, v)) mentioned.add(v);
  if (!mentioned.has(v)) c.body.forEach((l) => closuresOf(l).forEach((n) => unfree(n, v)));
}

/** All terms of a literal, recursively (not into closure bodies). */
function deepTerms(l: Literal): Term[] {
  const out: Term[] = [];
  forEachTerm(l, (t) => out.push(t));
  return out;
}

/**
 * The one term walker of this file: visits every term of a literal (expression operands and
 * `with` values), parents before children, without entering closure bodies (comprehensions and
 * `every` have their own scopes, resolved separately).
 */
function forEachTerm(l: Literal, visit: (t: Term) => void): void {
  const walk = (t: Term): void => {
    visit(t);
    switch (t.kind) {
      case 'ref':
        walk(t.head);
        t.path.forEach(walk);
        break;
      case 'call':
        t.args.forEach(walk);
        break;
      case 'array':
      case 'set':
        t.items.forEach(walk);
        break;
      case 'object':
        for (const [k, v] of t.entries) {
          walk(k);
          walk(v);
        }
        break;
      case 'template':
        for (const p of t.parts) if (typeof p !== 'string') walk(p);
        break;
      default:
        break;
    }
  };
  const e = l.expr;
  if (e.kind === 'term') walk(e.term);
  else if (e.kind === 'assign' || e.kind === 'unify') {
    walk(e.lhs);
    walk(e.rhs);
  } else if (e.kind === 'somein') {
    if (e.key) walk(e.key);
    walk(e.value);
    walk(e.coll);
  } else if (e.kind === 'every') walk(e.coll);
  for (const w of l.with) walk(w.value);
}

/** Whether the variable `name` occurs anywhere in `t`, closure bodies included. */
function mentionsVar(t: unknown, name: string): boolean {
  if (Array.isArray(t)) return t.some((x) => mentionsVar(x, name));
  if (t === null || typeof t !== 'object') return false;
  const o = t as Record<string, unknown>;
  if (o['kind'] === 'var' && o['name'] === name) return true;
  return Object.entries(o).some(([k, v]) => k !== 'span' && typeof v === 'object' && mentionsVar(v, name));
}
