/**
 * Large literals compile: a policy may hold a whole JSON Schema or data table as one object
 * (ec-policies keeps CycloneDX's 4,000-line schema in a rule). Planning took a few stack
 * frames per term of a composite and overflowed the stack; constant terms are planned in a loop.
 */
import t from 'tap';
import { compileToPlan } from '../../../src/policy/compiler/index.js';
import { createEvaluator } from '../../../src/policy/index.js';
import { fromJs, toJs } from '../../../src/policy/value/index.js';

const N = 4000;

t.test('an object literal of 4,000 entries, a nested array and a set compile and evaluate', async (t) => {
  const entries = Array.from({ length: N }, (_, i) => `"k${i}": {"n": ${i}, "tags": ["a", ${i % 7}]}`).join(',\n');
  const items = Array.from({ length: N }, (_, i) => String(i)).join(', ');
  const mod = `package big

table := {
${entries}
}

numbers := [${items}]

names := {${items}}

# a literal mixed with a variable still plans through the general path
mixed := [x, ${items}] if x := input.x
`;
  const policy = compileToPlan([{ file: 'big.rego', text: mod }], { query: `a = count(data.big.table); b = data.big.table.k${N - 1}.n; c = count(data.big.numbers); d = count(data.big.names); e = data.big.mixed[0]; f = count(data.big.mixed)` });
  for (const engine of ['js', 'wasm'] as const) {
    const ev = await createEvaluator(policy, { engine });
    const [row] = ev.evaluate('eval', fromJs({ x: 'first' })).map((v) => toJs(v));
    t.same(row, { a: N, b: N - 1, c: N, d: N, e: 'first', f: N + 1 }, engine);
  }
});
