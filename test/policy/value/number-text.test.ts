/**
 * Numbers as OPA keeps them (ast.Number is a json.Number: the literal text). A number whose
 * text is its double's text is a plain double; `1.0`, `1e3`, `1.50` keep their form, and
 * values no double holds (`2e308`, `1e-400`, 22 significant digits) keep their exact value.
 * Whatever the form, equal values are equal, hash alike and order by their exact value.
 */
import t from 'tap';
import {
  RNumber, RSet, compare, equal, formatValue, hashKey, numberFromText, parseJson, stringifyJson, toJs, typeName, writeJson, isObject, type Value,
} from '../../../src/policy/value/index.js';

t.test('numberFromText keeps a double only when its text is the same text', async (t) => {
  t.equal(numberFromText('1.5'), 1.5);
  t.equal(numberFromText('-3'), -3);
  t.equal(numberFromText('0.30000000000000004'), 0.30000000000000004);
  t.equal(numberFromText('12345678901234567890'), 12345678901234567890n, 'long integers are exact bigints');
  t.equal(numberFromText('9007199254740991'), 9007199254740991, 'a safe integer stays a double');
  for (const text of ['1.0', '1e3', '1E3', '1.50', '2e308', '-1e9', '1e-400', '0.1000000000000000000001', '0.0000001']) {
    const n = numberFromText(text);
    t.ok(n instanceof RNumber, `${text} keeps its text`);
    t.equal((n as RNumber).text, text);
  }
});

t.test('an RNumber is a number, not an object', async (t) => {
  const n = new RNumber('1.0');
  t.equal(typeName(n), 'number');
  t.notOk(isObject(n));
});

t.test('equal values are equal and hash alike whatever their form', async (t) => {
  const pairs: [Value, Value][] = [
    [new RNumber('1.0'), 1],
    [new RNumber('1e3'), 1000],
    [new RNumber('1.50'), 1.5],
    [new RNumber('0.10'), 0.1],
    [new RNumber('1e30'), 10n ** 30n],
    [new RNumber('1.0e1000'), new RNumber('1e1000')],
    [new RNumber('-0.0'), 0],
  ];
  for (const [a, b] of pairs) {
    t.ok(equal(a, b), `${formatValue(a)} == ${formatValue(b)}`);
    t.ok(equal(b, a));
    t.equal(compare(a, b), 0);
    t.equal(hashKey(a), hashKey(b), `${formatValue(a)} hashes like ${formatValue(b)}`);
  }
  t.equal(RSet.of([1, new RNumber('1.0'), 2]).size, 2, 'a set holds 1 and 1.0 once');
  t.notOk(equal(new RNumber('0.1000000000000000000001'), 0.1), 'a value beyond a double is not its rounding');
  t.not(hashKey(new RNumber('0.1000000000000000000001')), hashKey(0.1));
});

t.test('ordering is by exact value, also beyond a double', async (t) => {
  const ordered: Value[] = [
    new RNumber('-1e400'),
    -(2n ** 70n),
    -1,
    new RNumber('-1e-400'),
    0,
    new RNumber('1e-400'),
    0.1,
    new RNumber('0.1000000000000000000001'),
    new RNumber('1.0'),
    1.5,
    2n ** 70n,
    new RNumber('2e308'),
    new RNumber('1e400'),
    new RNumber('1.0000000000000000000001e400'),
  ];
  for (let i = 0; i < ordered.length; i++) {
    for (let j = 0; j < ordered.length; j++) {
      const c = compare(ordered[i] as Value, ordered[j] as Value);
      t.equal(Math.sign(c), Math.sign(i - j), `${formatValue(ordered[i] as Value)} vs ${formatValue(ordered[j] as Value)}`);
    }
  }
});

t.test('JSON input keeps each number as written', async (t) => {
  const v = parseJson('{"a": 1.0, "b": 1e3, "c": 1.50, "d": 2e308, "e": 1.5, "f": 7, "g": 1e-400, "h": 0.0000001}');
  t.equal(stringifyJson(v), '{"a":1.0,"b":1e3,"c":1.50,"d":2e308,"e":1.5,"f":7,"g":1e-400,"h":0.0000001}');
  t.equal(formatValue(v), '{"a": 1.0, "b": 1e3, "c": 1.50, "d": 2e308, "e": 1.5, "f": 7, "g": 1e-400, "h": 0.0000001}');
  t.equal(parseJson('1.0') instanceof RNumber, true, 'a number document');
  t.equal(String(parseJson('[1.5, 2]')), '1.5,2', 'plain JSON still takes the fast path');
  t.same(parseJson('{"v": "1.0 and 1e3 inside a string"}'), { v: '1.0 and 1e3 inside a string' }, 'strings are untouched');
  t.equal(stringifyJson(parseJson('{"a": "1.5x", "b": 12345678901234567890}')), '{"a":"1.5x","b":12345678901234567890}', 'a big integer after a dotted string');
  t.equal(stringifyJson(parseJson('[12345678.123456789012]')), '[12345678.123456789012]', '20 significant digits across the point');
  t.equal(stringifyJson(parseJson('{"jti": "3e4f-10.0.0.10", "n": 2.5}')), '{"jti":"3e4f-10.0.0.10","n":2.5}');
});

t.test('toJs gives the value (or the RNumber with keepText), writeJson prints the text', async (t) => {
  const v = parseJson('{"a": [1.0, 1e400, 2.50], "b": 12345678901234567890123}');
  t.same(toJs(v), { a: [1, 10n ** 400n, 2.5], b: 12345678901234567890123n });
  const kept = toJs(v, { keepText: true });
  t.equal(writeJson(kept), '{"a":[1.0,1e400,2.50],"b":12345678901234567890123}');
  t.equal(writeJson({ x: [new RNumber('1.0')], y: {} }, '  '), '{\n  "x": [\n    1.0\n  ],\n  "y": {}\n}');
  t.equal(writeJson({ x: [1, 'a'], y: [] }, '  '), JSON.stringify({ x: [1, 'a'], y: [] }, null, 2), 'same layout as JSON.stringify');
});
