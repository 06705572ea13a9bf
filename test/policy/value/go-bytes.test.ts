/**
 * The raw-byte representation of value/go-bytes.ts (issue #16): which bytes are escaped follows
 * Go's utf8.DecodeRune byte by byte, the bytes come back exactly, joins are repaired, and
 * strings with raw bytes order by their bytes as Go's strings do.
 */
import t from 'tap';
import { compare, compareStrings, decodeGoString, endsWithRawByte, formatValue, goByteLength, goStringBytes, hasRawBytes, joinGoStrings, replaceRawBytes, stringifyJson, toJs } from '../../../src/policy/value/index.js';

const hex = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h, 'hex'));
const esc = (...bs: number[]): string => String.fromCharCode(...bs.map((b) => 0xdc00 + b));

t.test('decodeGoString escapes exactly the bytes utf8.DecodeRune rejects', (t) => {
  t.equal(decodeGoString(hex('61c3a9')), 'aé', 'valid UTF-8 is plain text');
  t.equal(decodeGoString(hex('ff')), esc(0xff));
  t.equal(decodeGoString(hex('e282')), esc(0xe2, 0x82), 'a truncated sequence: one escape per byte');
  t.equal(decodeGoString(hex('e282ac')), '€');
  t.equal(decodeGoString(hex('c0af')), esc(0xc0, 0xaf), 'overlong');
  t.equal(decodeGoString(hex('eda080')), esc(0xed, 0xa0, 0x80), 'an encoded surrogate');
  t.equal(decodeGoString(hex('f4908080')), esc(0xf4, 0x90, 0x80, 0x80), 'beyond U+10FFFF');
  t.equal(decodeGoString(hex('e2ff82ac')), esc(0xe2, 0xff, 0x82, 0xac));
  t.equal(decodeGoString(hex('f09f9880')), '😀');
  t.end();
});

t.test('goStringBytes gives the bytes back, and is UTF-8 for text', (t) => {
  for (const h of ['', '61', 'ff', '61ff62', 'e282', 'c3a9ffe282ac80', 'f09f9880dc', 'eda080']) {
    t.equal(Buffer.from(goStringBytes(decodeGoString(hex(h)))).toString('hex'), h, h);
  }
  // U+10080 is the pair D800 DC80: its low half is in the escape range, but it is no escape
  t.equal(Buffer.from(goStringBytes('\ud800\udc80')).toString('hex'), 'f0908280');
  t.notOk(hasRawBytes('\ud800\udc80'));
  t.ok(hasRawBytes('a' + esc(0x80)));
  t.equal(goByteLength(esc(0xff) + 'é'), 3);
  t.end();
});

t.test('joins are repaired where escaped bytes become UTF-8 together', (t) => {
  t.equal(joinGoStrings(esc(0xc3) + esc(0xa9)), 'é');
  t.equal(joinGoStrings(esc(0xe2, 0x82) + esc(0xac) + 'x'), '€x');
  t.equal(joinGoStrings(esc(0xff) + esc(0xa9)), esc(0xff, 0xa9));
  t.ok(endsWithRawByte('a' + esc(0xc3)));
  t.notOk(endsWithRawByte('é'));
  t.notOk(endsWithRawByte(''));
  t.end();
});

t.test('strings with raw bytes order by their bytes', (t) => {
  const sorted = ['a', 'z', esc(0x80), esc(0xc3), 'é', '\uffff', '😀', esc(0xff)];
  const shuffled = [esc(0xff), '😀', 'é', 'a', esc(0xc3), '\uffff', esc(0x80), 'z'];
  t.same([...shuffled].sort(compareStrings), sorted);
  t.same([...shuffled].sort(compare), sorted);
  t.equal(compareStrings(esc(0xef), '\uffff'), -1, 'EF before EF BF BF');
  t.equal(compareStrings('\uffff', esc(0xef)), 1);
  t.end();
});

t.test('output: U+FFFD per raw byte in JSON, \\xff in Rego text', (t) => {
  const s = 'a' + esc(0xff, 0xe2) + 'b';
  t.equal(replaceRawBytes(s), 'a\ufffd\ufffdb');
  t.equal(stringifyJson({ [s]: [s] }), '{"a\ufffd\ufffdb":["a\ufffd\ufffdb"]}');
  t.same(toJs({ [s]: s }), { 'a\ufffd\ufffdb': 'a\ufffd\ufffdb' });
  t.equal(formatValue([s]), '["a\\xff\\xe2b"]');
  t.end();
});
