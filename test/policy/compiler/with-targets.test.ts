/**
 * `with` targets whose ref holds a quoted key that is not an identifier (issue #16, cause 2),
 * on both engines; and a compile error rendered once (the CompileErrors render repeated the
 * first error's prefix and caret).
 */
import t from 'tap';
import { compileToPlan, CompileErrors, type SchemaSet } from '../../../src/policy/compiler/index.js';
import { createEvaluator } from '../../../src/policy/index.js';
import { fromJs, toJs } from '../../../src/policy/value/index.js';
import { RegoError } from '../../../src/policy/index.js';

const MOD = `package w

limit := input.config["a.b"].limit

p if limit == 3 with input.config["a.b"].limit as 3

q := v if v := data.cfg["x-y"]["1 2"] with data.cfg["x-y"]["1 2"] as "mocked"
`;

for (const engine of ['js', 'wasm'] as const) {
  t.test(`${engine}: input and data paths with quoted keys`, async (t) => {
    const policy = compileToPlan([{ file: 'w.rego', text: MOD }], { query: 'x = [data.w.p, data.w.q, data.w.limit]' });
    const ev = await createEvaluator(policy, { engine, data: fromJs({ cfg: { 'x-y': { '1 2': 'real' } } }) });
    t.same(ev.evaluate('eval', fromJs({ config: { 'a.b': { limit: 1 } } })).map((v) => toJs(v)), [{ x: [true, 'mocked', 1] }]);
  });
}

t.test('a with target that is not input, data or a function is refused, located; CompileErrors render each error once', async (t) => {
  let err: CompileErrors | undefined;
  try {
    compileToPlan([{ file: 'w.rego', text: 'package w\np if true with nope[x] as 1\nq if true with nope.a[1] as 2' }], {});
  } catch (e) {
    err = e as CompileErrors;
  }
  t.ok(err instanceof CompileErrors);
  t.same(err!.errors.map((e) => [e.code, e.location?.line]), [['REGO_ERR_TYPE', 2], ['REGO_ERR_TYPE', 3]]);
  const text = err!.render();
  t.equal(text.split('w.rego:2:').length - 1, 1, 'first error once');
  t.equal(text.split('^').length - 1, 2, 'one caret per error');
});

t.test('a with target that names no input, data or function is a type error (OPA validateWith)', async (t) => {
  let err: CompileErrors | undefined;
  try {
    compileToPlan([{ file: 'w.rego', text: 'package w\np if true with nope as 1' }], {});
  } catch (e) {
    err = e as CompileErrors;
  }
  t.same(err?.errors.map((e) => [e.code, e.opaCode, e.location?.col]), [['REGO_ERR_TYPE', 'rego_type_error', 16]]);
  // builtins and user functions are targets
  t.doesNotThrow(() => compileToPlan([{ file: 'w.rego', text: 'package w\nf(x) := x\np if { f(1) == 2 with f as 2; count([]) == 5 with count as 5 }' }], {}));
});

t.test('a with target is not type-checked as a ref: not against a v0 local named input, not against the input schema', async (t) => {
  // OPA leaves targets alone in rewriteLocalVars, and its checker types only function targets
  const v0 = `package w
p[[v, w]] {
	a := 1
	input := 2
	v := data.w.q with input as a
	w := data.w.r with input.foo as a
}
q = input
r = input.foo
`;
  for (const engine of ['js', 'wasm'] as const) {
    const policy = compileToPlan([{ file: 'w.rego', text: v0 }], { query: 'x = data.w.p', regoVersion: 'v0' });
    const ev = await createEvaluator(policy, { engine });
    t.same(ev.evaluate('eval', fromJs({})).map((v) => toJs(v)), [{ x: [[1, 1]] }], engine);
  }
  const schemas: SchemaSet = { input: { type: 'object', properties: { a: { type: 'string' } } }, named: new Map() };
  t.doesNotThrow(() => compileToPlan([{ file: 'w.rego', text: 'package w\np if { true with input.a.b as 1 }' }], { query: 'x = data.w.p', schemas }));
  // the same ref read in the body is still an error
  t.throws(() => compileToPlan([{ file: 'w.rego', text: 'package w\np if { input.a.b == 1 }' }], { query: 'x = data.w.p', schemas }));
});

/*
 * An input or data target with a key that is not a string compiles (OPA's validateWith checks
 * the root only) and fails when the `with` is evaluated: eval_conflict_error "bad document path"
 * at the expression (topdown evalWith: mergeTermWithValues refuses a ref that is not a path of
 * strings; the target is not plugged, so a bound key fails too).
 */
const BAD = `package w
p if { x := "a"; true with input[x] as 1 }
q if { input.b == 2 with input.a[0] as 1 }
r if { true with data.a[1] as 2 }
undef if { x := "a"; true with input[x] as input.nope }
never if { false; x := "a"; true with input[x] as 1 }
ok if { true with input.a as 1 }
`;

for (const engine of ['js', 'wasm'] as const) {
  t.test(`${engine}: with input[x] / input.a[0] / data.a[1] raise eval_conflict_error when evaluated`, async (t) => {
    for (const [rule, line, col] of [['p', 2, 18], ['q', 3, 8], ['r', 4, 8]] as const) {
      const policy = compileToPlan([{ file: 'w.rego', text: BAD }], { query: `x = data.w.${rule}` });
      const ev = await createEvaluator(policy, { engine });
      let err: RegoError | undefined;
      try {
        ev.evaluate('eval', fromJs({}));
      } catch (e) {
        err = e as RegoError;
      }
      t.ok(err instanceof RegoError, `${rule}: raises`);
      t.same([err?.code, err?.opaCode, err?.location?.line, err?.location?.col], ['REGO_ERR_CONFLICT', 'eval_conflict_error', line, col], rule);
    }
    // an undefined value stops the body first (OPA evaluates it in a literal before), as does
    // an earlier failing literal; a target of string keys is unaffected
    const policy = compileToPlan([{ file: 'w.rego', text: BAD }], { query: 'x = [data.w.undef, data.w.never, data.w.ok]' });
    const ev = await createEvaluator(policy, { engine });
    t.same(ev.evaluate('eval', fromJs({})).map((v) => toJs(v)), []);
    const ok = compileToPlan([{ file: 'w.rego', text: BAD }], { query: 'x = data.w.ok' });
    t.same((await createEvaluator(ok, { engine })).evaluate('eval', fromJs({})).map((v) => toJs(v)), [{ x: true }]);
  });
}

t.test('a non-string key under a rule is still a partial replacement of a virtual document', async (t) => {
  let err: CompileErrors | undefined;
  try {
    compileToPlan([{ file: 'w.rego', text: 'package w\nt := {"a": 1}\nr if { true with data.w.t[1] as 2 }' }], {});
  } catch (e) {
    err = e as CompileErrors;
  }
  t.same(err?.errors.map((e) => e.code), ['REGO_ERR_WITH_TARGET']);
});

/*
 * A variable in a `with` target's key is a variable of the expression: OPA's safety check
 * (outputVarsForExpr walks the whole `with`, the target's ref after its head too) wants it bound
 * before, and the expression binds nothing until it is; the head counts it as in the body.
 */
t.test('a with target key that nothing binds is an unsafe variable, at its expression', async (t) => {
  const errorsOf = (text: string) => {
    try {
      compileToPlan([{ file: 'w.rego', text }], {});
      return [];
    } catch (e) {
      t.ok(e instanceof CompileErrors);
      return (e as CompileErrors).errors.map((x) => [x.code, x.message, x.location?.line, x.location?.col]);
    }
  };
  t.same(errorsOf('package w\nr if {\n\tinput.a == 1 with input[x] as 1\n}\n'), [['REGO_ERR_UNSAFE_VAR', 'var x is unsafe', 3, 2]]);
  t.same(errorsOf('package w\nr if {\n\tinput.a == 1 with data.d[x].y as 1\n}\n'), [['REGO_ERR_UNSAFE_VAR', 'var x is unsafe', 3, 2]]);
  // not an error of the head as well: the body mentions x
  t.same(errorsOf('package w\nt contains x if {\n\tinput.a == 1 with input[x] as 1\n}\n'), [['REGO_ERR_UNSAFE_VAR', 'var x is unsafe', 3, 2]]);
  // the expression that binds x may come after: the body is reordered
  t.same(errorsOf('package w\nr if {\n\tinput.a == 1 with input[x] as 1\n\tx := "a"\n}\n'), []);
  t.same(errorsOf('package w\nr if {\n\tnot input.a with input[x] as 1\n}\n'), [['REGO_ERR_UNSAFE_VAR', 'var x is unsafe', 3, 2]]);
  // a function target is a name, no variable
  t.same(errorsOf('package w\nf(x) := x\nr if {\n\tf(1) == 2 with f as 2\n\tcount([]) == 5 with count as 5\n}\n'), []);
});
