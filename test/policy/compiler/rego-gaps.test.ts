/**
 * Gaps of issue #16 closed against OPA's semantics (its compile.go, parser.go, check.go), each
 * shown with the smallest policy that tells the two answers apart.
 */
import t from 'tap';
import { createJsEvaluator } from '../../../src/policy/backend/js/index.js';
import { compileToPlan, CompileErrors } from '../../../src/policy/compiler/index.js';
import { RegoError } from '../../../src/policy/errors.js';
import { strictErrors } from '../../../src/policy/lint/strict-checks.js';
import { parseModule } from '../../../src/policy/syntax/index.js';
import { fromJs, toJs, type Value } from '../../../src/policy/value/index.js';

function run(text: string, query: string, input?: unknown, regoVersion: 'v0' | 'v1' = 'v1'): unknown[] {
  const policy = compileToPlan([{ file: 'm.rego', text }], { query, regoVersion });
  const ev = createJsEvaluator(policy, {});
  return ev.evaluate('eval', input === undefined ? undefined : fromJs(input)).map((v: Value) => toJs(v));
}

function errors(text: string, query = 'x = 1', regoVersion: 'v0' | 'v1' = 'v1'): string[] {
  try {
    compileToPlan([{ file: 'm.rego', text }], { query, regoVersion });
  } catch (e) {
    if (e instanceof CompileErrors) return e.errors.map((x) => `${x.code}@${x.location?.line}`);
    if (e instanceof RegoError) return [`${e.code}@${e.location?.line}`];
    throw e;
  }
  return [];
}

t.test('a v0 rule named input is allowed and is what `input` means in its package (OPA getGlobals)', async (t) => {
  const text = 'package p\ninput = 1\nq = x { x := input }\n';
  t.same(run(text, 'x = data.p', { a: 5 }, 'v0'), [{ x: { input: 1, q: 1 } }]);
  // outside the package, input is the input document still
  t.same(run(text, 'x = input', { a: 5 }, 'v0'), [{ x: { a: 5 } }]);
  // v1, and v0 under `import rego.v1`, refuse the rule
  t.same(errors('package p\ninput := 1\n'), ['REGO_ERR_SHADOW_ROOT@2']);
  t.same(errors('package p\nimport rego.v1\ninput := 1\n', 'x = 1', 'v0'), ['REGO_ERR_SHADOW_ROOT@3']);
  // `opa check --strict` refuses it in v0 too (checkKeywordOverrides under strict)
  t.same(strictErrors(parseModule(text, 'm.rego', { regoVersion: 'v0' }), text).map((e) => `${e.code}@${e.location?.line}`), ['REGO_ERR_SHADOW_ROOT@2']);
});

t.test('a function whose head ref has a variable segment parses and compiles, and no call reaches it (OPA parseHead, opa#5958)', async (t) => {
  const text = 'package p\nfoo.bar[i].baz(x) = 3 if { i := "baz"; x }\nq := 1\n';
  const mod = parseModule(text, 'm.rego');
  t.equal(mod.rules[0]!.args?.length, 1);
  t.equal(mod.rules[0]!.ref[2]!.kind, 'var');
  t.same(errors(text), []);
  // functions are no part of data
  t.same(run(text, 'x = data.p'), [{ x: { q: 1 } }]);
  // a call names a ground path: `foo.bar.baz.baz(1)` is an undefined function
  const opa = ((): string[] => {
    try {
      compileToPlan([{ file: 'm.rego', text: `${text}r := foo.bar.baz.baz(true)\n` }], {});
    } catch (e) {
      if (e instanceof CompileErrors) return e.errors.map((x) => `${x.opaCode}@${x.location?.line}`);
    }
    return [];
  })();
  t.same(opa, ['rego_type_error@4']);
  // its head's variables must still occur in its arguments or body (checkSafetyRuleHeads)
  t.same(errors('package p\nfoo.bar[i].baz(x) = 3 if { x }\n'), ['REGO_ERR_UNSAFE_VAR@2']);
  t.same(errors('package p\nfoo[j](x) := 2 if { j := x }\n'), []);
  // a call through a var segment parses (OPA's parseRef takes any ref before `(`) and names no
  // function: the compiler's undefined function, never a call of the rule above
  t.same(errors('package p\nq := foo[x].bar(1)\n'), ['REGO_ERR_UNDEFINED_FUNCTION@2']);
});

t.test('eq(a, b) and assign(x, v) written as calls are `a = b` and `x := v` (OPA parses both to one Expr)', async (t) => {
  const text = 'package p\na if { eq(x, 1); x == 1 }\nb if { assign(y, [1]); y[0] == 1 }\nc if equal(1, 1)\nd if { z = 3; equal(z, 3) }\n';
  t.same(run(text, 'x = data.p'), [{ x: { a: true, b: true, c: true, d: true } }]);
  t.same(parseModule(text, 'm.rego').rules.map((r) => r.body[0]!.expr.kind), ['unify', 'assign', 'term', 'unify']);
  // assign declares: a second one is OPA's "var assigned above"
  const reassigned = errors('package p\na if { assign(x, 1); assign(x, 2) }\n');
  t.equal(reassigned.length, 1);
  t.same(reassigned, errors('package p\na if { x := 1; x := 2 }\n'));
});

t.test('every rule of a recursive cycle is an error of its own, its path starting at itself (OPA checkRecursion)', async (t) => {
  const messages = (text: string): string[] => {
    try {
      compileToPlan([{ file: 'm.rego', text }], {});
    } catch (e) {
      if (e instanceof CompileErrors) return e.errors.map((x) => `${x.code}@${x.location?.line}: ${x.message}`);
    }
    return [];
  };
  t.same(messages('package p\na if b\nb if c\nc if a\nq if a\n'), [
    'REGO_ERR_RECURSION@2: rule data.p.a is recursive: data.p.a -> data.p.b -> data.p.c -> data.p.a',
    'REGO_ERR_RECURSION@3: rule data.p.b is recursive: data.p.b -> data.p.c -> data.p.a -> data.p.b',
    'REGO_ERR_RECURSION@4: rule data.p.c is recursive: data.p.c -> data.p.a -> data.p.b -> data.p.c',
  ]);
  // two cycles and a self-reference: each rule once; q, which only reaches a cycle, is none
  t.same(messages('package p\nq if c\nc if d\nd if c\ne if e\n').map((m) => m.split(':')[0]), ['REGO_ERR_RECURSION@3', 'REGO_ERR_RECURSION@4', 'REGO_ERR_RECURSION@5']);
});

t.test('a := pattern that names a variable twice declares it twice (OPA rewriteDeclaredVar: "var r assigned above")', async (t) => {
  t.same(errors('package p\na if { [r, r] := [1, 1] }\n'), ['REGO_ERR_VAR_REDECLARED@2']);
  t.same(errors('package p\na if { [r, {"a": r}] := [1, {"a": 1}] }\n'), ['REGO_ERR_VAR_REDECLARED@2']);
  // wildcards are distinct variables; a later `=` only compares
  t.same(errors('package p\na if { [_, _] := [1, 2] }\nb if { r := 1; r = 2 }\n'), []);
  t.same(errors('package p\na if { r := 1; r := 2 }\n'), ['REGO_ERR_VAR_REDECLARED@2']);
});
