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
import type { Module, Rule, Span, Term } from '../syntax/ast.js';
import { walkRule, walkTerm } from '../syntax/walk.js';
import { ruleDeclaredNames } from '../syntax/rule-declared-names.js';
import { DEPRECATED_BUILTINS } from '../builtins/deprecated.js';
import { unusedAssignments } from './unused-assignments.js';


function err(message: string, span: Span, source: string | undefined, code: 'REGO_ERR_STRICT' | 'REGO_ERR_DEPRECATED_BUILTIN' = 'REGO_ERR_STRICT'): RegoError {
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
      if (e.kind === 'some') for (const v of e.vars) if (once(v.name)) out.push(err(`declared var ${v.name} unused`, v.span, source));
    },
  });
  const args = new Set<string>();
  for (const a of r.args ?? []) walkTerm(a, { term: (t) => void (t.kind === 'var' && args.add(t.name)) });
  for (const a of args) if (once(a)) out.push(err(`unused argument ${a}. (hint: use _ (wildcard variable) instead)`, r.span, source));
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
  const seen = new Map<string, Span>();
  // what each import binds: its alias, or its last segment (`import data.a.b` binds `b`), with
  // the import as OPA prints it ("import data.foo.bar as bar unused", at the import keyword)
  const aliases = new Map<string, { span: Span; text: string }>();
  for (const imp of mod.imports) {
    const name = importName(imp.path);
    if (!name || name[0] === 'future' || name[0] === 'rego') continue;
    const key = name.join('.') + (imp.alias ? ` as ${imp.alias}` : '');
    if (seen.has(key)) out.push(err(`import ${key} is a duplicate`, imp.span, source));
    seen.set(key, imp.span);
    const bound = imp.alias ?? (name.length > 1 ? name.at(-1)! : undefined);
    if (bound !== undefined) aliases.set(bound, { span: imp.span, text: key });
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
