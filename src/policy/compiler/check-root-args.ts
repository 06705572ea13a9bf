/**
 * A function argument must not be the root document `input` or `data`, anywhere in its pattern
 * (OPA ast/compile.go, resolveRefsInRule: "args must not shadow input (use a different variable
 * name)", a rego_compile_error at the rule). OPA refuses it in every Rego version, v0 included:
 * supporting it would mean rewriting the root everywhere in the head and body, and a function
 * whose `input` is its argument reads as the request's input to anyone reviewing the policy.
 *
 * The pattern is walked as OPA's argument visitor walks it: array items, object values and ref
 * operands, not object keys, set members, comprehensions or calls (those are not matched
 * against the caller's value). ResolveRefs is OPA's first stage, so this check runs before the
 * Rego v1 checks and its errors stop the compilation there.
 *
 * @example
 *   checkRootArgs(parseModule('package p\nf([input]) if true'), errors); // REGO_ERR_SHADOW_ROOT at 2:1
 */
import type { RegoError } from '../errors.js';
import type { Module, Term } from '../syntax/ast.js';
import { createCompileError } from './compile-error.js';
import { isRoot } from './vars.js';

/** The root document a pattern binds as a whole (`input`, or the ref `data` with no path). */
function rootIn(t: Term): string | undefined {
  switch (t.kind) {
    case 'var':
      return isRoot(t.name) ? t.name : undefined;
    case 'ref':
      if (t.head.kind === 'var' && isRoot(t.head.name) && t.path.length === 0) return t.head.name;
      for (const x of t.path) {
        const r = rootIn(x);
        if (r !== undefined) return r;
      }
      return undefined;
    case 'array':
      for (const x of t.items) {
        const r = rootIn(x);
        if (r !== undefined) return r;
      }
      return undefined;
    case 'object':
      for (const [, x] of t.entries) {
        const r = rootIn(x);
        if (r !== undefined) return r;
      }
      return undefined;
    default:
      return undefined;
  }
}

export function checkRootArgs(mod: Module, errors: RegoError[]): void {
  for (const r of mod.rules) {
    for (const a of r.args ?? []) {
      const root = rootIn(a);
      if (root === undefined) continue;
      // OPA stops walking the rule's arguments at the first one
      errors.push(createCompileError('REGO_ERR_SHADOW_ROOT', `args must not shadow ${root} (use a different variable name)`, r.span));
      break;
    }
  }
}
