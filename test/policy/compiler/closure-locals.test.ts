/**
 * Variables of closures (comprehensions, `every`) that the enclosing body declares with `some`
 * but never mentions outside a closure: OPA's safety check (reorderBodyForSafety) makes a
 * closure wait only for variables its enclosing body mentions, and `some x` is rewritten away,
 * so the closure binds x on its own (TestRewriteDeclaredVars, "rewrite closures"). Written from
 * what OPA's compiler tests assert; evaluated on both engines.
 */
import t from 'tap';
import { compileToPlan, CompileErrors } from '../../../src/policy/compiler/index.js';
import { createEvaluator } from '../../../src/policy/index.js';
import { fromJs, toJs } from '../../../src/policy/value/index.js';

const MOD = `package test
x = 1
y = 2
p if {
	some x, z
	z = 3
	[x | x = 2; y = 2; some z; z = 4]
}
bound_later if { some x; [x | x = 2]; x = 3 }
nested := r if { some x; r := [y | y := [x | x = 5]] }
outer_binds := r if { some x; r := [y | x = 4; y := [x | x = 4]] }
outer_binds_other := r if { some x; r := [y | x = 4; y := [x | x = 5]] }
siblings := [a, b] if { some x; a := [x | x = 1]; b := {x | x = 2} }
in_every if { some x; every v in [1, 2] { [x | x = v] == [v] } }
`;

for (const engine of ['js', 'wasm'] as const) {
  t.test(`${engine}: a some-declared variable only closures mention is each closure's own`, async (t) => {
    const policy = compileToPlan([{ file: 'c.rego', text: MOD }], { query: 'r = data.test' });
    const ev = await createEvaluator(policy, { engine });
    const r = ev.evaluate('eval', fromJs({})).map((v) => toJs(v)) as { r: Record<string, unknown> }[];
    t.same(r[0]?.r, {
      x: 1,
      y: 2,
      p: true,
      bound_later: true,
      nested: [[5]],
      outer_binds: [[4]],
      outer_binds_other: [[]],
      siblings: [[1], [2]],
      in_every: true,
    });
  });
}

t.test('a head that reads such a variable is still unsafe (the closure does not bind it for the head)', async (t) => {
  const unsafe = (text: string): string[] => {
    try {
      compileToPlan([{ file: 'c.rego', text }], {});
    } catch (e) {
      if (!(e instanceof CompileErrors)) throw e;
      return e.errors.map((x) => `${x.code} ${x.message}`);
    }
    return [];
  };
  t.same(unsafe('package test\nb contains x if { some x; [x | x = 1] }'), ['REGO_ERR_UNSAFE_VAR var x is unsafe']);
  t.same(unsafe('package test\nd := r if { some x; r := [x | [x | x = 5]] }'), ['REGO_ERR_UNSAFE_VAR var x is unsafe']);
});
