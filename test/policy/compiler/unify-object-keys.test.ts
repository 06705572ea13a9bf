/**
 * Object literals unified with variable keys (issue #16): OPA pairs the values of keys that are
 * equal as terms (topdown biunifyObjects, ir planUnifyObjects), so `{k: [v]} = {k: [q[k]]}`
 * evaluates `[v] = [q[k]]` — binding k by iterating q when nothing bound it before — and the
 * entries no key pairs are compared once everything in them is bound. Both engines.
 */
import t from 'tap';
import { compileToPlan } from '../../../src/policy/compiler/index.js';
import { createEvaluator } from '../../../src/policy/index.js';
import { toJs } from '../../../src/policy/value/index.js';

const MOD = `package t
q := {"a": 1, "b": 2}
before contains [k, v] if { some k in ["a", "b", "c"]; {k: [v]} = {k: [q[k]]} }
unbound contains [k, v] if { {k: [v]} = {k: [q[k]]} }
swapped contains [k, v] if { {k: [q[k]]} = {k: [v]} }
nested contains [k, v] if { {"n": {k: {"x": [v]}}} = {"n": {k: {"x": [q[k]]}}} }
in_array contains [k, v] if { [{k: v}, 1] = [{k: q[k]}, 1] }
other_key contains [k, j, v] if { some k in ["a"]; some j in ["a", "b"]; {k: 1, "z": v} = {j: 1, "z": q[k]} }
mixed contains [k, v] if { {k: [v], "c": 3} = {k: [q[k]], "c": 3} }
mixed_fail contains [k, v] if { {k: [v], "c": 3} = {k: [q[k]], "c": 4} }
sizes_fail contains k if { some k in ["a"]; j := "b"; {k: 1, j: 2} = {k: 1} }
`;

for (const engine of ['js', 'wasm'] as const) {
  t.test(`${engine}: object unification with variable keys`, async (t) => {
    const policy = compileToPlan([{ file: 't.rego', text: MOD }], { query: 'x = data.t' });
    const ev = await createEvaluator(policy, { engine });
    const [res] = ev.evaluate('eval', undefined).map((v) => toJs(v)) as [{ x: Record<string, unknown> }];
    const ab = [['a', 1], ['b', 2]];
    t.same(res.x.before, ab, 'keys bound before: c has no q value');
    t.same(res.x.unbound, ab, 'keys bound by the ref on the other side');
    t.same(res.x.swapped, ab, 'the ref on the left');
    t.same(res.x.nested, ab, 'nested objects');
    t.same(res.x.in_array, ab, 'inside an array');
    t.same(res.x.other_key, [['a', 'a', 1]], 'k and j differ as terms: compared by value after the pairs');
    t.same(res.x.mixed, ab, 'a ground key next to a variable one');
    t.same(res.x.mixed_fail, [], 'a ground key whose values differ');
    t.same(res.x.sizes_fail, [], 'objects of different sizes never unify');
  });
}
