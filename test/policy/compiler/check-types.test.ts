/**
 * Compile-time type errors for builtin operands whose type is known (OPA ast/check.go): a
 * literal or literal collection of the wrong type, or another builtin's result. Operands of
 * unknown type never fail the compilation.
 */
import t from 'tap';
import { compileToPlan, CompileErrors } from '../../../src/policy/compiler/index.js';

function errs(text: string): string[] {
  try {
    compileToPlan([{ file: 'm.rego', text }], {});
  } catch (e) {
    if (e instanceof CompileErrors) return e.errors.map((x) => `${x.opaCode}@${x.location?.line}`);
    throw e;
  }
  return [];
}

t.test('wrong operand types are rego_type_errors, located', async (t) => {
  for (const body of ['count(1)', '1 + "a"', 'upper(1)', 'concat(",", [1, 2])', 'sum(["a"])', 'sprintf("%d", 1)', 'upper(count([]))', '{1} & [1]']) {
    t.same(errs(`package p\n\nq := ${body}`), ['rego_type_error@3'], body);
  }
  t.same(errs('package p\nq := [x | some x in input; 1 + "a"]'), ['rego_type_error@2'], 'inside a comprehension');
});

t.test('operands of unknown or fitting type compile', async (t) => {
  const ok = [
    'count(input.x)', 'count("abc")', 'count({"a": 1})', 'count({1, 2})', 'concat(",", ["a", input.b])', 'concat(",", {"a"})',
    'sum([1, 2.5])', '{1, 2} - {2}', '3 - 1', 'upper(input.s)', 'glob.match("*", null, "a")', 'sprintf("%v", [1])', 'object.get({}, "a", 1)',
  ];
  for (const body of ok) t.same(errs(`package p\nq := ${body}`), [], body);
  // a package's own function of a builtin's name is not the builtin
  t.same(errs('package p\nupper(x) := x\nq := upper(1)'), []);
});

t.test('a variable declared once from a typed term has that type; any other binding leaves it unknown', async (t) => {
  t.same(errs('package p\nq if {\n\tx := 1\n\tupper(x)\n}'), ['rego_type_error@4']);
  t.same(errs('package p\nq := upper(s) if s := concat("", ["a"])'), []);
  t.same(errs('package p\nq := upper(s) if s := count([])'), ['rego_type_error@2']);
  // bound elsewhere too (a comprehension's own x, a some, an argument): not checked
  t.same(errs('package p\nq if {\n\tx := 1\n\tys := [y | x := "a"; y := upper(x)]\n}'), []);
  t.same(errs('package p\nq if {\n\tsome x in ["a"]\n\tupper(x)\n}'), []);
  t.same(errs('package p\nf(x) := upper(x)'), []);
});
