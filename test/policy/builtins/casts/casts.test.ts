/** sets, arrays, objects, types, casts, walk/graph builtins. */
import t from 'tap';
import { call, j, obj, set, throwsCode } from '../helpers.js';

t.test('types and casts', (t) => {
  t.equal(call('is_number', -42.0), true);
  t.equal(call('is_number', false), false);
  t.equal(call('is_set', set()), true);
  t.equal(call('is_object', set()), false);
  t.equal(call('type_name', null), 'null');
  t.equal(call('type_name', 12345678901234567890n), 'number');
  t.equal(call('type_name', {}), 'object');
  t.equal(call('to_number', '-3.5'), -3.5);
  t.equal(call('to_number', '12345678901234567890'), 12345678901234567890n);
  t.equal(call('to_number', true), 1);
  t.equal(call('to_number', null), 0);
  t.equal(call('to_number', '0x1p-2'), 0.25);
  throwsCode(t, () => call('to_number', 'foo'), 'REGO_ERR_BUILTIN', 'invalid syntax');
  throwsCode(t, () => call('to_number', 'Inf'), 'REGO_ERR_BUILTIN_TYPE', 'valid number string');
  throwsCode(t, () => call('to_number', []), 'REGO_ERR_BUILTIN_TYPE', 'one of {null, boolean, number, string}');
  t.same(call('cast_array', set(2, 1)), [1, 2]);
  t.end();
});

// OPA runs strconv.ParseFloat on the string: out of a double's range is ErrRange, not a syntax error.
t.test('to_number: beyond a double is "value out of range"', (t) => {
  throwsCode(t, () => call('to_number', '1e400'), 'REGO_ERR_BUILTIN', 'parsing "1e400": value out of range');
  throwsCode(t, () => call('to_number', `1${'0'.repeat(400)}`), 'REGO_ERR_BUILTIN', 'value out of range');
  throwsCode(t, () => call('to_number', '1e4x'), 'REGO_ERR_BUILTIN', 'invalid syntax');
  t.end();
});
