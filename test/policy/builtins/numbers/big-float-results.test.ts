/**
 * A float operation whose result is an integral double beyond 2^53 (`12345678901234567891 / 10`):
 * OPA writes a big.Float result that is an integer with all its digits (FloatToNumber, 'f'
 * format), and the JS and WASM back ends must print the same text (they printed …800 and …768).
 */
import t from 'tap';
import { compileToPlan } from '../../../../src/policy/compiler/index.js';
import { createEvaluator } from '../../../../src/policy/index.js';
import { formatNumber, stringifyJson } from '../../../../src/policy/value/index.js';

const MOD = `package s

r := [
	12345678901234567891 / 10,
	100000000000000000000 / 3,
	json.marshal(12345678901234567891 / 10),
	12345678901234567891 / 10 == 1234567890123456768,
	1e17 * 1.5,
]
`;

const WANT = '{"x":[1234567890123456768,33333333333333331968,"1234567890123456768",true,150000000000000000]}';

for (const engine of ['js', 'wasm'] as const) {
  t.test(`${engine}: integral float results beyond 2^53 print every digit`, async (t) => {
    const policy = compileToPlan([{ file: 's.rego', text: MOD }], { query: 'x = data.s.r' });
    const ev = await createEvaluator(policy, { engine });
    t.same(ev.evaluate('eval', undefined).map((v) => stringifyJson(v)), [WANT]);
  });
}

t.test('formatNumber: exact digits between 2^53 and 1e21, Go forms elsewhere', (t) => {
  t.equal(formatNumber(2 ** 60), '1152921504606846976');
  t.equal(formatNumber(-(2 ** 60)), '-1152921504606846976');
  t.equal(formatNumber(9007199254740991), '9007199254740991');
  t.equal(formatNumber(1e21), '1e+21');
  t.equal(formatNumber(1.5e-7), '1.5e-07');
  t.equal(formatNumber(0.5), '0.5');
  t.end();
});
