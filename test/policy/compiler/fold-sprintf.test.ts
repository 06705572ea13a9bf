/**
 * sprintf over number literals whose text is a float but whose value is integral (issue #16,
 * cause 4): OPA passes `101.00` to Go's Sprintf as a float64 and `101` as an int.
 */
import t from 'tap';
import { compileToPlan } from '../../../src/policy/compiler/index.js';
import { createEvaluator } from '../../../src/policy/index.js';
import { toJs } from '../../../src/policy/value/index.js';

const MOD = `package s

r := [
	sprintf("%.2f", [101.00]),
	sprintf("%.2f", [101]),
	sprintf("%v|%d|%e", [1e2, 2.0, -3.0]),
	sprintf("%.1f %s %v", [2.5, "x", true]),
]

# not folded (an operand is not a literal): the run-time builtin, same answers for plain values
dyn := sprintf("%.2f|%d", [input.f, input.i])
`;

for (const engine of ['js', 'wasm'] as const) {
  t.test(`${engine}: literal text decides int vs float64`, async (t) => {
    const policy = compileToPlan([{ file: 's.rego', text: MOD }], { query: 'x = data.s.r; y = data.s.dyn' });
    const ev = await createEvaluator(policy, { engine });
    t.same(ev.evaluate('eval', { f: 1.5, i: 7 }).map(toJs), [
      { x: ['101.00', '%!f(int=101)', '100|%!d(float64=2)|-3.000000e+00', '2.5 x true'], y: '1.50|7' },
    ]);
  });
}
