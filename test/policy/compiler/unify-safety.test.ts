/**
 * Safety of `a = b` between literals, as OPA's unifier (ast/unify.go) decides it: only what it
 * pairs binds (equal-length arrays item by item, same-size objects key by key; a ref, a call or
 * a variable feeds a whole pattern; a comprehension only the kinds its cases list). A variable
 * left unpaired is a rego_unsafe_var_error, reported before any type error (the safety stage
 * runs first), and what the pairs did bind is not reported. Where safe, both engines agree.
 */
import t from 'tap';
import { compileToPlan, CompileErrors } from '../../../src/policy/compiler/index.js';
import { createEvaluator } from '../../../src/policy/index.js';
import { toJs } from '../../../src/policy/value/index.js';

function errs(body: string): [string, string][] {
  try {
    compileToPlan([{ file: 'm.rego', text: `package t\np if { ${body} }` }], {});
  } catch (e) {
    if (e instanceof CompileErrors) return e.errors.map((x) => [x.code, x.message]);
    throw e;
  }
  return [];
}
const unsafe = (...vs: string[]): [string, string][] => vs.map((v) => ['REGO_ERR_UNSAFE_VAR', `var ${v} is unsafe`]);

t.test('a variable no pair binds is unsafe', async (t) => {
  t.same(errs('[1, y] = {"a": 1}'), unsafe('y'), 'array against object');
  t.same(errs('[1, y] = [1, 2, 3]'), unsafe('y'), 'arrays of different lengths');
  t.same(errs('[y] = "a"'), unsafe('y'), 'array against a scalar');
  t.same(errs('"a" = [y]'), unsafe('y'), 'scalar against an array');
  t.same(errs('{"a": y} = {"a": 1, "b": 2}'), unsafe('y'), 'objects of different sizes');
  t.same(errs('{"a": x, "b": y} = {"a": 1, "c": 2}'), unsafe('y'), 'the key both objects have binds x');
  t.same(errs('{"a": y} = {k: v | k := "a"; v := 1}'), unsafe('y'), 'object pattern left of an object comprehension');
  t.same(errs('k := "a"; j := "a"; {k: 1} = {j: y}'), unsafe('y'), 'keys are matched as terms: k is not j');
});

t.test('what the unifier does bind stays safe', async (t) => {
  t.same(errs('[1] = {"a": 1}').map(([c]) => c), ['REGO_ERR_TYPE'], 'no variable: the type checker reports the mismatch');
  t.same(errs('[y] = {v | v := 1}').map(([c]) => c), ['REGO_ERR_TYPE'], 'array pattern left of any comprehension: safe, then a type mismatch');
  t.same(errs('{k: v | k := "a"; v := 1} = {"a": y}'), [], 'object comprehension left of an object pattern');
  t.same(errs('[v | v := 1] = [y]'), [], 'array comprehension left of an array pattern');
  t.same(errs('[y, 2] = input.a'), [], 'a ref feeds a pattern');
  t.same(errs('x := [1, 2]; [y, 2] = x'), [], 'a bound variable feeds a pattern');
  t.same(errs('k := "a"; {k: [1]} = {k: [y]}'), [], 'the same variable key pairs the values');
});

for (const engine of ['js', 'wasm'] as const) {
  t.test(`${engine}: safe unifications of literals evaluate`, async (t) => {
    const text = `package t
a := y if { {k: v | k := "a"; v := 1} = {"a": y} }
b := y if { [v | v := 2] = [y] }
d := y if { {"a": 1, "b": y} = {"b": 3, "a": 1} }
e[k] := v if { some k; {"p": 1}[k]; {k: [1]} = {k: [v]} }
`;
    const policy = compileToPlan([{ file: 't.rego', text }], { query: 'x = [data.t.a, data.t.b, data.t.d, data.t.e]' });
    const ev = await createEvaluator(policy, { engine });
    t.same(ev.evaluate('eval', undefined).map((v) => toJs(v)), [{ x: [1, 2, 3, { p: 1 }] }]);
  });
}
