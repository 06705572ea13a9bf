/** sets, arrays, objects, types, casts, walk/graph builtins. */
import t from 'tap';
import { call, j, obj, set, throwsCode } from '../helpers.js';

t.test('arrays', (t) => {
  t.same(call('array.concat', [1], [2, 3]), [1, 2, 3]);
  t.same(call('array.slice', [1, 2, 3, 4], 1, 3), [2, 3]);
  t.same(call('array.slice', [1, 2, 3], -5, 10), [1, 2, 3]);
  t.same(call('array.slice', [1, 2, 3], 2, 1), []);
  t.same(call('array.reverse', [1, 2, 3]), [3, 2, 1]);
  t.same(call('array.flatten', [[1, 2], 'x', [[3]]]), [1, 2, 'x', [3]]);
  throwsCode(t, () => call('array.flatten', 42), 'REGO_ERR_BUILTIN_TYPE', 'array.flatten: operand 1 must be array but got number');
  t.end();
});
