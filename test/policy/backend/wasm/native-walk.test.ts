// `walk` runs inside the WASM module (runtime/abi.as rt_b_walk), as OPA's wasm compiler runs it
// natively: the pairs must be the JS back end's, in the same order, and the host's walk is only
// asked when the module cannot answer itself.
import t from 'tap';
import { compileToPlan } from '../../../../src/policy/index.js';
import { createWasmEvaluator } from '../../../../src/policy/backend/wasm/index.js';
import { createJsEvaluator } from '../../../../src/policy/backend/js/index.js';
import { defaultRegistry } from '../../../../src/policy/builtins/index.js';
import { createRegistry, type BuiltinDef } from '../../../../src/policy/builtins/registry.js';
import { fromJs, toJs, type Value } from '../../../../src/policy/value/index.js';

const SOURCE = `package p
import rego.v1

pairs := [[path, v] | walk(input, [path, v])]

# a set (members are their own keys) and an object with a non-string key, built in Rego
literal := [x | walk({"s": {"b", ["a"]}, "o": {1: true}}, x)]

# the two-operand form: only the leaves under "spec"
leaves contains concat(".", [format_int(k, 10) | some k in path; is_number(k)]) if {
	walk(input.spec, [path, v])
	not is_object(v)
	not is_array(v)
}

scalar := [x | walk(7, x)]
`;

const INPUT = {
  spec: { containers: [{ name: 'a', ports: [80, 443] }, { name: 'b' }], replicas: 2 },
  meta: { labels: { z: '1', a: null } },
  list: [[], {}, [[1]]],
};

/** The default builtins with `walk` counting how often the host is asked. */
function countingRegistry(): { registry: ReturnType<typeof createRegistry>; calls: () => number } {
  let n = 0;
  const walk = defaultRegistry.get('walk')!;
  const defs: BuiltinDef[] = [...defaultRegistry.values()].map((d) =>
    d.name === 'walk' ? { ...walk, impl: (args, ctx) => (n++, walk.impl(args, ctx)) } : d,
  );
  return { registry: createRegistry(defs), calls: () => n };
}

t.test('native walk gives the JS back end pairs, without the host', async (t) => {
  const entrypoints = ['p/pairs', 'p/literal', 'p/leaves', 'p/scalar'];
  const plan = compileToPlan([{ file: 'walk.rego', text: SOURCE }], { entrypoints });
  const js = createJsEvaluator(plan);
  const { registry, calls } = countingRegistry();
  const wasm = await createWasmEvaluator(plan, { builtins: registry });
  const input: Value = fromJs(INPUT);
  for (const ep of entrypoints) {
    t.same(toJs(wasm.evaluate(ep, input)), toJs(js.evaluate(ep, input)), ep);
  }
  const pairs = toJs(js.evaluate('p/pairs', input)) as [{ result: [unknown[], unknown][] }];
  t.same(pairs[0].result[0], [[], INPUT], 'the root comes first, with the empty path');
  t.same(pairs[0].result.length, 21, 'one pair per node of the input');
  t.equal(calls(), 0, 'walk never went to the host');
});
