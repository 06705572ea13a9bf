/**
 * Integer arithmetic as OPA does it past its small ints (topdown/arithmetic.go, aggregates.go,
 * numbers.go, bits.go; issue #16): every exact big.Int path starts from builtins.NumberToInt,
 * which reads the number's text into a 64-bit-mantissa big.Float (SetString, ties to even) and
 * takes its Int. So an integer of more than 64 significant bits is rounded before `+ - * %`,
 * sum, product, bits.* and numbers.range see it, and abs/round/ceil/floor of anything but a
 * small int run on that big.Float. Expected values are derived from those rules by hand (the
 * comment above each says how) and run on both back ends.
 */
import t from 'tap';
import { compileToPlan } from '../../../../src/policy/compiler/index.js';
import { createEvaluator } from '../../../../src/policy/index.js';
import { stringifyJson } from '../../../../src/policy/value/index.js';

const P64 = 18446744073709551616n; // 2^64
const P63 = 9223372036854775808n; // 2^63

/** [Rego expression, the JSON OPA gives for it]. */
const CASES: [string, string][] = [
  // 2^64 + 1 needs 65 bits; it lies halfway between 2^64 and 2^64 + 2 and ties to the even
  // mantissa: 2^64. The big.Int sum then is exact.
  ['18446744073709551617 + 0', `${P64}`],
  ['18446744073709551617 - 1', `${P64 - 1n}`],
  // 2^64 + 3 ties between 2^64 + 2 (mantissa 2^63 + 1, odd) and 2^64 + 4 (even): 2^64 + 4.
  ['18446744073709551619 * 1', `${P64 + 4n}`],
  // Below 2^64 every integer is exact in 64 bits: nothing changes.
  ['18446744073709551615 + 1', `${P64}`],
  // (2^64 + 1) % 2^64: the dividend reads as 2^64, so 0; 10 % 2^64 is 10 (Sign, not Int64).
  ['18446744073709551617 % 18446744073709551616', '0'],
  ['10 % 18446744073709551616', '10'],
  // 12345678901234567890.5 lies between 2^63 and 2^64, where the 64-bit ulp is 1: the .5 is a
  // tie and goes to the even 12345678901234567890, an integer, so % accepts it.
  ['12345678901234567890.5 % 1000', '890'],
  // 1e30 = 2^30 · 5^30; 5^30 has 70 bits, so 1e30 is rounded: (1e30 + 1) - 1e30 is the +1 read
  // back into 64 bits and lost again.
  ['(1e30 + 1) - 1e30', '0'],
  // 1e27 = 2^27 · 5^27 and 5^27 has 63 bits, so 1e27 itself is exact; but 1e27 + 1 has 90
  // significant bits and reads back as 1e27.
  ['(1e27 + 1) - 1e27', '0'],
  ['1e27 + 1', '1000000000000000000000000001'],
  // 10^300 = 2^300 · 5^300 and 5^300 has 697 bits: NumberToInt reads 1e300 as a rounded R, and
  // the exact product R · R is no power of ten, so it differs from 1e600 (exact 10^600).
  ['1e300 * 1e300 == 1e600', 'false'],
  ['1e300 * 1e300 == (1e300 + 0) * 1e300', 'true'],
  // sum: the machine-int fast path overflows, then exactIntAccumulate with NumberToInt on each
  // element; product has no fast path.
  ['sum([18446744073709551617, 1])', `${P64 + 1n}`],
  ['product([18446744073709551617, 1])', `${P64}`],
  // bits.* read BigIntOperand = NumberToInt: 2^64 + 1 is 2^64, whose low bits are 0.
  ['bits.and(18446744073709551617, 3)', '0'],
  ['bits.or(18446744073709551617, 1)', `${P64 + 1n}`],
  // numbers.range: BigIntOperand on both bounds; 2^64 + 1 starts at 2^64.
  ['numbers.range(18446744073709551617, 18446744073709551618)', `[${P64},${P64 + 1n},${P64 + 2n}]`],
  // round: not a small int, so arithRound on the 64-bit float: 2^63 + 1 + 0.5 needs 65 bits and
  // ties to the even 2^63 + 2; Int then SetInt, printed exactly.
  ['round(9223372036854775809)', `${P63 + 2n}`],
  // ceil/floor of an integral float return it.
  ['ceil(9223372036854775809)', `${P63 + 1n}`],
  ['floor(-9223372036854775809)', `${-P63 - 1n}`],
  // abs: FloatToNumber of the 64-bit value, Text('f', -1): the shortest digits naming it among
  // 64-bit floats, padded with zeros. 12345678901234567890123 (74 bits) has ulp 2^10 = 1024;
  // 12345678901234567890000 is within half of it of the rounded value, and no 19-digit one is.
  ['abs(-12345678901234567890123)', '12345678901234567890000'],
  // Small ints (and every integer below 2^64) are untouched.
  ['abs(-9007199254740993)', '9007199254740993'],
  ['round(123)', '123'],
];

const MOD = `package f\n\nr := [\n${CASES.map(([e]) => `\t${e},`).join('\n')}\n]\n`;
const WANT = `{"x":{"r":[${CASES.map(([, v]) => v).join(',')}]}}`;

for (const engine of ['js', 'wasm'] as const) {
  t.test(`${engine}: integers pass through NumberToInt's 64-bit big.Float`, async (t) => {
    const policy = compileToPlan([{ file: 'f.rego', text: MOD }], { query: 'x = data.f' });
    const ev = await createEvaluator(policy, { engine });
    const [got = ''] = ev.evaluate('eval', undefined).map((v) => stringifyJson(v));
    const rows = got.slice(11, -3);
    CASES.forEach(([expr, want], i) => t.equal(splitTop(rows)[i], want, expr));
    t.equal(got, WANT);
  });
}

/** Top-level comma-separated items of a JSON array body. */
function splitTop(body: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let k = 0; k < body.length; k++) {
    const c = body[k];
    if (c === '[' || c === '{') depth++;
    else if (c === ']' || c === '}') depth--;
    else if (c === ',' && depth === 0) {
      out.push(body.slice(start, k));
      start = k + 1;
    }
  }
  out.push(body.slice(start));
  return out;
}
