/**
 * Edge inputs of OPA's numeric builtins, each answer derived from the Go code (v1/topdown
 * arithmetic.go, aggregates.go, numbers.go, casts.go, strings.go format_int, parse_units.go,
 * parse_bytes.go; builtins.go IntOperand/BigIntOperand) in the comment above it: negative
 * zero, huge and tiny values, integers written as floats, exponents in strings. Values run on
 * both back ends; error codes and texts through the JS builtins.
 */
import t from 'tap';
import { compileToPlan } from '../../../../src/policy/compiler/index.js';
import { createEvaluator } from '../../../../src/policy/index.js';
import { RNumber, stringifyJson } from '../../../../src/policy/value/index.js';
import { call, throwsCode } from '../helpers.js';

const CASES: [string, string][] = [
  // "-0" parses as an int64 (ParseInt accepts it), so the small-int path answers 0.
  ['round(-0)', '0'],
  // "-0.0" is no int64: arithCeil on big.Float -0 → Int 0, SetInt(0) is +0, equal to a: "0".
  ['ceil(-0.0)', '0'],
  // Abs clears the sign of -0.
  ['abs(-0.0)', '0'],
  // arithRound: a is negative, so a - 0.5 = -0.9, Int truncates to 0 (big.Int has no -0).
  ['round(-0.4)', '0'],
  // Half away from zero: 2.5 + 0.5 = 3; -2.5 - 0.5 = -3.
  ['round(2.5)', '3'],
  ['round(-2.5)', '-3'],
  // sum: the int fast path takes "-0" (n.Int() succeeds) and writes the int 0.
  ['sum([-0])', '0'],
  // sum of floats starts at new(big.Float) (+0); 0.5 + -0.5 rounds to +0 (nearest-even mode).
  ['sum([0.5, -0.5])', '0'],
  // product starts from the exact big.Int 1: the empty product is 1.
  ['product([])', '1'],
  // max keeps a later equal element (`max.Compare(x) <= 0`), min likewise (`>= 0`).
  ['max([1, 1.0])', '1.0'],
  ['min([1.0, 1])', '1'],
  // to_number returns ast.Number(the string) once ParseFloat accepts it: the text is kept.
  ['to_number("1E+3")', '1E+3'],
  ['to_number("-0.0")', '-0.0'],
  ['to_number("1e3") == 1000', 'true'],
  // format_int: base 10 of an int64 text is printed as is; -0 is the int 0.
  ['format_int(-0, 10)', '"0"'],
  // Other numbers: NumberToFloat then Int (truncation toward zero): -15.9 → -15 → "-f".
  ['format_int(-15.9, 16)', '"-f"'],
  ['format_int(-0.5, 10)', '"0"'],
  // 2^64 + 1 read at 64 bits ties to the even 2^64: hex 1 followed by 16 zeros.
  ['format_int(18446744073709551617, 16)', '"10000000000000000"'],
  // numbers.range on integers written as floats: BigIntOperand (NumberToInt) accepts 1.0 and 1e0.
  ['numbers.range(1.0, 3)', '[1,2,3]'],
  ['numbers.range(3, 1e0)', '[3,2,1]'],
  ['numbers.range_step(1, 5, 2.0)', '[1,3,5]'],
  // units.parse: big.Rat. "1e3" with no unit is 1000, an integer, printed as Num().String().
  ['units.parse("1e3")', '1000'],
  // 0.5 × SetFloat64(0.001): the double 0.001 is slightly above 1/1000, the product no integer:
  // FloatString(10) rounds to ten decimals.
  ['units.parse("0.5m")', '0.0005000000'],
  ['units.parse("1.5Ki")', '1536'],
  ['units.parse("-1K")', '-1000'],
  // units.parse_bytes: big.Float (64 bits) × the unit, then Int.
  ['units.parse_bytes("1e3")', '1000'],
  ['units.parse_bytes("1.5KiB")', '1536'],
  ['units.parse_bytes("-1K")', '-1000'],
];

const MOD = `package f\n\nr := [\n${CASES.map(([e]) => `\t${e},`).join('\n')}\n]\n`;
const WANT = `{"x":{"r":[${CASES.map(([, v]) => v).join(',')}]}}`;

for (const engine of ['js', 'wasm'] as const) {
  t.test(`${engine}: numeric builtins on edge inputs answer as OPA's Go code`, async (t) => {
    const policy = compileToPlan([{ file: 'f.rego', text: MOD }], { query: 'x = data.f' });
    const ev = await createEvaluator(policy, { engine });
    const [got = ''] = ev.evaluate('eval', undefined).map((v) => stringifyJson(v));
    t.equal(got, WANT);
  });
}

t.test('integer operands that are not integers: OPA error texts', (t) => {
  // BigIntOperand: NumberToInt fails on 1.5 → "must be integer number but got floating-point number".
  throwsCode(t, () => call('numbers.range', new RNumber('1.5'), 3), 'REGO_ERR_BUILTIN_TYPE', 'operand 1 must be integer number but got floating-point number');
  // IntOperand is ParseInt of the TEXT: 1.0 is refused even though it is an integer.
  throwsCode(t, () => call('rand.intn', 'a', new RNumber('1.0')), 'REGO_ERR_BUILTIN_TYPE', 'operand 2 must be integer number but got floating-point number');
  // range_step checks the step after reading it: 0 is "step must be a positive integer".
  throwsCode(t, () => call('numbers.range_step', 1, 5, 0), 'REGO_ERR_BUILTIN', 'step must be a positive integer');
  // % of a value with a fraction at 64 bits: NumberToInt fails, noFloat's error.
  throwsCode(t, () => call('rem', new RNumber('1.5'), 2), 'REGO_ERR_BUILTIN', 'modulo on floating-point number');
  // A zero divisor in any form is checked on the big.Float too.
  throwsCode(t, () => call('div', 1, new RNumber('0e5')), 'REGO_ERR_BUILTIN', 'divide by zero');
  // to_number: ParseFloat's own error text; "inf"/"nan" are refused before it as a type error.
  throwsCode(t, () => call('to_number', '0x10'), 'REGO_ERR_BUILTIN', 'strconv.ParseFloat: parsing "0x10": invalid syntax');
  throwsCode(t, () => call('to_number', '-Inf'), 'REGO_ERR_BUILTIN_TYPE', 'operand 1 must be valid number string but got string');
  t.end();
});
