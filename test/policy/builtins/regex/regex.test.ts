/** RE2 translation, Go scan semantics (FindAll / ReplaceAll / Split), templates, globs. */
import t from 'tap';
import { compileGoRegexp, Re2SyntaxError } from '../../../../src/policy/builtins/shared/re2.js';
import { call, throwsCode } from '../helpers.js';

t.test('RE2 syntax is translated', (t) => {
  t.equal(call('regex.match', '(?P<user>\\w+)@(?P<host>[[:alpha:].]+)\\z', 'bob@example.com'), true);
  t.equal(call('regex.match', '(?i)^HELLO$', 'hello'), true);
  t.equal(call('regex.match', '^a(?i:B)c$', 'abc'), true);
  t.equal(call('regex.match', '^a(?i:B)c$', 'abC'), false);
  t.equal(call('regex.match', '(?s)a.b', 'a\nb'), true);
  t.equal(call('regex.match', 'a.b', 'a\nb'), false);
  t.equal(call('regex.match', 'a.b', 'a\rb'), true); // RE2's . matches \r, JS's does not
  t.equal(call('regex.match', '(?m)^b$', 'a\nb\nc'), true);
  t.equal(call('regex.match', '^b$', 'a\nb\nc'), false);
  t.equal(call('regex.match', '\\Aab\\z', 'ab'), true);
  t.equal(call('regex.match', '^\\pL+$', 'héllo'), true);
  t.equal(call('regex.match', '^\\p{Greek}+$', 'αβγ'), true);
  t.equal(call('regex.match', '^[[:^digit:]]+$', 'abc'), true);
  t.equal(call('regex.match', '^\\x{1F600}$', '😀'), true);
  t.equal(call('regex.match', '^\\Qa.b\\E$', 'a.b'), true);
  t.equal(call('regex.match', '^\\Qa.b\\E$', 'axb'), false);
  t.equal(call('regex.match', '^\\s$', '\v'), false); // RE2 \s is [\t\n\f\r ]
  t.equal(call('regex.match', '^[^a]$', '\n'), true);
  t.equal(call('regex.match', '^a{2}$', 'aa'), true);
  t.equal(call('regex.match', '^a{,2}$', 'a{,2}'), true); // not a repeat in RE2: literal
  t.equal(call('regex.match', '^\\101$', 'A'), true); // octal
  t.equal(call('regex.match', '^[\\d\\-x]+$', '1-x'), true);
  t.equal(call('regex.match', '^.$', '😀'), true);
  t.equal(call('regex.match', '(?U)a+', 'aaa'), true);
  t.equal(call('regex.find_n', '(?U)a+', 'aaa', 1)?.toString(), 'a');
  t.end();
});

t.test('what RE2 refuses is invalid', (t) => {
  // Go's regexp/syntax: `(?)` names no flag but is accepted (parsePerlFlags), `(?-)` is not;
  // `\C` (any byte) is RE2's, not Go's.
  for (const bad of ['(?-)', '\\C', '\\Z', '(?P=n)', '\\8', '(a)\\1', '(?=a)', '(?!a)', '(?<=a)b', '(?<!a)b', 'a**', 'a++', 'x{1001}', '[', '(', ')', '\\', '\\e', '[[:foo:]]', '\\p{Nope}', '(?P<n>a)(?P<n>b)', '$^[[[', '++']) {
    t.equal(call('regex.is_valid', bad), false, bad);
  }
  for (const ok of ['(?)', '', 'a|', '()', '[]a]', '[^]a]', 'x{2,1000}', '\\pN', '(?i)(?-i:a)', '\\.', '\\-', '[a-]']) {
    t.equal(call('regex.is_valid', ok), true, ok);
  }
  t.equal(call('regex.is_valid', 10), false);
  t.throws(() => compileGoRegexp('(?<=x)'), Re2SyntaxError);
  throwsCode(t, () => call('regex.match', '$^[[[', 'x'), 'REGO_ERR_BUILTIN', 'error parsing regexp');
  t.end();
});

t.test('find_n and find_all_string_submatch_n', (t) => {
  t.same(call('regex.find_n', 'a.', 'paranormal', 2), ['ar', 'an']);
  t.same(call('regex.find_n', 'a.', 'paranormal', -1), ['ar', 'an', 'al']);
  t.same(call('regex.find_n', 'bork', 'paranormal', -1), []);
  // Go skips an empty match right after a previous match.
  t.same(call('regex.find_n', 'a*', 'baaab', -1), ['', 'aaa', '']);
  t.same(call('regex.find_all_string_submatch_n', 'a(x*)b', '-ab-axb-', -1), [['ab', ''], ['axb', 'x']]);
  t.same(call('regex.find_all_string_submatch_n', '[^aouiye]([aouiye])([^aouiye])?', 'somestri', -1), [['som', 'o', 'm'], ['ri', 'i', '']]);
  t.same(call('regex.find_all_string_submatch_n', '[^aouiye]([aouiye])([^aouiye])?', 'somestri', 1), [['som', 'o', 'm']]);
  t.end();
});

t.test('replace and split follow Go', (t) => {
  t.equal(call('regex.replace', '-wy-wxxy-', 'w(x*)y', '0'), '-0-0-');
  t.equal(call('regex.replace', 'foo', '(foo)', '$1$1'), 'foofoo');
  t.equal(call('regex.replace', 'foo', '(?P<w>o)', '[${w}]'), 'f[o][o]');
  t.equal(call('regex.replace', 'foo', '(o)', '$1x'), 'f'); // $1x names group "1x": empty
  t.equal(call('regex.replace', 'ab', 'x*', '-'), '-a-b-');
  t.equal(call('regex.replace', 'foo', '^[a-z]', 'F'), 'Foo');
  t.equal(call('regex.replace', 'a$b', '\\$', '$$'), 'a$b');
  t.equal(call('regex.replace', 'foo bar', '[a-z]', '_'), '___ ___');
  throwsCode(t, () => call('regex.replace', 'foo', '[', '$1'), 'REGO_ERR_BUILTIN');
  t.same(call('regex.split', '^[a-z]+\\[[0-9]+\\]$', ''), ['']);
  t.same(call('regex.split', '^[a-z]+', 'foobar baz'), ['', ' baz']);
  t.same(call('regex.split', '[a-z]+$', 'foobar baz'), ['foobar ', '']);
  t.same(call('regex.split', '^[a-z ]+$', 'foobar baz'), ['', '']);
  t.same(call('regex.split', 'a', 'banana'), ['b', 'n', 'n', '']);
  t.same(call('regex.split', 'z+', 'pizza'), ['pi', 'a']);
  t.end();
});

t.test('template_match and globs_match', (t) => {
  t.equal(call('regex.template_match', 'urn:foo:{.*}', 'urn:foo:bar:baz', '{', '}'), true);
  t.equal(call('regex.template_match', 'urn:foo.bar:<[a-z]+>', 'urn:fooxbar:baz', '<', '>'), false);
  t.equal(call('regex.template_match', 'urn:{a{2}}', 'urn:aa', '{', '}'), true);
  throwsCode(t, () => call('regex.template_match', 'urn:{x', 'urn:x', '{', '}'), 'REGO_ERR_BUILTIN', 'unbalanced');
  throwsCode(t, () => call('regex.template_match', 'x', 'x', '{{', '}'), 'REGO_ERR_BUILTIN', 'start delimiter');
  t.equal(call('regex.globs_match', 'a.a.[0-9]+z', '.b.b2359825792*594823z'), true);
  t.equal(call('regex.globs_match', '[a-z]+', '[0-9]*'), false); // + needs a letter, * allows only digits
  t.equal(call('regex.globs_match', '[a-z]*', '[0-9]*'), true); // both match ""
  t.equal(call('regex.globs_match', '[a-z]+', '[0-9]+'), false);
  t.equal(call('regex.globs_match', 'b.*', 'bar'), true);
  t.equal(call('regex.globs_match', '[a-z]+\\[[0-9]+\\]', 'foo\\[1\\]'), true);
  throwsCode(t, () => call('regex.globs_match', 'pqrs]', '[a-b]+'), 'REGO_ERR_BUILTIN', "input:pqrs], pos:5, set-close ']' with no preceding '[': the input provided is invalid");
  t.end();
});
