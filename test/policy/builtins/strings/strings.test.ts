/** strings, template strings, render_template and sprintf (Go fmt) behaviour. */
import t from 'tap';
import { call, j, set, throwsCode } from '../helpers.js';
import { parseJson } from '../../../../src/policy/value/index.js';

t.test('search and case', (t) => {
  t.equal(call('indexof', 'hello', 'l'), 2);
  t.equal(call('indexof', '😀a😀b', 'b'), 3);
  t.equal(call('indexof', 'abc', 'z'), -1);
  t.same(call('indexof_n', 'sad sad sad', 'sad'), [0, 4, 8]);
  t.same(call('indexof_n', 'aaa', 'aa'), [0, 1]);
  throwsCode(t, () => call('indexof', 'a', ''), 'REGO_ERR_BUILTIN', 'empty search character');
  t.equal(call('contains', 'abc', 'b'), true);
  t.equal(call('startswith', 'abc', 'ab'), true);
  t.equal(call('endswith', 'abc', 'bc'), true);
  t.equal(call('upper', 'straße'), 'STRAßE');
  t.equal(call('lower', 'ÀB'), 'àb');
  t.equal(call('lower', 'İΣ'), 'iσ');
  t.equal(call('strings.count', 'cheese', 'e'), 3);
  t.equal(call('strings.count', 'five', ''), 5);
  t.equal(call('strings.reverse', 'a😀b'), 'b😀a');
  throwsCode(t, () => call('strings.reverse', 1), 'REGO_ERR_BUILTIN_TYPE', 'strings.reverse: operand 1 must be string but got number');
  t.end();
});

t.test('substring counts code points', (t) => {
  t.equal(call('substring', 'abcde', 1, 3), 'bcd');
  t.equal(call('substring', 'abcde', 2, -1), 'cde');
  t.equal(call('substring', 'abcde', 10, 1), '');
  t.equal(call('substring', '😀😁😂', 1, 1), '😁');
  throwsCode(t, () => call('substring', 'abc', -1, 1), 'REGO_ERR_BUILTIN', 'negative offset');
  t.end();
});

t.test('split, concat, replace', (t) => {
  t.same(call('split', 'a.b.c', '.'), ['a', 'b', 'c']);
  t.same(call('split', 'a😀', ''), ['a', '😀']);
  t.equal(call('concat', ', ', ['a', 'b']), 'a, b');
  t.equal(call('concat', '-', set('b', 'a')), 'a-b');
  throwsCode(t, () => call('concat', '-', ['a', 1]), 'REGO_ERR_BUILTIN_TYPE', 'operand 2 must be array of strings but got array containing number');
  t.equal(call('replace', 'aaa', 'a', 'b'), 'bbb');
  t.equal(call('replace', 'ab', '', '-'), '-a-b-');
  // Go's Replacer: left to right, first pattern (in sorted key order) wins at a position.
  t.equal(call('strings.replace_n', { a: 'b', ab: 'X' }, 'abab'), 'bbbb');
  t.equal(call('strings.replace_n', { '<': '&lt;', '>': '&gt;' }, '<x>'), '&lt;x&gt;');
  throwsCode(t, () => call('strings.replace_n', { f: 100 }, 'foo'), 'REGO_ERR_BUILTIN_TYPE', 'strings.replace_n: operand 1 non-string value found in pattern object');
  t.end();
});

t.test('trim family uses code-point cutsets and unicode.IsSpace', (t) => {
  t.equal(call('trim', '¡¡¡foo, bar!!!', '!¡'), 'foo, bar');
  t.equal(call('trim_left', 'xxfooxx', 'x'), 'fooxx');
  t.equal(call('trim_right', 'xxfooxx', 'x'), 'xxfoo');
  t.equal(call('trim_prefix', 'foobar', 'foo'), 'bar');
  t.equal(call('trim_suffix', 'foobar', 'bar'), 'foo');
  t.equal(call('trim_space', '\t\n\u00a0 foo \u2003'), 'foo');
  t.equal(call('trim_space', '\ufefffoo'), '\ufefffoo');
  t.end();
});

t.test('format_int', (t) => {
  t.equal(call('format_int', 255, 16), 'ff');
  t.equal(call('format_int', -5, 2), '-101');
  t.equal(call('format_int', 12.9, 10), '12');
  t.equal(call('format_int', 18446744073709551616n, 16), '10000000000000000');
  throwsCode(t, () => call('format_int', 1, 3), 'REGO_ERR_BUILTIN_TYPE', 'operand 2 must be one of {2, 8, 10, 16}');
  // beyond int64 (and for every base but 10) OPA reads the number through big.Float at 64-bit
  // precision (NumberToFloat) before big.Float.Int truncates: the low bits are rounded away
  t.equal(call('format_int', 123456789012345678901234567890n, 10), '123456789012345678899921813504');
  t.equal(call('format_int', 123456789012345678901234567890n, 16), '18ee90ff6c373e0ee00000000');
  t.equal(call('format_int', 9223372036854775807n, 10), '9223372036854775807');
  t.equal(call('format_int', 18446744073709551615n, 2), '1'.repeat(64));
  t.equal(call('format_int', 1e30, 16), 'c9f2c9cd04674edf000000000');
  t.equal(call('format_int', -0.5, 10), '0');
  t.end();
});

t.test('any_prefix_match / any_suffix_match', (t) => {
  t.equal(call('strings.any_prefix_match', ['a/b/c', 'e/f'], ['x/', 'a/']), true);
  t.equal(call('strings.any_prefix_match', 'a/b', set('b')), false);
  t.equal(call('strings.any_suffix_match', ['a.com', 'b.org'], '.org'), true);
  throwsCode(t, () => call('strings.any_prefix_match', 1, ['a']), 'REGO_ERR_BUILTIN_TYPE', 'operand 1 must be one of {string, set, array} but got number');
  throwsCode(t, () => call('strings.any_prefix_match', [1], ['a']), 'REGO_ERR_BUILTIN_TYPE', 'operand 1 must be array of strings but got array containing number');
  t.end();
});

t.test('internal.template_string', (t) => {
  t.equal(call('internal.template_string', ['n=', set(42), ', s=', set('x'), ', u=', set()]), 'n=42, s=x, u=<undefined>');
  t.equal(call('internal.template_string', [set([1, 'a']), ' ', set(set())]), '[1, "a"] set()');
  throwsCode(t, () => call('internal.template_string', [set(1, 2)]), 'REGO_ERR_BUILTIN', 'multiple outputs');
  t.end();
});

t.test('strings.render_template (Go text/template subset)', (t) => {
  t.equal(call('strings.render_template', '{{.test}}', { test: 'hello world' }), 'hello world');
  t.equal(call('strings.render_template', '{{.n}}', { n: 2023 }), '2023');
  t.equal(
    call('strings.render_template', '{{range $i, $name := .hellonames}}{{if $i}},{{end}}hello {{$name}}{{end}}', { hellonames: ['rohan', 'john doe'] }),
    'hello rohan,hello john doe',
  );
  t.equal(call('strings.render_template', 'test {{.foo}} {{.baz}}', { baz: 1 }), 'test <undefined> 1');
  t.equal(call('strings.render_template', '{{if .a}}A{{else if .b}}B{{else}}C{{end}}', { a: false, b: true }), 'B');
  t.equal(call('strings.render_template', '{{- .a -}} , {{ .b }}', { a: 'x', b: [1, 2] }), 'x, [1 2]');
  t.equal(call('strings.render_template', '{{with .o}}{{.k}}{{end}}|{{len .l}}|{{index .l 1}}|{{printf "%03d" .n}}', { o: { k: 'v' }, l: ['p', 'q'], n: 7 }), 'v|2|q|%!d(json.Number=7)');
  t.equal(call('strings.render_template', '{{range .m}}{{.}};{{end}}', { m: { b: 2, a: 1 } }), '1;2;');
  throwsCode(t, () => call('strings.render_template', '{{.a', {}), 'REGO_ERR_BUILTIN');
  throwsCode(t, () => call('strings.render_template', '{{nosuchfn 1}}', {}), 'REGO_ERR_BUILTIN', 'not defined');
  t.end();
});

// OPA parses with text/template.New("template"): parse errors carry `template:LINE:`, a call of
// an undefined function fails at parse time (even in a branch never taken), and text/template's
// html/js/urlquery functions exist.
t.test('strings.render_template: text/template parse errors and escaping functions', (t) => {
  throwsCode(t, () => call('strings.render_template', '{{foo}}', {}), 'REGO_ERR_BUILTIN', 'template: template:1: function "foo" not defined');
  throwsCode(t, () => call('strings.render_template', '{{if false}}{{foo 1}}{{end}}', {}), 'REGO_ERR_BUILTIN', 'function "foo" not defined');
  throwsCode(t, () => call('strings.render_template', 'a\n{{.a', {}), 'REGO_ERR_BUILTIN', 'template: template:2: unclosed action');
  throwsCode(t, () => call('strings.render_template', 'x\n\n{{end}}', {}), 'REGO_ERR_BUILTIN', 'template: template:3: unexpected {{end}}');
  throwsCode(t, () => call('strings.render_template', '{{if .a}}\nx', { a: 1 }), 'REGO_ERR_BUILTIN', 'template: template:2: unexpected EOF');
  t.equal(call('strings.render_template', '{{html .a}}', { a: `<b>&'"` }), '&lt;b&gt;&amp;&#39;&#34;');
  t.equal(call('strings.render_template', '{{js .a}}', { a: "a'b<c>\n" }), "a\\'b\\u003Cc\\u003E\\u000A");
  t.equal(call('strings.render_template', '{{urlquery .a}}', { a: 'a b&c/é' }), 'a+b%26c%2F%C3%A9');
  t.end();
});

// text/template's execution errors (exec.go state.errorf, parse.Tree.ErrorContext): the node's
// line and 0-based byte column, its text cut at 20 bytes, "error calling F:" for a function's
// error; a field chain's node sits at its second field; a map value is boxed in interface {}.
t.test('strings.render_template: execution errors read as text/template\'s', (t) => {
  const rt = (tpl: string, vars: unknown) => () => call('strings.render_template', tpl, vars);
  const at = 'strings.render_template: template: template:';
  throwsCode(t, rt('{{index .x 5}}', { x: [1] }), 'REGO_ERR_BUILTIN', `${at}1:2: executing "template" at <index .x 5>: error calling index: index out of range: 5`);
  throwsCode(t, rt('{{index .x 1}}', { x: [1] }), 'REGO_ERR_BUILTIN', 'error calling index: reflect: slice index out of range');
  throwsCode(t, rt('{{index .x .i}}', { x: [1], i: 0 }), 'REGO_ERR_BUILTIN', 'error calling index: cannot index slice/array with type json.Number');
  throwsCode(t, rt('{{index .b 0}}', { b: true }), 'REGO_ERR_BUILTIN', "error calling index: can't index item of type bool");
  throwsCode(t, rt('{{index .m 1}}', { m: {} }), 'REGO_ERR_BUILTIN', 'error calling index: value has type int; should be string');
  t.equal(call('strings.render_template', '{{index .m "a"}}|{{index .m "b"}}|{{index .s 1}}', { m: { a: 1 }, s: 'abc' }), '1|<no value>|98');
  throwsCode(t, rt('{{.x.y}}', { x: 1 }), 'REGO_ERR_BUILTIN', `${at}1:4: executing "template" at <.x.y>: can't evaluate field y in type interface {}`);
  throwsCode(t, rt('{{.x.y}}', { x: null }), 'REGO_ERR_BUILTIN', 'nil pointer evaluating interface {}.y');
  throwsCode(t, rt('a\n  {{ .x.y.z }}', { x: 's' }), 'REGO_ERR_BUILTIN', `${at}2:7: executing "template" at <.x.y.z>:`);
  throwsCode(t, rt('{{with .x}}{{.y}}{{end}}', { x: 's' }), 'REGO_ERR_BUILTIN', `${at}1:13: executing "template" at <.y>: can't evaluate field y in type string`);
  throwsCode(t, rt('{{(index .x 0).y}}', { x: ['s'] }), 'REGO_ERR_BUILTIN', `${at}1:14: executing "template" at <(index .x 0).y>: can't evaluate field y in type string`);
  throwsCode(t, rt('{{range .x}}{{end}}', { x: true }), 'REGO_ERR_BUILTIN', `${at}1:8: executing "template" at <.x>: range can't iterate over true`);
  throwsCode(t, rt('{{if eq .n 1}}{{end}}', { n: 1 }), 'REGO_ERR_BUILTIN', `${at}1:5: executing "template" at <eq .n 1>: error calling eq: incompatible types for comparison`);
  throwsCode(t, rt('{{if lt .b .b}}{{end}}', { b: true }), 'REGO_ERR_BUILTIN', 'error calling lt: invalid type for comparison');
  throwsCode(t, rt('{{len .b}}', { b: true }), 'REGO_ERR_BUILTIN', 'error calling len: len of type bool');
  throwsCode(t, rt('{{printf "%v" (index .averyveryverylongname 3)}}', { averyveryverylongname: [1] }), 'REGO_ERR_BUILTIN', `${at}1:15: executing "template" at <index .averyveryvery...>:`);
  // An undeclared variable is a parse error in text/template: the line only.
  throwsCode(t, rt('\n{{$y}}', {}), 'REGO_ERR_BUILTIN', `${at}2: undefined variable "$y"`);
  // eq compares bools; a nil operand is unequal, not an error; a nil pipeline prints <no value>.
  t.equal(call('strings.render_template', '{{if eq .b true}}y{{end}}|{{eq .z 1}}|{{.z}}', { b: true, z: null }), 'y|false|<no value>');
  t.end();
});

// text/template's slice and call builtins exist (a call of them is no parse error): slice cuts
// strings and lists (a string's bytes), call has no function in JSON data to call.
t.test('strings.render_template: slice and call', (t) => {
  t.equal(call('strings.render_template', '{{slice .s 1 3}}|{{slice .a 1}}|{{slice .n 0 1}}', { s: 'abcd', a: [1, 2, 3], n: 42 }), 'bc|[2 3]|4');
  throwsCode(t, () => call('strings.render_template', '{{slice .a 2 1}}', { a: [1, 2, 3] }), 'REGO_ERR_BUILTIN', 'error calling slice: invalid slice index: 2 > 1');
  throwsCode(t, () => call('strings.render_template', '{{slice .a 1 4}}', { a: [1, 2, 3] }), 'REGO_ERR_BUILTIN', 'error calling slice: index out of range: 4');
  throwsCode(t, () => call('strings.render_template', '{{slice .s 0 1 2}}', { s: 'ab' }), 'REGO_ERR_BUILTIN', 'error calling slice: cannot 3-index slice a string');
  throwsCode(t, () => call('strings.render_template', '{{call .f 1}}', { f: 'x' }), 'REGO_ERR_BUILTIN', 'at <call .f 1>: error calling call: non-function .f of type string');
  t.end();
});

// Go ≥ 1.18 short-circuits and/or (operands after the deciding one are not evaluated), and every
// call's operand count is checked before its operands are, at the function's name.
t.test('strings.render_template: and/or short-circuit, operand counts', (t) => {
  const rt = (tpl: string, vars: unknown = {}) => call('strings.render_template', tpl, vars);
  t.equal(rt('{{and .a (index .x 5)}}|{{or .b (index .x 5)}}', { a: false, b: 1, x: [] }), 'false|1');
  t.equal(rt('{{and 1 2 3}}|{{or 0 "" 3}}|{{.a | and 1}}|{{.a | and 0}}', { a: 'z' }), '3|3|z|0');
  throwsCode(t, () => rt('{{len 1 2}}'), 'REGO_ERR_BUILTIN', 'template: template:1:2: executing "template" at <len>: wrong number of args for len: want 1 got 2');
  throwsCode(t, () => rt('{{if and}}{{end}}'), 'REGO_ERR_BUILTIN', 'at <and>: wrong number of args for and: want at least 1 got 0');
  throwsCode(t, () => rt('{{print (lt 1)}}'), 'REGO_ERR_BUILTIN', 'template:1:9: executing "template" at <lt>: wrong number of args for lt: want 2 got 1');
  throwsCode(t, () => rt('{{eq 1}}'), 'REGO_ERR_BUILTIN', 'error calling eq: missing argument for comparison');
  t.end();
});

// text/template (Go >= 1.18) has {{break}} and {{continue}} in a range's body; elsewhere they
// are a parse error.
t.test('strings.render_template: break and continue', (t) => {
  const rt = (tpl: string, vars: unknown = {}) => () => call('strings.render_template', tpl, vars);
  t.equal(rt('{{range .a}}{{if eq . "b"}}{{break}}{{end}}{{.}}{{end}}', { a: ['a', 'b', 'c'] })(), 'a');
  t.equal(rt('{{range .a}}{{with .}}{{if eq . "b"}}{{continue}}{{end}}{{end}}{{.}}{{end}}', { a: ['a', 'b', 'c'] })(), 'ac');
  t.equal(rt('{{range $x := .a}}{{range .}}{{break}}{{end}}{{$x}}{{end}}', { a: [[1], [2]] })(), '[1][2]');
  throwsCode(t, rt('x\n{{break}}'), 'REGO_ERR_BUILTIN', 'template: template:2: {{break}} outside {{range}}');
  throwsCode(t, rt('{{range .a}}{{else}}{{continue}}{{end}}', { a: [] }), 'REGO_ERR_BUILTIN', '{{continue}} outside {{range}}');
  t.end();
});

// OPA compares format_int's base as number text (`case ast.Number("10")`): 10.0 is no base.
t.test('format_int: the base is matched on its number text', (t) => {
  t.equal(call('format_int', 255, 16), 'ff');
  throwsCode(t, () => call('format_int', 10, parseJson('10.0')), 'REGO_ERR_BUILTIN_TYPE', 'operand 2 must be one of {2, 8, 10, 16}');
  throwsCode(t, () => call('format_int', 10, parseJson('1e1')), 'REGO_ERR_BUILTIN_TYPE', 'operand 2 must be one of {2, 8, 10, 16}');
  t.end();
});

// OPA converts the variables with ast.As (JSON decoded with UseNumber): numbers reach
// text/template as json.Number, a string type — printed as their text, %d is a bad verb,
// comparing with an int is an error, with "5" a match, and "0" is truthy.
t.test('strings.render_template: numbers are json.Number values', (t) => {
  t.equal(call('strings.render_template', '{{.a}}', { a: 2023 }), '2023');
  t.equal(call('strings.render_template', '{{printf "%d" .a}}', { a: 42 }), '%!d(json.Number=42)');
  t.equal(call('strings.render_template', '{{printf "%s|%q" .a .a}}', { a: 42 }), '42|"42"');
  throwsCode(t, () => call('strings.render_template', '{{if gt .a 1}}y{{end}}', { a: 5 }), 'REGO_ERR_BUILTIN', 'incompatible types for comparison');
  t.equal(call('strings.render_template', '{{if eq .a "5"}}y{{end}}', { a: 5 }), 'y');
  t.equal(call('strings.render_template', '{{if .a}}t{{else}}f{{end}}', { a: 0 }), 't');
  t.equal(call('strings.render_template', '{{print .a .b}}', { a: 1, b: 2 }), '12');
  // ast.As decodes the variables' Rego text as JSON, which a set is not.
  throwsCode(t, () => call('strings.render_template', '{{.a}}', { a: set(1, 2) }), 'REGO_ERR_BUILTIN', "invalid character '1' looking for beginning of object key string");
  t.end();
});

// text/template's and returns its first falsy argument even when that is nil
t.test('strings.render_template: and stops at a nil argument', (t) => {
  const nil = call('strings.render_template', '{{.a}}', { a: null }) as string;
  t.equal(call('strings.render_template', '{{and .a .b}}|{{or .a .b}}|{{and .b .a}}|{{and .b .c}}', { a: null, b: 1, c: 'x' }), `${nil}|1|${nil}|x`);
  t.end();
});

t.test('strings.render_template: define, template and block (named templates of text/template)', (t) => {
  const v = { a: 'A', xs: [1, 2] };
  t.equal(call('strings.render_template', '{{define "x"}}[{{.}}]{{end}}{{template "x" .a}}-{{range .xs}}{{template "x" .}}{{end}}', v), '[A]-[1][2]');
  t.equal(call('strings.render_template', '{{block "b" .a}}<{{.}}>{{end}}|{{template "b" "z"}}', v), '<A>|<z>', 'block: defined and called in place');
  t.equal(call('strings.render_template', '{{define "x"}} {{end}}{{define "x"}}b{{end}}{{template "x"}}', v), 'b', 'an empty definition may be replaced (parse.IsEmptyTree)');
  // the error texts are text/template's for a template named "template" (OPA's)
  throwsCode(t, () => call('strings.render_template', '{{template "nope"}}', v), 'REGO_ERR_BUILTIN', 'template: template:1:11: executing "template" at <{{template "nope"}}>: template "nope" not defined');
  throwsCode(t, () => call('strings.render_template', '{{if true}}{{define "x"}}a{{end}}{{end}}', v), 'REGO_ERR_BUILTIN', 'template: template:1: unexpected <define> in command');
  throwsCode(t, () => call('strings.render_template', '{{define "x"}}a{{end}}{{define "x"}}b{{end}}', v), 'REGO_ERR_BUILTIN', 'multiple definition of template "x"');
  throwsCode(t, () => call('strings.render_template', '{{define "x"}}{{template "x" .}}{{end}}{{template "x" .}}', v), 'REGO_ERR_BUILTIN', 'executing "x" at <{{template "x" .}}>: exceeded maximum template depth (100000)');
  t.end();
});

t.test('strings.split_n: the first n fields, the last |n| for negative n, none for 0', (t) => {
  t.same(call('strings.split_n', 'a.b.c.d', '.', 2), ['a', 'b'], 'the unsplit rest is dropped');
  t.same(call('strings.split_n', 'a.b.c.d', '.', -2), ['c', 'd']);
  t.same(call('strings.split_n', 'a.b', '.', 9), ['a', 'b']);
  t.same(call('strings.split_n', 'a.b', '.', -9), ['a', 'b']);
  t.same(call('strings.split_n', 'a.b', '.', 0), []);
  t.same(call('strings.split_n', 'héllo', '', 2), ['h', 'é'], 'an empty delimiter splits code points');
  t.same(call('strings.split_n', '', ',', 1), [''], 'as split: one empty field');
  throwsCode(t, () => call('strings.split_n', 'a', '.', 1.5), 'REGO_ERR_BUILTIN_TYPE', 'operand 3 must be integer number but got floating-point number');
  throwsCode(t, () => call('strings.split_n', 'a', 1, 1), 'REGO_ERR_BUILTIN_TYPE', 'operand 2 must be string but got number');
  t.end();
});
