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
  throwsCode(t, () => call('union', set(1)), 'REGO_ERR_BUILTIN_TYPE', 'set of sets');
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

t.test('objects', (t) => {
  t.equal(call('object.get', { a: { b: 1 } }, ['a', 'b'], 0), 1);
  t.equal(call('object.get', { a: [10, 20] }, ['a', 1], 0), 20);
  t.equal(call('object.get', { a: 1 }, 'x', 'dflt'), 'dflt');
  t.equal(j(call('object.get', { a: 1 }, [], 0)), '{"a":1}');
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

t.test('walk: pre-order [path, value] pairs', (t) => {
  t.equal(j(call('walk', { b: [1], a: 'x' })), '[[[],{"a":"x","b":[1]}],[["a"],"x"],[["b"],[1]],[["b",0],1]]');
  t.equal(j(call('walk', set('k'))), '[[[],["k"]],[["k"],"k"]]');
  t.equal(j(call('walk', 5)), '[[[],5]]');
  t.end();
});

t.test('graph.reachable and reachable_paths', (t) => {
  const g = { a: ['b'], b: ['c'], c: ['a'], d: null };
  t.equal(j(call('graph.reachable', g, ['a'])), '["a","b","c"]');
  t.equal(j(call('graph.reachable', g, set('d', 'zzz'))), '["d"]');
  t.equal(j(call('graph.reachable_paths', { a: ['b', 'c'], b: [], c: ['a'] }, ['a'])), '[["a","b"],["a","c"]]');
  t.end();
});
