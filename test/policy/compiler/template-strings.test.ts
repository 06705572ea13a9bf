/**
 * Template strings at compile time, as OPA's RewriteTemplateStrings stage checks them (issue #16,
 * audit of compile_test.go TestCompilerRewriteTemplateStrings*): each `{expr}` closes over the
 * variables the body binds — anywhere in the body, not only before — and binds none of its own,
 * so a wildcard, a ref key nothing else binds or an undeclared name is "var x is undeclared", a
 * rego_compile_error located at the expression; `walk` (a relation) is refused. Valid templates,
 * with `with` inside and outside, evaluate on both engines.
 */
import t from 'tap';
import { compileToPlan, CompileErrors } from '../../../src/policy/compiler/index.js';
import { createEvaluator } from '../../../src/policy/index.js';
import { fromJs, toJs } from '../../../src/policy/value/index.js';

interface Seen {
  code: string;
  opa: string | undefined;
  at: string | undefined;
  message: string;
}

function errs(text: string, query?: string): Seen[] {
  try {
    compileToPlan([{ file: 't.rego', text }], query === undefined ? {} : { query });
  } catch (e) {
    if (e instanceof CompileErrors) return e.errors.map((x) => ({ code: x.code, opa: x.opaCode, at: x.location === undefined ? undefined : `${x.location.line}:${x.location.col}`, message: x.message }));
    throw e;
  }
  return [];
}

const undeclared = (v: string, at: string): Seen => ({ code: 'REGO_ERR_TEMPLATE_EXPR', opa: 'rego_compile_error', at, message: `var ${v} is undeclared` });

t.test('a variable the body does not bind is undeclared, in heads, bodies, closures and every', async (t) => {
  t.same(errs('package test\np := $"{x}"'), [undeclared('x', '2:9')]);
  t.same(errs('package test\np := msg if {\n\tmsg := $"{x}"\n}'), [undeclared('x', '3:12')]);
  t.same(errs('package test\np := $"{$"{x}"}"'), [undeclared('x', '2:12')]);
  // nothing else binds the wildcard or the key: the template would iterate
  t.same(errs('package test\np := msg if {\n\ta := ["a", "b"]\n\tmsg := $"{a[_]}"\n}'), [undeclared('_', '4:12')]);
  t.same(errs('package test\np := msg if {\n\ta := ["a", "b"]\n\tmsg := $"{a[x]}"\n}'), [undeclared('x', '4:12')]);
  const a = 'package test\na := ["a", "b"]\n';
  t.same(errs(`${a}p := [x | x := $"{a[_]}"]`), [undeclared('_', '3:19')]);
  t.same(errs(`${a}p := [$"{a[_]}" | x := 42]`), [undeclared('_', '3:10')]);
  t.same(errs(`${a}p := {x | x := $"{a[_]}"}`), [undeclared('_', '3:19')]);
  t.same(errs(`${a}p := {x: y | x := $"{a[_]}"; y := 42}`), [undeclared('_', '3:22')]);
  t.same(errs(`${a}p := {$"{a[_]}": 42 | x := 42}`), [undeclared('_', '3:10')]);
  t.same(errs(`${a}p := {42: $"{a[_]}" | x := 42}`), [undeclared('_', '3:14')]);
  // every's domain is outside its scope, its body inside
  t.same(errs('package test\np if {\n\tevery x in {"a", $"{x}"} {\n\t\tx != "b"\n\t}\n}'), [undeclared('x', '3:22')]);
  t.same(errs('package test\np if {\n\tevery x in {"a", "b"} {\n\t\tx != $"{y}"\n\t}\n}'), [undeclared('y', '4:11')]);
  t.same(errs('package test\np := x if {\n\tx := $"{y}"\n}', 'z := $"{w}"').map((e) => e.message).sort(), ['var w is undeclared', 'var y is undeclared']);
});

t.test('this stage reports alone: not the unsafe variables a later stage would', async (t) => {
  // OPA issue #8157: labels is unsafe, but the template stage runs first and names label
  t.same(errs('package test\nitems contains item if {\n\tsome label in labels\n\titem := $"{label}"\n}'), [undeclared('label', '4:13')]);
});

t.test('walk, a relation, may not be a template expression', async (t) => {
  t.same(errs('package test\np := $"{walk(["a", "b"])}"'), [
    { code: 'REGO_ERR_TEMPLATE_EXPR', opa: 'rego_compile_error', at: '2:9', message: "illegal call to relation built-in 'walk' that may cause multiple outputs" },
  ]);
});

const MOD = `package test

a := input
b := input

with_inside := $"{a with input as 42} {a with input as {"x": true}}"

with_outside if {
	$"{a} {b}" with input as 42
}

s := input.x + input.y

both := x if {
	x := $"{s with input.x as 1}" with input.y as 2
}

# bound by a later literal of the body: OPA takes the whole body's output variables
later := msg if {
	msg := $"{x}"
	x = 42
}

# a ref key bound elsewhere selects, it does not iterate
key := msg if {
	xs := ["a", "b"]
	i := 1
	msg := $"{xs[i]}"
}

f(x, y) := $"{x}-{y}-{z}" if z := x + y

call := f(1, 2)
`;

for (const engine of ['js', 'wasm'] as const) {
  t.test(`${engine}: valid templates evaluate as OPA's rewrite does`, async (t) => {
    const policy = compileToPlan([{ file: 't.rego', text: MOD }], { query: 'x = data.test' });
    const ev = await createEvaluator(policy, { engine });
    const [row] = ev.evaluate('eval', fromJs({ x: 10, y: 20 })).map((v) => toJs(v)) as [{ x: Record<string, unknown> }];
    t.same(
      { ...row.x, a: undefined, b: undefined, s: undefined },
      { a: undefined, b: undefined, s: undefined, with_inside: '42 {"x": true}', with_outside: true, both: '3', later: '42', key: 'b', call: '1-2-3' },
    );
  });
}
