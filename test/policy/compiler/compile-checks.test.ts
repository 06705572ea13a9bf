/**
 * The compile checks of OPA's stage list (ast/compile.go) other than type checking, each with
 * OPA's error kind, message and line: rule conflicts (kinds, arities, defaults, rules below a
 * value rule, a package at a rule's path), recursion with its cycle, arity of builtins and of
 * `with` replacements, what `:=` may assign, undeclared print operands and void calls.
 */
import t from 'tap';
import { compileToPlan, CompileErrors } from '../../../src/policy/compiler/index.js';
import { defaultRegistry } from '../../../src/policy/builtins/index.js';
import { registryWithCapabilities } from '../../../src/policy/builtins/capabilities.js';

interface Seen {
  opa: string | undefined;
  line: number | undefined;
  message: string;
}

function errs(files: Record<string, string>): Seen[] {
  try {
    compileToPlan(Object.entries(files).map(([file, text]) => ({ file, text })), {});
  } catch (e) {
    if (e instanceof CompileErrors) return e.errors.map((x) => ({ opa: x.opaCode, line: x.location?.line, message: x.message }));
    throw e;
  }
  return [];
}

const one = (text: string): Seen[] => errs({ 'm.rego': text });

t.test('rule conflicts: kinds and arities', async (t) => {
  // one error per path, at its first rule, named by its last rule's ref (checkRuleConflicts)
  t.same(one('package p\nf(a) := 1\nf(a, b) := 2'), [{ opa: 'rego_type_error', line: 2, message: 'conflicting rules data.p.f found' }]);
  t.same(one('package p\nx := 1\nx contains 2'), [{ opa: 'rego_type_error', line: 2, message: 'conflicting rules data.p.x found' }]);
  t.same(one('package p\nf(a) := 1\nf := 2'), [{ opa: 'rego_type_error', line: 2, message: 'conflicting rules data.p.f found' }]);
  t.same(one('package p\np contains x if { x = 1 }\np[x] = y if { x = y; x = "a" }'), [{ opa: 'rego_type_error', line: 2, message: 'conflicting rules data.p.p[x] found' }]);
  t.same(one('package p\nq := 1\nq[r] := 2 if { r := "foo" }\nq[s] := 3 if { s := "bar" }'), [{ opa: 'rego_type_error', line: 2, message: 'conflicting rules data.p.q[s] found' }]);
  t.same(one('package p\nq contains 1\nq = {1, 2, 3}'), [{ opa: 'rego_type_error', line: 2, message: 'conflicting rules data.p.q found' }]);
  // same kind and arity, several definitions: no conflict at compile time
  t.same(one('package p\nf(a) := 1 if a > 0\nf(a) := 2 if a < 0\nx := 1 if input.a\nx := 2 if input.b'), []);
});

t.test('multiple default rules: every location named, at the package', async (t) => {
  t.same(one('package p\n\ndefault x := 1\ndefault x := 2\n'), [
    { opa: 'rego_type_error', line: 1, message: 'multiple default rules data.p.x found at m.rego:3, m.rego:4' },
  ]);
  t.same(one('package p\ndefault x := 1\nx := 2 if input.a'), []);
});

t.test('a value rule with rules below it, and a package at the path of a rule', async (t) => {
  t.same(one('package p\nq.r := 1\nq.r.s := 2\nq.r.t.u := 3'), [
    { opa: 'rego_type_error', line: 2, message: 'rule data.p.q.r conflicts with [data.p.q.r.s data.p.q.r.t.u]' },
  ]);
  t.same(errs({ 'a.rego': 'package p\n\nq := 1', 'b.rego': 'package p.q\n' }), [
    { opa: 'rego_type_error', line: 1, message: 'package p.q conflicts with rule q defined at a.rego:3' },
  ]);
  const both = errs({ 'a.rego': 'package p\nq := 1', 'b.rego': 'package p.q\nr := 1' }).map((e) => e.message);
  t.same(both, ['rule data.p.q conflicts with [data.p.q.r]', 'package p.q conflicts with rule q defined at a.rego:2']);
  // a partial object's rules below it are fine
  t.same(one('package p\nq[k] := 1 if some k in ["a"]\nq.b.c := 2'), []);
});

t.test('recursion names the cycle', async (t) => {
  const e = one('package p\na if b\nb if c\nc if a');
  t.equal(e[0]?.opa, 'rego_recursion_error');
  t.equal(e[0]?.message, 'rule data.p.a is recursive: data.p.a -> data.p.b -> data.p.c -> data.p.a');
  t.same(one('package p\nf(x) := g(x)\ng(x) := f(x)')[0]?.message, 'rule data.p.f is recursive: data.p.f -> data.p.g -> data.p.f');
  // a rule with variables in its head ref is named by that ref (compile_test.go TestCompilerCheckRecursion)
  t.same(one('package p\nnp[x] = y if { data.a[data.b.c[nq[x]]] = y }\nnq[x] = y if { data.d[data.e[x].f[np[y]]] }')[0]?.message, 'rule data.p.np[x] is recursive: data.p.np[x] -> data.p.nq[x] -> data.p.np[x]');
  t.same(errs({ 'a.rego': 'package rec3\np[x] = y if { data.rec4[x][y] = z }', 'b.rego': 'package rec4\nimport data.rec3.p\nq[x] = y if { p[x] = y }' })[0]?.message, 'rule data.rec3.p[x] is recursive: data.rec3.p[x] -> data.rec4.q[x] -> data.rec3.p[x]');
});

t.test('arity: builtins and user functions, and function replacements in with', async (t) => {
  t.same(one('package p\nq if count([1], 2, 3)'), [{ opa: 'rego_type_error', line: 2, message: 'count: arity mismatch\n\thave: (array<number>, number, number)\n\twant: (collection: any<string, array[any], object[any: any], set[any]>)' }]);
  t.same(one('package p\nq := count()'), [{ opa: 'rego_type_error', line: 2, message: 'count: arity mismatch\n\thave: (???)\n\twant: (collection: any<string, array[any], object[any: any], set[any]>)' }]);
  t.same(one('package p\nf(x) := 1\nq if f(1, 2, 3)'), [{ opa: 'rego_type_error', line: 3, message: 'function data.p.f has arity 1, got 3 arguments' }]);
  // one more operand than the arity is the output
  t.same(one('package p\nq if count([1], 1)'), []);
  // with the replacement's argument types and the target's (OPA's checkExprWith)
  t.same(one('package p\nf(x) := 1\ng(x, y) := 2\nq if f(1) with f as g'), [{ opa: 'rego_type_error', line: 4, message: 'data.p.f: arity mismatch\n\thave: (any, any)\n\twant: (any)' }]);
  t.same(one('package p\nq if count([1]) with count as concat'), [{ opa: 'rego_type_error', line: 2, message: 'count: arity mismatch\n\thave: (string, any<array[string], set[string]>)\n\twant: (collection: any<string, array[any], object[any: any], set[any]>)' }]);
  t.same(one('package p\nf(x) := 1\ng(x) := 2\nq if f(1) with f as g\nr if count([1]) with count as g'), []);
});

t.test('with: builtins that may not be replaced, and replacements whose argument types differ', async (t) => {
  // OPA's validateWithBuiltinTarget (stage RewriteWithValues), at the target
  const refused = (target: string): string => `with keyword replacing built-in function: ${target}`;
  t.same(one('package p\nmy_walk(_, _)\nq if { true with walk as my_walk }'), [{ opa: 'rego_compile_error', line: 3, message: refused('target must not be a relation') }]);
  t.same(one('package p\nmy_eq(_, _)\nq if { true with eq as my_eq }'), [{ opa: 'rego_compile_error', line: 3, message: refused('replacement of "eq" invalid') }]);
  t.same(one('package p\nq if { true with rego.metadata.chain as [] }'), [{ opa: 'rego_compile_error', line: 2, message: refused('replacement of "rego.metadata.chain" invalid') }]);
  t.same(one('package p\nq if { true with rego.metadata.rule as {} }'), [{ opa: 'rego_compile_error', line: 2, message: refused('replacement of "rego.metadata.rule" invalid') }]);
  t.same(one('package p\nmy_print(_, _)\nq if { true with internal.print as my_print }'), [{ opa: 'rego_compile_error', line: 3, message: refused('replacement of internal function "internal.print" invalid') }]);
  t.same(one('package p\nf(_)\nq if { true with print as f }'), [{ opa: 'rego_compile_error', line: 3, message: refused('target must not be a void function') }]);
  // OPA's checkExprWith: same arity, but an argument type that does not unify is an "arity mismatch" too
  t.same(one('package p\nq if { true with http.send as net.lookup_ip_addr }'), [{ opa: 'rego_type_error', line: 2, message: 'http.send: arity mismatch\n\thave: (string)\n\twant: (request: object[string: any])' }]);
  t.same(one('package p\nhttp_send(_, _) = {"body": "nope"}\nq if { http.send({}) with http.send as http_send }'), [{ opa: 'rego_type_error', line: 3, message: 'http.send: arity mismatch\n\thave: (any, any)\n\twant: (request: object[string: any])' }]);
  t.same(one('package p\noriginal(_)\nq if { original([1]) with original as concat }'), [{ opa: 'rego_type_error', line: 3, message: 'data.p.original: arity mismatch\n\thave: (string, any<array[string], set[string]>)\n\twant: (any)' }]);
  // compatible replacements, values, functions of one argument
  for (const ok of [
    'now() = 123\nq if { true with time.now_ns as now }',
    'now = 1\nq if { true with time.now_ns as now }',
    'http_send = {"body": "nope"}\nq if { true with http.send as http_send }',
    'q if { true with count as object.union_n }',
    'mock_concat(_, _) = "foo/bar"\nq if { concat("/", input) with concat as mock_concat }',
    'original(_)\nq if { original(true) with original as 123 }',
    'original(_)\nmock(_)\nq if { original(true) with original as mock }',
    'original(_)\nq if { original([1]) with original as count }',
  ]) t.same(one(`package p\n${ok}`), [], ok);
});

t.test('f() of a rule without arguments is checked like r() of a complete rule', async (t) => {
  // compile_test.go "non-built-in function replaced by another, arity 0": the with does not matter
  const msg = [{ opa: 'rego_type_error', line: 4, message: 'undefined function data.p.original' }];
  t.same(one('package p\noriginal() = 1\nmock() = 2\nq if { original() with original as mock }'), msg);
  t.same(one('package p\noriginal() = 1\nmock() = 2\nq if { original() }'), msg);
});

t.test('what := may assign', async (t) => {
  t.same(one('package p\nq if {\n\tnot x := 1\n}'), [{ opa: 'rego_compile_error', line: 3, message: 'cannot assign vars inside negated expression' }]);
  t.same(one('package p\nq if {\n\tinput.x := 1\n}'), [{ opa: 'rego_compile_error', line: 3, message: 'cannot assign to ref' }]);
  t.same(one('package p\nq if {\n\t1 := 1\n}'), [{ opa: 'rego_compile_error', line: 3, message: 'cannot assign to number' }]);
  t.same(one('package p\nq if {\n\t[x, {"a": y}] := [1, {"a": 2}]\n\tx < y\n}'), [], 'array and object patterns of vars');
  // OPA stops at this stage; regate goes on, so x is unsafe after it too: the first error is OPA's
  t.same(one('package p\nq if {\n\t[x, "a"] := [1, "a"]\n\tx\n}')[0], { opa: 'rego_compile_error', line: 3, message: 'cannot assign to string' });
});

t.test('print: operands nothing binds are undeclared; print is no value', async (t) => {
  t.same(one('package p\nq if {\n\tprint(x)\n}'), [{ opa: 'rego_compile_error', line: 3, message: 'var x is undeclared' }]);
  t.same(one('package p\nq if {\n\tx := 1\n\tprint("x", x, input.y)\n}'), []);
  t.same(one('package p\nq := print(1)'), [{ opa: 'rego_type_error', line: 2, message: 'print(1) used as value' }]);
});

t.test('a capabilities builtin declared without a result is no value either (checkVoidCalls)', async (t) => {
  const caps = JSON.stringify({ builtins: [{ name: 'test', decl: { type: 'function', args: [{ type: 'boolean' }] } }] });
  const builtins = registryWithCapabilities(caps, defaultRegistry);
  const compile = (text: string): Seen[] => {
    try {
      compileToPlan([{ file: 'm.rego', text }], { builtins });
    } catch (e) {
      if (e instanceof CompileErrors) return e.errors.map((x) => ({ opa: x.opaCode, line: x.location?.line, message: x.message }));
      throw e;
    }
    return [];
  };
  t.same(compile('package test\np if {\n\tx = test(true)\n}'), [{ opa: 'rego_type_error', line: 3, message: 'test(true) used as value' }]);
  t.same(compile('package test\np if {\n\ttest(true)\n}'), []);
});

t.test('a call term naming a declared local is "called function … shadowed" (rewriteLocalVars)', async (t) => {
  const e = (line: number, name: string): Seen => ({ opa: 'rego_compile_error', line, message: `called function ${name} shadowed` });
  t.same(one('package p\nq := [foo(bar) | foo := 1; bar := 2]'), [e(2, 'foo')]);
  t.same(one('package p\nq := {foo(bar): bar(foo) | foo := 1; bar := 2}'), [e(2, 'foo'), e(2, 'bar')]);
  t.same(one('package p\nq := [baz(foo(bar)) | foo := 1; bar := 2]'), [e(2, 'foo')], 'a nested call');
  t.same(one('package p\nf(g) := x if { x := g(1) }'), [e(2, 'g')], 'a function argument is declared too');
  // a call that is a whole expression is no call term: undefined (checkUndefinedFuncs)
  t.same(one('package p\nq if { foo := 1; foo(2) }').map((x) => x.message), ['undefined function foo']);
  t.same(one('package p\nq := [upper(x) | x := "a"]'), []);
  // only `some`/`:=` (and arguments) declare: a var merely bound by a ref is not on OPA's
  // declared-var stack (StatCan/gatekeeper-policies: `regex.match(xs[regex], val)`)
  t.same(one('package p\nf(xs, v) := r if { r := [m | m = regex.match(xs[regex], v)] }'), []);
  t.same(one('package p\nq if { upper := input.x; y := [lower(upper)] }'), []);
  t.same(one('package p\nq if { x := input.xs[regex]; regex.match(x, "a") == true }'), []);
});

t.test('a call inside a function argument is "rule arguments cannot contain calls"', async (t) => {
  const e = (line: number): Seen => ({ opa: 'rego_compile_error', line, message: 'rule arguments cannot contain calls' });
  t.same(one('package p\nf(1 + 1) = 7'), [e(2)]);
  t.same(one('package p\nf(object.get(x)) if { object := {"a": 1}; object.a == x }'), [e(2)]);
  t.same(one('package p\nf([x, count(x)]) := x'), [e(2)], 'inside an array pattern');
  t.same(one('package p\nf({"a": upper(x)}) := x'), [e(2)], 'an object value');
  t.same(one('package p\nf([1][0]) if { true }'), [], 'an indirect ref is rewritten, not refused');
});
