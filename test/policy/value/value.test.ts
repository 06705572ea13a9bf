import t from 'tap';
import {
  RObject, RSet, compare, compareStrings, equal, formatValue, hashKey, makeObject, objectEntries, objectGet,
  ObjectBuilder, parseJson, stringifyJson, toJs, typeName, type Value,
} from '../../../src/policy/value/index.js';

t.test('total order across types follows OPA', async (t) => {
  const ordered: Value[] = [null, false, true, -1, 0, 1.5, 2n ** 70n, '', 'a', 'b', [], [1], {}, { a: 1 }, new RSet(), RSet.of([1])];
  for (let i = 0; i < ordered.length; i++) {
    for (let j = 0; j < ordered.length; j++) {
      const c = compare(ordered[i] as Value, ordered[j] as Value);
      t.equal(Math.sign(c), Math.sign(i - j), `${formatValue(ordered[i] as Value)} vs ${formatValue(ordered[j] as Value)}`);
    }
  }
});

t.test('numbers: 1 == 1.0, bigints compare exactly with doubles', async (t) => {
  t.ok(equal(1, 1.0));
  t.equal(hashKey(1), hashKey(1.0));
  t.equal(hashKey(2 ** 60), hashKey(2n ** 60n), 'integer double and bigint hash alike');
  t.ok(equal(2 ** 60, 2n ** 60n));
  t.equal(compare(2n ** 53n + 1n, 2 ** 53), 1);
  t.equal(compare(2n ** 53n, 2 ** 53 + 0.5), -1 * Math.sign(compare(2 ** 53 + 0.5, 2n ** 53n)));
});

t.test('strings order by code point like Go, not by UTF-16 unit', async (t) => {
  // U+FF61 (BMP, high) vs U+1F600 (astral: surrogates D83D…): Go puts the astral one last.
  t.equal(compareStrings('\uff61', '\u{1f600}'), -1);
  t.equal(compareStrings('\u{1f600}', '\uff61'), 1);
  t.equal(compareStrings('ab', 'abc'), -1);
});

t.test('sets dedupe by value and iterate sorted', async (t) => {
  const s = RSet.of([3, 1, 2, 1.0, [1, 2], [1, 2], { a: 1 }, 'x']);
  t.same(s.values(), [1, 2, 3, 'x', [1, 2], { a: 1 }]);
  t.ok(s.has([1, 2]));
  t.notOk(s.has('1'), 'string "1" is not number 1');
  t.ok(equal(RSet.of([1, 2]), RSet.of([2, 1])));
});

t.test('objects: plain and composite keys, key order irrelevant', async (t) => {
  t.ok(equal({ a: 1, b: 2 }, { b: 2, a: 1 }));
  const b = new ObjectBuilder();
  b.set('a', 1).set(['k'], 2);
  const o = b.build();
  t.ok(o instanceof RObject);
  t.equal(objectGet(o, ['k']), 2);
  t.equal(objectGet(o, 'a'), 1);
  t.ok(equal(o, makeObject([[['k'], 2], ['a', 1]])));
  const proto = parseJson('{"constructor": 1}') as Record<string, Value>;
  t.equal(objectGet({}, 'constructor'), undefined, 'prototype members are not keys');
  t.equal(objectGet(proto, 'constructor'), 1);
  t.same(objectEntries({ b: 1, a: 2 }), [['a', 2], ['b', 1]]);
  const p = makeObject([['__proto__', 1]]);
  t.equal(objectGet(p, '__proto__'), 1, '__proto__ is an ordinary key');
  t.equal(typeName(p), 'object');
});

t.test('JSON: exact big integers, sorted output, OPA encoding of sets and composite keys', async (t) => {
  const v = parseJson('{"n": 12345678901234567890, "f": 1.5, "s": "x"}') as Record<string, Value>;
  t.equal(v.n, 12345678901234567890n);
  t.equal(stringifyJson(v), '{"f":1.5,"n":12345678901234567890,"s":"x"}');
  t.equal(stringifyJson(RSet.of(['b', 'a'])), '["a","b"]');
  t.equal(stringifyJson(makeObject([[1, 'a']])), '{"1":"a"}');
  t.equal(stringifyJson(1e21), '1e+21');
  t.equal(stringifyJson(1e-7), '1e-07');
  t.same(toJs(RSet.of([2, 1])), [1, 2]);
  t.throws(() => parseJson('{"a": 12345678901234567890,}'), SyntaxError);
});

t.test('formatValue renders Rego term syntax', async (t) => {
  t.equal(formatValue(new RSet()), 'set()');
  t.equal(formatValue(RSet.of([2, 1])), '{1, 2}');
  t.equal(formatValue({ a: [1, 'x'] }), '{"a": [1, "x"]}');
});
