/**
 * Which variables a rego_unsafe_var_error names, as OPA's safety checks decide (ast/compile.go:
 * reorderBodyForClosures, reorderBodyForSafety, checkComprehensionSafety, checkSafetyRuleHeads),
 * written from the cases of OPA's TestCompilerCheckSafetyBodyErrors: a closure reading an
 * unbound variable names only that variable, a comprehension's head only variables its body
 * does not mention, a head ref on an unbound variable every variable of it, and a literal whose
 * `with` value is unsafe binds nothing.
 */
import t from 'tap';
import { compileToPlan, CompileErrors } from '../../../src/policy/compiler/index.js';

const BEGIN = `package a.b

import input.aref.b.c as foo
import input.avar as bar
import data.m.n as baz
`;

/** The variables the compile errors name as unsafe (sorted), or the other errors' codes. */
function unsafeVars(content: string): string[] {
  try {
    compileToPlan([{ file: 'm.rego', text: `${BEGIN}\n${content}` }], {});
  } catch (e) {
    if (!(e instanceof CompileErrors)) throw e;
    return [...new Set(e.errors.map((x) => (x.code === 'REGO_ERR_UNSAFE_VAR' ? x.message.replace(/^var (.*) is unsafe$/, '$1') : x.code)))].sort();
  }
  return [];
}

const cases: [string, string, string[]][] = [
  ['ref-head', 'p if { a.b.c = "foo" }', ['a']],
  ['negation', 'p if { a = [1, 2, 3, 4]; not a[i] = x }', ['i', 'x']],
  ['negation-nested', 'p if { a = [{"foo": ["bar", "baz"]}]; not a[0].foo = [a[0].foo[i], a[0].foo[j]] }', ['i', 'j']],
  ['builtin-input', 'p if { count([1, 2, x], x) }', ['x']],
  ['builtin-multiple', 'p if { x > 0; x <= 3; x != 2 }', ['x']],
  ['unordered-object-keys', 'p if { x = "a"; [{x: y, z: a}] = [{"a": 1, "b": 2}]}', ['a', 'y', 'z']],
  ['unordered-sets', 'p if { x = "a"; [{x, y}] = [{1, 2}]}', ['y']],
  ['array-compr', 'p if { _ = [x | x = data.a[_]; y > 1] }', ['y']],
  ['array-compr-nested', 'p if { _ = [x | x = a[_]; a = [y | y = data.a[_]; z > 1]] }', ['z']],
  ['array-compr-closure', 'p if { _ = [v | v = [x | x = data.a[_]]; x > 1] }', ['x']],
  ['array-compr-term', 'p if { _ = [u | true] }', ['u']],
  ['array-compr-mixed', 'p if { _ = [x | y = [a | a = z[i]]] }', ['a', 'i', 'x', 'z']],
  ['closure-self', 'p if { x = [x | x = 1] }', ['x']],
  ['closure-transitive', 'p if { x = y; x = [y | y = 1] }', ['x', 'y']],
  ['negated-import', 'p if { not foo; not bar; not baz }', []],
  ['rewritten', 'p contains {"foo": dead[i]} if { true }', ['dead', 'i']],
  ['with-value', 'p if { data.a.b.d.t with input as x }', ['x']],
  ['with-value-2', 'p if { x = data.a.b.d.t with input as x }', ['x']],
  ['else-kw', 'p if { false } else if { count(x, 1) }', ['x']],
  ['function', 'foo(x) = [y, z] if { split(x, y, z) }', ['y', 'z']],
  ['call-no-output', 'p if { f(x) }\nf(x) = x if { true }', ['x']],
  ['every', 'p if { every y in [10] { x > y } }', ['x']],
];

for (const [note, content, want] of cases) {
  t.test(note, async (t) => {
    t.same(unsafeVars(content), want, content);
  });
}

t.test('a head variable the unsafe body mentions is reported at the body only (checkSafetyRuleHeads counts it safe)', async (t) => {
  const located = (text: string): string[] => {
    try {
      compileToPlan([{ file: 'm.rego', text }], {});
    } catch (e) {
      if (!(e instanceof CompileErrors)) throw e;
      return e.errors.map((x) => `${x.code}@${x.location?.line}:${x.location?.col}:${x.message}`);
    }
    return [];
  };
  t.same(located('package p\nfoo(x) = [y, z] if { split(x, y, z) }'), ['REGO_ERR_UNSAFE_VAR@2:22:var y is unsafe', 'REGO_ERR_UNSAFE_VAR@2:22:var z is unsafe']);
  // a head variable the body never mentions is still the head's
  t.same(located('package p\nq contains [x, y] if { z := x }').filter((e) => e.endsWith('var y is unsafe')), ['REGO_ERR_UNSAFE_VAR@2:12:var y is unsafe']);
});
