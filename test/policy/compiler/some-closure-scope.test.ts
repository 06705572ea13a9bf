/**
 * A `some x` whose x its body mentions only inside closures is no variable of that body: OPA
 * drops the declaration once it has renamed x (rewriteLocalVars), and a closure captures only
 * the variables its enclosing body mentions outside closures (reorderBodyForClosures), so each
 * comprehension binds its own x. open-policy-agent/opa-control-plane's Terraform library writes
 * `some i; val := [x | x := field[i]; …]`; regate read i as the outer, never bound i ("var i is
 * unsafe"). Where the body does mention x outside a closure, the closure still captures it.
 * On both engines, plus the unsafe case.
 */
import t from 'tap';
import { compileToPlan, CompileErrors } from '../../../src/policy/compiler/index.js';
import { createEvaluator } from '../../../src/policy/index.js';
import { fromJs, toJs } from '../../../src/policy/value/index.js';

const MOD = `package c

xs := ["a", "b", "c"]

# i only inside the comprehension: the comprehension's own
local_i(field) := val if {
	some i
	val := [x | x := field[i]; x != "b"]
}

# two comprehensions, each with its own i
two := [a, b] if {
	some i
	a := count([x | x := xs[i]])
	b := count([y | y := xs[i]; i > 0])
}

# nested: j is the inner comprehension's
nested := [z | some j; z := [w | w := xs[j]][_]]

# i bound outside too: the comprehension captures it, one result per i
captured contains v if {
	some i
	xs[i] != "a"
	v := [x | x := xs[i]]
}
`;

const RULES = ['local_i(["a", "b", "c"])', 'two', 'nested', 'captured'];

for (const engine of ['js', 'wasm'] as const) {
  t.test(`${engine}: a some var mentioned only in closures is each closure's own`, async (t) => {
    const names = ['local_i', 'two', 'nested', 'captured'];
    const policy = compileToPlan([{ file: 'c.rego', text: MOD }], { query: `x = {${RULES.map((r, i) => `"${names[i]}": data.c.${r}`).join(', ')}}` });
    const ev = await createEvaluator(policy, { engine });
    const [row] = ev.evaluate('eval', fromJs({})).map((v) => toJs(v)) as [{ x: Record<string, unknown> }];
    t.same(row.x, {
      local_i: ['a', 'c'],
      two: [3, 2],
      nested: ['a', 'b', 'c'],
      captured: [['b'], ['c']],
    });
  });
}

t.test('a some var the body reads outside a closure but never binds stays unsafe', async (t) => {
  const mod = `package c

bad := v if {
	some i
	v := [x | x := ["a"][i]]
	i > 0
}
`;
  try {
    compileToPlan([{ file: 'c.rego', text: mod }], { query: 'x = data.c.bad' });
    t.fail('expected a compile error');
  } catch (e) {
    t.ok(e instanceof CompileErrors);
    t.ok((e as CompileErrors).errors.some((x) => x.code === 'REGO_ERR_UNSAFE_VAR' && x.message === 'var i is unsafe'));
  }
});
