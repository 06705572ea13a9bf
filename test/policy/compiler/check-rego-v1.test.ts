/**
 * Rego v1's compile checks (issue #16, cause 3): a local named `input`/`data` is refused, as are
 * duplicate import names and deprecated builtins; none of them applies to plain v0 modules.
 */
import t from 'tap';
import { createJsEvaluator } from '../../../src/policy/backend/js/index.js';
import { compileToPlan, CompileErrors } from '../../../src/policy/compiler/index.js';
import { fromJs, toJs } from '../../../src/policy/value/index.js';
import { RegoError } from '../../../src/policy/errors.js';

function codes(text: string, regoVersion: 'v0' | 'v1' = 'v1'): string[] {
  try {
    compileToPlan([{ file: 'm.rego', text }], { query: 'x = 1', regoVersion });
  } catch (e) {
    if (e instanceof CompileErrors) return e.errors.map((x) => `${x.code}@${x.location?.line}:${x.location?.col}`);
    throw e;
  }
  return [];
}

t.test('v1: variables and function arguments must not shadow input or data', async (t) => {
  t.same(codes('package p\nr if {\n\tinput := {"x": 1}\n\tinput.x == 1\n}'), ['REGO_ERR_SHADOW_ROOT@3:2']);
  t.same(codes('package p\nr if { xs := [y | data := 1; y := data] }'), ['REGO_ERR_SHADOW_ROOT@2:19']);
  // OPA's ResolveRefs (its first stage) refuses the argument, located at the rule
  t.same(codes('package p\nf(input) := 1'), ['REGO_ERR_SHADOW_ROOT@2:1']);
  t.same(codes('package p\nimport rego.v1\nr if { input := 1 }', 'v0'), ['REGO_ERR_SHADOW_ROOT@3:8'], 'v0 + import rego.v1');
  // v0 without rego.v1: allowed, and the local is what the body reads
  const policy = compileToPlan([{ file: 'm.rego', text: 'package p\nr = v { input := {"x": 7}; v := input.x }' }], { query: 'x = data.p.r', regoVersion: 'v0' });
  t.same(createJsEvaluator(policy).evaluate('eval', fromJs({ x: 1 })).map((v) => toJs(v)), [{ x: 7 }]);
  // unification is not a declaration
  t.same(codes('package p\nr if { input = {"x": 1} }'), []);
});

t.test('v1: duplicate import names and deprecated builtins are compile errors', async (t) => {
  t.same(codes('package p\nimport data.a.b\nimport data.c.b\nr := b'), ['REGO_ERR_DUPLICATE_IMPORT@3:1']);
  t.same(codes('package p\nr if any([true])\ns if re_match("a", "a")'), ['REGO_ERR_DEPRECATED_BUILTIN@2:6', 'REGO_ERR_DEPRECATED_BUILTIN@3:6']);
  t.same(codes('package p\nr { any([true]) }\ns { re_match("a", "a") }', 'v0'), []);
  const e = (() => {
    try {
      compileToPlan([{ file: 'm.rego', text: 'package p\nr if all([true])' }], {});
    } catch (x) {
      return x as CompileErrors;
    }
    throw new Error('compiled');
  })();
  t.equal(e.opaCode, 'rego_type_error');
});

t.test('`x := …` after x was used in the same body: var x referenced above (OPA rewriteLocalVars)', async (t) => {
  t.same(codes('package p\nr if {\n\tx == 1\n\tx := 1\n}'), ['REGO_ERR_VAR_REDECLARED@4:2']);
  t.same(codes('package p\nr if {\n\tx := 1\n\tx := 2\n}'), ['REGO_ERR_VAR_REDECLARED@4:2']);
  // a rule of the package read before a local of its name is declared is not that local
  t.same(codes('package p\nq := 1\nr if { q == 1; q := 2 }'), []);
});

t.test('a rule named input or data is OPA\'s "rules must not shadow input (use a different rule name)", a compile error', async (t) => {
  for (const [text, root] of [['input := 1', 'input'], ['input.a.b.c := 1', 'input'], ['data contains "a"', 'data'], ['data.a := "b" if { true }', 'data'], ['default input := 1', 'input']] as const) {
    try {
      compileToPlan([{ file: 'm.rego', text: `package p\n\n${text}\n` }], {});
      t.fail(text);
    } catch (e) {
      if (!(e instanceof RegoError)) throw e;
      const errs = e instanceof CompileErrors ? e.errors : [e];
      t.same(errs.map((x) => [x.code, x.opaCode, x.message, x.location?.line]), [['REGO_ERR_SHADOW_ROOT', 'rego_compile_error', `rules must not shadow ${root} (use a different rule name)`, 3]], text);
    }
  }
});

t.test('a function argument that is input or data, anywhere in its pattern, is refused in v0 and v1 (OPA resolveRefsInRule)', async (t) => {
  const msg = (root: string): string => `args must not shadow ${root} (use a different variable name)`;
  for (const v of ['v0', 'v1'] as const) {
    const ifKw = v === 'v1' ? ' if' : '';
    t.same(codes(`package p\nf([input])${ifKw} { true }`, v), ['REGO_ERR_SHADOW_ROOT@2:1'], `${v}: in an array`);
    t.same(codes(`package p\nf(1, {"a": [data]})${ifKw} { true }`, v), ['REGO_ERR_SHADOW_ROOT@2:1'], `${v}: in an object value`);
    t.same(codes(`package p\nf(input)${ifKw} { true }`, v), ['REGO_ERR_SHADOW_ROOT@2:1'], `${v}: the argument itself`);
    // object keys and set members are not matched against the caller's value
    t.same(codes(`package p\nf({input: 1})${ifKw} { true }\ng({data})${ifKw} { true }`, v), [], `${v}: keys and set members`);
    // a ref into the root is a value to match, not a shadowing name
    t.same(codes(`package p\nf(input.x)${ifKw} { true }`, v), [], `${v}: input.x`);
  }
  try {
    compileToPlan([{ file: 'm.rego', text: 'package p\nf([input]) := 1' }], {});
    t.fail('compiled');
  } catch (e) {
    t.same((e as CompileErrors).errors.map((x) => [x.opaCode, x.message]), [['rego_compile_error', msg('input')]]);
  }
  // it is the first stage: the deprecated builtin of another rule is not reported with it
  t.same(codes('package p\nf(data) := 1\nr if all([true])'), ['REGO_ERR_SHADOW_ROOT@2:1']);
});
