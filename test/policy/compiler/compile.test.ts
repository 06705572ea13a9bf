import t from 'tap';
import { createJsEvaluator } from '../../../src/policy/backend/js/index.js';
import { compileToPlan, CompileErrors } from '../../../src/policy/compiler/index.js';
import { RegoError } from '../../../src/policy/errors.js';
import { fromJs, toJs, type Value } from '../../../src/policy/value/index.js';

/** Compiles `text` with `query`, evaluates it and returns the result rows as plain JS. */
function run(text: string | string[], query: string, input?: unknown, data?: unknown, regoVersion: 'v0' | 'v1' = 'v1'): unknown[] {
  const mods = (Array.isArray(text) ? text : [text]).map((m, i) => ({ file: `m${i}.rego`, text: m }));
  const policy = compileToPlan(mods, { query, regoVersion });
  const ev = createJsEvaluator(policy, data === undefined ? {} : { data: fromJs(data) });
  return ev.evaluate('eval', input === undefined ? undefined : fromJs(input)).map((v: Value) => toJs(v));
}

function compileErr(text: string | string[], query = 'x = 1'): CompileErrors {
  const mods = (Array.isArray(text) ? text : [text]).map((m, i) => ({ file: `m${i}.rego`, text: m }));
  try {
    compileToPlan(mods, { query });
  } catch (e) {
    if (e instanceof CompileErrors) return e;
    throw e;
  }
  throw new Error('expected compile errors');
}

function evalErr(fn: () => unknown): RegoError {
  try {
    fn();
  } catch (e) {
    if (e instanceof RegoError) return e;
    throw e;
  }
  throw new Error('expected an evaluation error');
}

t.test('complete, partial set, partial object, functions, default, else', async (t) => {
  const mod = `package app
default allow := false
allow if input.user == "alice"
admins contains u if { some u in input.users; startswith(u, "adm") }
by_name[n] := u if { some u in input.people; n := u.name }
double(x) := y if y := x * 2
grade(s) := "a" if s >= 90 else := "b" if s >= 80 else := "c"
`;
  const input = { user: 'bob', users: ['adm1', 'x', 'adm2'], people: [{ name: 'a', age: 1 }] };
  t.same(run(mod, 'x = data.app.allow', input), [{ x: false }]);
  t.same(run(mod, 'x = data.app.allow', { user: 'alice' }), [{ x: true }]);
  t.same(run(mod, 'x = data.app.admins', input), [{ x: ['adm1', 'adm2'] }]);
  t.same(run(mod, 'x = data.app.by_name.a.age', input), [{ x: 1 }]);
  t.same(run(mod, 'x = data.app.double(21)', input), [{ x: 42 }]);
  t.same(run(mod, 'x := [data.app.grade(95), data.app.grade(85), data.app.grade(1)]'), [{ x: ['a', 'b', 'c'] }]);
});

t.test('iteration, unification, body reordering, negation, every, comprehensions', async (t) => {
  const mod = `package q
pairs contains [k, v] if { v == 2; some k; input.o[k] = v }
unif if { [a, b] = [1, x]; x = 2; a + b == 3 }
none_neg if { not input.xs[_] == -1 }
all_pos if { every x in input.xs { x > 0 } }
sq := [y | some x in input.xs; y := x * x]
keys := {k | input.o[k]}
inv := {v: k | some k, v in input.o}
`;
  const input = { o: { a: 1, b: 2, c: 2 }, xs: [1, 2, 3] };
  t.same(run(mod, 'x = data.q.pairs', input), [{ x: [['b', 2], ['c', 2]] }]);
  t.same(run(mod, 'x = data.q.unif', input), [{ x: true }]);
  t.same(run(mod, 'x = data.q.none_neg', input), [{ x: true }]);
  t.same(run(mod, 'x = data.q.none_neg', { xs: [1, -1] }), []);
  t.same(run(mod, 'x = data.q.all_pos', input), [{ x: true }]);
  t.same(run(mod, 'x = data.q.all_pos', { xs: [1, 0] }), []);
  t.same(run(mod, 'x = data.q.sq', input), [{ x: [1, 4, 9] }]);
  t.same(run(mod, 'x = data.q.keys', input), [{ x: ['a', 'b', 'c'] }]);
  t.same(run(mod, 'data.q.inv = x', { o: { a: 1, b: 2 } }), [{ x: { 1: 'a', 2: 'b' } }]);
  t.same(run(mod, 'x = y; y = 1'), [{ x: 1, y: 1 }]);
  t.same(run(mod, 'some i; [10, 20][i] = v').length, 2);
});

t.test('virtual documents merge with base data; ref heads; with', async (t) => {
  const mod = `package v
a.b.c := 1
d[x].e := x if some x in ["k1", "k2"]
r := input.n + 1
s := r * 10
`;
  t.same(run(mod, 'x = data.v', undefined, { v: { base: true } }), [{ x: { a: { b: { c: 1 } }, d: { k1: { e: 'k1' }, k2: { e: 'k2' } }, base: true } }]);
  t.same(run(mod, 'x = data.v.d.k2.e'), [{ x: 'k2' }]);
  t.same(run(mod, 'x = data.v.s with input.n as 4'), [{ x: 50 }]);
  t.same(run(mod, 'x = data.v.s with data.v.r as 7'), [{ x: 70 }]);
  t.same(run(mod, 'x = count([1, 2]) with count as 9'), [{ x: 9 }]);
});

t.test('complete rules with different values: eval_conflict_error at run time', async (t) => {
  const e = evalErr(() => run('package c\np := 1 if true\np := 2 if true', 'x = data.c.p'));
  t.equal(e.opaCode, 'eval_conflict_error');
});

t.test('compile errors: codes and positions', async (t) => {
  let e = compileErr('package e\np if { x > 1 }');
  t.equal(e.code, 'REGO_ERR_UNSAFE_VAR');
  t.equal(e.opaCode, 'rego_unsafe_var_error');
  t.same([e.errors[0]!.location?.file, e.errors[0]!.location?.line, e.errors[0]!.location?.col], ['m0.rego', 2, 8]);

  e = compileErr('package e\np := y if { x := 1 }');
  t.equal(e.code, 'REGO_ERR_UNSAFE_VAR');

  e = compileErr('package e\np if q\nq if p');
  t.equal(e.code, 'REGO_ERR_RECURSION');
  t.equal(e.opaCode, 'rego_recursion_error');

  e = compileErr('package e\np if count(1, 2, 3, 4)');
  t.equal(e.code, 'REGO_ERR_ARITY');
  t.equal(e.opaCode, 'rego_type_error');
  t.same([e.location?.line, e.location?.col], [2, 6]);

  e = compileErr('package e\np if no_such_fn(1)');
  t.equal(e.code, 'REGO_ERR_UNDEFINED_FUNCTION');

  // at the path's first rule (checkRuleConflicts: node.Values[0].Loc())
  e = compileErr('package e\np := 1\np contains 2');
  t.equal(e.code, 'REGO_ERR_RULE_CONFLICT');
  t.equal(e.opaCode, 'rego_type_error');
  t.same([e.location?.line, e.location?.col], [2, 1]);

  e = compileErr('package e\nf(x) := 1\nf(x, y) := 2');
  t.equal(e.code, 'REGO_ERR_RULE_CONFLICT');

  e = compileErr('package e\np := [1');
  t.equal(e.opaCode, 'rego_parse_error');
  t.match(e.render(), /m0\.rego:2:/);
});

t.test('entrypoints plan {"result": value} rows', async (t) => {
  const policy = compileToPlan([{ file: 'g.rego', text: 'package gateway\ndecision := {"allow": input.ok}' }], { entrypoints: ['gateway/decision'] });
  const ev = createJsEvaluator(policy);
  t.same(ev.plans, ['gateway/decision']);
  t.same(ev.evaluate('gateway/decision', fromJs({ ok: true })).map((v) => toJs(v)), [{ result: { allow: true } }]);
  t.same(ev.evaluate('gateway/decision', fromJs({})).map((v) => toJs(v)), []);
});

t.test('v1 extras: metadata, walk, template with, dynamic data keys', async (t) => {
  const mod = `# METADATA
# description: pkg docs
package m

# METADATA
# title: the rule
# authors:
# - Ann <ann@example.com>
chain := rego.metadata.chain()
walked := [p | walk({"a": [1]}, [p, 1])]
msg := $"v={a with input as {"a": 42}} u={input.missing}"
a := input.a
`;
  t.same(run(mod, 'x = data.m.chain'), [{ x: [
    { annotations: { title: 'the rule', authors: [{ name: 'Ann', email: 'ann@example.com' }], scope: 'rule' }, path: ['m', 'chain'] },
    { annotations: { description: 'pkg docs', scope: 'package' }, path: ['m'] },
  ] }]);
  t.same(run(mod, 'x = data.m.walked'), [{ x: [['a', 0]] }]);
  t.same(run(mod, 'x = data.m.msg', {}), [{ x: 'v=42 u=<undefined>' }]);
  // a data key known only at run time does not make unrelated rules recursive (OPA issue 7399)
  const dyn = ['package test\np := data[k].allow.x if k := "primary"', 'package primary\nallow.x := 1\nallow[y].z := 2 if y := "q"'];
  t.same(run(dyn, 'x = data.test.p'), [{ x: 1 }]);
});

t.test('safety ordering and unification edge cases', async (t) => {
  const mod = `package u
fix := foo if { some foo; foo == input.xs[foo] }
obj if { {"a": [x], "b": y} = {"a": [1], "b": x}; y == 1 }
comp_before_decl := x if { y := {x | some x in [1, 2]}; x := count(y) }
tmpl_arg := f("foo bar")
f($"{x} {input.y}") := 42 if x = "foo"
`;
  const input = { xs: [2, 1, 0], y: 'bar' };
  t.same(run(mod, 'x = data.u.fix', input), [{ x: 1 }]);
  t.same(run(mod, 'x = data.u.obj', input), [{ x: true }]);
  t.same(run(mod, 'x = data.u.comp_before_decl', input), [{ x: 2 }]);
  t.same(run(mod, 'x = data.u.tmpl_arg', input), [{ x: 42 }]);
  const e = compileErr('package r\np if { x := 1; x := 2 }');
  t.equal(e.code, 'REGO_ERR_VAR_REDECLARED');
  t.equal(e.opaCode, 'rego_compile_error');
});

t.test('with: function mocks call originals; input restored after the literal', async (t) => {
  const mod = `package w
mock_count(xs) := count(xs) + 100
p := x if { x := count([1, 2]) with count as mock_count }
q := [x, y] if { x = input with input as "a"; y = input }
`;
  t.same(run(mod, 'x = data.w.p'), [{ x: 102 }]);
  t.same(run(mod, 'x = data.w.q', 'b'), [{ x: ['a', 'b'] }]);
});

t.test('v0 syntax: partial sets without contains, multiple bodies', async (t) => {
  const mod = `package v0
s[x] { x := input.xs[_] }
t["lit"]
either { input.a } { input.b }
`;
  t.same(run(mod, 'x = data.v0.s', { xs: [1, 2] }, undefined, 'v0'), [{ x: [1, 2] }]);
  t.same(run(mod, 'x = data.v0.t', undefined, undefined, 'v0'), [{ x: ['lit'] }]);
  t.same(run(mod, 'x = data.v0.either', { b: true }, undefined, 'v0'), [{ x: true }]);
  t.same(run(mod, 'x = data.v0.either', {}, undefined, 'v0'), []);
});

t.test('print: operands become sets, undefined prints <undefined>', async (t) => {
  const policy = compileToPlan([{ file: 'p.rego', text: 'package pr\np if { print("hi", input.missing, 1) }' }], { query: 'data.pr.p = x' });
  const lines: string[] = [];
  const rows = createJsEvaluator(policy).evaluate('eval', fromJs({}), { print: (m) => lines.push(m) });
  t.same(rows.map((v) => toJs(v)), [{ x: true }]);
  t.equal(lines.length, 1);
  t.match(lines[0], /hi <undefined> 1/);
});
