/** sets, arrays, objects, types, casts, walk/graph builtins. */
import t from 'tap';
import { call, j, obj, set, throwsCode } from '../helpers.js';

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
