/**
 * One Go json.Marshal encoder for every builtin that hands a value to Go's encoding/json in OPA
 * (json.marshal, io.jwt.encode_sign, providers.aws.sign_req, http.send bodies).
 */
import t from 'tap';
import { marshalGo } from '../../../../src/policy/builtins/shared/go-json.js';
import { fromJs } from '../../../../src/policy/value/index.js';
import { call } from '../helpers.js';

t.test('HTML-safe escapes, sorted keys, sets as arrays', (t) => {
  t.equal(marshalGo(fromJs({ b: '<a&b>', a: 1 })), '{"a":1,"b":"\\u003ca\\u0026b\\u003e"}');
  t.equal(marshalGo(fromJs({ s: '\u2028\u2029' })), '{"s":"\\u2028\\u2029"}');
  t.end();
});

// A lone surrogate is a byte that is not UTF-8 (value/go-bytes.ts); encoding/json writes each
// such byte as the six characters `\ufffd` (encodeState.string), not as the character itself.
t.test('a lone surrogate comes out as U+FFFD, as in OPA', (t) => {
  t.equal(marshalGo('a\ud800b'), '"a\\ufffdb"');
  t.equal(marshalGo('\udc00'), '"\\ufffd"');
  t.equal(marshalGo('\udcff\udcc3'), '"\\ufffd\\ufffd"', 'one per byte');
  t.equal(marshalGo('\ud83d\ude00'), '"\ud83d\ude00"', 'a valid pair is kept');
  t.end();
});

t.test('json.marshal and io.jwt.encode_sign use the same encoder', (t) => {
  t.equal(call('json.marshal', { x: 'a\ud800<' }), '{"x":"a\\ufffd\\u003c"}');
  const jwt = call('io.jwt.encode_sign', { alg: 'HS256', x: '\ud800<' }, { sub: 'a' }, { kty: 'oct', k: 'c2VjcmV0' });
  t.type(jwt, 'string');
  const header = Buffer.from(String(jwt).split('.')[0] ?? '', 'base64url').toString('utf8');
  t.equal(header, '{"alg":"HS256","x":"\\ufffd\\u003c"}');
  t.end();
});
