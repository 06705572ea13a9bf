/** comparison, numbers, aggregates, bits — values from OPA's conformance cases and Go semantics. */
import t from 'tap';
import { call, j, set, throwsCode } from '../helpers.js';

t.test('arithmetic: exact integers, big.Float floats', (t) => {
  t.equal(call('plus', 1, 2), 3);
  t.equal(call('plus', 9007199254740991, 2), 9007199254740993n);
  t.equal(call('mul', 4294967296, 4294967296), 18446744073709551616n);
  t.equal(call('minus', 10, 20.5), -10.5);
  // OPA computes in 64-bit-mantissa big.Floats: 0.1 + 0.2 == 0.3 holds there.
  t.equal(call('plus', 0.1, 0.2), 0.3);
  t.equal(call('mul', 0.1, 3), 0.3);
  t.equal(call('div', 10, 4), 2.5);
  // 1/3 to 64 bits needs 20 digits to be named (go-big-float.test.ts derives them).
  t.equal(j(call('div', 1, 3)), '0.33333333333333333334');
  t.equal(call('div', 18446744073709551616n, 2), 9223372036854775808n);
  t.equal(call('rem', 7, -3), 1);
  t.equal(call('rem', -7, 3), -1);
  // NumberToInt reads 2^64 + 1 at 64 bits: a tie, to the even 2^64, so OPA's remainder is 0.
  t.equal(call('rem', 18446744073709551617n, 18446744073709551616n), 0);
  t.equal(call('rem', 10, 18446744073709551616n), 10);
  throwsCode(t, () => call('div', 1, 0), 'REGO_ERR_BUILTIN', 'divide by zero');
  throwsCode(t, () => call('div', 1, 0.0), 'REGO_ERR_BUILTIN', 'divide by zero');
  throwsCode(t, () => call('rem', 1, 0), 'REGO_ERR_BUILTIN', 'modulo by zero');
  throwsCode(t, () => call('rem', 1.5, 1), 'REGO_ERR_BUILTIN', 'modulo on floating-point number');
  throwsCode(t, () => call('plus', 1, 'a'), 'REGO_ERR_BUILTIN_TYPE', 'operand 2 must be number but got string');
  t.end();
});

t.test('minus is also set difference, with OPA operand errors', (t) => {
  t.equal(j(call('minus', set(1, 2, 3), set(2))), '[1,3]');
  throwsCode(t, () => call('minus', set(1), 1), 'REGO_ERR_BUILTIN_TYPE', 'operand 2 must be set but got number');
  throwsCode(t, () => call('minus', 1, set(1)), 'REGO_ERR_BUILTIN_TYPE', 'operand 2 must be number but got set');
  throwsCode(t, () => call('minus', 'a', 1), 'REGO_ERR_BUILTIN_TYPE', 'operand 1 must be one of {number, set} but got string');
  t.end();
});

t.test('rounding family', (t) => {
  t.equal(call('round', 2.5), 3);
  t.equal(call('round', -2.5), -3);
  t.equal(call('round', -2.4), -2);
  t.equal(call('ceil', 1.1), 2);
  // OPA's arithCeil: the truncation 0 is not negative, so it adds one (see numbers.ts).
  t.equal(call('ceil', -0.5), 1);
  t.equal(call('floor', -1.1), -2);
  t.equal(call('abs', -9223372036854775808n), 9223372036854775808n);
  t.equal(call('abs', -1.5), 1.5);
  t.end();
});

t.test('numbers.range and range_step', (t) => {
  t.same(call('numbers.range', 0, 3), [0, 1, 2, 3]);
  t.same(call('numbers.range', 2, -1), [2, 1, 0, -1]);
  t.same(call('numbers.range_step', 1024, 4096, 1024), [1024, 2048, 3072, 4096]);
  t.same(call('numbers.range_step', 10, 1, 4), [10, 6, 2]);
  t.same(call('numbers.range_step', 2, 2, 2), [2]);
  throwsCode(t, () => call('numbers.range', 1.5, 3), 'REGO_ERR_BUILTIN_TYPE', 'numbers.range: operand 1 must be integer number but got floating-point number');
  throwsCode(t, () => call('numbers.range_step', 1, 3, 0), 'REGO_ERR_BUILTIN', 'step must be a positive integer');
  throwsCode(t, () => call('numbers.range_step', 1, 3, -1), 'REGO_ERR_BUILTIN', 'numbers.range_step: numbers.range_step: step must be a positive integer');
  throwsCode(t, () => call('numbers.range', 0, 1e12), 'REGO_ERR_BUILTIN');
  t.end();
});

// OPA builtins.BigIntOperand (numbers.range, bits.*) calls a non-number's wanted type "integer".
t.test('numbers.range and bits: a non-number operand is "must be integer"', (t) => {
  throwsCode(t, () => call('numbers.range', 'a', 1), 'REGO_ERR_BUILTIN_TYPE', 'numbers.range: operand 1 must be integer but got string');
  throwsCode(t, () => call('numbers.range_step', 1, 2, null), 'REGO_ERR_BUILTIN_TYPE', 'numbers.range_step: operand 3 must be integer but got null');
  throwsCode(t, () => call('bits.or', 1, 'x'), 'REGO_ERR_BUILTIN_TYPE', 'bits.or: operand 2 must be integer but got string');
  t.end();
});
