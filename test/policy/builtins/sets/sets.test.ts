/** sets, arrays, objects, types, casts, walk/graph builtins. */
import t from 'tap';
import { call, j, obj, set, throwsCode } from '../helpers.js';

t.test('sets and membership', (t) => {
  t.equal(j(call('and', set(1, 2, 3), set(2, 3, 4))), '[2,3]');
  t.equal(j(call('or', set(1), set('a'))), '[1,"a"]');
  t.equal(j(call('intersection', set(set(1, 2), set(2, 3)))), '[2]');
  t.equal(j(call('intersection', set())), '[]');
  t.equal(j(call('union', set(set(1), set(2), set()))), '[1,2]');
  t.equal(j(call('set_diff', set(1, 2), set(2))), '[1]');
  // OPA sets.go reads each member with SetOperand(x, 1): the message names the member's type.
  throwsCode(t, () => call('union', set(1)), 'REGO_ERR_BUILTIN_TYPE', 'union: operand 1 must be set but got number');
  throwsCode(t, () => call('intersection', set(set(1), 'a')), 'REGO_ERR_BUILTIN_TYPE', 'intersection: operand 1 must be set but got string');
  t.equal(call('internal.member_2', 1, [1]), true);
  t.equal(call('internal.member_2', 1, { foo: 1 }), true);
  t.equal(call('internal.member_2', 'foo', { foo: 1 }), false);
  t.equal(call('internal.member_2', 1, set(1.0)), true);
  t.equal(call('internal.member_2', 1, 'x'), false);
  t.equal(call('internal.member_3', 1, 'two', ['one', 'two']), true);
  t.equal(call('internal.member_3', 'foo', 1, { foo: 1 }), true);
  t.equal(call('internal.member_3', 1, 1, set(1)), false);
  t.equal(call('internal.member_3', 5, 'x', ['x']), false);
  t.end();
});
