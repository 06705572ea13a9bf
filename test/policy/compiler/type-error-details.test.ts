/**
 * Type errors as OPA prints them (ast/check.go's error details, issue #16): builtin operands
 * named as OPA's declarations name them, arity errors with their have/want detail, and the types
 * OPA gives partial object rules, levels of data above rules and constant keys of sets — each
 * case with the code and the message text `opa check` prints.
 */
import t from 'tap';
import { opaErrors } from './opa-errors.js';

const errors = opaErrors;

const COLLECTION = 'collection: any<string, array[any], object[any: any], set[any]>';

t.test("the wanted signature names the operands and the result as OPA's declarations do", async (t) => {
  t.same(errors('package p\nq := 1 + "a"'), ['rego_type_error: plus: invalid argument(s)\n\thave: (number, string, ???)\n\twant: (x: number, y: number, z: number)']);
  t.same(errors('package p\nq := count(1)'), [`rego_type_error: count: invalid argument(s)\n\thave: (number, ???)\n\twant: (${COLLECTION}, n: number)`]);
  // a statement call has no output, but OPA's wanted signature still ends with the result
  t.same(errors('package p\nq if count(1)'), [`rego_type_error: count: invalid argument(s)\n\thave: (number)\n\twant: (${COLLECTION}, n: number)`]);
  t.same(errors('package p\nq := object.get(1, "a", 2)'), ['rego_type_error: object.get: invalid argument(s)\n\thave: (number, string, number, ???)\n\twant: (object: object[any: any], key: any, default: any, value: any)']);
  // a function of the policy has no names
  t.same(errors('package p\nf(x) := y if y := x + 1\nq := f("a")'), ['rego_type_error: data.p.f: invalid argument(s)\n\thave: (string, ???)\n\twant: (number, number)']);
  // a with replacement: the target's named operands, the replacement's plain types
  t.same(errors('package p\nq if count([1]) with count as concat'), [`rego_type_error: count: arity mismatch\n\thave: (string, any<array[string], set[string]>)\n\twant: (${COLLECTION})`]);
});

t.test("a builtin's arity error carries OPA's detail: operand types as checkUndefinedFuncs sees them", async (t) => {
  // statement: the operands; constants typed, collections member by member
  t.same(errors('package p\nq if count([1], "a", {"k": 1})'), [`rego_type_error: count: arity mismatch\n\thave: (array<number>, string, object<k: number>)\n\twant: (${COLLECTION})`]);
  // a call used as a value has the output OPA added (unknown), a local is unknown, input any
  t.same(errors('package p\nq if {\n\tx := 1\n\ty := count(x, input.a)\n}'), [`rego_type_error: count: arity mismatch\n\thave: (???, any, ???)\n\twant: (${COLLECTION})`]);
  t.same(errors('package p\nq := count()'), [`rego_type_error: count: arity mismatch\n\thave: (???)\n\twant: (${COLLECTION})`]);
  // set() is an empty set literal, a nested call an unknown local
  t.same(errors('package p\nq := upper({1, "a"}, set(), lower("A"))'), ['rego_type_error: upper: arity mismatch\n\thave: (set[any<number, string>], set[any], ???, ???)\n\twant: (x: string)']);
});

t.test('a function of the policy called with the wrong number of arguments: singular and plural as OPA', async (t) => {
  t.same(errors('package p\ng(x, y) := 1\nq := g(1)'), ['rego_type_error: function data.p.g has arity 2, got 1 argument']);
  t.same(errors('package p\nf(x) := 1\nq := f(1, 2)'), ['rego_type_error: function data.p.f has arity 1, got 2 arguments']);
});

t.test("a partial object rule's type is an object of its key and value types (OPA's nestedObject)", async (t) => {
  t.same(errors('package p\np[k] := 1 if some k in ["a"]\nq := p.a.b'), ['rego_type_error: undefined ref: data.p.p.a.b\n\tdata.p.p.a.b\n\t^^^^^^^^^^\n\thave: number']);
  t.same(errors('package p\nobj[k] := "v" if some k in {"x", "y"}\nr := obj.x + 1'), ['rego_type_error: plus: invalid argument(s)\n\thave: (string, number, ???)\n\twant: (x: number, y: number, z: number)']);
  // a key of another type than the keys' cannot select
  t.same(errors('package p\np[k] := 1 if some k in [1, 2]\nq := p.a'), ['rego_type_error: undefined ref: data.p.p.a\n\tdata.p.p.a\n\t         ^\n\t         have: "a"\n\t         want (type): number']);
  // two levels of keys, and several rules merged: keys joined, values joined
  t.same(errors('package p\na.b[x][y] := 1 if { some x in ["k"]; some y in ["l"] }\nq := a.b.k.l.m'), ['rego_type_error: undefined ref: data.p.a.b.k.l.m\n\tdata.p.a.b.k.l.m\n\t^^^^^^^^^^^^^^\n\thave: number']);
  // a value of several scalar types has no keys either
  t.same(errors('package p\np[k] := 1 if some k in ["a"]\np[k] := "s" if some k in [1]\nq := p.a.b'), ['rego_type_error: undefined ref: data.p.p.a.b\n\tdata.p.p.a.b\n\t^^^^^^^^^^\n\thave: any<number, string>']);
  t.same(errors('package p\np[k] := 1 if some k in ["a"]\np[k] := "s" if some k in [1]\nq := upper(p.a)'), []);
  t.same(errors('package p\np[k] := 1 if some k in ["a"]\np[k] := "s" if some k in [1]\nq := p[true]'), ['rego_type_error: undefined ref: data.p.p[true]\n\tdata.p.p[true]\n\t         ^\n\t         have: true\n\t         want (type): any<number, string>']);
  // from another package
  t.same(errors('package a\nm[k] := 1 if some k in ["x"]', 'package b\nq := data.a.m.x.y'), ['rego_type_error: undefined ref: data.a.m.x.y\n\tdata.a.m.x.y\n\t^^^^^^^^^^\n\thave: number']);
  // what OPA cannot type stays any: unknown keys or values, a default or other rule at the path
  for (const text of [
    'package p\np[k] := input.v if some k in input.ks\nq := p.a.b',
    'package p\np[k] := 1 if some k in input.ks\nq := p.a',
    'package p\np[k] := 1 if some k in ["a"]\np.z.w := 2\nq := p.a.b',
    'package p\np[k] := {"x": 1} if some k in ["a"]\nq := p.a.x',
  ]) t.same(errors(text), [], text);
});

t.test('a constant key of a set selects a member of its type, or is refused (selectConstant)', async (t) => {
  t.same(errors('package p\ns contains 1 if true\nq if s.a'), ['rego_type_error: undefined ref: data.p.s.a\n\tdata.p.s.a\n\t         ^\n\t         have: "a"\n\t         want (type): number']);
  t.same(errors('package p\nq if {\n\tx := {"a"}\n\tx["b"] = null\n}'), ['rego_type_error: match error\n\tleft  : string\n\tright : null']);
  t.same(errors('package p\ns contains 1 if true\nq if s[1]'), []);
  t.same(errors('package p\ns contains x if some x in input.xs\nq if s.a'), []);
});

t.test('a level of data above rules is the object of what is below it (getRefRecExtent)', async (t) => {
  const a = 'package a\nb.c := 1\nd := "x"';
  t.same(errors(a, 'package q\nx := data.a + 1'), ['rego_type_error: plus: invalid argument(s)\n\thave: (object<b: object<c: number>[string: any], d: string>[string: any], number, ???)\n\twant: (x: number, y: number, z: number)']);
  t.same(errors(a, 'package q\nx if {\n\tv := data.a\n\tv.d.foo\n}'), ['rego_type_error: undefined ref: v.d.foo\n\tv.d.foo\n\t^^^\n\thave: string']);
  // an imported package is that object too
  t.same(errors(a, 'package q\nimport data.a\nx := a + 1'), ['rego_type_error: plus: invalid argument(s)\n\thave: (object<b: object<c: number>[string: any], d: string>[string: any], number, ???)\n\twant: (x: number, y: number, z: number)']);
  // any other key may come from base documents
  t.same(errors(a, 'package q\nx := data.a.other.y\ny := count(data.a)'), []);
});

t.test('a variable key of a known type that no key has: "have (type)" as OPA prints a typed operand', async (t) => {
  t.same(errors('package p\nr if {\n\tx := [1]\n\ty := "a"\n\tx[y]\n}'), ['rego_type_error: undefined ref: x[y]\n\tx[y]\n\t  ^\n\t  have (type): string\n\t  want (type): number']);
});

t.test('a variable unified with a declared one takes its type (unify2: y := 1; x = y)', async (t) => {
  t.same(errors('package p\nr if {\n\ty := 1\n\tx = y\n\tx.foo\n}'), ['rego_type_error: undefined ref: x.foo\n\tx.foo\n\t^\n\thave: number']);
  t.same(errors('package p\nr if {\n\ty := 1\n\ty = x\n\tupper(x)\n}'), ['rego_type_error: upper: invalid argument(s)\n\thave: (number)\n\twant: (x: string, y: string)']);
  // y bound by a unification of unknown type: x stays unknown
  t.same(errors('package p\nr if {\n\tx = y\n\ty = input.a\n\tx.foo\n}'), []);
});

t.test("a partial object rule's keys and values type the variables that iterate it", async (t) => {
  const p = 'package p\np[k] := 1 if some k in ["a"]\n';
  t.same(errors(`${p}r if {\n\tp[x]\n\tx + 1\n}`), ['rego_type_error: plus: invalid argument(s)\n\thave: (string, number)\n\twant: (x: number, y: number, z: number)']);
  t.same(errors(`${p}r if {\n\tsome v in p\n\tupper(v)\n}`), ['rego_type_error: upper: invalid argument(s)\n\thave: (number)\n\twant: (x: string, y: string)']);
  t.same(errors(`${p}r if {\n\tsome k, v in p\n\tupper(k)\n\tv + 1\n}`), []);
});

t.test('objects of several shapes: a key selects in the members that have it (types.Select of an Any)', async (t) => {
  const q = 'package p\nq := {"a": 1} if input.x\nq := {"b": "s"} if input.y\n';
  t.same(errors(`${q}r := q.c`), ['rego_type_error: undefined ref: data.p.q.c\n\tdata.p.q.c\n\t         ^\n\t         have: "c"\n\t         want (one of): ["a" "b"]']);
  t.same(errors(`${q}r := upper(q.a)`), ['rego_type_error: upper: invalid argument(s)\n\thave: (number, ???)\n\twant: (x: string, y: string)']);
  t.same(errors(`${q}r := q.a + 1\ns := upper(q.b)\nt := q[input.k]`), []);
});
