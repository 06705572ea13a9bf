/**
 * OPA's type checker (ast/check.go) for what can be known without schemas, refusing only what
 * OPA refuses too:
 * - a builtin called with an operand whose type is known at compile time and is not one the
 *   builtin accepts ("count: invalid argument(s)"); an operand's type comes from a literal, a
 *   collection or comprehension, another builtin's result, a variable the rule declares once
 *   with `:=`, or another rule: a rule's type is inferred from its values (complete rules,
 *   `contains` rules as sets, a function's result), through `data.…` refs, the package's own
 *   rule names and calls of user functions;
 * - a ref that goes into a scalar (`x := 1` then `x.y`, or `data.p.x.y`): "undefined ref";
 * - a unification (`=`, and `==` as an expression: OPA rewrites it to `=` first) of two terms of
 *   known, different types: "match error";
 * - a call used as a value whose function returns nothing (`x := print(1)`).
 * A comprehension's body is checked as a rule's, in a scope that wraps the enclosing one
 * (closureScopeOf); an `every` body is not checked, as OPA's CheckBody does not check it
 * (everyBodyNodes). Operands of unknown type (input, base documents, variables bound by
 * iteration) never fail.
 *
 * @example
 *   checkTypes([parseModule('package p\nq := count(1)')], errors); // REGO_ERR_TYPE: count: invalid argument(s)
 */
import type { RegoError } from '../errors.js';
import type { Annotation, Literal, Module, Rule, Term, With } from '../syntax/ast.js';
import { walkBody, walkExpr, walkRule, walkTerm } from '../syntax/walk.js';
import { ruleDeclaredNames } from '../syntax/rule-declared-names.js';
import { createCompileError, sourceText } from './compile-error.js';
import { overrideAt, schemaAnnotations, schemaType, type SchemaSet } from './schema-types.js';
import { annotationChains } from './schema-scopes.js';
import { inputVars as inputVarsOf, literalVars } from './vars.js';
import { literalOutputs } from './reorder.js';
import { BUILTIN_DECLS } from '../builtins/builtin-decls.js';
import { showParam, wantText, type Param } from './arg-error-detail.js';
import { parseTypeNotation, type OpaTypeJson } from '../builtins/type-notation.js';
import { ANY, arr, B, fits, isScalar, N, NULL, OBJ, S, set, show, unionOf, type Ty } from './static-type.js';

interface Decl {
  args: Param[];
  result: Ty;
}

/** An OPA type (capabilities JSON) as the checker's static type; a union stays a union. */
function staticType(t: OpaTypeJson): Ty {
  switch (t.type) {
    case 'any':
      return t.of === undefined ? ANY : t.of.length === 1 ? staticType(t.of[0]!) : { k: 'union', of: t.of.map(staticType) };
    case 'set':
      return set(staticType(t.of));
    case 'array': {
      if (t.static === undefined) return arr(t.dynamic === undefined ? ANY : staticType(t.dynamic));
      const items = t.static.map(staticType);
      return { k: 'array', of: unionOf(t.dynamic === undefined ? items : [...items, staticType(t.dynamic)]), items };
    }
    case 'object': {
      const dyn = t.dynamic === undefined ? undefined : { key: staticType(t.dynamic.key), value: staticType(t.dynamic.value) };
      if (t.static === undefined) return dyn === undefined ? OBJ : { k: 'object', dyn };
      const props = Object.fromEntries(t.static.map((p) => [p.key, staticType(p.value)]));
      return dyn === undefined ? { k: 'object', props } : { k: 'object', props, open: true, dyn };
    }
    default:
      return { k: t.type };
  }
}

/** A declared operand: the members of a union, or the one type. */
function paramOf(notation: string): Param {
  const t = staticType(parseTypeNotation(notation));
  return t.k === 'union' ? [...t.of] : [t];
}

/**
 * Signatures of the builtins as OPA declares them (builtins/builtin-decls.ts). Left out: what
 * the compiler plans itself (unification, assignment, `print`, test cases, metadata), and
 * builtins without a value.
 */
const DECLS: Record<string, Decl> = Object.fromEntries(
  [...BUILTIN_DECLS]
    .filter(([name, d]) => d.args !== undefined && d.result !== undefined && !['eq', 'assign'].includes(name) && !name.startsWith('internal.') && !name.startsWith('rego.metadata.'))
    .map(([name, d]) => [name, { args: d.args!.map(paramOf), result: staticType(parseTypeNotation(d.result!)) }]),
);

/** A builtin's declared operand types (undefined: not one the checker knows), for the planner's arity errors. */
export function declaredParams(name: string): Param[] | undefined {
  return DECLS[name]?.args;
}

/** Variables of a scope typed only as the written-out output of a builtin call (see varTypes, haveTypes). */
const typedByOutput = new WeakMap<object, ReadonlySet<string>>();

/** Types of variables a rule declares once, with `x := <typed term>` (see varTypes). */
type VarTypes = ReadonlyMap<string, Ty>;

/** What a term's type depends on besides literals: the rule's own variables and the rules of all modules. */
interface Scope {
  vars: VarTypes;
  /** the type of `input` in this rule: the global schema's, with the schema annotations that apply to the rule */
  input: Ty;
  /** `data` as the rule's `data.…` schema annotations type it, and the paths they annotate (below data) */
  data?: { ty: Ty; paths: string[][] };
  /** every name the rule binds somewhere (a ref or call with such a head is a local, not a rule) */
  bound: ReadonlySet<string>;
  mod: ModuleScope;
  /**
   * In a comprehension's scope (closureScopeOf): the names mentioned in the rule outside the
   * comprehension (bound there, or rules), and the names only the comprehension mentions, the
   * only ones its body types
   */
  outer?: ReadonlySet<string>;
  only?: ReadonlySet<string>;
}

interface ModuleScope {
  pkg: string[];
  /** `input` under the global schema */
  input: Ty;
  schemas: SchemaSet | undefined;
  /** the METADATA blocks that apply to each rule (schema-scopes.ts), least specific first */
  chains: ReadonlyMap<Rule, Annotation[]>;
  /** where the annotations' errors go (`undefined schema: schema.x`) */
  errors: RegoError[];
  /** the package's own rule names */
  rules: ReadonlySet<string>;
  /** import alias → imported data path (below `data`) */
  imports: ReadonlyMap<string, string[]>;
  env: RuleTypes;
}

/** A rule's path below `data`, when its head ref is all strings. */
function groundPath(pkg: string[], r: Rule): string[] | undefined {
  if (!r.ref.every((t) => t.kind === 'string')) return undefined;
  return [...pkg, ...r.ref.map((t) => (t as { value: string }).value)];
}

/**
 * Types of the rules of all modules by path, inferred on demand (a rule being inferred that
 * refers back to itself sees `any`). Only a path that exactly one kind of rule defines, with
 * nothing defined below it or by a head ref with variables over it, gets a type: anything else
 * (merged documents, partial objects) is `any`, so nothing OPA types differently is refused.
 */
class RuleTypes {
  private readonly defs = new Map<string, { rule: Rule; mod: ModuleScope }[]>();
  /** path keys of every proper prefix of a rule path, and of ground prefixes of head refs with variables */
  private readonly shadowed = new Set<string>();
  private readonly memo = new Map<string, Ty>();
  private readonly busy = new Set<string>();
  private readonly argsMemo = new Map<string, Ty[] | undefined>();

  /**
   * Rules whose head ref has variables (`p[k] := v`, `a.b[x].c := v`), by their ground prefix:
   * OPA's checkRule types the prefix as nested objects (nestedObject), one level per key after it
   */
  private readonly dynamic = new Map<string, { rule: Rule; mod: ModuleScope }[]>();
  /** the ground prefixes of all rules with variables in their head refs (typed or not) */
  private readonly varRulePrefixes = new Set<string>();

  /** Is `path` a level OPA's type tree holds no rule at or above (a package, a level above rules)? */
  isLevel(path: string[]): boolean {
    for (let i = 1; i <= path.length; i++) if (this.varRulePrefixes.has(JSON.stringify(path.slice(0, i))) || this.defs.has(JSON.stringify(path.slice(0, i)))) return false;
    return this.isPrefix(path);
  }

  add(path: string[] | undefined, rule: Rule, mod: ModuleScope): void {
    if (path === undefined) {
      let n = 0;
      while (n < rule.ref.length && rule.ref[n]!.kind === 'string') n++;
      const prefix = [...mod.pkg, ...rule.ref.slice(0, n).map((t) => (t as { value: string }).value)];
      // a single-value rule (not a function, not `contains`) types its ground prefix; any other
      // rule with variables in its head ref leaves the prefix untyped
      const typed = rule.args === undefined && rule.contains === undefined && rule.elses.length === 0;
      this.varRulePrefixes.add(JSON.stringify(prefix));
      for (let i = 1; i <= prefix.length - (typed ? 1 : 0); i++) this.shadowed.add(JSON.stringify(prefix.slice(0, i)));
      if (!typed) return;
      const key = JSON.stringify(prefix);
      const dyn = this.dynamic.get(key);
      if (dyn === undefined) this.dynamic.set(key, [{ rule, mod }]);
      else dyn.push({ rule, mod });
      return;
    }
    for (let i = 1; i < path.length; i++) this.shadowed.add(JSON.stringify(path.slice(0, i)));
    const key = JSON.stringify(path);
    // appended in place: copying the list for each rule made a path of n rules cost n²/2
    // element copies (a 20 000-rule generated bundle spent 3.4 s here, and most of 3.8 s of GC)
    const defs = this.defs.get(key);
    if (defs === undefined) this.defs.set(key, [{ rule, mod }]);
    else defs.push({ rule, mod });
  }

  /**
   * The argument types of the function at `path`, inferred from its bodies as OPA's checker does
   * (checkRule: an argument takes the type its first use in the body gives it; one the body does
   * not type is any; several definitions join their types, Function.Union → types.Or, so one
   * definition leaving an argument untyped makes it any). Inferred only for definitions without
   * else, and only for an argument every mention of which is an operand of a typed builtin, all
   * of the same one type, so that no order of a body's literals could type it otherwise.
   * Anything else: undefined (not checked).
   */
  argsAt(path: string[]): Ty[] | undefined {
    const key = JSON.stringify(path);
    const defs = this.defs.get(key);
    if (defs === undefined || this.shadowed.has(key) || this.dynamic.has(key)) return undefined;
    const arity = defs[0]!.rule.args?.length;
    if (arity === undefined || defs.some((d) => d.rule.args?.length !== arity || d.rule.elses.length > 0)) return undefined;
    if (this.argsMemo.has(key)) return this.argsMemo.get(key);
    if (this.busy.has(key)) return undefined;
    this.busy.add(key);
    // a definition whose body has a type error makes the function any (checkRule puts types.A
    // at its path): its calls are not checked
    const bodyErrors: RegoError[] = [];
    const perDef = defs.map(({ rule, mod }) => {
      const sc = scopeOf(rule, mod);
      checkRule(rule, sc, bodyErrors);
      // an array pattern of variables (`f([a, b])`) is an array of their types (OPA's
      // GetByValue of the argument term, each untyped variable any)
      const patternType = (a: Term): Ty => {
        if (a.kind === 'var') return a.name === '_' ? ANY : argType(rule, a.name, sc);
        if (a.kind === 'array' && a.items.length > 0 && a.items.every((i) => i.kind === 'var')) {
          const items = a.items.map(patternType);
          return { k: 'array', of: unionOf(items), items };
        }
        return ANY;
      };
      return rule.args!.map(patternType);
    });
    this.busy.delete(key);
    const tys = Array.from({ length: arity }, (_, i) => unionOf(perDef.map((d) => d[i]!)));
    const result = bodyErrors.length === 0 && tys.some((t) => t.k !== 'any') ? tys : undefined;
    this.argsMemo.set(key, result);
    return result;
  }

  /** The number of arguments of the function at `path`, when all its definitions agree. */
  arityAt(path: string[]): number | undefined {
    const defs = this.defs.get(JSON.stringify(path));
    const n = defs?.[0]?.rule.args?.length;
    return n !== undefined && defs!.every((d) => d.rule.args?.length === n) ? n : undefined;
  }

  /**
   * Is `path` a function (its definitions take arguments)? `f() = 1` takes none: OPA's checker
   * (checkRule) types a rule without arguments by its value, so `f()` of it is checked like r()
   * of a complete rule (compile_test.go TestCompilerMockFunction, "arity 0").
   */
  isFunction(path: string[]): boolean {
    return this.defs.get(JSON.stringify(path))?.some((d) => (d.rule.args?.length ?? 0) > 0) ?? false;
  }

  /** Is `path` exactly a rule (or function), or the ground prefix of rules with variables in their head refs? */
  has(path: string[]): boolean {
    const key = JSON.stringify(path);
    return this.defs.has(key) || this.dynamic.has(key);
  }

  /**
   * The type at the ground prefix of rules like `p[k] := v`: OPA's nestedObject gives each one
   * `object[K: V]` (a level for each key after the prefix, K the key term's type in the body, V
   * the value's), and TypeEnv.Insert merges the rules' objects (mergeTypes: keys joined, values
   * merged). Only where nothing else is defined at or below the prefix; else any.
   */
  private dynamicTypeAt(key: string): Ty {
    const dyn = this.dynamic.get(key)!;
    if (this.defs.has(key) || this.shadowed.has(key)) return ANY;
    const known = this.memo.get(key);
    if (known !== undefined) return known;
    if (this.busy.has(key)) return ANY;
    this.busy.add(key);
    const tys = dyn.map(({ rule, mod }) => {
      const sc = scopeOf(rule, mod);
      let n = 0;
      while (n < rule.ref.length && rule.ref[n]!.kind === 'string') n++;
      let ty = union(ruleValues(rule).map((v) => (v === undefined ? B : typeOf(v, sc))));
      for (let i = rule.ref.length - 1; i >= n; i--) ty = { k: 'object', dyn: { key: typeOf(rule.ref[i]!, sc), value: ty } };
      return ty;
    });
    const ty = tys.reduce(mergeDynamic);
    this.busy.delete(key);
    this.memo.set(key, ty);
    return ty;
  }

  private readonly extentMemo = new Map<string, Ty>();

  /** Is `path` a proper prefix of some rule's path (a package, or a level above a rule)? `[]`: data, when any rule is. */
  isPrefix(path: string[]): boolean {
    if (path.length === 0) return this.defs.size > 0 || this.dynamic.size > 0;
    return this.shadowed.has(JSON.stringify(path));
  }

  /** The names one level below `path` where rules or levels above rules are. */
  childrenOf(path: string[]): string[] {
    const children = new Set<string>();
    for (const k of [...this.defs.keys(), ...this.dynamic.keys(), ...this.shadowed]) {
      const p = JSON.parse(k) as string[];
      if (p.length === path.length + 1 && path.every((x, i) => p[i] === x)) children.add(p[path.length]!);
    }
    return [...children];
  }

  /**
   * The type of a document above rules (`data.a` when data.a.b is a rule): OPA's
   * getRefRecExtent — an object with a property for each child (a rule's type, or the extent
   * below it) and any other string key of any type (base documents may add keys).
   *
   * @example data.a where a.b := 1 and a.c.d := "x" // object<b: number, c: object<d: string>[string: any]>[string: any]
   */
  extentAt(path: string[]): Ty {
    const key = JSON.stringify(path);
    const known = this.extentMemo.get(key);
    if (known !== undefined) return known;
    const props: Record<string, Ty> = {};
    for (const c of this.childrenOf(path)) {
      const child = [...path, c];
      props[c] = this.has(child) ? this.typeAt(child) : this.isPrefix(child) ? this.extentAt(child) : ANY;
    }
    const ty: Ty = { k: 'object', props, open: true, dyn: { key: S, value: ANY } };
    this.extentMemo.set(key, ty);
    return ty;
  }

  /** The type of the document at `path` (a function: its result), or any. */
  typeAt(path: string[]): Ty {
    const key = JSON.stringify(path);
    const defs = this.defs.get(key);
    if (defs === undefined && this.dynamic.has(key)) return this.dynamicTypeAt(key);
    if (defs === undefined || this.shadowed.has(key) || this.dynamic.has(key)) return ANY;
    const known = this.memo.get(key);
    if (known !== undefined) return known;
    if (this.busy.has(key)) return ANY;
    this.busy.add(key);
    let ty: Ty;
    const kinds = new Set(defs.map((d) => (d.rule.args !== undefined ? `f${d.rule.args.length}` : d.rule.contains !== undefined ? 'set' : 'value')));
    if (kinds.size !== 1) ty = ANY;
    else if (defs[0]!.rule.contains !== undefined) ty = set(union(defs.map((d) => typeOf(d.rule.contains!, scopeOf(d.rule, d.mod)))));
    else ty = union(defs.flatMap((d) => ruleValues(d.rule).map((v) => (v === undefined ? B : typeOf(v, scopeOf(d.rule, d.mod))))));
    this.busy.delete(key);
    this.memo.set(key, ty);
    return ty;
  }
}

/**
 * Two rules' nested objects at one prefix, as OPA's mergeTypes joins objects without static
 * properties: the keys' types joined, the values merged level by level (types.Or at the leaves).
 */
function mergeDynamic(a: Ty, b: Ty): Ty {
  if (a.k === 'object' && b.k === 'object' && a.props === undefined && b.props === undefined && a.dyn !== undefined && b.dyn !== undefined) {
    return { k: 'object', dyn: { key: unionOf([a.dyn.key, b.dyn.key]), value: mergeDynamic(a.dyn.value, b.dyn.value) } };
  }
  return unionOf([a, b]);
}

/** The values a rule can take: its head's and each else branch's (undefined: `true`). */
function ruleValues(r: Rule): (Term | undefined)[] {
  return [r.value, ...r.elses.map((e) => e.value)];
}

/**
 * The type of a path several definitions give values to, or of a collection's members: OPA joins
 * them with types.Or (TypeEnv's mergeTypes on Insert; an array literal's `Values`, a set
 * literal's element type), so `["a", 1]` has members of type any<number, string>.
 */
function union(tys: Ty[]): Ty {
  return unionOf(tys);
}

const scopes = new WeakMap<Rule, Scope>();
function scopeOf(r: Rule, mod: ModuleScope): Scope {
  let sc = scopes.get(r);
  if (sc === undefined) {
    // set before the variables are typed: a variable's term may refer back to this rule
    // OPA's checkRule: each `schemas:` entry of the blocks that apply, least specific first,
    // puts its type at its path (replacing what an earlier entry put there)
    let input = mod.input;
    let data: Scope['data'];
    const missing = (name: string): void => void mod.errors.push(createCompileError('REGO_ERR_TYPE', `undefined schema: ${name}`, r.span));
    for (const a of schemaAnnotations(mod.chains.get(r) ?? r.annotations, mod.schemas, missing)) {
      if (a.root === 'input') input = overrideAt(input, a.path, schemaType(a.schema));
      else if (a.path.length > 0) data = { ty: overrideAt(data?.ty ?? ANY, a.path, schemaType(a.schema)), paths: [...(data?.paths ?? []), a.path] };
    }
    sc = { vars: new Map(), input, ...(data !== undefined ? { data } : {}), bound: ruleDeclaredNames(r), mod };
    scopes.set(r, sc);
    walkRule(r, { term: (t) => void (isComprehension(t) && compRule.set(t, r)) });
    const vars = varTypes(r, sc);
    (sc as { vars: VarTypes }).vars = vars;
    // a function's argument has, after its first use, the type that use gave it (checkRule's
    // body check then sees later uses against it, as OPA's does); not where a closure or
    // `every` mentions it first (OPA leaves it untyped there), nor with else branches
    if (r.args !== undefined && r.elses.length === 0) {
      const typed = new Map(vars);
      for (const a of r.args) {
        if (a.kind !== 'var' || a.name === '_' || typed.has(a.name)) continue;
        const u = argUse(r, a.name, sc);
        if (u.ty.k !== 'any' && !u.enclosedBefore) typed.set(a.name, u.ty);
      }
      (sc as { vars: VarTypes }).vars = typed;
    }
  }
  return sc;
}

type Comprehension = Extract<Term, { kind: 'arraycomp' | 'setcomp' | 'objectcomp' }>;
const isComprehension = (t: Term): t is Comprehension => t.kind === 'arraycomp' || t.kind === 'setcomp' || t.kind === 'objectcomp';

/** The rule each comprehension is written in (registered when the rule's scope is made). */
const compRule = new WeakMap<Term, Rule>();
/** How often each name is mentioned in a term or a rule (a comprehension's own names are mentioned only inside it). */
const mentionCounts = new WeakMap<object, ReadonlyMap<string, number>>();
function countMentions(node: Term | Rule): ReadonlyMap<string, number> {
  let m = mentionCounts.get(node);
  if (m !== undefined) return m;
  const out = new Map<string, number>();
  const visit = { term: (x: Term) => void (x.kind === 'var' && out.set(x.name, (out.get(x.name) ?? 0) + 1)) };
  if ('kind' in node) walkTerm(node, visit);
  else walkRule(node, visit);
  mentionCounts.set(node, (m = out));
  return m;
}
const closureScopes = new WeakMap<Term, { vars: VarTypes; size: number; scope: Scope }>();

/**
 * The scope of a comprehension's head and body. OPA checks a comprehension's body with the same
 * rules as a rule's (checkClosures, and GetByValue for its type), in an environment that wraps
 * the enclosing one: the enclosing variables keep their types, and the body's own variables are
 * typed by its literals (`[i | x = i]` after `x = 1` is array[number], `[x | some x in [1];
 * upper(x)]` a type error). The body is typed here as a rule of that body whose value is the
 * head; only names no other part of the rule mentions are typed by it (a name also mentioned
 * outside is the enclosing variable, or several variables of one name: left as it was).
 */
function closureScopeOf(c: Comprehension, parent: Scope): Scope {
  const r = compRule.get(c);
  if (r === undefined) return parent;
  const hit = closureScopes.get(c);
  if (hit !== undefined && hit.vars === parent.vars && hit.size === parent.vars.size) return hit.scope;
  const inside = countMentions(c);
  const all = countMentions(r);
  const only = new Set([...inside].filter(([n, k]) => all.get(n) === k).map(([n]) => n));
  // `x := [x | x = …]`: the right side of := is rewritten before x is declared (OPA's
  // rewriteLocalVars), so an x inside it is the comprehension's own variable, not the one the
  // assignment declares (and types with the comprehension's type).
  for (const n of declaredByEnclosingAssign(r, c)) if (inside.has(n)) only.add(n);
  const outer = new Set([...all.keys()].filter((n) => !only.has(n)));
  const body: Rule = { ...r, ref: r.ref.slice(0, 1), args: undefined, elses: [], body: c.body, contains: c.kind === 'objectcomp' ? c.key : undefined, value: c.kind === 'objectcomp' ? c.value : c.term };
  const sc: Scope = { vars: parent.vars, input: parent.input, ...(parent.data !== undefined ? { data: parent.data } : {}), bound: new Set([...parent.bound, ...ruleDeclaredNames(body)]), mod: parent.mod, outer, only };
  // set first: the body may mention the comprehension again (through a rule)
  closureScopes.set(c, { vars: parent.vars, size: parent.vars.size, scope: sc });
  (sc as { vars: VarTypes }).vars = varTypes(body, sc);
  return sc;
}

/** The variables an `lhs := rhs` declares when its rhs holds the comprehension c. */
function declaredByEnclosingAssign(r: Rule, c: Comprehension): string[] {
  const names: string[] = [];
  walkRule(r, {
    expr: (e) => {
      if (e.kind !== 'assign') return;
      let holds = false;
      walkTerm(e.rhs, { term: (x: Term) => void (x === c && (holds = true)) });
      if (holds) walkTerm(e.lhs, { term: (x: Term) => void (x.kind === 'var' && names.push(x.name)) });
    },
  });
  return names;
}

/** The scope of each term, expression and literal inside a rule's comprehensions (outside: the rule's). */
function closureScopesIn(r: Rule, sc: Scope): Map<object, Scope> {
  const at = new Map<object, Scope>();
  walkRule(r, {
    term: (t) => {
      if (!isComprehension(t)) return;
      // pre-order: an enclosing comprehension has marked this one's nodes with its own scope
      const inner = closureScopeOf(t, at.get(t) ?? sc);
      const mark = (x: object): void => void at.set(x, inner);
      const v = { term: (x: Term) => void (x !== t && mark(x)), expr: mark, literal: mark };
      walkTerm(t, v);
    },
  });
  return at;
}

/** The data path a ref or call name stands for: `data.a.b`, a rule of the package, an imported name. */
function dataPath(head: string, rest: Term[], sc: Scope): string[] | undefined {
  const names: string[] = [];
  for (const t of rest) {
    if (t.kind !== 'string') break;
    names.push(t.value);
  }
  if (head === 'data') return names;
  if (sc.bound.has(head)) return undefined;
  if (sc.mod.rules.has(head)) return [...sc.mod.pkg, head, ...names];
  const imp = sc.mod.imports.get(head);
  return imp === undefined ? undefined : [...imp, ...names];
}

/**
 * A ref into `data` below a path a `data.…` schema annotation of the rule types (`data.acl[u]`,
 * or `acl[u]` after `import data.acl`): its keys from `data` on, to be walked through the
 * annotated type (OPA puts the schema's type at that path of its type environment).
 */
function dataSchemaTerms(head: string, rest: Term[], sc: Scope, at: Term): Term[] | undefined {
  if (sc.data === undefined) return undefined;
  const path = dataPath(head, rest, sc);
  if (path === undefined || !sc.data.paths.some((p) => p.length <= path.length && p.every((k, i) => path[i] === k))) return undefined;
  let strings = 0;
  while (strings < rest.length && rest[strings]!.kind === 'string') strings++;
  const base = path.length - strings;
  return [...path.slice(0, base).map((value) => ({ kind: 'string', value, span: at.span }) as Term), ...rest];
}

/** The rule path that a prefix of `path` names, and how many of path's names it takes. */
function rulePrefix(path: string[], env: RuleTypes): number | undefined {
  for (let n = 1; n <= path.length; n++) if (env.has(path.slice(0, n))) return n;
  return undefined;
}

function typeOf(t: Term, sc?: Scope): Ty {
  const vars = sc?.vars ?? new Map<string, Ty>();
  switch (t.kind) {
    case 'var': {
      const v = vars.get(t.name);
      if (v !== undefined || sc === undefined) return v ?? ANY;
      if (t.name === 'input' && !sc.bound.has('input')) return sc.input;
      const path = dataPath(t.name, [], sc);
      if (path === undefined || path.length === 0) return ANY;
      // an imported package (`import data.lib` then `lib`): the object of its rules
      return sc.mod.env.has(path) ? sc.mod.env.typeAt(path) : sc.mod.env.isPrefix(path) ? sc.mod.env.extentAt(path) : ANY;
    }
    case 'ref': {
      if (sc === undefined || t.head.kind !== 'var') return ANY;
      if (t.head.name === 'input' && !sc.bound.has('input')) return walkInput(sc.input, t.path).ty;
      const local = vars.get(t.head.name);
      if (local !== undefined) return walkInput(local, t.path).ty;
      const annotated = dataSchemaTerms(t.head.name, t.path, sc, t);
      if (annotated !== undefined) return walkInput(sc.data!.ty, annotated, (k) => typeOf(k, sc)).ty;
      const path = dataPath(t.head.name, t.path, sc);
      if (path === undefined || path.length === 0) return ANY;
      // a rule, or a ref into its value (`data.a.complete[0].foo`): the rule's type, walked on
      const n = rulePrefix(path, sc.mod.env);
      let strings = 0;
      while (strings < t.path.length && t.path[strings]!.kind === 'string') strings++;
      const base = path.length - strings;
      // a ref to a level above rules (`data.a`, a package): the object of what is below it
      if (n === undefined && strings === t.path.length && sc.mod.env.isPrefix(path)) return sc.mod.env.extentAt(path);
      if (n === undefined || n < base) return ANY;
      return walkInput(sc.mod.env.typeAt(path.slice(0, n)), t.path.slice(n - base), (k) => typeOf(k, sc)).ty;
    }
    case 'null':
      return NULL;
    case 'bool':
      return B;
    case 'number':
      return N;
    case 'string':
    case 'template':
      return S;
    case 'array': {
      // `[]` is OPA's dynamic array[any]; a literal with members has their types one by one
      if (t.items.length === 0) return arr();
      return { k: 'array', of: memberType(t.items, sc), items: t.items.map((i) => typeOf(i, sc)) };
    }
    case 'set':
      return set(memberType(t.items, sc));
    case 'object': {
      // an object literal whose keys are all constant strings has exactly those keys (OPA's static
      // properties); `{}` and variable or non-string keys leave it open, as OPA's dynamic property does
      if (t.entries.length === 0 || !t.entries.every(([k]) => k.kind === 'string')) return OBJ;
      const props: Record<string, Ty> = {};
      for (const [k, v] of t.entries) props[(k as { value: string }).value] = typeOf(v, sc);
      return { k: 'object', props };
    }
    // a comprehension's members as its body types them (TypeEnv.GetByValue checks the body in an
    // environment that wraps the enclosing one)
    case 'arraycomp':
      return arr(typeOf(t.term, sc === undefined ? sc : closureScopeOf(t, sc)));
    case 'setcomp':
      return set(typeOf(t.term, sc === undefined ? sc : closureScopeOf(t, sc)));
    case 'objectcomp': {
      const inner = sc === undefined ? sc : closureScopeOf(t, sc);
      return { k: 'object', dyn: { key: typeOf(t.key, inner), value: typeOf(t.value, inner) } };
    }
    case 'call': {
      if (sc !== undefined && !isBuiltinCall(t, sc)) {
        const path = dataPath(t.fn[0]!, t.fn.slice(1).map((value) => ({ kind: 'string', value, span: t.span }) as Term), sc);
        return path !== undefined && sc.mod.env.has(path) ? sc.mod.env.typeAt(path) : ANY;
      }
      return DECLS[t.fn.join('.')]?.result ?? ANY;
    }
    default:
      return ANY;
  }
}

/** A call of a builtin rather than of a rule of the policy (a package's rule of a builtin's name wins). */
function isBuiltinCall(t: Extract<Term, { kind: 'call' }>, sc: Scope): boolean {
  if (t.fn[0] === 'data') return false;
  const head = t.fn[0]!;
  return !(t.fn.length === 1 && sc.mod.rules.has(head)) && !sc.mod.imports.has(head);
}

/** The union of the members' types; any when a member's type is unknown or there are none. */
function memberType(items: Term[], sc?: Scope): Ty {
  if (items.length === 0) return ANY;
  return union(items.map((i) => typeOf(i, sc)));
}

/**
 * The type OPA's checker gives argument `name` of function rule `r`: the one its first typing
 * use gives it (checkExprBuiltin unifies an untyped variable with the parameter's type and
 * later uses only check against it, unify1 with union=false), in the order OPA checks the
 * rewritten body: the body's literals in order, a call's nested calls before it (they become
 * literals of their own, rewriteExprTermsInBody), the head's value last. So `count(x) > 0;
 * startswith(x, "a")` gives x any<array, object, set, string> and the other order string.
 * A comprehension's or `every`'s body types a copy of x (checkClosures), never x: skipped.
 * A first use whose type is not known here (a builtin not in DECLS, a user function, a ref, a
 * composite operand, `some … in`, `with`) gives any: that may miss an error OPA reports, never
 * report one it does not. Literals are taken in written order, where OPA takes them as the
 * safety check reordered them (a literal with a variable bound only later moves after it).
 */
function argType(r: Rule, name: string, sc: Scope): Ty {
  return argUse(r, name, sc).ty;
}

/** argType, and whether a closure mentions the argument before that first use (OPA: untyped there). */
function argUse(r: Rule, name: string, sc: Scope): { ty: Ty; enclosedBefore: boolean } {
  let enclosedBefore = false;
  const closure = (t: Term): void => {
    if (mentions(t)) enclosedBefore = true;
  };
  const mentions = (t: Term | undefined): boolean => {
    let found = false;
    if (t !== undefined) walkTerm(t, { term: (x) => void (x.kind === 'var' && x.name === name && (found = true)) });
    return found;
  };
  /** The type the first use inside `t` gives, ANY when unknown, undefined when `t` does not use it. */
  const inTerm = (t: Term): Ty | undefined => {
    if (t.kind === 'arraycomp' || t.kind === 'setcomp' || t.kind === 'objectcomp') return void closure(t);
    if (t.kind === 'call') {
      for (const a of t.args) {
        if (a.kind !== 'call') continue;
        const nested = inTerm(a);
        if (nested !== undefined) return nested;
      }
      const direct = t.args.findIndex((a) => a.kind === 'var' && a.name === name);
      // a ref, composite or closure operand mentioning it: the ref checker or a union types it
      if (t.args.some((a) => a.kind !== 'call' && a.kind !== 'var' && a.kind !== 'arraycomp' && a.kind !== 'setcomp' && a.kind !== 'objectcomp' && mentions(a))) return ANY;
      t.args.forEach((a) => (a.kind === 'arraycomp' || a.kind === 'setcomp' || a.kind === 'objectcomp') && closure(a));
      if (direct < 0) return undefined;
      const decl = isBuiltinCall(t, sc) ? DECLS[t.fn.join('.')] : undefined;
      if (decl === undefined) return ANY;
      if (direct < decl.args.length && t.args.length >= decl.args.length && t.args.length <= decl.args.length + 1) return unionOf(decl.args[direct]!);
      if (direct === decl.args.length && t.args.length === decl.args.length + 1) return decl.result;
      return ANY;
    }
    return mentions(t) ? ANY : undefined;
  };
  const inLiteral = (l: Literal): Ty | undefined => {
    const e = l.expr;
    let ty: Ty | undefined;
    switch (e.kind) {
      case 'term':
        ty = inTerm(e.term);
        break;
      case 'assign':
      case 'unify': {
        for (const side of [e.lhs, e.rhs]) {
          if (side.kind !== 'call') continue;
          ty = inTerm(side);
          if (ty !== undefined) return ty;
        }
        // `x = "a"`: the untyped side takes the other's type (unify2); composites: not followed
        const other = e.lhs.kind === 'var' && e.lhs.name === name ? e.rhs : e.rhs.kind === 'var' && e.rhs.name === name ? e.lhs : undefined;
        if (other !== undefined) return ['string', 'number', 'bool', 'null'].includes(other.kind) ? typeOf(other, sc) : ANY;
        const rest = [e.lhs, e.rhs].filter((x) => x.kind !== 'call' && x.kind !== 'arraycomp' && x.kind !== 'setcomp' && x.kind !== 'objectcomp');
        [e.lhs, e.rhs].forEach((x) => (x.kind === 'arraycomp' || x.kind === 'setcomp' || x.kind === 'objectcomp') && closure(x));
        ty = rest.some(mentions) ? ANY : undefined;
        break;
      }
      case 'somein':
        ty = [e.key, e.value, e.coll].some(mentions) ? ANY : undefined;
        break;
      case 'every':
        ty = mentions(e.coll) ? ANY : undefined;
        for (const b of e.body) for (const x of literalTermsOf(b)) closure(x);
        break;
      case 'some':
        break;
    }
    if (ty === undefined && l.with.some((w) => mentions(w.value))) return ANY;
    return ty;
  };
  for (const { lit, nestedOnly } of safetyOrder(r, sc)) {
    // a literal the safety order defers still has its nested calls checked where it was
    // written, when their operands are bound: OPA made them literals of their own
    const ty = nestedOnly ? nestedCalls(lit).reduce<Ty | undefined>((acc, c) => acc ?? inTerm(c), undefined) : inLiteral(lit);
    if (ty !== undefined) return { ty, enclosedBefore };
  }
  // the head's value is checked after the body (OPA moves its calls into the body's end)
  return { ty: (r.value !== undefined ? inTerm(r.value) : undefined) ?? ANY, enclosedBefore };
}

/**
 * The body in the order OPA type-checks it: as its safety check reordered it (a literal reading
 * a variable only a later literal binds moves after that one). Names that are not the rule's
 * locals (rules, imports, input, data) and the arguments count as bound; a literal the order
 * cannot place keeps its written place after the others.
 */
function safetyOrder(r: Rule, sc: Scope): { lit: Literal; nestedOnly: boolean }[] {
  const args = new Set<string>();
  r.args?.forEach((a) => walkTerm(a, { term: (x) => void (x.kind === 'var' && args.add(x.name)) }));
  const bound = new Set<string>(['_', ...args, ...(sc.outer ?? [])]);
  for (const l of r.body) {
    for (const v of literalVars(l)) {
      const local = sc.bound.has(v) || !(sc.mod.rules.has(v) || sc.mod.imports.has(v) || v === 'input' || v === 'data');
      if (!local) bound.add(v);
    }
  }
  // OPA's reorderBodyForSafety works in passes: each pass appends, in written order, every
  // literal that has become safe, so a deferred literal lands after the whole pass
  const arityOf = (c: Extract<Term, { kind: 'call' }>): number | undefined => (isBuiltinCall(c, sc) ? DECLS[c.fn.join('.')]?.args.length : undefined);
  const ordered: { lit: Literal; nestedOnly: boolean }[] = [];
  const placed = new Set<Literal>();
  const nestedSeen = new Set<Literal>();
  let pending = [...r.body];
  for (let pass = 0; pass <= r.body.length && pending.length > 0; pass++) {
    const next: Literal[] = [];
    for (const l of pending) {
      const outs = literalOutputs(l, bound, arityOf);
      if (outs === undefined) {
        next.push(l);
        if (!nestedSeen.has(l) && nestedCalls(l).length > 0 && nestedCalls(l).every((c) => c.args.every((a) => [...inputVarsOf(a)].every((v) => bound.has(v))))) {
          nestedSeen.add(l);
          ordered.push({ lit: l, nestedOnly: true });
        }
      } else {
        ordered.push({ lit: l, nestedOnly: false });
        placed.add(l);
        outs.forEach((v) => bound.add(v));
      }
    }
    if (next.length === pending.length) break;
    pending = next;
  }
  return [...ordered, ...r.body.filter((l) => !placed.has(l)).map((lit) => ({ lit, nestedOnly: false }))];
}

/** The calls nested as operands of a literal's top-level calls (OPA rewrites them out first). */
function nestedCalls(l: Literal): Extract<Term, { kind: 'call' }>[] {
  const e = l.expr;
  const tops = e.kind === 'term' ? [e.term] : e.kind === 'assign' || e.kind === 'unify' ? [e.lhs, e.rhs] : [];
  const out: Extract<Term, { kind: 'call' }>[] = [];
  for (const t of tops) if (t.kind === 'call') for (const a of t.args) if (a.kind === 'call') out.push(a);
  return out;
}

/** The terms of a literal of an `every` body, closures included (only to find mentions). */
function literalTermsOf(l: Literal): Term[] {
  const e = l.expr;
  const ts: Term[] = l.with.map((w) => w.value);
  if (e.kind === 'term') ts.push(e.term);
  else if (e.kind === 'assign' || e.kind === 'unify') ts.push(e.lhs, e.rhs);
  else if (e.kind === 'somein') ts.push(...(e.key ? [e.key] : []), e.value, e.coll);
  else if (e.kind === 'every') ts.push(e.coll, ...e.body.flatMap(literalTermsOf));
  return ts;
}

/**
 * `x := <term of known type>` where that is the only way the rule binds `x` (no other `:=`,
 * `=`, `some`, `every`, function argument or pattern of that name anywhere in the rule): x has
 * that type wherever the rule mentions it, whatever the scope, since nothing else can bind it.
 */
function varTypes(r: Rule, sc: Scope): VarTypes {
  // a source is the right-hand side of `x := rhs`, or the pattern `x` sits in (`[x, y] := rhs`)
  const decls = new Map<string, (Term | { pattern: Term; rhs: Term })[]>();
  const other = new Set<string>();
  const bindAll = (t: Term): void => walkTerm(t, { term: (x) => void (x.kind === 'var' && other.add(x.name)) });
  // a ref's head is read, never bound: `x[_] = null` may bind the `_`, not x
  const bindOperand = (t: Term): void => {
    const heads = new Set<Term>();
    walkTerm(t, { term: (x) => void (x.kind === 'ref' && heads.add(x.head)) });
    walkTerm(t, { term: (x) => void (x.kind === 'var' && !heads.has(x) && other.add(x.name)) });
  };
  r.args?.forEach(bindAll);
  // names declared anywhere in the rule other than by unification (see unifiedTypes)
  const declared = ruleDeclaredNames(r);
  // `x = y` in the rule's body after `y := …` there: the side y is read, not bound
  // (and `x = <term>` after `x := …` only compares: a declared variable cannot be bound again)
  const readsDeclared = new Map<object, Set<Term>>();
  const declaredAbove = new Set<string>();
  const topExprs = new Set<object>(r.body.map((l) => l.expr));
  for (const l of r.body) {
    const e = l.expr;
    if (e.kind === 'unify' && l.with.length === 0 && !l.negated) {
      const read = new Set([e.lhs, e.rhs].filter((x) => x.kind === 'var' && declaredAbove.has(x.name)));
      if (read.size > 0) readsDeclared.set(e, read);
    }
    if (e.kind === 'assign' && e.lhs.kind === 'var') declaredAbove.add(e.lhs.name);
  }
  walkRule(r, {
    expr: (e) => {
      if (e.kind === 'assign' && e.lhs.kind === 'var') decls.set(e.lhs.name, [...(decls.get(e.lhs.name) ?? []), e.rhs]);
      else if (e.kind === 'assign' && (e.lhs.kind === 'array' || e.lhs.kind === 'object')) {
        // `[a, b] := rhs` declares a and b, each typed by its place in rhs's type (OPA's unify1)
        const rhs = e.rhs;
        for (const name of patternNames(e.lhs)) decls.set(name, [...(decls.get(name) ?? []), { pattern: e.lhs, rhs }]);
      } else if (e.kind === 'assign') bindAll(e.lhs);
      else if (e.kind === 'unify') {
        // `x = y` after `y := …` in the rule's body only reads y (it is bound by then), as does
        // a `=` in a comprehension or `every` body of the rule (bound before the closure runs)
        const reads = readsDeclared.get(e);
        const nested = !topExprs.has(e);
        const read = (x: Term): boolean => reads?.has(x) === true || (nested && x.kind === 'var' && declaredAbove.has(x.name));
        if (!read(e.lhs)) bindOperand(e.lhs);
        if (!read(e.rhs)) bindOperand(e.rhs);
      }
      else if (e.kind === 'some') e.vars.forEach(bindAll);
      else if (e.kind === 'somein' || e.kind === 'every') {
        if (e.key) bindAll(e.key);
        bindAll(e.value);
      }
    },
  });
  // `x = <term>` types x as well, but only where nothing else can bind x: its one mention besides
  // that is as the head of refs (`x[0]`, `x.a`) or as an input operand of a typed builtin
  const mentions = new Map<string, number>();
  const bump = (name: string, by: number): void => void mentions.set(name, (mentions.get(name) ?? 0) + by);
  walkRule(r, {
    term: (x) => {
      if (x.kind === 'var') bump(x.name, 1);
      else if (x.kind === 'ref' && x.head.kind === 'var') bump(x.head.name, -1);
      else if (x.kind === 'call' && isBuiltinCall(x, sc)) {
        // an input operand of a typed builtin only reads the variable (an output operand binds it)
        const n = DECLS[x.fn.join('.')]?.args.length;
        if (n !== undefined && (x.args.length === n || x.args.length === n + 1)) for (const a of x.args.slice(0, n)) if (a.kind === 'var') bump(a.name, -1);
      }
    },
  });
  // the head (its ref keys, `contains` member and values) only reads what the body binds, so
  // `p = x if x = data.a.b` types x, and the rule through it (OPA's checkRule reads the head's
  // types from the checked body)
  const reads = (t: Term | undefined): void => void (t !== undefined && walkTerm(t, { term: (x) => void (x.kind === 'var' && bump(x.name, -1)) }));
  r.ref.slice(1).forEach(reads);
  reads(r.contains);
  ruleValues(r).forEach(reads);
  const unified = new Map<string, Term>();
  const outputs = new Set<string>();
  typedByOutput.set(sc, outputs);
  walkRule(r, {
    expr: (e) => {
      // a builtin call with its output written out (`plus(1, 2, x)`) types x with the result,
      // as OPA's checkExprBuiltin unifies the last operand with the declared result
      if (e.kind === 'term' && e.term.kind === 'call' && isBuiltinCall(e.term, sc)) {
        const n = DECLS[e.term.fn.join('.')]?.args.length;
        const out = e.term.args[e.term.args.length - 1];
        if (n === undefined || e.term.args.length !== n + 1 || out?.kind !== 'var' || out.name === '_' || out.name.startsWith('$')) return;
        if (out.name === 'input' || out.name === 'data' || (sc.mod.rules.has(out.name) && !sc.bound.has(out.name))) return;
        if (mentions.get(out.name) === 1 && !decls.has(out.name)) {
          unified.set(out.name, { ...e.term, args: e.term.args.slice(0, n) });
          outputs.add(out.name);
        }
        return;
      }
      if (e.kind !== 'unify') return;
      for (const [v, term] of [[e.lhs, e.rhs], [e.rhs, e.lhs]] as const) {
        // another variable gives its own type, once typed (`y := 1; x = y`: OPA's unify2 puts
        // y's type on the untyped x), as does the document `input` (`p = x if input = x`)
        if (v.kind !== 'var' || (term.kind === 'var' && (term.name === '_' || term.name === v.name || (term.name === 'input' && sc.bound.has('input')))) || v.name === '_' || v.name.startsWith('$')) continue;
        if (v.name === 'input' || v.name === 'data' || (sc.mod.rules.has(v.name) && !sc.bound.has(v.name))) continue;
        if (mentions.get(v.name) === 1 && !decls.has(v.name)) unified.set(v.name, term);
      }
    },
  });
  for (const [name, term] of unified) decls.set(name, [term]);
  // a comprehension's scope starts from the enclosing one's and types only its own names
  const own = (name: string): boolean => sc.only === undefined || sc.only.has(name);
  const out = new Map<string, Ty>(sc.vars);
  for (const [name, rhs] of decls) {
    if (rhs.length !== 1 || (other.has(name) && !unified.has(name)) || !own(name)) continue;
    // typed in declaration order; a variable declared from a later one is unknown here
    const src = rhs[0]!;
    const ty = 'pattern' in src ? (destructure(src.pattern, typeOf(src.rhs, { ...sc, vars: out })).get(name) ?? ANY) : typeOf(src, { ...sc, vars: out });
    if (ty.k !== 'any') out.set(name, ty);
  }
  for (const [name, ty] of keyAndMemberTypes(r, { ...sc, vars: out }, mentions)) if (!decls.has(name) && !unified.has(name) && own(name)) out.set(name, ty);
  for (const [name, ty] of unifiedTypes(r, { ...sc, vars: out }, declared)) if (!out.has(name) && own(name)) out.set(name, ty);
  // a comprehension's type depends on the enclosing variables its body reads, which the passes
  // above may have typed after it (`x = 1; y := [i | x = i]`): typed again with them
  for (const [name, rhs] of decls) {
    const src = rhs[0]!;
    if (rhs.length !== 1 || (other.has(name) && !unified.has(name)) || !own(name) || 'pattern' in src || !(hasComprehension(src) || unified.has(name))) continue;
    const ty = typeOf(src, { ...sc, vars: out });
    if (ty.k !== 'any') out.set(name, ty);
  }
  return out;
}

function hasComprehension(t: Term): boolean {
  let found = false;
  walkTerm(t, { term: (x) => void (isComprehension(x) && (found = true)) });
  return found;
}

/**
 * Visits a term and its subterms outside its closures, each before its own (comprehensions and
 * template strings close over the body: not entered).
 */
function eachOpenTerm(t: Term, visit: (x: Term) => void): void {
  visit(t);
  switch (t.kind) {
    case 'ref':
      eachOpenTerm(t.head, visit);
      t.path.forEach((x) => eachOpenTerm(x, visit));
      break;
    case 'array':
    case 'set':
      t.items.forEach((x) => eachOpenTerm(x, visit));
      break;
    case 'object':
      t.entries.forEach(([k, v]) => (eachOpenTerm(k, visit), eachOpenTerm(v, visit)));
      break;
    case 'call':
      t.args.forEach((x) => eachOpenTerm(x, visit));
      break;
    default:
      break;
  }
}

/** The refs of a term outside its closures, enclosing ones first (a ref in a ref's key after it). */
function openRefs(t: Term): Extract<Term, { kind: 'ref' }>[] {
  const out: Extract<Term, { kind: 'ref' }>[] = [];
  eachOpenTerm(t, (x) => void (x.kind === 'ref' && out.push(x)));
  return out;
}

/** The variables a term mentions outside its closures. */
function openVars(t: Term): string[] {
  const out: string[] = [];
  eachOpenTerm(t, (x) => void (x.kind === 'var' && out.push(x.name)));
  return out;
}

/**
 * Variables bound only by unification (`y = 1; x = y`, `[x, 1] = [true, y]`, `y = [[2], 1];
 * [[x], 1] = y`), typed as OPA's checker types them: it checks the body's literals in the
 * order of the safety check, and the first literal that binds a variable gives it its type
 * for the rest of the body (check.go unify1 puts a type only on an untyped variable; unify2
 * gives the untyped side the typed side's type, and pairs two array literals member by
 * member). A variable bound first in any other way (iteration, a ref's key, a call's output
 * other than a builtin's written-out result, a `not`, a `with`) is taken as bound with an
 * unknown type, so a later unification does not type it: that may miss an error OPA reports,
 * never report one it does not. Not typed here at all: names `excluded` (declared with `:=`,
 * `some`, `every` or as arguments anywhere in the rule, where one name may be several
 * variables) and names an `else` body mentions (the rule's types are one map for all bodies).
 */
function unifiedTypes(r: Rule, sc: Scope, excluded: ReadonlySet<string>): Map<string, Ty> {
  const seq = new Map<string, Ty>();
  const isLocal = (v: string): boolean => sc.bound.has(v) || !(sc.mod.rules.has(v) || sc.mod.imports.has(v) || v === 'input' || v === 'data');
  const wildcard = (v: string): boolean => v === '_' || v.startsWith('$');
  r.args?.forEach((a) => openVars(a).forEach((v) => seq.set(v, ANY)));
  // in a comprehension, what the enclosing body mentions is bound before the comprehension runs
  sc.outer?.forEach((v) => seq.set(v, ANY));
  // the rule's types with what the pass has typed so far, rebuilt only after a change
  let cached: VarTypes | undefined;
  let size = -1;
  const vars = (): VarTypes => {
    if (cached !== undefined && size === seq.size) return cached;
    const m = new Map(sc.vars);
    for (const [k, v] of seq) if (v.k !== 'any' && !m.has(k)) m.set(k, v);
    size = seq.size;
    return (cached = m);
  };
  const typeIn = (t: Term): Ty => typeOf(t, { ...sc, vars: vars() });
  // a ref is never untyped: its key variables are bound by the ref checker before the
  // unification (checkRefLeaf), so `x = a[_].b` types x; only plain variables and literals
  // of them can be untyped (types.Nil)
  const unbound = (t: Term): boolean =>
    t.kind === 'var' ? isLocal(t.name) && (wildcard(t.name) || !seq.has(t.name))
      : t.kind === 'array' || t.kind === 'set' ? t.items.some(unbound)
        : t.kind === 'object' ? t.entries.some(([k, v]) => unbound(k) || unbound(v)) : false;
  const bindAny = (t: Term): void => openVars(t).forEach((v) => isLocal(v) && !wildcard(v) && !seq.has(v) && seq.set(v, ANY));
  const bind = (pattern: Term, ty: Ty): void => {
    if (ty.k === 'union' && pattern.kind !== 'var') {
      // a pattern against several types: each variable takes the union of what the members
      // that fit give it (unify1 on types.Any with union = true)
      const before = new Set(seq.keys());
      const got = new Map<string, Ty[]>();
      for (const m of ty.of) {
        bind(pattern, m);
        for (const [k, v] of seq) if (!before.has(k)) (got.set(k, [...(got.get(k) ?? []), v]), seq.delete(k));
      }
      for (const [k, tys] of got) seq.set(k, unionOf(tys));
      bindAny(pattern);
      return;
    }
    if (pattern.kind === 'var') {
      if (isLocal(pattern.name) && !wildcard(pattern.name) && !seq.has(pattern.name)) seq.set(pattern.name, ty);
    } else if (pattern.kind === 'array' && ty.k === 'array' && (ty.items === undefined || ty.items.length === pattern.items.length)) {
      pattern.items.forEach((x, i) => bind(x, ty.items?.[i] ?? ty.of));
    } else if (pattern.kind === 'object' && ty.k === 'object' && ty.props !== undefined && !ty.open && pattern.entries.every(([k]) => k.kind === 'string')) {
      for (const [k, v] of pattern.entries) bind(v, ty.props[(k as { value: string }).value] ?? ANY);
    } else bindAny(pattern);
  };
  const unify = (a: Term, b: Term): void => {
    const na = unbound(a);
    const nb = unbound(b);
    if (na && !nb) bind(a, typeIn(b));
    else if (nb && !na) bind(b, typeIn(a));
    else if (na && nb && a.kind === 'array' && b.kind === 'array' && a.items.length === b.items.length) a.items.forEach((x, i) => unify(x, b.items[i]!));
    else if (na && nb && a.kind === 'object' && b.kind === 'object' && sameConstantKeys(a, b)) {
      // two object literals of the same constant keys: value by value (unify2Object)
      for (const [k, v] of a.entries) unify(v, b.entries.find(([bk]) => bk.kind === 'string' && bk.value === (k as { value: string }).value)![1]);
    }
    // what else either side mentions (a ref's keys) is bound now, of a type not known here
    bindAny(a);
    bindAny(b);
  };
  const sameConstantKeys = (a: Extract<Term, { kind: 'object' }>, b: Extract<Term, { kind: 'object' }>): boolean => {
    const keys = (o: typeof a): string[] | undefined => (o.entries.every(([k]) => k.kind === 'string') ? o.entries.map(([k]) => (k as { value: string }).value).sort() : undefined);
    const ka = keys(a);
    const kb = keys(b);
    return ka !== undefined && kb !== undefined && ka.length === kb.length && ka.every((k, i) => k === kb[i]);
  };
  // OPA's refChecker visits an expression's refs before checkExpr checks it: an untyped key
  // variable takes the type of the keys of what it selects in (checkRefLeaf: PutOne(Keys)), a
  // composite key is unified with them (`s[[x, y]]` of a set of pairs types x and y); refs in
  // closures are the closures' own (the refChecker does not descend into comprehensions)
  const bindKeys = (t: Term): void => {
    for (const ref of openRefs(t)) {
      if (ref.head.kind !== 'var') continue;
      ref.path.forEach((k, i) => {
        if (!(k.kind === 'var' || k.kind === 'array' || k.kind === 'object') || !unbound(k)) return;
        bind(k, keysOf(typeIn(i === 0 ? ref.head : { ...ref, path: ref.path.slice(0, i) })));
      });
    }
  };
  for (const { lit, nestedOnly } of safetyOrder(r, sc)) {
    if (nestedOnly) continue;
    const e = lit.expr;
    if (!lit.negated && lit.with.length === 0 && (e.kind === 'unify' || e.kind === 'assign' || e.kind === 'term')) {
      if (e.kind === 'term') bindKeys(e.term);
      else (bindKeys(e.lhs), bindKeys(e.rhs));
    }
    if (lit.negated || lit.with.length > 0) literalTermsOf(lit).forEach(bindAny);
    else if (e.kind === 'unify') unify(e.lhs, e.rhs);
    else if (e.kind === 'assign') bind(e.lhs, e.lhs.kind === 'var' ? (sc.vars.get(e.lhs.name) ?? typeIn(e.rhs)) : typeIn(e.rhs));
    else if (e.kind === 'term' && e.term.kind === 'call' && isBuiltinCall(e.term, sc)) {
      // a builtin's written-out output takes the declared result (checkExprBuiltin)
      const n = DECLS[e.term.fn.join('.')]?.args.length;
      const out = e.term.args[e.term.args.length - 1];
      if (n !== undefined && e.term.args.length === n + 1 && out?.kind === 'var' && !e.term.args.slice(0, n).some(unbound)) bind(out, DECLS[e.term.fn.join('.')]!.result);
      bindAny(e.term);
    } else if (e.kind !== 'some') literalTermsOf(lit).forEach(bindAny);
  }
  const inElses = new Set<string>();
  for (const el of r.elses) {
    el.body.forEach((l) => literalTermsOf(l).forEach((t) => walkTerm(t, { term: (x) => void (x.kind === 'var' && inElses.add(x.name)) })));
    if (el.value !== undefined) walkTerm(el.value, { term: (x) => void (x.kind === 'var' && inElses.add(x.name)) });
  }
  const out = new Map<string, Ty>();
  for (const [name, ty] of seq) if (ty.k !== 'any' && !excluded.has(name) && !inElses.has(name)) out.set(name, ty);
  return out;
}

/** The variables a `:=` pattern declares (`[a, {"k": b}]`: a and b; `_` declares nothing). */
function patternNames(t: Term): string[] {
  if (t.kind === 'var') return t.name === '_' || t.name.startsWith('$') ? [] : [t.name];
  if (t.kind === 'array') return t.items.flatMap(patternNames);
  if (t.kind === 'object') return t.entries.flatMap(([, v]) => patternNames(v));
  return [];
}

/**
 * The types a pattern's variables take from the value's type, as OPA's checker unifies a pattern
 * with a typed term (check.go unify1): an array pattern takes a literal's members one by one
 * (the lengths must agree) or the member type of a dynamic array, an object pattern the types of
 * the constant keys it names. What is not known stays unknown.
 *
 * @example
 *   destructure([a, b], array<number, string>) // a: number, b: string
 */
function destructure(pattern: Term, ty: Ty, out = new Map<string, Ty>()): Map<string, Ty> {
  if (pattern.kind === 'var') {
    if (ty.k !== 'any') out.set(pattern.name, ty);
  } else if (pattern.kind === 'array' && ty.k === 'array') {
    if (ty.items === undefined) pattern.items.forEach((x) => destructure(x, ty.of, out));
    else if (ty.items.length === pattern.items.length) pattern.items.forEach((x, i) => destructure(x, ty.items![i]!, out));
  } else if (pattern.kind === 'object' && ty.k === 'object' && ty.props !== undefined) {
    for (const [k, v] of pattern.entries) {
      const prop = k.kind === 'string' ? ty.props[k.value] : undefined;
      if (prop !== undefined) destructure(v, prop, out);
    }
  }
  return out;
}

/** The type of a collection's keys (OPA's types.Keys): an array's are numbers, a set's its members, a closed object's strings. */
function keysOf(t: Ty): Ty {
  if (t.k === 'array') return N;
  if (t.k === 'set') return t.of;
  if (t.k === 'object' && t.props !== undefined && !t.open) return S;
  // an object of dynamic keys only (a partial object rule): its key type
  if (t.k === 'object' && t.props === undefined && t.dyn !== undefined) return t.dyn.key;
  // a level of data above rules (getRefRecExtent: its children's names and any other string)
  if (t.k === 'object' && t.dyn !== undefined) return unionOf([S, t.dyn.key]);
  // a union: the keys of its members that have keys (types.Keys of an Any: Or over the members, nil for scalars)
  if (t.k === 'union') {
    const keyed = t.of.filter((m) => !isScalar(m));
    return keyed.length === 0 ? ANY : unionOf(keyed.map(keysOf));
  }
  return ANY;
}

/** The type of a collection's values (OPA's types.Values). */
function valuesOf(t: Ty): Ty {
  if (t.k === 'array' || t.k === 'set') return t.of;
  if (t.k === 'object' && t.props !== undefined && !t.open) return unionOf(Object.values(t.props));
  if (t.k === 'object' && t.props === undefined && t.dyn !== undefined) return t.dyn.value;
  return ANY;
}

/**
 * Variables bound only as the key of a ref into a collection of known type (`xs[i]`), or by
 * `some k, v in xs`: OPA's refChecker gives an untyped key variable the collection's key type
 * (checkRefLeaf: PutOne(v, types.Keys(tpe))), and `some k, v in xs` is rewritten to `xs[k] = v`,
 * whose v takes the type of the values. Typed here only when that one place is the only one
 * that can bind the name — its other mentions (see varTypes' `mentions`) are ref heads and
 * typed builtin operands, which only read it, and at most one `some k` declaring it — so the
 * order OPA checks the literals in cannot matter.
 */
function keyAndMemberTypes(r: Rule, sc: Scope, mentions: ReadonlyMap<string, number>): Map<string, Ty> {
  const found = new Map<string, Ty[]>();
  const declared = new Map<string, number>();
  const note = (t: Term | undefined, ty: Ty): void => {
    if (t?.kind !== 'var' || t.name === '_' || t.name.startsWith('$')) return;
    found.set(t.name, [...(found.get(t.name) ?? []), ty]);
  };
  walkRule(r, {
    expr: (e) => {
      if (e.kind === 'some') for (const v of e.vars) if (v.kind === 'var') declared.set(v.name, (declared.get(v.name) ?? 0) + 1);
      if (e.kind !== 'somein') return;
      const coll = typeOf(e.coll, sc);
      if (e.key !== undefined) note(e.key, keysOf(coll));
      note(e.value, valuesOf(coll));
    },
    term: (t) => {
      if (t.kind !== 'ref') return;
      t.path.forEach((p, i) => {
        if (p.kind !== 'var') return;
        const base = i === 0 ? typeOf(t.head, sc) : typeOf({ ...t, path: t.path.slice(0, i) }, sc);
        note(p, keysOf(base));
      });
    },
  });
  const out = new Map<string, Ty>();
  for (const [name, tys] of found) {
    if (tys.length !== 1 || tys[0]!.k === 'any' || (declared.get(name) ?? 0) > 1) continue;
    // a rule or import of that name, not declared locally, is read, not bound
    if (name === 'input' || name === 'data' || ((sc.mod.rules.has(name) || sc.mod.imports.has(name)) && !sc.bound.has(name))) continue;
    if (mentions.get(name) !== 1 + (declared.get(name) ?? 0)) continue;
    out.set(name, tys[0]!);
  }
  return out;
}

/** The text of a call as written (for "print(1) used as value"): from its start to its closing parenthesis. */
function callText(t: Term): string {
  const line = sourceText.get(t.span.file)?.split('\n')[t.span.line - 1];
  if (line === undefined) return 'call';
  let depth = 0;
  for (let i = t.span.col - 1; i < line.length; i++) {
    if (line[i] === '(') depth++;
    else if (line[i] === ')' && --depth === 0) return line.slice(t.span.col - 1, i + 1);
  }
  return line.slice(t.span.col - 1);
}

/** `voids`: builtins declared without a result besides print (capabilities), refused as values too. */
export function checkTypes(mods: Module[], errors: RegoError[], schemas?: SchemaSet, voids: ReadonlySet<string> = new Set()): void {
  const env = new RuleTypes();
  const global = schemas?.input === undefined ? ANY : schemaType(schemas.input);
  const scopesOf = new Map<Module, ModuleScope>();
  const chains = annotationChains(mods);
  for (const m of mods) {
    const imports = new Map<string, string[]>();
    for (const i of m.imports) {
      const p = i.path;
      if (p.kind !== 'ref' || p.head.kind !== 'var' || p.head.name !== 'data' || !p.path.every((x) => x.kind === 'string')) continue;
      const names = p.path.map((x) => (x as { value: string }).value);
      const alias = i.alias ?? names[names.length - 1];
      if (alias !== undefined) imports.set(alias, names);
    }
    const ms: ModuleScope = { pkg: m.package, input: global, schemas, chains, errors, rules: new Set(m.rules.map((r) => (r.ref[0] as { value: string }).value)), imports, env };
    scopesOf.set(m, ms);
    for (const r of m.rules) env.add(groundPath(m.package, r), r, ms);
  }
  for (const m of mods) for (const r of m.rules) checkRule(r, scopeOf(r, scopesOf.get(m)!), errors, voids);
}

function checkRule(r: Rule, sc: Scope, errors: RegoError[], voids: ReadonlySet<string> = new Set()): void {
  // calls that stand alone as an expression are statements, not values
  const statements = new Set<Term>();
  const bodies: Literal[][] = [r.body, ...r.elses.map((e) => e.body)];
  // a `with` target names the document or function it replaces, never a local (OPA's
  // rewriteLocalVars leaves targets alone, and checkExprWith types only function targets):
  // `with input.foo as a` after a v0 `input := 2` is not a ref into the number 2
  const targets = new Set<Term>();
  // a comprehension's head and body are checked in its own scope (closureScopeOf)
  const inner = closureScopesIn(r, sc);
  const outer = sc;
  const { nodes: everyNodes, declared: everyDeclared } = everyBodyNodes(r);
  // the names mentioned outside `every` bodies: one mentioned only inside is the body's own
  const namesOutside = new Set<string>();
  walkRule(r, { term: (x) => void (x.kind === 'var' && !everyNodes.has(x) && namesOutside.add(x.name)) });
  walkRule(r, {
    literal: (l) =>
      l.with.forEach((w) => {
        targets.add(w.target);
        if (!everyNodes.has(l)) checkWithFunction(w, inner.get(l) ?? outer, errors);
      }),
    expr: (e) => {
      const sc = inner.get(e) ?? outer;
      if (e.kind === 'term' && e.term.kind === 'call') statements.add(e.term);
      if (e.kind === 'every') bodies.push(e.body);
      if (everyNodes.has(e)) return;
      // OPA's RewriteEquals stage turns an expression `a == b` into `a = b` before CheckTypes,
      // so a comparison of terms of known, different types is a match error too
      // (`count(xs) == "0"`, `input.x == 42` where a schema makes input.x a boolean)
      const operands: [Term, Term] | undefined = e.kind === 'unify' ? [e.lhs, e.rhs] : e.kind === 'term' ? equalOperands(e.term, sc) : undefined;
      if (operands === undefined) return;
      const a = typeOf(operands[0], sc);
      const b = typeOf(operands[1], sc);
      if (!fits(a, b) && !fits(b, a)) errors.push(createCompileError('REGO_ERR_TYPE', `match error\n\tleft  : ${show(a)}\n\tright : ${show(b)}`, e.span));
    },
    term: (t) => {
      const sc = inner.get(t) ?? outer;
      if (t.kind === 'ref') {
        // in an `every` body only refs into what the enclosing body binds are checked
        if (everyNodes.has(t) && t.head.kind === 'var' && everyDeclared.has(t.head.name)) return;
        if (everyNodes.has(t) && t.head.kind === 'var' && isLocalName(t.head.name, sc) && !namesOutside.has(t.head.name)) return;
        return targets.has(t) ? undefined : checkRef(t, sc, errors);
      }
      if (t.kind !== 'call') return;
      // OPA's checkVoidCalls: a function without a result (print, a capabilities builtin declared so)
      const isVoid = t.fn.length === 1 && t.fn[0] === 'print' ? !sc.mod.rules.has('print') : voids.has(t.fn.join('.')) && isBuiltinCall(t, sc);
      if (isVoid && !statements.has(t)) {
        errors.push(createCompileError('REGO_ERR_VOID_CALL', `${callText(t)} used as value`, t.span));
        return;
      }
      if (everyNodes.has(t)) return;
      if (!isBuiltinCall(t, sc)) return checkFunctionCall(t, sc, !statements.has(t), errors);
      const name = t.fn.join('.');
      const decl = DECLS[name];
      if (decl === undefined) return;
      // OPA's checker sees a call with its output as the last operand: written out
      // (`plus(1, 2, x)`), or the fresh local rewriteExprTerms gives a call used as a value
      // (`x := count(1)`, `count(1) > 0`); the result's type is then the last wanted type
      const explicit = statements.has(t) && t.args.length === decl.args.length + 1;
      if (t.args.length !== decl.args.length && !explicit) return; // arity errors are reported elsewhere
      const valued = !explicit && !statements.has(t);
      const params: Param[] = [...decl.args, [decl.result]];
      if (t.args.every((a, i) => params[i]!.some((w) => termFits(a, w, sc)))) return;
      // the wanted signature always ends with the result, named as OPA declares it
      // (checkExprBuiltin appends NamedResult to NamedFuncArgs whatever the call's operands)
      errors.push(createCompileError('REGO_ERR_TYPE', `${name}: invalid argument(s)\n\thave: (${haveTypes(t.args, explicit, valued, sc).join(', ')})\n\twant: ${wantText(name, decl.args, decl.result)}`, t.span));
    },
  });
}

/**
 * The terms, expressions and literals of a rule's `every` bodies (outside comprehensions in them),
 * and the names those bodies declare. OPA's checker does not check an `every` body: CheckBody
 * checks the expressions of the body it is given, an `every` is one expression that is no call,
 * checkClosures descends into it only to check the comprehensions there, and the refChecker
 * visits its refs in the enclosing environment, where the body's own variables have no type.
 */
function everyBodyNodes(r: Rule): { nodes: Set<object>; declared: Set<string> } {
  const nodes = new Set<object>();
  const declared = new Set<string>();
  const declare = (t: Term): void => walkTerm(t, { term: (x) => void (x.kind === 'var' && declared.add(x.name)) });
  const add = (x: object): void => void nodes.add(x);
  // pre-order: an `every` marks its body, a comprehension in it unmarks its own, an `every` in that marks again
  walkRule(r, {
    expr: (e) => {
      if (e.kind !== 'every') return;
      if (e.key) declare(e.key);
      declare(e.value);
      walkBody(e.body, { term: add, expr: add, literal: add });
      walkBody(e.body, {
        expr: (x) => {
          if (x.kind === 'assign') declare(x.lhs);
          else if (x.kind === 'some') x.vars.forEach(declare);
          else if (x.kind === 'somein') (x.key && declare(x.key), declare(x.value));
        },
      });
    },
    term: (t) => {
      if (!isComprehension(t) || !nodes.has(t)) return;
      const drop = (x: object): void => void (x !== t && nodes.delete(x));
      walkTerm(t, { term: drop, expr: drop, literal: drop });
    },
  });
  return { nodes, declared };
}

/** A name that stands for a variable of the rule, not for a rule, an import, `input` or `data`. */
function isLocalName(name: string, sc: Scope): boolean {
  return sc.bound.has(name) || !(sc.mod.rules.has(name) || sc.mod.imports.has(name) || name === 'input' || name === 'data');
}

/** The operands of an expression that is the builtin `==` with two of them (see RewriteEquals above). */
function equalOperands(t: Term, sc: Scope): [Term, Term] | undefined {
  if (t.kind !== 'call' || t.fn.length !== 1 || t.fn[0] !== 'equal' || t.args.length !== 2 || !isBuiltinCall(t, sc)) return undefined;
  return [t.args[0]!, t.args[1]!];
}

/**
 * `with f as g` where both are functions (OPA's checkExprWith): g must take as many arguments as
 * f, each of a type that unifies with f's (`unifies` on function types compares arguments only,
 * so `count` may be replaced by `object.union_n`, `http.send` not by `net.lookup_ip_addr`). OPA
 * reports both as "arity mismatch", listing g's argument types and f's. A function whose types
 * are not known here (a builtin without a signature in DECLS) is not checked; an argument of a
 * rule's function the body does not type is any, which unifies with everything.
 */
function checkWithFunction(w: With, sc: Scope, errors: RegoError[]): void {
  const target = functionArgs(w.target, sc);
  const value = target === undefined ? undefined : functionArgs(w.value, sc);
  if (target === undefined || value === undefined) return;
  if (target.args.length === value.args.length && target.args.every((p, i) => p.some((a) => value.args[i]!.some((b) => fits(a, b) || fits(b, a))))) return;
  // have: the replacement's plain argument types; want: the target's named ones (NamedFuncArgs)
  errors.push(createCompileError('REGO_ERR_ARITY', `${target.name}: arity mismatch\n\thave: (${value.args.map(showParam).join(', ')})\n\twant: ${wantText(target.name, target.args)}`, w.span));
}

/** The name and argument types of the function a `with` target or value names, if it names one whose types are known. */
function functionArgs(t: Term, sc: Scope): { name: string; args: Param[] } | undefined {
  const names: string[] = [];
  if (t.kind === 'var') names.push(t.name);
  else if (t.kind === 'ref' && t.head.kind === 'var' && t.path.every((k) => k.kind === 'string')) names.push(t.head.name, ...t.path.map((k) => (k as { value: string }).value));
  else return undefined;
  const call = { kind: 'call', fn: names, args: [], span: t.span, fnSpan: t.span } as Extract<Term, { kind: 'call' }>;
  if (isBuiltinCall(call, sc)) {
    const decl = DECLS[names.join('.')];
    return decl === undefined ? undefined : { name: names.join('.'), args: decl.args };
  }
  const path = dataPath(names[0]!, names.slice(1).map((value) => ({ kind: 'string', value, span: t.span }) as Term), sc);
  if (path === undefined || !sc.mod.env.isFunction(path)) return undefined;
  const arity = sc.mod.env.arityAt(path);
  if (arity === undefined) return undefined;
  const inferred = sc.mod.env.argsAt(path);
  return { name: `data.${path.join('.')}`, args: Array.from({ length: arity }, (_, i) => [inferred?.[i] ?? ANY]) };
}

/**
 * The operand types OPA's ArgErrDetail lists: an output variable the checker has not typed yet
 * prints as `???` (types.Sprint of nil) — a written-out one that no `:=` typed, and the fresh
 * local of a call used as a value.
 */
function haveTypes(args: Term[], explicit: boolean, valued: boolean, sc: Scope): string[] {
  // an output the checker has not typed yet is ??? (OPA stops at the first operand that does not
  // fit, before it unifies the output), also when only this call types it (varTypes)
  const untyped = (name: string): boolean => !sc.vars.has(name) || typedByOutput.get(sc)?.has(name) === true;
  const out = args.map((a, i) => (explicit && i === args.length - 1 && a.kind === 'var' && untyped(a.name) ? '???' : show(typeOf(a, sc))));
  if (valued) out.push('???');
  return out;
}

/**
 * Does operand `t` fit the wanted type `want`? As OPA's unify1: a set or array literal is
 * checked member by member (`sum({1, "3"})` fails although the set's member type, any<number,
 * string>, has a number in it), a union wanted type takes the operand if any of its members
 * does; any other operand by its type.
 */
function termFits(t: Term, want: Ty, sc: Scope): boolean {
  if (want.k === 'any') return true;
  if (want.k === 'union') return want.of.some((w) => termFits(t, w, sc));
  if (t.kind === 'set' && want.k === 'set') return t.items.every((i) => termFits(i, want.of, sc));
  if (t.kind === 'array' && want.k === 'array') {
    if (want.items !== undefined) return want.items.length === t.items.length && t.items.every((i, n) => termFits(i, want.items![n]!, sc));
    return t.items.every((i) => termFits(i, want.of, sc));
  }
  return fits(typeOf(t, sc), want);
}

/**
 * A call of a user function whose argument types are inferred (RuleTypes.argsAt): an operand of
 * known type that fits none is OPA's "invalid argument(s)" (checkExprBuiltin, which checks
 * calls of rules' functions as it checks builtins). The detail lists the result as the last
 * wanted type, as OPA's rewritten call `f(x, __local0__)` shows it.
 */
function checkFunctionCall(t: Extract<Term, { kind: 'call' }>, sc: Scope, valued: boolean, errors: RegoError[]): void {
  const path = dataPath(t.fn[0]!, t.fn.slice(1).map((value) => ({ kind: 'string', value, span: t.span }) as Term), sc);
  if (path === undefined || !sc.mod.env.has(path)) return;
  if (t.args.length === 0 && !sc.mod.env.isFunction(path)) return checkZeroArgCall(t, path, sc, errors);
  const want = sc.mod.env.argsAt(path);
  if (want === undefined) return;
  // an output written out is an operand only in a call that is a statement; in a call used as
  // a value it is one argument too many (reported elsewhere)
  const explicit = !valued && t.args.length === want.length + 1;
  if (want.length !== t.args.length && !explicit) return;
  const result = sc.mod.env.typeAt(path);
  const wanted = [...want, result];
  if (t.args.every((a, i) => termFits(a, wanted[i]!, sc))) return;
  errors.push(createCompileError('REGO_ERR_TYPE', `data.${path.join('.')}: invalid argument(s)\n\thave: (${haveTypes(t.args, explicit, valued && !explicit, sc).join(', ')})\n\twant: (${wanted.map(show).join(', ')})`, t.span));
}

/**
 * `r()` of a complete rule r: OPA's checkExprBuiltin takes the rule's type as the function's
 * and accepts it only when that is any or a union (types.Any) — the type of a rule with values
 * of several types, or one it cannot infer; a rule whose type it knows exactly (`r := 1`,
 * `r if …`) is no function: "undefined function data.p.r".
 */
function checkZeroArgCall(t: Extract<Term, { kind: 'call' }>, path: string[], sc: Scope, errors: RegoError[]): void {
  const ty = sc.mod.env.typeAt(path);
  if (ty.k === 'any' || ty.k === 'union') return;
  errors.push(createCompileError('REGO_ERR_TYPE', `undefined function data.${path.join('.')}`, t.span));
}

/**
 * A ref that selects inside a scalar: a variable or rule of type number, string, boolean or null
 * followed by more path (OPA: "undefined ref", its detail the ref, a caret under the part that
 * is a scalar, and that part's type).
 */
function checkRef(t: Extract<Term, { kind: 'ref' }>, sc: Scope, errors: RegoError[]): void {
  if (t.head.kind !== 'var' || t.path.length === 0) return;
  const head = t.head.name;
  if (checkDataLevelKeys(t, sc, errors)) return;
  if (head === 'input' && !sc.bound.has('input')) {
    const w = walkInput(sc.input, t.path);
    if (w.missing !== undefined) reportMissing('input', t.path, w.missing, w, t, errors);
    return;
  }
  // the ref as OPA prints it (rule refs rewritten to full data paths), and where its typed prefix ends
  let headText: string;
  let terms: Term[];
  let start: number;
  let ty: Ty;
  const v = sc.vars.get(head);
  const annotated = v === undefined ? dataSchemaTerms(head, t.path, sc, t) : undefined;
  if (v !== undefined) {
    ty = v;
    headText = head;
    terms = t.path;
    start = 0;
  } else if (annotated !== undefined) {
    ty = sc.data!.ty;
    headText = 'data';
    terms = annotated;
    start = 0;
  } else {
    const path = dataPath(head, t.path, sc);
    if (path === undefined) return;
    const n = rulePrefix(path, sc.mod.env);
    // path holds the ref's leading string keys only; base: how much of it the head stands for
    let strings = 0;
    while (strings < t.path.length && t.path[strings]!.kind === 'string') strings++;
    const base = path.length - strings;
    if (n === undefined || n < base || n - base >= t.path.length) return;
    ty = sc.mod.env.typeAt(path.slice(0, n));
    const taken = n - base;
    const full = path.slice(0, base);
    headText = 'data';
    terms = [...full.map((value) => ({ kind: 'string', value, span: t.span }) as Term), ...t.path];
    start = terms.length - t.path.length + taken;
  }
  const w = walkInput(ty, terms.slice(start), (k) => typeOf(k, sc));
  if (w.missing === undefined) return;
  reportMissing(headText, terms, start + w.missing, w, t, errors, (k) => typeOf(k, sc));
}

/**
 * A key into a level of data above rules (a package, or a prefix of a rule's path), as OPA's
 * refChecker.checkRef walks its tree of rule types: a variable whose type is known must be a
 * string there (it unifies with the keys of getRefRecExtent's object), and at the first two
 * levels below data (`data.a[1]`, `data.a.b[true]`, where a package name must follow) a constant
 * that is not a string is refused outright. Only while the ref stays on such levels: a key that
 * names no child, a ref key, or a rule reached ends the walk (typeOf/walkInput take it from there).
 * true: reported.
 *
 * @example data.a[1] with `package a.b` loaded // undefined ref: data.a[1] … have (type): number, want (one of): ["b"]
 */
function checkDataLevelKeys(t: Extract<Term, { kind: 'ref' }>, sc: Scope, errors: RegoError[]): boolean {
  const head = (t.head as { name: string }).name;
  const env = sc.mod.env;
  let base: string[];
  if (head === 'data' && !sc.bound.has('data')) base = [];
  else if (!sc.bound.has(head) && !sc.mod.rules.has(head) && sc.mod.imports.has(head)) base = sc.mod.imports.get(head)!;
  else return false;
  const terms = [...base.map((value) => ({ kind: 'string', value, span: t.span }) as Term), ...t.path];
  let node: string[] = [];
  if (!env.isLevel(node)) return false;
  for (let i = 0; i < terms.length; i++) {
    const k = terms[i]!;
    if (k.kind === 'string') {
      node = [...node, k.value];
      if (!env.isLevel(node)) return false;
      continue;
    }
    let have: Ty | undefined;
    if (k.kind === 'var') {
      const vt = sc.vars.get(k.name);
      if (vt !== undefined && !fits(vt, S)) have = vt;
    } else if (i < 2 && (k.kind === 'number' || k.kind === 'bool' || k.kind === 'null' || ((k.kind === 'array' || k.kind === 'object' || k.kind === 'set') && isGroundLiteral(k)))) {
      have = typeOf(k, sc);
    } else if (i < 2 && k.kind === 'ref') {
      // OPA refuses any ref key there (its type, even any, is not a string term); only one
      // whose type is known here and cannot be a string is refused here
      const kt = typeOf(k, sc);
      if (!fits(kt, S)) have = kt;
    }
    if (have === undefined) return false;
    const shown = refText('data', terms);
    const pad = ' '.repeat(refText('data', terms.slice(0, i)).length + 1);
    const keys = env.childrenOf(node).sort().map((c) => JSON.stringify(c)).join(' ');
    errors.push(createCompileError('REGO_ERR_TYPE', `undefined ref: ${shown}\n\t${shown}\n\t${pad}^\n\t${pad}have (type): ${show(have)}\n\t${pad}want (one of): [${keys}]`, t.span));
    return true;
  }
  return false;
}

/** A composite literal of constants only (no variables, refs or calls in it). */
function isGroundLiteral(t: Term): boolean {
  if (t.kind === 'string' || t.kind === 'number' || t.kind === 'bool' || t.kind === 'null') return true;
  if (t.kind === 'array' || t.kind === 'set') return t.items.every(isGroundLiteral);
  if (t.kind === 'object') return t.entries.every(([a, b]) => isGroundLiteral(a) && isGroundLiteral(b));
  return false;
}

/** OPA's "undefined ref" with its detail: a caret under the scalar part, or under the key that cannot exist. */
function reportMissing(head: string, terms: Term[], at: number, w: { keys?: string[]; scalar?: Ty; want?: Ty }, t: Term, errors: RegoError[], keyType?: (k: Term) => Ty): void {
  const shown = refText(head, terms);
  const before = refText(head, terms.slice(0, at));
  if (w.scalar !== undefined) {
    errors.push(createCompileError('REGO_ERR_TYPE', `undefined ref: ${shown}\n\t${shown}\n\t${'^'.repeat(before.length)}\n\thave: ${show(w.scalar)}`, t.span));
    return;
  }
  const pad = ' '.repeat(before.length + 1);
  const key = terms[at]!;
  const literal = key.kind === 'string' || key.kind === 'number' || key.kind === 'bool' || key.kind === 'null';
  // a constant key prints as itself (RefErrInvalidDetail without Have), any other by its type
  const have = key.kind === 'string' ? `have: ${JSON.stringify(key.value)}` : literal || keyType === undefined ? `have: ${refText('', [key]).slice(1, -1)}` : `have (type): ${show(keyType(key))}`;
  const want = w.want !== undefined ? `want (type): ${show(w.want)}` : `want (one of): [${(w.keys ?? []).sort().map((k) => JSON.stringify(k)).join(' ')}]`;
  errors.push(createCompileError('REGO_ERR_TYPE', `undefined ref: ${shown}\n\t${shown}\n\t${pad}^\n\t${pad}${have}\n\t${pad}${want}`, t.span));
}

/**
 * The type at `input.<path>`; `missing` is the index of the first key that the type says cannot
 * exist (a key a closed schema object lacks — `keys` lists those it has — or any key of a scalar).
 */
function walkInput(ty: Ty, path: Term[], keyType: (t: Term) => Ty = () => ANY): { ty: Ty; missing?: number; keys?: string[]; scalar?: Ty; want?: Ty } {
  for (let i = 0; i < path.length; i++) {
    const p = path[i]!;
    // a union of scalars has no keys either (OPA: types.Keys of each member is nil)
    if (isScalar(ty) || (ty.k === 'union' && ty.of.every(isScalar))) return { ty: ANY, missing: i, scalar: ty };
    // the scalar members of a union have no keys: the key selects in the others (OPA's
    // types.Keys and types.Select of an Any skip the members without)
    if (ty.k === 'union' && ty.of.some(isScalar)) {
      const rest = ty.of.filter((m) => !isScalar(m));
      ty = rest.length === 1 ? rest[0]! : { k: 'union', of: rest };
    }
    const constant = p.kind === 'string' || p.kind === 'number' || p.kind === 'bool' || p.kind === 'null';
    // a variable or ref key of a known type that no key of the collection can have
    const kt = constant ? ANY : keyType(p);
    if (ty.k === 'union' && ty.of.every((m) => m.k === 'object' && m.props !== undefined && !m.open)) {
      // objects of several shapes (rules with object values of different keys): a key selects
      // in each member that has it (OPA's types.Select of an Any), one none has is undefined
      const members = ty.of as Extract<Ty, { k: 'object' }>[];
      const keys = [...new Set(members.flatMap((m) => Object.keys(m.props!)))];
      if (p.kind === 'string') {
        const found = members.map((m) => m.props![p.value]).filter((x): x is Ty => x !== undefined);
        if (found.length === 0) return { ty: ANY, missing: i, keys };
        ty = unionOf(found);
        continue;
      }
      if (constant || !fits(kt, S)) return { ty: ANY, missing: i, keys };
      ty = unionOf(members.flatMap((m) => Object.values(m.props!)));
      continue;
    }
    if (ty.k === 'union' && !constant && p.kind !== 'array' && p.kind !== 'object' && p.kind !== 'set' && ty.of.every((m) => m.k === 'array' || m.k === 'set' || (m.k === 'object' && (m.props === undefined || !m.open)))) {
      // a variable or ref key into arrays, sets and objects: any of their values (OPA's selectRef:
      // types.Values of an Any, the Or of its members' values)
      ty = unionOf(ty.of.map(valuesOf));
      continue;
    }
    if (ty.k === 'object' && ty.props !== undefined) {
      if (p.kind === 'string') {
        const next = ty.props[p.value];
        if (next === undefined && !ty.open) return { ty: ANY, missing: i, keys: Object.keys(ty.props) };
        ty = next ?? ANY;
        continue;
      }
      // a constant key of another type can never be one of a closed object's string keys
      if ((constant || !fits(kt, S)) && !ty.open) return { ty: ANY, missing: i, keys: Object.keys(ty.props) };
      // a variable key selects any of a closed object's values (OPA: types.Values of the object)
      if (ty.open) return { ty: ANY };
      ty = unionOf(Object.values(ty.props));
      continue;
    }
    if (ty.k === 'set') {
      // a variable key is one of the members (OPA: types.Values of the set); a constant key of
      // a type no member has cannot be one (OPA's selectConstant: types.Select of a set)
      if (constant) {
        const ct = constantType(p);
        if (!fits(ct, ty.of)) return { ty: ANY, missing: i, want: ty.of };
        if (isScalar(ct)) ty = ct;
        else return { ty: ANY };
        continue;
      }
      // a composite literal key is unified with the members' type (checkRefLeaf: unify1 with
      // Keys), so `{[1]}[["a"]]` cannot select
      if ((p.kind === 'array' || p.kind === 'object' || p.kind === 'set') && isGroundLiteral(p) && !fits(typeOf(p), ty.of)) return { ty: ANY, missing: i, want: ty.of };
      ty = ty.of;
      continue;
    }
    if (ty.k === 'object' && ty.dyn !== undefined) {
      // an object of dynamic keys (a partial object rule, a builtin's declared result): a key
      // whose type is not the keys' cannot select (OPA: selectConstant, or unifies with Keys)
      const have = constant ? constantType(p) : kt;
      if (!fits(have, ty.dyn.key)) return { ty: ANY, missing: i, want: ty.dyn.key };
      ty = ty.dyn.value;
      continue;
    }
    if (ty.k === 'array') {
      // an array is indexed by numbers only (OPA: have "x", want number); a key of a union type
      // that has number in it (`xs[count(xs) - 1]`: minus gives any<number, set[any]>) may be one
      if (p.kind === 'string' || p.kind === 'bool' || p.kind === 'null' || !fits(kt, N)) return { ty: ANY, missing: i, want: N };
      if (p.kind === 'number' && ty.items !== undefined) {
        const idx = Number(p.text);
        // past the end of a literal: not followed (OPA's undefined index is not a type error here)
        ty = Number.isInteger(idx) && idx >= 0 && idx < ty.items.length ? ty.items[idx]! : ANY;
        continue;
      }
      ty = ty.of;
      continue;
    }
    return { ty: ANY };
  }
  return { ty };
}

/** The type of a constant ref key (a composite one: any). */
function constantType(p: Term): Ty {
  return p.kind === 'string' ? S : p.kind === 'number' ? N : p.kind === 'bool' ? B : p.kind === 'null' ? NULL : ANY;
}

/** A ref as OPA prints it: identifiers after dots, other keys in brackets. */
function refText(head: string, path: Term[]): string {
  let out = head;
  for (const p of path) {
    if (p.kind === 'string') out += /^[A-Za-z_][A-Za-z0-9_]*$/.test(p.value) ? `.${p.value}` : `[${JSON.stringify(p.value)}]`;
    else if (p.kind === 'var') out += `[${p.name}]`;
    else if (p.kind === 'number') out += `[${p.text}]`;
    else if (p.kind === 'bool' || p.kind === 'null') out += `[${p.kind === 'null' ? 'null' : String(p.value)}]`;
    else out += '[_]';
  }
  return out;
}
