/**
 * The names a rule declares anywhere in it: arguments, `:=` targets, `some` and `every`/`some … in`
 * variables, in closures too. The type checker binds these before it reads a ref as a rule, and the
 * strict checks treat them as locals (a declared name is not a use of an import).
 */
import type { Rule, Term } from './ast.js';
import { walkRule, walkTerm } from './walk.js';

/**
 * @example
 * ruleDeclaredNames(parseModule('package p\nf(a) if { b := 1; some c in [1] }').rules[0]!); // Set {a, b, c}
 */
export function ruleDeclaredNames(r: Rule): Set<string> {
  const out = new Set<string>();
  const bind = (t: Term): void => walkTerm(t, { term: (x) => void (x.kind === 'var' && out.add(x.name)) });
  r.args?.forEach(bind);
  walkRule(r, {
    expr: (e) => {
      // not `=`: `b = 1` with a rule b compares with the rule (OPA resolves rule names before unification binds)
      if (e.kind === 'assign') bind(e.lhs);
      else if (e.kind === 'some') e.vars.forEach(bind);
      else if (e.kind === 'somein' || e.kind === 'every') {
        if (e.key) bind(e.key);
        bind(e.value);
      }
    },
  });
  return out;
}
