/** base64 / hex / urlquery / json / yaml encodings, as Go's encoders behave in OPA. */
import t from 'tap';
import { call, j, set, throwsCode } from '../helpers.js';
import { parseJson } from '../../../../src/policy/value/index.js';

t.test('base64 and base64url', (t) => {
  t.equal(call('base64.encode', 'hello'), 'aGVsbG8=');
  t.equal(call('base64.decode', 'aGVsbG8='), 'hello');
  t.equal(call('base64.decode', 'c3ViamVjdHM/X2Q='), 'subjects?_d');
  throwsCode(t, () => call('base64.decode', 'aGVsbG8'), 'REGO_ERR_BUILTIN', 'illegal base64 data at input byte');
  throwsCode(t, () => call('base64.decode', 'a$=='), 'REGO_ERR_BUILTIN', 'illegal base64 data at input byte 1');
  t.equal(call('base64.is_valid', 'aGVsbG8='), true);
  t.equal(call('base64.is_valid', 'aGVsbG8'), false);
  t.equal(call('base64.is_valid', 1), false);
  t.equal(call('base64url.encode', 'hello'), 'aGVsbG8=');
  t.equal(call('base64url.encode', '\u00fb\u00ff'), 'w7vDvw==');
  t.equal(call('base64url.encode_no_pad', 'there'), 'dGhlcmU');
  t.equal(call('base64url.decode', 'aGVsbG8'), 'hello');
  t.equal(call('base64url.decode', 'aGVsbG8='), 'hello');
  throwsCode(t, () => call('base64url.decode', 'a'), 'REGO_ERR_BUILTIN', 'illegal base64url string');
  // Invalid UTF-8 bytes each read as one U+FFFD, so count agrees with Go's rune count.
  t.equal(call('count', call('base64.decode', '2E84ZuPUd7zfvCZSNEchVpDEIj6PL7JfLpIqyxVG16k=')), 30);
  t.end();
});

t.test('hex', (t) => {
  t.equal(call('hex.encode', 'lorem ipsum'), '6c6f72656d20697073756d');
  t.equal(call('hex.decode', '6c6f72656d'), 'lorem');
  throwsCode(t, () => call('hex.decode', 'fghijkl'), 'REGO_ERR_BUILTIN', "invalid byte: U+0067 'g'");
  throwsCode(t, () => call('hex.decode', 'abc'), 'REGO_ERR_BUILTIN', 'odd length');
  t.end();
});

t.test('urlquery', (t) => {
  t.equal(call('urlquery.encode', 'a b&c=d/é~'), 'a+b%26c%3Dd%2F%C3%A9~');
  t.equal(call('urlquery.decode', 'a+b%26c%3D'), 'a b&c=');
  throwsCode(t, () => call('urlquery.decode', '%zz'), 'REGO_ERR_BUILTIN', 'invalid URL escape "%zz"');
  t.equal(call('urlquery.encode_object', { b: ['1', '2'], a: 'x y', c: set('z') }), 'a=x+y&b=1&b=2&c=z');
  throwsCode(t, () => call('urlquery.encode_object', { a: 1 }), 'REGO_ERR_BUILTIN_TYPE', 'values must be string, array[string], or set[string]');
  t.equal(j(call('urlquery.decode_object', 'a=1&b=2&a=3&c')), '{"a":["1","3"],"b":["2"],"c":[""]}');
  t.end();
});

t.test('json marshal/unmarshal like encoding/json', (t) => {
  t.equal(call('json.marshal', { b: [1, set('x')], a: '<&>' }), '{"a":"\\u003c\\u0026\\u003e","b":[1,["x"]]}');
  t.equal(call('json.marshal', 12345678901234567890n), '12345678901234567890');
  t.equal(call('json.marshal', ['plain', 'tab\t', '\u2028', 'é😀']), '["plain","tab\\t","\\u2028","é😀"]');
  t.equal(call('json.marshal_with_options', [1, 2], { indent: '  ' }), '[\n  1,\n  2\n]');
  t.equal(call('json.marshal_with_options', { foo: 'bar', bar: 'baz' }, { prefix: 'JSON => ' }), 'JSON => {\nJSON => \t"bar": "baz",\nJSON => \t"foo": "bar"\nJSON => }');
  t.equal(call('json.marshal_with_options', [], { indent: '    ', prefix: '---' }), '---[]');
  t.equal(call('json.marshal_with_options', [1], { pretty: false, prefix: 'NO!' }), '[1]');
  throwsCode(t, () => call('json.marshal_with_options', [], { include_winning_lottery_numbers: true }), 'REGO_ERR_BUILTIN_TYPE', 'object contained unknown key "include_winning_lottery_numbers"');
  // OPA's wording: the key quoted (ast.String.String()), then StringOperand's error with the
  // key's index in sorted order as its operand position
  throwsCode(t, () => call('json.marshal_with_options', [], { indent: 1 }), 'REGO_ERR_BUILTIN_TYPE', 'json.marshal_with_options: operand 2 key "indent" failed cast to string: operand 0 must be string but got number');
  throwsCode(t, () => call('json.marshal_with_options', [], { prefix: 'x', indent: 1 }), 'REGO_ERR_BUILTIN_TYPE', 'operand 2 key "indent" failed cast to string: operand 0 must be string but got number');
  throwsCode(t, () => call('json.marshal_with_options', [], { indent: '', prefix: [] }), 'REGO_ERR_BUILTIN_TYPE', 'operand 2 key "prefix" failed cast to string: operand 1 must be string but got array');
  throwsCode(t, () => call('json.marshal_with_options', [], { pretty: 1 }), 'REGO_ERR_BUILTIN_TYPE', 'operand 2 key "pretty" failed cast to bool');
  // keys are checked in sorted order: the unknown "a" is found before the bad indent
  throwsCode(t, () => call('json.marshal_with_options', [], { indent: 1, a: 1 }), 'REGO_ERR_BUILTIN_TYPE', 'operand 2 object contained unknown key "a"');
  t.equal(j(call('json.unmarshal', '{"a": [1, 2.5, 123456789012345678901234]}')), '{"a":[1,2.5,123456789012345678901234]}');
  throwsCode(t, () => call('json.unmarshal', '{'), 'REGO_ERR_BUILTIN');
  t.equal(call('json.is_valid', '{"json": "ok"}'), true);
  t.equal(call('json.is_valid', 'plainstring'), false);
  t.equal(call('json.is_valid', 1), false);
  t.end();
});

t.test('yaml', (t) => {
  t.equal(j(call('yaml.unmarshal', 'foo:\n  - qux: bar\n  - baz: 2\n')), '{"foo":[{"qux":"bar"},{"baz":2}]}');
  // YAML 1.1 booleans, as go-yaml (via sigs.k8s.io/yaml) decodes them.
  t.equal(j(call('yaml.unmarshal', 'a: yes\nb: off\nc: "yes"')), '{"a":true,"b":false,"c":"yes"}');
  // go-yaml v2 keeps timestamp-like scalars as strings; 0x / leading-0 ints are hex / octal (YAML 1.1).
  t.equal(j(call('yaml.unmarshal', 'c: 2001-12-14\nb: 0x1F\ne: 012\nf: 1e3')), '{"b":31,"c":"2001-12-14","e":10,"f":1000}');
  // go-yaml v2's resolve: '.'-led text is a float only as strconv.ParseFloat reads it, no base 60
  t.equal(j(call('yaml.unmarshal', 'a: .\nb: ._5\nc: 22:22\nd: 0_\ne: .5e1\n16777217: x')), '{"16777217":"x","a":".","b":"._5","c":"22:22","d":0,"e":5}');
  t.equal(call('yaml.is_valid', 'foo:\n  - baz: {'), false);
  t.equal(call('yaml.is_valid', '{"json": "ok"}'), true);
  t.equal(call('yaml.is_valid', 1), false);
  throwsCode(t, () => call('yaml.unmarshal', 'a: [1'), 'REGO_ERR_BUILTIN');
  t.equal(call('yaml.marshal', { b: [1, 2], a: 'x' }), 'a: x\nb:\n- 1\n- 2\n');
  t.end();
});

// OPA decodes YAML with sigs.k8s.io/yaml over go-yaml v2 (libyaml): its failures read
// `yaml: line N: <problem>`, only the first document of a stream is decoded, and a repeated
// key keeps its last value (non-strict Unmarshal).
t.test('yaml.unmarshal: go-yaml v2 documents and messages', (t) => {
  throwsCode(t, () => call('yaml.unmarshal', '[1,2,3'), 'REGO_ERR_BUILTIN', "yaml.unmarshal: yaml: line 1: did not find expected ',' or ']'");
  throwsCode(t, () => call('yaml.unmarshal', '{a: 1'), 'REGO_ERR_BUILTIN', "yaml: line 1: did not find expected ',' or '}'");
  throwsCode(t, () => call('yaml.unmarshal', 'a: b: c'), 'REGO_ERR_BUILTIN', 'yaml: line 1: mapping values are not allowed in this context');
  throwsCode(t, () => call('yaml.unmarshal', 'a:\n\t- 1'), 'REGO_ERR_BUILTIN', 'yaml: line 2: found character that cannot start any token');
  throwsCode(t, () => call('yaml.unmarshal', 'x: "ab\n'), 'REGO_ERR_BUILTIN', 'yaml: line 2: found unexpected end of stream');
  throwsCode(t, () => call('yaml.unmarshal', 'key\nother: 1'), 'REGO_ERR_BUILTIN', "yaml: line 2: could not find expected ':'");
  throwsCode(t, () => call('yaml.unmarshal', 'a: &x 1\nb: *y'), 'REGO_ERR_BUILTIN', "yaml: unknown anchor 'y' referenced");
  t.equal(j(call('yaml.unmarshal', 'a: 1\n---\nb: [')), '{"a":1}');
  t.equal(j(call('yaml.unmarshal', 'a: 1\na: 2')), '{"a":2}');
  t.equal(call('yaml.unmarshal', ''), null);
  t.equal(call('yaml.is_valid', 'a: 1\n---\nb: 2'), true);
  t.end();
});

// OPA util.UnmarshalJSON: a Go json.Decoder reads the first value, then Token() must find no
// more; failures are Go's scanner messages.
t.test('json.unmarshal: Go decoder acceptance and messages', (t) => {
  const bad: [string, string][] = [
    ['', 'json.unmarshal: EOF'],
    ['{"a":', 'json.unmarshal: unexpected EOF'],
    ['{a: 1}', "invalid character 'a' looking for beginning of object key string"],
    ['{"a" 1}', "invalid character '1' after object key"],
    ['{"a": 1,}', "invalid character '}' looking for beginning of object key string"],
    ['[1,]', "invalid character ']' looking for beginning of value"],
    ['[1 2]', "invalid character '2' after array element"],
    ['{"a":1 "b":2}', `invalid character '"' after object key:value pair`],
    ['trux', "invalid character 'x' in literal true (expecting 'e')"],
    ['-x', "invalid character 'x' in numeric literal"],
    ['1.x', "invalid character 'x' after decimal point in numeric literal"],
    ['"a\\x"', "invalid character 'x' in string escape code"],
    ['"a\nb"', "invalid character '\\n' in string literal"],
    ["'a'", "invalid character '\\'' looking for beginning of value"],
    ['1 2', "error: invalid character '2' after top-level value"],
    ['{} {}', "error: invalid character '{' after top-level value"],
    ['[1] x', "invalid character 'x' looking for beginning of value"],
  ];
  for (const [text, msg] of bad) throwsCode(t, () => call('json.unmarshal', text), 'REGO_ERR_BUILTIN', msg);
  // Go's Token() returns nil for a trailing null, so nothing is reported.
  t.equal(call('json.unmarshal', '1 null'), 1);
  t.equal(j(call('json.unmarshal', ' [1, {"b": null}] ')), '[1,{"b":null}]');
  t.end();
});

// Go's scanner refuses nesting beyond 10000 levels (maxNestingDepth); below that a deep document
// decodes (the scanner keeps its own stack rather than recursing).
t.test('json.unmarshal: nesting depth as Go', (t) => {
  let v = call('json.unmarshal', '['.repeat(9000) + ']'.repeat(9000));
  let depth = 0;
  while (Array.isArray(v)) {
    depth++;
    v = v[0];
  }
  t.equal(depth, 9000);
  throwsCode(t, () => call('json.unmarshal', '['.repeat(10001) + ']'.repeat(10001)), 'REGO_ERR_BUILTIN', "invalid character '[' exceeded max depth");
  t.end();
});

// The yaml package calls an unclosed flow collection under a block one BAD_INDENT and a stray
// `- x` under a mapping MULTILINE_IMPLICIT_KEY; libyaml's words for them are chosen from the source.
t.test('yaml.unmarshal: more libyaml messages', (t) => {
  throwsCode(t, () => call('yaml.unmarshal', 'a: [1, "x]"'), 'REGO_ERR_BUILTIN', "yaml: line 1: did not find expected ',' or ']'");
  throwsCode(t, () => call('yaml.unmarshal', '[a, {b: 1'), 'REGO_ERR_BUILTIN', "yaml: line 1: did not find expected ',' or '}'");
  throwsCode(t, () => call('yaml.unmarshal', 'a: 1\n- b'), 'REGO_ERR_BUILTIN', 'yaml: line 1: did not find expected key');
  throwsCode(t, () => call('yaml.unmarshal', 'a:\n  b: 1\n c: 2'), 'REGO_ERR_BUILTIN', 'yaml: line 2: did not find expected key');
  t.end();
});

// sigs.k8s.io/yaml's YAMLToJSON: map keys become JSON keys (ints in decimal, floats through
// FormatFloat(k, 'g', -1, 32), booleans), other keys and .inf/.nan values fail the conversion —
// which yaml.is_valid (go-yaml's Unmarshal alone) never runs
t.test('yaml.unmarshal: YAMLToJSON key conversion and json.Marshal failures', (t) => {
  t.equal(j(call('yaml.unmarshal', '1: a\ntrue: b\n1.5: d\n1000000.0: e\n0.1: f\n1e-5: g\n123456.0: h\n.inf: i')), '{".inf":"i","0.1":"f","1":"a","1.5":"d","123456":"h","1e+06":"e","1e-05":"g","true":"b"}');
  throwsCode(t, () => call('yaml.unmarshal', '~: c'), 'REGO_ERR_BUILTIN', 'unsupported map key of type');
  throwsCode(t, () => call('yaml.unmarshal', '[a, b]: c'), 'REGO_ERR_BUILTIN', 'unsupported map key of type');
  throwsCode(t, () => call('yaml.unmarshal', 'f: .inf'), 'REGO_ERR_BUILTIN', 'yaml.unmarshal: json: unsupported value: +Inf');
  throwsCode(t, () => call('yaml.unmarshal', 'f: .nan'), 'REGO_ERR_BUILTIN', 'json: unsupported value: NaN');
  t.equal(call('yaml.is_valid', 'f: .inf'), true);
  t.equal(call('yaml.is_valid', '~: c'), true);
  t.equal(call('yaml.is_valid', 'a: [1'), false);
  t.end();
});

// go-yaml v2's resolve: strconv.ParseInt(s, 0, 64) without '_' (Go's 0o/0x/0b prefixes and a
// leading-0 octal), no sexagesimal numbers; !!binary is the decoded bytes as a string
t.test('yaml.unmarshal: plain scalars resolved as go-yaml v2 does', (t) => {
  t.equal(j(call('yaml.unmarshal', 'a: 0o17\nb: 0O17\nc: +0o7\nd: -0o1_0\ne: 012\nf: 0x_FF\ng: 190:20:30\nh: 1:30.5')), '{"a":15,"b":15,"c":7,"d":-8,"e":10,"f":255,"g":"190:20:30","h":"1:30.5"}');
  t.equal(j(call('yaml.unmarshal', "a: '0o17'\nb: 0o8")), '{"a":"0o17","b":"0o8"}');
  t.equal(j(call('yaml.unmarshal', 'a: !!binary aGk=')), '{"a":"hi"}');
  t.end();
});

// Go's json.Valid runs the scanner, which refuses nesting beyond maxNestingDepth (10000)
t.test('json.is_valid: nesting limit as Go scanner', (t) => {
  t.equal(call('json.is_valid', '['.repeat(10000) + ']'.repeat(10000)), true);
  t.equal(call('json.is_valid', '['.repeat(10001) + ']'.repeat(10001)), false);
  t.equal(call('json.is_valid', '{"a":'.repeat(10001) + '1' + '}'.repeat(10001)), false);
  t.equal(call('json.is_valid', JSON.stringify('['.repeat(20001))), true);
  t.end();
});

// yaml.marshal goes JSON → go-yaml (JSONToYAML): an int64/uint64 text stays an integer, any other
// number is a float64 that go-yaml prints with FormatFloat(f, 'g', -1, 64)
t.test('yaml.marshal: numbers as go-yaml prints them', (t) => {
  const v = parseJson('[1.0, 1e2, 1e30, 0.000001, 100000000000000000000, 5, -3, 1.5, 123456789.0, 1000000, 0.0001, 18446744073709551615, 100000.0]');
  t.equal(call('yaml.marshal', v), '- 1\n- 100\n- 1e+30\n- 1e-06\n- 1e+20\n- 5\n- -3\n- 1.5\n- 1.23456789e+08\n- 1000000\n- 0.0001\n- 18446744073709551615\n- 100000\n');
  t.equal(call('yaml.marshal', { a: { b: 0.5 } }), 'a:\n  b: 0.5\n');
  t.end();
});

t.test('yaml.unmarshal: a float key -0.0 is "-0" (FormatFloat of float64 -0; a JS Map would store it as 0), and 0.0/-0.0 are one Go map key, the later one winning', (t) => {
  t.equal(j(call('yaml.unmarshal', '-0.0: a\n')), '{"-0":"a"}');
  t.equal(j(call('yaml.unmarshal', '-0: a\n')), '{"0":"a"}', 'the int 0');
  t.equal(j(call('yaml.unmarshal', '0.0: b\n-0.0: a\n')), '{"-0":"a"}');
  t.equal(j(call('yaml.unmarshal', '-0.0: a\n0.0: b\nz: 1\n')), '{"0":"b","z":1}');
  t.end();
});
