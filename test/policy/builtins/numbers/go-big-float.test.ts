/**
 * Non-integer arithmetic as OPA does it (topdown/arithmetic.go, aggregates.go, issue #16): each
 * operand's text read by big.Float.SetString (64-bit mantissa, ties to even), the operation rounded
 * once to 64 bits, the result written by FloatToNumber (`Text('f', -1)` for an integer, else
 * `Text('g', -1)`: the fewest digits that name the value among 64-bit floats, `%e` form when the
 * decimal exponent is < -4 or ≥ 6). Expected values are derived from those rules by hand (the
 * comment on each says how), then run on both back ends; the unit tests check the big.Float
 * model itself against JS's own shortest doubles and against exact rounding.
 */
import t from 'tap';
import { compileToPlan } from '../../../../src/policy/compiler/index.js';
import { createEvaluator } from '../../../../src/policy/index.js';
import { RNumber, numberFromText, stringifyJson } from '../../../../src/policy/value/index.js';
import { bigFloatFromText, bigFloatText, type BigFloat } from '../../../../src/policy/builtins/shared/big-float.js';
import { parseDecimal, roundToBits } from '../../../../src/policy/builtins/shared/decimal.js';

/** [Rego expression, the JSON OPA gives for it]; the derivation is in the comment above each. */
const CASES: [string, string][] = [
  // 1/3 rounds to m·2^-65 with m = round(2^65/3) = 12297829382473034411, about
  // 0.333333333333333333342; half an ulp is 2^-66 ≈ 1.36e-20, and both 19-digit neighbours
  // (…3333 and …3334 at the 19th digit) lie outside it, so 20 digits.
  ['1 / 3', '0.33333333333333333334'],
  ['-1 / 3', '-0.33333333333333333334'],
  // 2/3 = m·2^-64 with the same m, ≈ 0.666666666666666666685; the interval is ±2^-65 ≈ 2.7e-20,
  // which holds 0.6666666666666666667 (19 digits) but no 18-digit decimal.
  ['2 / 3', '0.6666666666666666667'],
  ['10 / 4', '2.5'],
  ['7 / 2', '3.5'],
  // round64(0.1) = 14757395258967641293·2^-67; times 3 is …923879·2^-67 (66 bits), rounded to
  // 11068046444225730970·2^-65, 0.4 ulp from 0.3 (0.3·2^65 = …969.6): "0.3" names it.
  ['0.1 * 3', '0.3'],
  // round64(0.2) is exactly 2·round64(0.1), so the sum is the same 66-bit value as 3·0.1 above.
  ['0.1 + 0.2', '0.3'],
  ['sum([0.1, 0.2])', '0.3'],
  ['to_number("0.1") + 0.2', '0.3'],
  // round64(0.7) = 12912720851596686131·2^-64, round64(0.1) = …161.625·2^-64 at that scale; the
  // sum …292.625 rounds to …293, 0.2 ulp from 0.8 (0.8·2^64 = …292.8). A double says 0.7999999999999999.
  ['0.1 + 0.7', '0.8'],
  // round64(1.1) = 10145709240540253389·2^-63; times 3 needs 65 bits, …167/2 = …083.5 ties to
  // the even …084·2^-62, 0.8 ulp above 3.3: the bounds (inclusive, even mantissa) are
  // 3.3 + [0.65, 2.82]e-19, and rounding the 20th digit of 3.30000000000000000017… gives …0002.
  ['3 * 1.1', '3.3000000000000000002'],
  // product folds with new(big.Float).Mul(product, x): a zero-precision receiver takes the larger
  // of its operands' precisions, 64 (NumberToFloat) over big.NewFloat(1)'s 53, so every step is
  // `*` at 64 bits: product([x, y]) is 1·x·y, each step rounded to 64 bits, as `x * y`.
  ['product([0.1, 3])', '0.3'],
  ['0.1 * 3', '0.3'],
  ['product([1.1, 3])', '3.3000000000000000002'],
  // Exact, not an integer; decimal exponent 6 is ≥ 6, so %e.
  ['1234567 + 0.5', '1.2345675e+06'],
  // Exponent -4 stays %f, -5 goes %e with two exponent digits.
  ['0.0001 + 0', '0.0001'],
  ['0.00001 * 1', '1e-05'],
  // round64(1e-5) = 12089258196146291747·2^-80; times 3 = …241·2^-80 (65 bits), …620.5 ties to
  // the even …620·2^-79, 0.59 ulp below 3e-5 (3e-5·2^79 = …620.59); the bounds are
  // 3e-5 - [1.80e-24, 1.5e-25], which hold 2.9999999999999999999e-05 but no 19-digit value.
  ['1e-5 * 3', '2.9999999999999999999e-05'],
  // A zero dividend takes the float path; big.Float's quotient keeps the sign (the xor), and
  // FloatToNumber writes a negative zero as "-0". The same for a product.
  ['0 / -5', '-0'],
  ['-0.5 * 0', '-0'],
  ['json.marshal(0 / -5)', '"-0"'],
  // sprintf: ast.Number("-0").Int() succeeds (ParseInt), so Go formats the int 0.
  ['sprintf("%v", [0 / -5])', '"0"'],
  ['0 / -5 == 0', 'true'],
  // sprintf of a float passes float64(text): float64's shortest digits again.
  ['sprintf("%v", [1 / 3])', '"0.3333333333333333"'],
  ['json.marshal([1 / 3, 1234567 + 0.5])', '"[0.33333333333333333334,1.2345675e+06]"'],
  // format_int: NumberToFloat, then Int truncates.
  ['format_int(10 / 4, 10)', '"2"'],
  // Equality compares values: 1/3 is the 64-bit value its 20 digits name, not the double.
  ['1 / 3 == 0.33333333333333333334', 'true'],
  ['1 / 3 == 0.3333333333333333', 'false'],
  ['abs(-0.1)', '0.1'],
  // arithRound adds ±0.5 at 64 bits: 0.5 - 1e-20 is within half an ulp (2^-66) of 0.5, so it
  // reads as 0.5 and rounds up; 0.5 - 1e-19 reads as 0.5 - 2^-63, +0.5 = 1 - 2^-63, truncated 0.
  ['round(0.49999999999999999999)', '1'],
  ['round(0.4999999999999999999)', '0'],
  ['round(-0.5)', '-1'],
  // arithCeil/arithFloor keep the truncation when it is negative (ceil) or not (floor); the
  // truncation of a value in (-1, 0) is 0, never negative, so OPA answers 1 and 0 here.
  ['ceil(-0.5)', '1'],
  ['floor(-0.5)', '0'],
  ['ceil(-1.5)', '-1'],
  ['floor(-1.5)', '-2'],
];

const MOD = `package f\n\nr := [\n${CASES.map(([e]) => `\t${e},`).join('\n')}\n]\n\nerrs := array.concat([x | x := 2.5 / 0.0], [x | x := 1 % 0.5])\n`;

const WANT = `[${CASES.map(([, v]) => v).join(',')}]`;

for (const engine of ['js', 'wasm'] as const) {
  t.test(`${engine}: non-integer arithmetic gives OPA's big.Float text`, async (t) => {
    const policy = compileToPlan([{ file: 'f.rego', text: MOD }], { query: 'x = data.f' });
    const ev = await createEvaluator(policy, { engine });
    const [got = ''] = ev.evaluate('eval', undefined).map((v) => stringifyJson(v));
    t.equal(got.slice(0, 21), '{"x":{"errs":[],"r":[', 'division by 0.0 and % of a float are errors (undefined)');
    // Case by case, so that a failure names the expression.
    CASES.forEach(([expr, want], i) => t.equal(rawRow(got, i), want, expr));
    t.equal(got, `{"x":{"errs":[],"r":${WANT}}}`);
  });
}

t.test('a -0 number text stays text (OPA keeps the json.Number)', (t) => {
  const z = numberFromText('-0');
  t.ok(z instanceof RNumber);
  t.equal(stringifyJson([z, numberFromText('0')]), '[-0,0]');
  t.end();
});

/** The i-th element's JSON text inside `"r":[…]` (numbers keep their exact text this way). */
function rawRow(json: string, i: number): string {
  const body = json.slice(json.indexOf('"r":[') + 5, json.lastIndexOf(']'));
  const out: string[] = [];
  let depth = 0;
  let inStr = false;
  let start = 0;
  for (let k = 0; k < body.length; k++) {
    const c = body[k];
    if (inStr) {
      if (c === '\\') k++;
      else if (c === '"') inStr = false;
    } else if (c === '"') inStr = true;
    else if (c === '[' || c === '{') depth++;
    else if (c === ']' || c === '}') depth--;
    else if (c === ',' && depth === 0) {
      out.push(body.slice(start, k));
      start = k + 1;
    }
  }
  out.push(body.slice(start));
  return out[i] ?? '';
}

/** A double as the 53-bit big.Float holding it exactly. */
function bigFloatOfDouble(d: number): BigFloat {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, d);
  const hi = view.getUint32(0);
  const e = (hi >>> 20) & 0x7ff;
  let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(view.getUint32(4));
  let exp = e === 0 ? -1074 : e - 1075;
  if (e !== 0) mant |= 1n << 52n;
  const shift = 53 - mant.toString(2).length;
  mant <<= BigInt(shift);
  exp -= shift;
  return { neg: hi >>> 31 === 1, mant, exp, prec: 53 };
}

t.test("Text('g', -1) at 53 bits names a double with JS's shortest digits", (t) => {
  // The same question JS's Number#toString answers (shortest round-trip digits), away from
  // powers of two, where Go's roundShortest takes the upper ulp on both sides and JS does not.
  let seed = 7;
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  let bad = 0;
  for (let i = 0; i < 3000; i++) {
    const d = (rnd() - 0.5) * 10 ** Math.floor(rnd() * 40 - 20);
    const x = bigFloatOfDouble(d);
    if ((x.mant & ((1n << 52n) - 1n)) === 0n) continue;
    const got = bigFloatText(x);
    const digits = (v: number) => v.toExponential().replace(/e.*$/, '').replace(/[-.]/g, '');
    if (Number(got) !== d || digits(Number(got)) !== digits(d)) bad++;
  }
  t.equal(bad, 0);
  t.end();
});

t.test('SetString rounds a decimal to 64 bits, ties to even (exact scale factors up to 5^27)', (t) => {
  let seed = 11;
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  let bad = 0;
  for (let i = 0; i < 2000; i++) {
    const text = `${Math.floor(rnd() * 1e15)}${Math.floor(rnd() * 1e6)}e${Math.floor(rnd() * 50) - 25}`;
    const x = bigFloatFromText(text);
    const want = roundToBits(parseDecimal(text)!, 64);
    const num = (x.neg ? -1n : 1n) * (x.exp >= 0 ? x.mant << BigInt(x.exp) : x.mant);
    const den = x.exp >= 0 ? 1n : 1n << BigInt(-x.exp);
    if (num * want.den !== want.num * den) bad++;
  }
  t.equal(bad, 0);
  // A tie: 2^64 + 1 is halfway between two 64-bit floats and goes to the even mantissa (2^64).
  t.equal(bigFloatText(bigFloatFromText('18446744073709551617')), '18446744073709551616');
  t.equal(bigFloatText(bigFloatFromText('18446744073709551619')), '18446744073709551620');
  t.end();
});
