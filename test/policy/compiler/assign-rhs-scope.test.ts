/**
 * `x := rhs` declares x only after its right side (and its `with` values) are resolved, as OPA's
 * rewriteDeclaredAssignment does: there x is the outer scope's x, or else a variable of its own —
 * a comprehension's `xs` in `xs := [xs | xs = …]` is the comprehension's, not the one being
 * declared (StatCan/gatekeeper-policies' metadata-restrictions writes
 * `foundValues := [foundValues | foundValues = …]`; it did not compile, "var foundValues is unsafe").
 * On both engines.
 */
import t from 'tap';
import { compileToPlan, CompileErrors } from '../../../src/policy/compiler/index.js';
import { createEvaluator } from '../../../src/policy/index.js';
import { fromJs, toJs } from '../../../src/policy/value/index.js';

const MOD = `package c

own_array := found if {
	xs := [1, 2]
	found := [found | found = xs[_] == 2]
}

own_set := s if {
	s := {s | some s in ["a", "b"]}
}

own_object := o if {
	o := {o: 1 | o := "k"}
}

# inside a closure, the right side still sees the outer x
outer := [x | x := x + 10] if {
	x := 1
}

# a with value is resolved before the declaration as well
with_value := v if {
	v := input.n with input as {"n": 5}
}
`;

const RULES = ['own_array', 'own_set', 'own_object', 'outer', 'with_value'];

for (const engine of ['js', 'wasm'] as const) {
  t.test(`${engine}: the right side of := does not see the variable it declares`, async (t) => {
    const policy = compileToPlan([{ file: 'c.rego', text: MOD }], { query: `x = {${RULES.map((r) => `"${r}": data.c.${r}`).join(', ')}}` });
    const ev = await createEvaluator(policy, { engine });
    const [row] = ev.evaluate('eval', fromJs({})).map((v) => toJs(v)) as [{ x: Record<string, unknown> }];
    t.same(row.x, {
      own_array: [false, true],
      own_set: ['a', 'b'],
      own_object: { k: 1 },
      outer: [11],
      with_value: 5,
    });
  });
}

t.test('a right side reading the variable it declares is unsafe, by that name', async (t) => {
  const codes = (mod: string): string[] => {
    try {
      compileToPlan([{ file: 'c.rego', text: mod }], { query: 'x = data.c.bad' });
    } catch (e) {
      if (!(e instanceof CompileErrors)) throw e;
      return e.errors.map((err) => `${err.code} ${err.message}`);
    }
    return [];
  };
  t.same(codes('package c\n\nbad if {\n\tx := x + 1\n}\n'), ['REGO_ERR_UNSAFE_VAR var x is unsafe']);
  t.same(codes('package c\n\nbad if {\n\ty := [y | true]\n}\n'), ['REGO_ERR_UNSAFE_VAR var y is unsafe']);
});
