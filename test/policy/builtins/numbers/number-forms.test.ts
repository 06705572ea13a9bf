/**
 * Builtins on numbers that keep their literal text (RNumber: `1.0`, `1e3`, `2e308`, …), from
 * OPA's rules: arithmetic reads a json.Number as an exact integer when it is one (big.Int, any
 * size, any form) and otherwise as a float; a float result no double holds keeps big.Float's
 * 64-bit mantissa; sprintf passes a non-integer text as float64 (or, beyond float64, as its
 * text); json.marshal and to_number keep the text.
 */
import t from 'tap';
import { RNumber, type Value } from '../../../../src/policy/value/index.js';
import { call, j, throwsCode } from '../helpers.js';

const n = (text: string) => new RNumber(text);

t.test('arithmetic: a number written as a float is still an integer when it is one', (t) => {
  t.equal(call('plus', n('1.0'), 1), 2);
  t.equal(call('minus', n('1e3'), 1), 999);
  t.equal(call('mul', n('2.50'), 2), 5);
  t.equal(call('div', n('1.0'), 4), 0.25);
  t.equal(call('rem', n('4.0'), 3), 1);
  throwsCode(t, () => call('rem', n('4.50'), 3), 'REGO_ERR_BUILTIN', 'modulo on floating-point number');
  throwsCode(t, () => call('div', 1, n('0.0')), 'REGO_ERR_BUILTIN', 'divide by zero');
  t.same(call('numbers.range', n('1.0'), 3), [1, 2, 3]);
  t.end();
});

/** An integer rounded to 64 significant bits, ties to even: what big.Float.SetString keeps. */
function round64(b: bigint): bigint {
  const neg = b < 0n;
  const a = neg ? -b : b;
  const len = a.toString(2).length;
  if (len <= 64) return b;
  const s = BigInt(len - 64);
  let q = a >> s;
  const low = a & ((1n << s) - 1n);
  const half = 1n << (s - 1n);
  if (low > half || (low === half && (q & 1n) === 1n)) q += 1n;
  return (neg ? -1n : 1n) * (q << s);
}

t.test("integer arithmetic starts from OPA's NumberToInt: 64 significant bits, then exact", (t) => {
  // builtins.NumberToInt reads the text into a 64-bit big.Float and takes its Int; the big.Int
  // op is then exact and IntToNumber prints every digit. 12345678901234567890123 has 74 bits,
  // so its low 10 bits are rounded away before the + 1.
  t.equal(call('plus', 12345678901234567890123n, 1), round64(12345678901234567890123n) + 1n);
  t.not(round64(12345678901234567890123n), 12345678901234567890123n);
  // 2^64 + 1 (65 bits) lies halfway between 2^64 and 2^64 + 2: ties to the even mantissa, 2^64.
  t.equal(call('plus', n('18446744073709551617'), 0), 18446744073709551616n);
  t.equal(call('mul', 18446744073709551619n, 2), 2n * 18446744073709551620n);
  // (1e1000 + 1) is exact, but reading it back for the minus rounds the + 1 away again.
  t.equal(call('minus', call('plus', n('1e1000'), 1) as Value, n('1e1000')), 0);
  // Below 2^64 nothing is rounded: exact as before.
  t.equal(call('plus', 18446744073709551615n, 1), 18446744073709551616n);
  t.equal(call('rem', 18446744073709551615n, 10), 5);
  // A fraction below the 64-bit ulp is gone: 12345678901234567890.5 reads as the even
  // 12345678901234567890 (ulp 1 between 2^63 and 2^64), an integer, so % accepts it.
  t.equal(call('rem', n('12345678901234567890.5'), 1000), 890);
  t.equal(call('sum', [n('1.0'), 18446744073709551617n]), 18446744073709551617n);
  t.equal(call('product', [18446744073709551617n, 1]), 18446744073709551616n);
  t.equal(call('mul', n('1e1000'), 1.5), 15n * 10n ** 999n);
  t.equal(call('div', n('1e400'), 10), 10n ** 399n);
  // abs/round/ceil/floor of a non-small int take the float path: abs prints the 64-bit
  // value's shortest 'f' text; round adds 0.5 at 64 bits (2^63 + 1.5 ties to even, 2^63 + 2).
  t.equal(call('abs', n('-1e400')), 10n ** 400n);
  t.equal(call('abs', -12345678901234567890123n), 12345678901234567890000n);
  t.equal(call('round', 9223372036854775809n), 9223372036854775810n);
  t.equal(call('ceil', 9223372036854775809n), 9223372036854775809n);
  t.end();
});

t.test('a result no double holds is big.Float text (64-bit mantissa, Go forms)', (t) => {
  // round64(1e400) / 3 rounded to 64 bits is an integer (its ulp is far above 1), so FloatToNumber
  // writes it in 'f' form: the 20 digits that name it, padded with zeros.
  const third = call('div', n('1e400'), 3) as Value;
  t.equal(typeof third, 'bigint');
  t.equal(j(third), '33333333333333333334' + '0'.repeat(380));
  t.equal(j(call('div', 1, n('1e400'))), '1e-400');
  t.equal(j(call('mul', n('-1.5e-400'), 1)), '-1.5e-400');
  // 0.2000000000000000000001 and 0.2 are the same 64-bit float (1e-22 is below half an ulp).
  t.equal(call('plus', 0.1, n('0.2000000000000000000001')), 0.3);
  t.equal(call('sum', [0.5, n('1e-400')]), 0.5);
  t.end();
});

t.test('rounding reads the 64-bit value', (t) => {
  // OPA's arithFloor keeps a truncation that is not negative: 0 for anything in (-1, 0).
  t.equal(call('floor', n('-0.1000000000000000000001')), 0);
  t.equal(call('ceil', n('0.1000000000000000000001')), 1);
  t.equal(call('round', n('0.5000000000000000000001')), 1);
  t.equal(call('round', n('-2.50')), -3);
  t.equal(call('round', n('2.0')), 2);
  t.equal(call('abs', n('-1.0')), 1);
  t.end();
});

t.test('comparison builtins compare values, not texts', (t) => {
  t.equal(call('equal', n('1.0'), 1), true);
  t.equal(call('lt', n('1e400'), n('1.0000000000000000000001e400')), true);
  t.equal(call('gt', n('0.1000000000000000000001'), 0.1), true);
  t.end();
});

t.test('sprintf: float text is a float64, beyond float64 it is the text', (t) => {
  t.equal(call('sprintf', '%v', [n('1.0')]), '1');
  t.equal(call('sprintf', '%.2f', [n('101.00')]), '101.00');
  t.equal(call('sprintf', '%d', [n('1.0')]), '%!d(float64=1)');
  t.equal(call('sprintf', '%v', [n('1.50')]), '1.5');
  t.equal(call('sprintf', 'hi %v', [n('2e308')]), 'hi 2e308');
  t.equal(call('sprintf', '%d', [12345678901234567890123n]), '12345678901234567890123');
  t.end();
});

t.test('json.marshal, to_number, print forms keep the text', (t) => {
  t.equal(call('json.marshal', [n('1.0'), n('1e3'), 2, n('2e308')]), '[1.0,1e3,2,2e308]');
  t.equal(call('json.marshal', call('json.unmarshal', '{"a":1.0,"b":1.5e400}') as Value), '{"a":1.0,"b":1.5e400}');
  t.equal(j(call('to_number', '1.0')), '1.0');
  t.equal(j(call('to_number', '1e3')), '1e3');
  t.equal(call('to_number', n('1.0')) instanceof RNumber, true);
  t.equal(call('type_name', n('1e400')), 'number');
  t.equal(call('is_number', n('1.0')), true);
  // 1e30 is no int64, so OPA reads it through NumberToFloat: big.Float.SetString at 64-bit
  // precision (10^30 needs 70 bits), then big.Float.Int
  t.equal(call('format_int', n('1e30'), 10), '1000000000000000000024696061952');
  t.equal(call('format_int', n('1.0'), 2), '1');
  t.end();
});
