/**
 * Type audit against OPA's check_test.go (issue #16, branch typeaudit): variables bound only by
 * unification are typed in the order OPA's checker sees the body, refs through unions skip the
 * members without keys, and keys into levels of data above rules are checked as OPA's
 * refChecker walks its tree. Each case is a policy of our own with what OPA's checker says of it;
 * the last test holds what OPA accepts and must keep compiling.
 */
import t from 'tap';
import { opaErrors } from './opa-errors.js';

const errors = opaErrors;

/** A rule body, one expression a line. */
const body = (...lines: string[]): string => `package p\n\nq if {\n${lines.map((l) => `\t${l}`).join('\n')}\n}\n`;
const first = (xs: string[]): string[] => xs.map((x) => x.split('\n')[0]!);
const UPPER_NUMBER = 'rego_type_error: upper: invalid argument(s)\n\thave: (number)\n\twant: (x: string, y: string)';

t.test('a variable unified with a typed variable takes its type, through any number of steps', async (t) => {
  t.same(errors(body('y = 1', 'x = y', 'upper(x)')), [UPPER_NUMBER]);
  t.same(errors(body('z = 1', 'y = z', 'x = y', 'upper(x)')), [UPPER_NUMBER]);
  // the order of the safety check, not the written one: x = y waits for y
  t.same(errors(body('x = y', 'y = 1', 'upper(x)')), [UPPER_NUMBER]);
  t.same(errors(body('y = "a"', 'x = y', 'upper(x)')), []);
});

t.test('array and object literals unify member by member', async (t) => {
  t.same(errors(body('[x, 1] = [true, y]', 'upper(y)')), [UPPER_NUMBER]);
  t.same(first(errors(body('[x, 1] = [true, y]', 'upper(x)'))), ['rego_type_error: upper: invalid argument(s)']);
  t.same(errors(body('y = [[2], 1]', '[[x], 1] = y', 'upper(x)')), [UPPER_NUMBER]);
  t.same(errors(body('{"a": "s", "b": {"c": x}} = {"a": y, "b": {"c": 2}}', 'upper(x)')), [UPPER_NUMBER]);
  t.same(errors(body('{"a": "s", "b": {"c": x}} = {"a": y, "b": {"c": 2}}', 'upper(y)')), []);
  t.same(errors(body('y = {"a": "s", "b": 2}', '{"a": z, "b": x} = y', 'upper(x)')), [UPPER_NUMBER]);
});

t.test('the first binding gives the type; a second one is checked against it', async (t) => {
  t.same(errors(body('x = [1]', 'x = [1, 2]')), ['rego_type_error: match error\n\tleft  : array<number>\n\tright : array<number, number>']);
  t.same(errors(body('x = 1', 'x = input.a', 'upper(x)')), [UPPER_NUMBER]);
  // bound first to something of unknown type: a later constant does not type it
  t.same(errors(body('x = input.a', 'x = 1', 'upper(x)')), []);
});

t.test('a ref operand is typed, and a ref through a union selects in its members with keys', async (t) => {
  const a = 'a = [1, {"foo": [{"bar": null}, -1, {"bar": true}]}, 3]';
  t.same(errors(body(a, 'x = a[1].foo[_].bar', 'x = 1')), ['rego_type_error: match error\n\tleft  : any<null, boolean>\n\tright : number']);
  t.same(errors(body(a, 'x = a[1].foo[_].baz')), ['rego_type_error: undefined ref: a[1].foo[_].baz\n\ta[1].foo[_].baz\n\t            ^\n\t            have: "baz"\n\t            want (one of): ["bar"]']);
  t.same(errors(body('x := ["a"]', 'y = x[_]', 'abs(y)')), ['rego_type_error: abs: invalid argument(s)\n\thave: (string)\n\twant: (x: number, y: number)']);
  // a pattern against a union: each variable the union of what the members give it
  t.same(errors(body('x = [[1], ["foo"]]', 'x[_] = [y]', 'y = null')), ['rego_type_error: match error\n\tleft  : any<number, string>\n\tright : null']);
});

t.test("keys into levels of data above rules, as OPA's refChecker walks its tree", async (t) => {
  const lib = 'package a.b\n\np := 1\n';
  t.same(errors(lib, 'package z\n\nq if data.a[1]\n'), ['rego_type_error: undefined ref: data.a[1]\n\tdata.a[1]\n\t       ^\n\t       have (type): number\n\t       want (one of): ["b"]']);
  t.same(errors(lib, 'package z\n\nimport data.a\n\nq if a[true]\n'), ['rego_type_error: undefined ref: data.a[true]\n\tdata.a[true]\n\t       ^\n\t       have (type): boolean\n\t       want (one of): ["b"]']);
  // a typed variable key at any level above rules
  t.same(errors(lib, 'package z\n\nq if {\n\tx := 1\n\tdata.a.b[x]\n}\n'), ['rego_type_error: undefined ref: data.a.b[x]\n\tdata.a.b[x]\n\t         ^\n\t         have (type): number\n\t         want (one of): ["p"]']);
  // an untyped key variable there is a string
  t.same(errors(lib, 'package z\n\nq if {\n\tdata.a[x]\n\tabs(x)\n}\n'), ['rego_type_error: abs: invalid argument(s)\n\thave: (string)\n\twant: (x: number, y: number)']);
});

t.test('a ref key into a level of data, a composite key into a set, a declared variable compared', async (t) => {
  const lib = 'package a.b\n\np := 1\n';
  t.same(errors(lib, 'package z\n\nq if {\n\tarr := [1]\n\tdata.a[arr[0]]\n}\n'), ['rego_type_error: undefined ref: data.a[_]\n\tdata.a[_]\n\t       ^\n\t       have (type): number\n\t       want (one of): ["b"]']);
  t.same(errors(body('a = {[1], [2]}', 'a[["foo"]]')), ['rego_type_error: undefined ref: a[_]\n\ta[_]\n\t  ^\n\t  have (type): array<string>\n\t  want (type): array<number>']);
  t.same(errors(body('a = {{"a": 2}}', 'a[{"a": "foo"}]')), ['rego_type_error: undefined ref: a[_]\n\ta[_]\n\t  ^\n\t  have (type): object<a: string>\n\t  want (type): object<a: number>']);
  t.same(errors(body('a = {[1], [2]}', 'a[[1]]')), []);
  // `x = …` after `x := …` compares; it binds only the other side's variables
  t.same(errors(body('x := {"a"}', 'x = {1}')), ['rego_type_error: match error\n\tleft  : set[string]\n\tright : set[number]']);
  t.same(errors(body('x := [1]', 'x = [a]', 'upper(a)')), [UPPER_NUMBER]);
  t.same(errors(body('x := input.a', 'x = 1', 'upper(x)')), []);
});

t.test("TestCheckInference's types, by their effect: ref keys typed as the refChecker types them", async (t) => {
  const abs = (have: string): string => `rego_type_error: abs: invalid argument(s)\n\thave: (${have})\n\twant: (x: number, y: number)`;
  const match = (left: string, right: string): string => `rego_type_error: match error\n\tleft  : ${left}\n\tright : ${right}`;
  // sets-composite-ref-operand: a composite key is unified with the set's members (checkRefLeaf: unify1 with Keys)
  t.same(errors(body('s = {[1, 2], [3, 4]}', 's[[x, y]]', 'upper(x)')), [UPPER_NUMBER]);
  // type unioning: sets — against a union of members each variable takes the union
  t.same(errors(body('x = {[1], ["foo"]}', 'x[[y]]', 'y = null')), [match('any<number, string>', 'null')]);
  // local-reference-var: a key into an object is a string, into a union of sets their members
  const a = 'a = [{"a": null, "b": {"foo": {"c": {1}}, "bar": {"c": {"hello"}}}}, {"a": null, "b": {"foo": {"c": {1}}, "bar": {"c": {true}}}}]';
  t.same(errors(body(a, 'x = a[i].b[j].c[k]', 'abs(j)')), [abs('string')]);
  t.same(errors(body(a, 'x = a[i].b[j].c[k]', 'x = null')), [match('any<boolean, number, string>', 'null')]);
  // local-reference-nested: the keys of any<array[string], number, object<bar: string>> (Keys of an Any skips scalars)
  t.same(errors(body('a = [["foo"], 0, {"bar": "baz"}, 2]', 'b = [0, 1, 2, 3]', 'a[b[_]][k] = v', 'k = null')), [match('any<number, string>', 'null')]);
  // dynamic-object-value: m[k] types k before the unification of the two objects
  t.same(errors(body('m = {"a": "b", "c": "d"}', '{k: [v]} = {k: [m[k]]}', 'abs(k)')), [abs('string')]);
  // sets: a set literal's members are typed when the variables in it are (x = {1, 2} comes first)
  t.same(errors(body('x = {1, 2}', 'y = {{"foo", 1}, x}', 'y[_] = 1')), [match('any<set[any<number, string>], set[number]>', 'number')]);
  // the first ref in check order types the key; a later one checks it
  t.same(first(errors(body('x := ["a"]', 'x[i]', 'y := {"k": 1}', 'y[i]'))), ['rego_type_error: undefined ref: y[i]']);
});

t.test('what OPA accepts still compiles', async (t) => {
  const lib = 'package a.b\n\np := 1\n';
  const ok = [
    // a constant below the first two levels, or a level no rule is at, is not checked
    [lib, 'package z\n\nq if data.a.b[1]\n'],
    [lib, 'package z\n\nq if data.x[1]\n'],
    [lib, 'package z\n\nq if {\n\tx := "b"\n\tdata.a[x]\n}\n'],
    [lib, 'package z\n\nq if data.a[input.k]\n'],
    [lib, 'package z\n\nq if {\n\tsome k\n\tdata.a[k].p == 1\n}\n'],
    [body('y = "a"', 'x = y', 'upper(x)')],
    [body('x = input.a', 'y = x', 'upper(y)')],
    [body('[a, b] = split(input.s, ".")', 'a == b')],
    // a name some/:= declares may be several variables: not typed by unification
    [body('x = 1', 'ys := [x | some x in ["a"]; upper(x)]')],
    [body('x = 1', 'ys := [y | y := "a"; upper(y)]')],
    // an else body is typed on its own
    ['package p\n\nq := x if {\n\tx = 1\n} else := x if {\n\tx = "a"\n\tupper(x)\n}\n'],
    // unified inside a closure only: the closure's own variable
    [body('ys := [x | x = "a"; upper(x)]', 'zs := [x | x = 1; abs(x)]')],
    // a ref key into data is first a local of its own (RewriteDynamicTerms runs before
    // CheckTypes), so only a key of a known non-string type is refused: check_test.go's
    // `data.test[arr[0]]` is checked without that stage (data.a[input.k] above)
    [lib, 'package z\n\nq if {\n\tarr := ["b"]\n\tdata.a[arr[0]].p == 1\n}\n'],
    // a key of unknown type stays unknown
    [body('x = input.a', 'x[i]', 'upper(i)')],
    [body('s = {[1, 2], input.x}', 's[[x, y]]', 'upper(x)')],
  ];
  for (const mods of ok) t.same(errors(...mods), [], mods.join(' ||| '));
});
