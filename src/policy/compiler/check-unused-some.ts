/**
 * `some x` declares x for what follows in its scope; a declaration that nothing uses is an error
 * in OPA whether or not the compilation is strict ("declared var x unused", rewriteLocalVars),
 * since it usually means a typo between the declaration and the use.
 *
 * Checked over the whole rule: a name mentioned anywhere in it besides its `some` (head, arguments,
 * any body or closure) counts as used, so a declaration is only refused when OPA refuses it too.
 *
 * @example
 *   checkUnusedSome(parseModule('package p\nq if { some x; input.y }'), errors); // declared var x unused
 */
import type { RegoError } from '../errors.js';
import type { Module, Span, VarTerm } from '../syntax/ast.js';
import { walkRule } from '../syntax/walk.js';
import { createCompileError } from './compile-error.js';

export function checkUnusedSome(m: Module, errors: RegoError[]): void {
  for (const r of m.rules) {
    const declared: VarTerm[] = [];
    // OPA locates the error at the `some` declaration, not at the variable
    const at = new Map<VarTerm, Span>();
    const mentions = new Map<string, number>();
    walkRule(r, {
      expr: (e) => void (e.kind === 'some' && e.vars.forEach((v) => (declared.push(v), at.set(v, e.span)))),
      term: (t) => void (t.kind === 'var' && mentions.set(t.name, (mentions.get(t.name) ?? 0) + 1)),
    });
    for (const v of declared) {
      if (v.name === '_' || v.name.startsWith('$')) continue;
      // each `some` of the name mentions it once; anything beyond those is a use
      const decls = declared.filter((d) => d.name === v.name).length;
      if ((mentions.get(v.name) ?? 0) <= decls && declared.indexOf(v) === declared.findIndex((d) => d.name === v.name)) {
        errors.push(createCompileError('REGO_ERR_UNUSED_SOME', `declared var ${v.name} unused`, at.get(v) ?? v.span));
      }
    }
  }
}
