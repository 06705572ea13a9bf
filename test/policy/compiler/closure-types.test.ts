/**
 * Typing inside comprehension and `every` bodies (issue #16, branch types2), as OPA's checker
 * does it (v1/ast/check.go, env.go):
 * - a comprehension's body is checked with the same rules as a rule's body (checkClosures runs
 *   CheckBody on it), in an environment that wraps the enclosing one, and the comprehension's
 *   type is that of its head in the checked body (TypeEnv.GetByValue: `types.NewArray(nil,
 *   cpy.GetByValue(x.Term.Value))`, a set likewise, an object `object[K: V]`);
 * - an `every` body is not checked: CheckBody checks only the expressions of the body it is
 *   given, an `every` is one expression that is no call (checkExpr checks only its `with`s),
 *   checkClosures descends into it only for the comprehensions there, and the refChecker visits
 *   its refs in the enclosing environment, where the body's own variables have no type.
 * Each case is a policy of our own with what OPA's checker says of it.
 */
import t from 'tap';
import { opaErrors as errors } from './opa-errors.js';

/** A rule body, one expression a line. */
const body = (...lines: string[]): string => `package p\n\nq if {\n${lines.map((l) => `\t${l}`).join('\n')}\n}\n`;
const first = (xs: string[]): string[] => xs.map((x) => x.split('\n')[0]!);
const upper = (have: string): string => `rego_type_error: upper: invalid argument(s)\n\thave: (${have})\n\twant: (x: string, y: string)`;

t.test("a comprehension's body types its own variables as a rule body does", async (t) => {
  // unification, `some … in` and object comprehensions' key/value variables
  t.same(errors(body('xs := [x | x = 1; upper(x)]')), [upper('number')]);
  t.same(errors(body('xs := [x | some x in [1]; upper(x)]')), [upper('number')]);
  t.same(errors(body('xs := {k: v | some k, v in {"a": 1}; upper(v)}')), [upper('number')]);
  // a match error inside: checkExprEq on the body's expression
  t.same(errors(body('xs := [x | x := 1; x = "a"]')), ['rego_type_error: match error\n\tleft  : number\n\tright : string']);
  // a nested comprehension's type is known in the enclosing one
  t.same(errors(body('xs := [x | x := [y | y := 1]; upper(x)]')), [upper('array[number]')]);
});

t.test("a comprehension's type is its head's type in the checked body", async (t) => {
  t.same(errors(body('xs := [x | x := 1]', 'upper(xs[0])')), [upper('number')]);
  t.same(errors(body('xs := [x | some x in ["a"]]', 'abs(xs[0])')), ['rego_type_error: abs: invalid argument(s)\n\thave: (string)\n\twant: (x: number, y: number)']);
  t.same(errors(body('s := {x | x := "a"}', 'abs(s)')), ['rego_type_error: abs: invalid argument(s)\n\thave: (set[string])\n\twant: (x: number, y: number)']);
  t.same(errors('package p\n\nq := {x: 1 | x := "a"}\n\nr if upper(q.a)\n'), [upper('number')]);
  t.same(errors(body('xs := [x | x := 1]', 'some y in xs', 'upper(y)')), [upper('number')]);
  // TestCheckInference array-comprehension-var-closure: `x = 1; y = [i | x = i]` gives y array[number]
  t.same(errors(body('x = 1', 'y = [i | x = i]', 'upper(y[0])')), [upper('number')]);
  t.same(errors(body('x := 1', 'y := [i | x = i]', 'upper(y)')), [upper('array[number]')]);
  // array-comprehension-ref-closure: `[i | a[_] = i]` over [1, "foo", 3] is array[any<number, string>]
  t.same(errors(body('a = [1, "foo", 3]', 'x = [i | a[_] = i]', 'x[0] = null')), ['rego_type_error: match error\n\tleft  : any<number, string>\n\tright : null']);
});

t.test('an every body is not type-checked, its comprehensions and refs into the enclosing body are', async (t) => {
  const ok = [
    body('every x in [1] { upper(x) }'),
    body('every x in [1] { upper(1) }'),
    body('every x in ["a"] { y := x; abs(y) }'),
    body('every x in [1] { x == "a" }'),
    body('every x in [1] { y := 1; y.foo }'),
    body('every k, v in ["a"] { upper(k) }'),
    // bound by unification in the body: the body's own variable, untyped where the refChecker looks
    body('every x in [1] { y = 1; y.b }'),
  ];
  for (const text of ok) t.same(errors(text), [], text);
  t.same(first(errors(body('y := 1', 'every x in [1] { y.foo }'))), ['rego_type_error: undefined ref: y.foo']);
  // a ref to a rule is one into data, whose tree the refChecker walks from any body
  t.same(first(errors('package p\n\nr := 1\n\nq if {\n\tevery x in [1] { r.b }\n}\n')), ['rego_type_error: undefined ref: data.p.r.b']);
  t.same(first(errors(body('every x in [1] { [z | z := 1; upper(z)] }'))), ['rego_type_error: upper: invalid argument(s)']);
});

t.test('what OPA accepts still compiles', async (t) => {
  const ok = [
    // a name mentioned outside the comprehension is the enclosing variable: `x = input.a` binds it first
    body('x = input.a', 'ys := [y | x = 1; y := x; upper(y)]'),
    // one name in two comprehensions: two variables, each typed by its own body
    body('ys := [x | x = "a"; upper(x)]', 'zs := [x | x = 1; abs(x)]'),
    body('xs := [x | x := input.a; upper(x)]'),
    body('xs := [x | some x in ["a"]; upper(x)]'),
    body('s := {x | x := "a"}', 'count(s) > 0'),
    'package p\n\nf(x) := [y | y := x]\n\nq if upper(f(1)[0])\n',
  ];
  for (const text of ok) t.same(errors(text), [], text);
});
