/**
 * The compile-time checks Rego v1 adds (OPA ast/rego_v1.go checkRegoV1Module), run on v1 modules
 * and on v0 modules that `import rego.v1`:
 * - a local assigned with `:=` must not be named `input` or `data` ("variables must not shadow
 *   input"): a policy that silently reads its own local where it meant the input would give a
 *   wrong answer (a function argument of that name is refused in every version, earlier:
 *   check-root-args.ts);
 * - two imports must not bind the same name;
 * - deprecated builtins (any, all, re_match, …) are not part of v1.
 *
 * @example
 *   checkRegoV1(parseModule('package p\nr if { input := 1 }'), errors); // REGO_ERR_SHADOW_ROOT at 2:8
 */
import { DEPRECATED_BUILTINS } from '../builtins/deprecated.js';
import type { RegoError } from '../errors.js';
import type { Module, Term } from '../syntax/ast.js';
import { walkRule } from '../syntax/walk.js';
import { createCompileError } from './compile-error.js';

const ROOTS = new Set(['input', 'data']);

/** Whether the v1 checks apply to `mod`. */
export function usesV1Rules(mod: Module): boolean {
  return mod.regoVersion === 'v1' || mod.regoV1;
}

/** The name an import binds: its alias, else its last segment (`import data.a.b` binds `b`). */
function importBinds(path: Term, alias: string | undefined): string | undefined {
  if (alias !== undefined) return alias;
  if (path.kind === 'var') return path.name;
  if (path.kind !== 'ref' || path.head.kind !== 'var') return undefined;
  if (path.head.name === 'future' || path.head.name === 'rego') return undefined;
  const last = path.path.at(-1);
  return last?.kind === 'string' ? last.value : undefined;
}

export function checkRegoV1(mod: Module, errors: RegoError[]): void {
  checkImportShadowing(mod, errors);
  checkRootShadowing(mod, errors);
  const ruleNames = new Set(mod.rules.map((r) => (r.ref[0] as { value: string }).value));
  for (const r of mod.rules) {
    walkRule(r, {
      term: (t) => {
        // a package's own rule of that name is what the call means, not the builtin
        if (t.kind === 'call' && t.op === undefined && DEPRECATED_BUILTINS.has(t.fn.join('.')) && !(t.fn.length === 1 && ruleNames.has(t.fn[0]!))) {
          errors.push(createCompileError('REGO_ERR_DEPRECATED_BUILTIN', `deprecated built-in function calls in expression: ${t.fn.join('.')}`, t.fnSpan));
        }
      },
    });
  }
}

/**
 * Two imports binding the same name ("import must not shadow import data.foo"): OPA's
 * checkImports, for v1 modules and, in strict mode, for v0 ones too.
 */
export function checkImportShadowing(mod: Module, errors: RegoError[]): void {
  const bound = new Map<string, string>();
  for (const imp of mod.imports) {
    const name = importBinds(imp.path, imp.alias);
    if (name === undefined) continue;
    const prev = bound.get(name);
    if (prev !== undefined) errors.push(createCompileError('REGO_ERR_DUPLICATE_IMPORT', `import must not shadow import ${prev}`, imp.span));
    else bound.set(name, termText(imp.path) + (imp.alias !== undefined ? ` as ${imp.alias}` : ''));
  }
}

/**
 * A local assigned with `:=` named input or data ("variables must not shadow input"): OPA's
 * checkKeywordOverrides, for v1 modules and, in strict mode, for v0 ones too.
 */
export function checkRootShadowing(mod: Module, errors: RegoError[]): void {
  for (const r of mod.rules) {
    walkRule(r, {
      expr: (e) => {
        if (e.kind === 'assign' && e.lhs.kind === 'var' && ROOTS.has(e.lhs.name)) {
          errors.push(createCompileError('REGO_ERR_SHADOW_ROOT', `variables must not shadow ${e.lhs.name} (use a different variable name)`, e.span));
        }
      },
    });
  }
}

function termText(t: Term): string {
  if (t.kind === 'var') return t.name;
  if (t.kind === 'ref' && t.head.kind === 'var') return [t.head.name, ...t.path.map((p) => (p.kind === 'string' ? p.value : '…'))].join('.');
  return '…';
}
