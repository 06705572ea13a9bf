/**
 * `print()` with no operands: OPA's print is variadic (types.NewVariadicFunction(nil, types.A,
 * nil)), so it compiles and prints an empty line. The body reorderer took a variadic arity (-1)
 * plus one for an output operand and read `args[-1]`: a TypeError instead of a plan.
 */
import t from 'tap';
import { compileToPlan } from '../../../../src/policy/compiler/index.js';
import { createEvaluator } from '../../../../src/policy/index.js';

const MOD = `package s

r if {
	print()
	print("a", 1)
}
`;

for (const engine of ['js', 'wasm'] as const) {
  t.test(`${engine}: print() prints an empty line`, async (t) => {
    const policy = compileToPlan([{ file: 's.rego', text: MOD }], { query: 'x = data.s.r' });
    const ev = await createEvaluator(policy, { engine });
    const lines: string[] = [];
    t.same(ev.evaluate('eval', undefined, { print: (m) => lines.push(m) }), [{ x: true }]);
    t.same(lines, ['', 'a 1']);
  });
}
