/**
 * Float quotients beyond 2^53, as OPA's FloatToNumber writes them, on both back ends (they once
 * printed float64's …800 and …768):
 * - `12345678901234567891 / 10`: the dividend fits 64 bits; the quotient 1234567890123456789.1
 *   lies in [2^60, 2^61), where a 64-bit mantissa steps by 1/8, so it rounds to …789.125, not an
 *   integer: 'g' form, the 20 digits that name it, `%e` because its exponent (18) is ≥ 6.
 * - `100000000000000000000 / 3`: 1e20 is exact (5^20 < 2^47); 33333333333333333333.3 lies in
 *   [2^64, 2^65), step 2, so it rounds to …334, an integer: 'f' form, all 20 digits.
 * - `1e17 * 1.5`: exact, an integer, 'f' form.
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

const WANT = '{"x":[1.2345678901234567891e+18,33333333333333333334,"1.2345678901234567891e+18",false,150000000000000000]}';

for (const engine of ['js', 'wasm'] as const) {
  t.test(`${engine}: float results beyond 2^53 print big.Float's text`, async (t) => {
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
