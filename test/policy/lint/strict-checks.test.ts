/** `check --strict`'s checks on the AST, each located. */
import t from 'tap';
import { strictErrors } from '../../../src/policy/lint/strict-checks.js';
import { parseModule } from '../../../src/policy/syntax/index.js';

function check(text: string): [string, number, number][] {
  return strictErrors(parseModule(text, 's.rego'), text).map((e) => [e.code, e.location?.line ?? 0, e.location?.col ?? 0]);
}

t.test('unused and duplicate imports', (t) => {
  // OPA's checkImports wording, "import must not shadow import data.a.b", for v0 modules too
  t.same(check('package s\n\nimport data.a.b\nimport data.a.b\nimport data.c as d\n\nr if d.x\n'), [
    ['REGO_ERR_DUPLICATE_IMPORT', 4, 1],
    ['REGO_ERR_STRICT', 4, 1],
  ]);
  t.same(check('package s\n\nimport rego.v1\nimport data.a\n\nr if a.x\n'), [], 'rego.v1 and used imports pass');
  t.end();
});

t.test('unused local assignments; used ones pass', (t) => {
  t.same(check('package s\n\nr if {\n\tx := 1\n\ty := 2\n\ty > 1\n}\n'), [['REGO_ERR_STRICT', 4, 2]]);
  t.same(check('package s\n\nr := x if {\n\tx := 1\n}\n'), [], 'read by the head');
  t.end();
});

t.test('deprecated builtins', (t) => {
  t.same(check('package s\n\nr if any([true])\n\nq if re_match("a", "a")\n'), [
    ['REGO_ERR_DEPRECATED_BUILTIN', 3, 6],
    ['REGO_ERR_DEPRECATED_BUILTIN', 5, 6],
  ]);
  // a package's own function of that name is what the call means (OPA resolves it first)
  t.same(check('package s\n\nall(arr) := {x | some x in arr} == {true}\n\np := all([true, false])\n'), []);
  t.end();
});

t.test('messages and locations as OPA prints them: the import as written, at its keyword', (t) => {
  const msgs = (text: string): string[] => strictErrors(parseModule(text, 's.rego'), text).map((e) => `${e.opaCode}@${e.location?.line}:${e.location?.col}:${e.message}`);
  t.same(msgs('package p\nimport data.foo.bar as bar\nr if { input.bar == 11 }\n'), ['rego_compile_error@2:1:import data.foo.bar as bar unused']);
  t.same(msgs('package p\nimport data.foo\nr if { data.foo == 10 }\n'), ['rego_compile_error@2:1:import data.foo unused'], 'the same path written out is no use of the import');
  t.same(msgs('package p\nr := any([true])\n'), ['rego_type_error@2:6:deprecated built-in function calls in expression: any']);
  t.end();
});

t.test('a name a rule declares shadows the import there (OPA resolveRefs leaves locals alone)', (t) => {
  const unused = (text: string): string[] => strictErrors(parseModule(text, 's.rego'), text).map((e) => e.message).filter((m) => m.startsWith('import'));
  t.same(unused('package p\nimport data.foo\nr if { f(1) }\nf(foo) := foo == 1\n'), ['import data.foo unused'], 'a function argument');
  t.same(unused('package p\nimport data.foo\nr if { foo := true; foo }\n'), ['import data.foo unused'], 'an assignment');
  t.same(unused('package p\nimport data.foo\nr if { some foo in [1]; foo }\n'), ['import data.foo unused'], 'some … in');
  t.same(unused('package p\nimport data.foo\nr := count(foo) > 1\n'), [], 'read');
  t.same(unused('package p\nimport data.foo\nr if { every x in foo { x > 1 } }\n'), [], "an every's domain");
  t.same(unused('package p\nimport data.foo\nr if { x = foo; x }\n'), [], 'unification does not declare');
  t.end();
});

t.test('declared vars and function arguments nothing reads', (t) => {
  t.same(check('package s\n\nr if {\n\tsome x\n\ttrue\n}\n'), [['REGO_ERR_STRICT', 4, 2]], 'at the some declaration, as OPA');
  t.same(check('package s\n\nr if {\n\tsome x\n\tx := input[_]\n}\n').filter((e) => e[1] === 4), [], 'used');
  t.same(check('package s\n\nf(x, y) := y\n'), [['REGO_ERR_STRICT', 3, 1]]);
  t.same(check('package s\n\nf(x, _) := x\ng([a, b]) := a + b\n'), [], 'read, or a wildcard');
  t.end();
});

t.test('an argument a closure redeclares is not read by that closure (OPA renames the closure\'s own variable)', (t) => {
  const msgs = (text: string): string[] => strictErrors(parseModule(text, 's.rego'), text).map((e) => `${e.location?.line}:${e.location?.col} ${e.message}`);
  const unusedX = 'unused argument x. (hint: use _ (wildcard variable) instead)';
  t.same(msgs('package s\na := {"foo": 1}\nf(x) := {x: v | x := "foo"; v := a[x]} if {\n\tinput.test == "foo"\n}\n'), [`3:1 ${unusedX}`], 'shadowed by := in the head value');
  t.same(msgs('package s\nf(x) := [y | some x in [1]; y := x]\n'), [`2:1 ${unusedX}`], 'shadowed by some … in');
  t.same(msgs('package s\nf(x) if { every x in [1] { x > 0 } }\n'), [`2:1 ${unusedX}`], 'every declares its own');
  t.same(msgs('package s\na := {"foo": 1}\nf(x) := {x: v | v := a[x]} if {\n\tinput.test == "foo"\n}\n'), [], 'read by the comprehension');
  t.same(msgs('package s\nf(x) if { [1 | x = 1] }\n'), [], 'unification compares with the argument');
  t.same(msgs('package s\nf(x) if { input.a == "foo" } else := {x: v | v := input[x]}\n'), [], 'read in an else value');
  t.same(msgs('package s\nf(x) if { every y in [1] { x > y } }\n'), [], 'read in every');
  t.end();
});

t.test('declared var unused is located at its some declaration', (t) => {
  t.same(check('package s\nx := [1]\np if {\n\tsome a, b, c\n\tx[b] == 1\n}\n'), [['REGO_ERR_STRICT', 4, 2], ['REGO_ERR_STRICT', 4, 2]]);
  t.end();
});

t.test('strict mode applies the v1 shadowing checks to v0 modules (OPA: c.strict || the module is v1-compatible)', (t) => {
  const text = 'package s\nimport data.a.b\nimport data.c.b\np { input := {"x": 1}; input.x == 1; b }\n';
  const errs = strictErrors(parseModule(text, 's.rego', { regoVersion: 'v0' }), text);
  t.same(errs.map((e) => [e.code, e.message, e.location?.line]), [
    ['REGO_ERR_DUPLICATE_IMPORT', 'import must not shadow import data.a.b', 3],
    ['REGO_ERR_SHADOW_ROOT', 'variables must not shadow input (use a different variable name)', 4],
  ]);
  t.end();
});
