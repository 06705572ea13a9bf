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
  for (const bad of ['(a)\\1', '(?=a)', '(?!a)', '(?<=a)b', '(?<!a)b', 'a**', 'a++', 'x{1001}', '[', '(', ')', '\\', '\\e', '[[:foo:]]', '\\p{Nope}', '(?P<n>a)(?P<n>b)', '$^[[[', '++']) {
    t.equal(call('regex.is_valid', bad), false, bad);
  }
  // `(?)` is an empty flag group, which Go's parser accepts (parsePerlFlags: ')' ends the flags)
  for (const ok of ['(?)', '', 'a|', '()', '[]a]', '[^]a]', 'x{2,1000}', '\\pN', '(?i)(?-i:a)', '\\.', '\\-', '[a-]']) {
    t.equal(call('regex.is_valid', ok), true, ok);
  }
  t.equal(call('regex.is_valid', 10), false);
  t.throws(() => compileGoRegexp('(?<=x)'), Re2SyntaxError);
  throwsCode(t, () => call('regex.match', '$^[[[', 'x'), 'REGO_ERR_BUILTIN', 'error parsing regexp');
  t.end();
});
