/**
 * sprintf over numbers whose text is a float but whose value is integral (issue #16, cause 4):
 * OPA passes `101.00` to Go's Sprintf as a float64 and `101` as an int, for literals and for
 * input numbers alike (both keep their text: value/number-text.ts).
 */
import t from 'tap';
import { compileToPlan } from '../../../../src/policy/compiler/index.js';
import { createEvaluator } from '../../../../src/policy/index.js';
import { parseJson, toJs } from '../../../../src/policy/value/index.js';

const MOD = `package s

r := [
	sprintf("%.2f", [101.00]),
	sprintf("%.2f", [101]),
	sprintf("%v|%d|%e", [1e2, 2.0, -3.0]),
	sprintf("%.1f %s %v", [2.5, "x", true]),
]

# operands from input: the same rule on the text the JSON input was written with
dyn := sprintf("%.2f|%d|%.2f|%d", [input.f, input.i, input.g, input.h])
`;

for (const engine of ['js', 'wasm'] as const) {
  t.test(`${engine}: literal text decides int vs float64`, async (t) => {
    const policy = compileToPlan([{ file: 's.rego', text: MOD }], { query: 'x = data.s.r; y = data.s.dyn' });
    const ev = await createEvaluator(policy, { engine });
    t.same(ev.evaluate('eval', parseJson('{"f": 1.5, "i": 7, "g": 101.00, "h": 2.0}')).map((v) => toJs(v)), [
      { x: ['101.00', '%!f(int=101)', '100|%!d(float64=2)|-3.000000e+00', '2.5 x true'], y: '1.50|7|101.00|%!d(float64=2)' },
    ]);
  });
}

t.test("the # flag on floats, as Go's fmtFloat (fmt/format.go): %#x pads to six significant characters counting the 'x', %#X only adds the point", async (t) => {
  const { formatGo, GoFloat64 } = await import('../../../../src/policy/builtins/strings/go-format.js');
  const f = (v: number) => (Number.isInteger(v) ? new GoFloat64(v) : v);
  const cases: [string, number, string][] = [
    ['%#x', 1.5, '0x1.8000p+00'],
    ['%#X', 1.0, '0X1.P+00'],
    ['%#.0x', 123.0, '0x1.p+07'],
    ['%#.4x', 123.0, '0x1.ec00p+06'],
    ['%#.0f', 1.0, '1.'],
    ['%#.0e', 123.0, '1.e+02'],
    ['%#g', 1.1, '1.10000'],
    ['%#g', 1234567.0, '1.234567e+06'],
    ['%#.4g', 0.012, '0.01200'],
    ['%#9.4g', 1.0, '    1.000'],
    ['%#b', 1.0, '4503599627370496p-52'],
  ];
  t.same(cases.map(([fmt, v]) => formatGo(fmt, [f(v)])), cases.map((c) => c[2]));
});
