/** sets, arrays, objects, types, casts, walk/graph builtins. */
import t from 'tap';
import { call, j, obj, set, throwsCode } from '../helpers.js';

t.test('objects', (t) => {
  t.equal(call('object.get', { a: { b: 1 } }, ['a', 'b'], 0), 1);
  t.equal(call('object.get', { a: [10, 20] }, ['a', 1], 0), 20);
  t.equal(call('object.get', { a: 1 }, 'x', 'dflt'), 'dflt');
  t.equal(j(call('object.get', { a: 1 }, [], 0)), '{"a":1}');
  // a key holding null is found (OPA's Get/Find return the null term), not the default
  t.equal(call('object.get', { a: null }, 'a', 'dflt'), null);
  t.equal(call('object.get', { a: null }, ['a'], 'dflt'), null);
  t.equal(call('object.get', { a: [null] }, ['a', 0], 'dflt'), null);
  t.equal(call('object.get', { a: null }, ['a', 'b'], 'dflt'), 'dflt');
  t.equal(j(call('object.keys', { b: 1, a: 2 })), '["a","b"]');
  t.equal(j(call('object.remove', { a: 1, b: 2, c: 3 }, ['a', 'x'])), '{"b":2,"c":3}');
  t.equal(j(call('object.remove', { a: 1, b: 2 }, { b: 0 })), '{"a":1}');
  t.equal(j(call('object.remove', obj([[1, 'x'], ['1', 'y']]), set(1))), '{"1":"y"}');
  throwsCode(t, () => call('object.remove', { a: 1 }, 'a'), 'REGO_ERR_BUILTIN_TYPE', 'operand 2 must be one of {object, set, array} but got string');
  t.equal(j(call('object.filter', { a: 1, b: 2, c: 3 }, set('a', 'c', 'z'))), '{"a":1,"c":3}');
  t.equal(j(call('object.union', { a: { b: 1, c: 2 }, d: 1 }, { a: { b: 5 }, d: { e: 1 } })), '{"a":{"b":5,"c":2},"d":{"e":1}}');
  // A non-object in the middle of the chain freezes the key (OPA's union_n example).
  t.equal(j(call('object.union_n', [{ a: { b: 2 } }, { a: 4 }, { a: { c: 3 } }])), '{"a":{"c":3}}');
  t.equal(j(call('object.union_n', [])), '{}');
  throwsCode(t, () => call('object.union_n', [{}, 1]), 'REGO_ERR_BUILTIN_TYPE', 'array of objects');
  t.end();
});

t.test('object.subset', (t) => {
  t.equal(call('object.subset', { a: 1, b: { c: 2, d: 3 } }, { b: { c: 2 } }), true);
  t.equal(call('object.subset', { a: set(1, 2, 3) }, { a: set(1, 3) }), true);
  t.equal(call('object.subset', { a: [1, 2, 3, 4] }, { a: [2, 3] }), true);
  t.equal(call('object.subset', { a: [1, 2, 3, 4] }, { a: [2, 4] }), false);
  t.equal(call('object.subset', [1, 2, 3, 4, 5, 6], set(4, 3, 2)), true);
  t.equal(call('object.subset', [1, 2], set(1, 5)), false);
  t.equal(call('object.subset', set(1, 2), set(2)), true);
  throwsCode(t, () => call('object.subset', set(1), [1]), 'REGO_ERR_BUILTIN_TYPE', 'must be of the same type or array and set');
  t.end();
});
