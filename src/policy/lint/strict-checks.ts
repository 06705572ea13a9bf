/**
 * The checks `opa check --strict` adds (OPA docs, "Strict Mode"; ast/compile.go with
 * Compiler.WithStrict): duplicate imports, unused imports, unused local assignments, `some`
 * declarations and function arguments, and calls to deprecated builtins. Each is an error (OPA: rego_compile_error) located at the construct.
 *
 * @example
 *   strictErrors(parseModule('package p\nimport data.x\nr if { y := 1; true }'));
 *   // [REGO_ERR_STRICT at 2:8 (import data.x unused), REGO_ERR_STRICT at 3:8 (y assigned, unused)]
 */
import { RegoError } from '../errors.js';
import type { Literal, Module, Rule, Span, Term } from '../syntax/ast.js';
import { walkRule, walkTerm } from '../syntax/walk.js';
import { ruleDeclaredNames } from '../syntax/rule-declared-names.js';
import { DEPRECATED_BUILTINS } from '../builtins/deprecated.js';
import { unusedAssignments } from './unused-assignments.js';
import { checkImportShadowing, checkRootShadowing } from '../compiler/check-rego-v1.js';


function err(message: string, span: Span, source: string | undefined, code: 'REGO_ERR_STRICT' | 'REGO_ERR_DEPRECATED_BUILTIN' | 'REGO_ERR_SHADOW_ROOT' = 'REGO_ERR_STRICT'): RegoError {
  const text = source?.split('\n')[span.line - 1];
  return new RegoError(code, message, { location: text === undefined ? { ...span } : { ...span, text } });
}

/** Occurrences of each variable name anywhere in the rule (head, arguments, bodies, closures). */
function varUses(r: Rule): Map<string, number> {
  const uses = new Map<string, number>();
  walkRule(r, {
    term: (t) => {
      if (t.kind === 'var') uses.set(t.name, (uses.get(t.name) ?? 0) + 1);
    },
  });
  return uses;
}

/**
 * `some x` whose x nothing else mentions ("declared var x unused"), and a function argument the
 * rule never reads ("unused argument x. (hint: use _ (wildcard variable) instead)", at the
 * head): OPA's strict checks in rewriteLocalVars.
 */
function unusedDeclarations(r: Rule, source: string | undefined, out: RegoError[]): void {
  const uses = varUses(r);
  const once = (name: string): boolean => !name.startsWith('_') && (uses.get(name) ?? 0) <= 1;
  walkRule(r, {
    expr: (e) => {
      // located at the `some` declaration, as OPA's rewriteLocalVars reports it
      if (e.kind === 'some') for (const v of e.vars) if (once(v.name)) out.push(err(`declared var ${v.name} unused`, e.span, source));
    },
  });
  const args = new Set<string>();
  for (const a of r.args ?? []) walkTerm(a, { term: (t) => void (t.kind === 'var' && args.add(t.name)) });
  for (const a of args) {
    if (a.startsWith('_') || argUsed(r, a)) continue;
    out.push(err(`unused argument ${a}. (hint: use _ (wildcard variable) instead)`, r.span, source));
  }
}

/** Whether a body declares `name` itself (`:=`, `some`, `some … in`): a closure's own variable then. */
function mentions(t: Term, name: string): boolean {
  let found = false;
  walkTerm(t, { term: (x) => void (x.kind === 'var' && x.name === name && (found = true)) });
  return found;
}

function declaresName(body: readonly Literal[], name: string): boolean {
  const has = (t: Term): boolean => mentions(t, name);
  return body.some(({ expr: e }) =>
    (e.kind === 'assign' && has(e.lhs)) ||
    (e.kind === 'some' && e.vars.some((v) => v.name === name)) ||
    (e.kind === 'somein' && !has(e.coll) && ((e.key !== undefined && has(e.key)) || has(e.value))));
}

/**
 * Whether the rule reads its argument `name` outside the argument list: a comprehension or
 * `every` that declares a variable of that name has its own (OPA's rewriteLocalVars renames it),
 * so `f(x) := {x: v | x := "foo"; v := a[x]}` does not use its argument.
 */
function argUsed(r: Rule, name: string): boolean {
  let used = false;
  const term = (t: Term): void => {
    if (used) return;
    switch (t.kind) {
      case 'var':
        if (t.name === name) used = true;
        return;
      case 'ref':
        term(t.head);
        t.path.forEach(term);
        return;
      case 'array':
      case 'set':
        t.items.forEach(term);
        return;
      case 'object':
        t.entries.forEach(([k, v]) => (term(k), term(v)));
        return;
      case 'call':
        t.args.forEach(term);
        return;
      case 'template':
        t.parts.forEach((x) => typeof x !== 'string' && term(x));
        return;
      case 'arraycomp':
      case 'setcomp':
        if (declaresName(t.body, name)) return;
        term(t.term);
        body(t.body);
        return;
      case 'objectcomp':
        if (declaresName(t.body, name)) return;
        term(t.key);
        term(t.value);
        body(t.body);
        return;
      default:
        return;
    }
  };
  const body = (lits: readonly Literal[]): void => {
    for (const l of lits) {
      const e = l.expr;
      if (e.kind === 'term') term(e.term);
      else if (e.kind === 'assign' || e.kind === 'unify') (term(e.lhs), term(e.rhs));
      else if (e.kind === 'some') e.vars.forEach(term);
      else if (e.kind === 'somein') [e.key, e.value, e.coll].forEach((x) => x && term(x));
      else if (e.kind === 'every') {
        term(e.coll);
        // `every` declares its key and value in its body's scope
        const own = [e.key, e.value].some((x) => x !== undefined && mentions(x, name));
        if (!own && !declaresName(e.body, name)) body(e.body);
      }
      l.with.forEach((w) => term(w.value));
    }
  };
  r.ref.slice(1).forEach(term);
  if (r.contains) term(r.contains);
  if (r.value) term(r.value);
  body(r.body);
  for (const e of r.elses) {
    if (e.value) term(e.value);
    body(e.body);
  }
  return used;
}

function importName(path: Term): string[] | undefined {
  if (path.kind === 'var') return [path.name];
  if (path.kind !== 'ref' || path.head.kind !== 'var') return undefined;
  const out = [path.head.name];
  for (const p of path.path) {
    if (p.kind !== 'string') return undefined;
    out.push(p.value);
  }
  return out;
}

/** The strict-mode errors of one module (empty when it passes). */
export function strictErrors(mod: Module, source?: string): RegoError[] {
  const out: RegoError[] = [];
  // what each import binds: its alias, or its last segment (`import data.a.b` binds `b`), with
  // the import as OPA prints it ("import data.foo.bar as bar unused", at the import keyword)
  const aliases = new Map<string, { span: Span; text: string }>();
  for (const imp of mod.imports) {
    const name = importName(imp.path);
    if (!name || name[0] === 'future' || name[0] === 'rego') continue;
    const key = name.join('.') + (imp.alias ? ` as ${imp.alias}` : '');
    const bound = imp.alias ?? (name.length > 1 ? name.at(-1)! : undefined);
    if (bound !== undefined) aliases.set(bound, { span: imp.span, text: key });
  }
  // OPA's checkImports and checkKeywordOverrides run on every module in strict mode, v0 ones
  // too (a v1 module has already failed to compile on them)
  checkImportShadowing(mod, out);
  checkRootShadowing(mod, out);
  // a rule named `input` or `data`: a v1 or rego.v1 module never parses with one, a v0 module
  // has one refused only here (checkKeywordOverrides under strict)
  for (const r of mod.rules) {
    const name = (r.ref[0] as { value: string }).value;
    if (name === 'input' || name === 'data') out.push(err(`rules must not shadow ${name} (use a different rule name)`, r.span, source, 'REGO_ERR_SHADOW_ROOT'));
  }
  const ruleNames = new Set(mod.rules.map((r) => (r.ref[0] as { value: string }).value));
  const used = new Set<string>();
  for (const r of mod.rules) {
    // a name the rule declares (an argument, `x :=`, `some x`, `some … in`, `every`) is a local
    // there, never the import: OPA's resolveRefs does not resolve it, so it does not use it
    const locals = ruleDeclaredNames(r);
    walkRule(r, {
      term: (t) => {
        const name = t.kind === 'var' ? t.name : t.kind === 'ref' && t.head.kind === 'var' ? t.head.name : t.kind === 'call' ? t.fn[0] : undefined;
        if (name !== undefined && !locals.has(name)) used.add(name);
      },
    });
    walkRule(r, {
      term: (t) => {
        // OPA's checkDeprecatedBuiltins; a package's own rule of that name is what the call means
        if (t.kind === 'call' && DEPRECATED_BUILTINS.has(t.fn.join('.')) && !(t.fn.length === 1 && ruleNames.has(t.fn[0]!))) {
          out.push(err(`deprecated built-in function calls in expression: ${t.fn.join('.')}`, t.fnSpan, source, 'REGO_ERR_DEPRECATED_BUILTIN')); // a TypeErr in OPA
        }
      },
    });
    for (const u of unusedAssignments(r)) out.push(err(`assigned var ${u.name} unused`, u.span, source));
    unusedDeclarations(r, source, out);
  }
  for (const [name, { span, text }] of aliases) if (!used.has(name)) out.push(err(`import ${text} unused`, span, source));
  return out.sort((a, b) => (a.location?.line ?? 0) - (b.location?.line ?? 0) || (a.location?.col ?? 0) - (b.location?.col ?? 0));
}
