/**
 * The regex builtins behave as OPA's, which run Go's regexp: linear time whatever the pattern,
 * leftmost-first submatches with Go's capture rules, Go's syntax (and its errors), Go's
 * FindAll/ReplaceAll/Split iteration, Go's Expand — with JS strings (UTF-16) in place of Go's
 * UTF-8. The attacker's patterns come first: each would run for minutes on a backtracking
 * engine, far past tap's timeout, so these tests hang rather than fail on one.
 */
import t from 'tap';
import { compileGoRegexp } from '../../../../src/policy/builtins/shared/re2.js';
import { call, throwsCode } from '../helpers.js';

const as = (n: number) => 'a'.repeat(n);

t.test('patterns that backtrack exponentially answer at once', (t) => {
  // 2^40 ways to split the run for a backtracking engine; one pass for RE2.
  t.equal(call('regex.match', '^(a+)+$', as(40) + '!'), false);
  t.equal(call('regex.match', '^(a|aa)*b$', as(60)), false);
  t.equal(call('regex.match', '(x+x+)+y', 'x'.repeat(60)), false);
  t.equal(call('regex.match', '^(a+)+$', as(10_000)), true);
  t.same(call('regex.find_n', '(a*)*b', as(50), -1), []);
  t.same(call('regex.split', '(a+)+!', as(50)), [as(50)]);
  t.equal(call('regex.replace', as(50), '^(a|a)+$!', 'x'), as(50));
  t.same(call('regex.find_all_string_submatch_n', '(\\w+\\s?)+$', 'word '.repeat(30) + '!', -1), []);
  t.equal(call('regex.template_match', 'urn:{(a+)+}!', 'urn:' + as(40), '{', '}'), false);
  // Globs are RE2 too: as a JS regex, each `*` below was a backtracking choice point.
  t.equal(call('glob.match', '*a*a*a*a*a*a*a*a*a*a*a*a*b', null, as(80)), false);
  // JSON Schema patterns are Go regexes in OPA (gojsonschema) and here.
  const verdict = call('json.match_schema', JSON.stringify(as(40) + '!'), { type: 'string', pattern: '^(a+)+$' }) as [boolean, { type: string }[]];
  t.equal(verdict[0], false);
  t.equal(verdict[1][0]?.type, 'pattern');
  t.end();
});

t.test('leftmost-first submatches with Go capture rules', (t) => {
  // Perl order, not POSIX leftmost-longest (which would give "ab", "c", "d").
  t.same(call('regex.find_all_string_submatch_n', '(a|ab)(c|bcd)(d*)', 'abcd', -1), [['abcd', 'a', 'bcd', '']]);
  // A group keeps its last value across iterations of an enclosing repeat; JS clears it.
  t.same(call('regex.find_all_string_submatch_n', '(?:(a)|b)+', 'ab', -1), [['ab', 'a']]);
  t.same(call('regex.find_all_string_submatch_n', '(a)|(b)', 'ab', -1), [['a', 'a', ''], ['b', '', 'b']]);
  t.same(call('regex.find_n', 'a+?', 'aaa', -1), ['a', 'a', 'a']);
  t.same(call('regex.find_n', '(?U)a+', 'aaa', -1), ['a', 'a', 'a']);
  t.same(call('regex.find_n', '(?U)a+?', 'aaa', 1), ['aaa']);
  t.end();
});

t.test('Go syntax: flags, quoting, classes, escapes', (t) => {
  t.equal(call('regex.match', '(?i)k', '\u212a'), true); // KELVIN SIGN folds to k
  t.equal(call('regex.match', '(?i)s', '\u017f'), true); // LONG S folds to s
  t.equal(call('regex.match', '^a(?i)b(?-i)c$', 'aBc'), true);
  t.equal(call('regex.match', '^a(?i)b(?-i)c$', 'aBC'), false);
  t.equal(call('regex.match', '^a(?i:b)c$', 'abC'), false);
  t.equal(call('regex.match', '(?i)(?P<x>A)', 'a'), true);
  t.equal(call('regex.match', '(?)a', 'a'), true); // no flags, still a valid group
  t.equal(call('regex.match', '^\\Qa.b*\\E$', 'a.b*'), true);
  t.equal(call('regex.match', '^\\Qa.b*\\E$', 'aab'), false);
  t.equal(call('regex.match', '^\\Q(a)', '(a)'), true); // \Q without \E runs to the end
  t.equal(call('regex.match', '(?i)^\\Qab\\E$', 'AB'), true);
  t.equal(call('regex.match', '^\\p{Greek}+\\PL\\pN$', 'αβ 7'), true);
  t.equal(call('regex.match', '^\\p{Han}$', '中'), true);
  t.equal(call('regex.match', '^[\\p{Lu}\\d]+$', 'AÉ9'), true);
  t.equal(call('regex.match', '^[[:^alpha:]]$', 'é'), true); // POSIX classes are ASCII
  t.equal(call('regex.match', '^\\w$', 'é'), false); // \w is ASCII
  t.equal(call('regex.match', '^\\s$', '\v'), false); // \s is [\t\n\f\r ]
  t.equal(call('regex.match', '^.$', '\n'), false);
  t.equal(call('regex.match', '(?s)^.$', '\n'), true);
  t.equal(call('regex.match', '^[^a]$', '\n'), true);
  t.equal(call('regex.match', '^.$', '\r'), true);
  t.equal(call('regex.match', '(?m)^b$', 'a\nb\nc'), true);
  t.equal(call('regex.match', '^b$', 'a\nb\nc'), false);
  t.equal(call('regex.match', '\\Aab\\z', 'ab'), true);
  t.equal(call('regex.match', '^\\x{1F600}\\x41\\101$', '😀AA'), true);
  t.equal(call('regex.match', '^a{,2}$', 'a{,2}'), true); // not a repeat in Go: literal
  t.equal(call('regex.match', '^.$', '😀'), true); // one code point, two UTF-16 units
  t.end();
});

t.test('a pattern Go refuses is an error of the calling builtin (undefined unless strict)', (t) => {
  for (const bad of ['\\C', '(?-)', '(?P<é>a)', '(?<=a)b', '(a)\\1', 'a{1001}', 'x{2}{3}', '[z-a]', '(?P<n>a)(?P<n>b)', '\\p{Klingon}', '(?P<a-b>x)']) {
    t.equal(call('regex.is_valid', bad), false, bad);
    throwsCode(t, () => call('regex.match', bad, 'x'), 'REGO_ERR_BUILTIN', 'error parsing regexp');
    throwsCode(t, () => call('regex.find_n', bad, 'x', -1), 'REGO_ERR_BUILTIN', 'error parsing regexp');
    throwsCode(t, () => call('regex.find_all_string_submatch_n', bad, 'x', -1), 'REGO_ERR_BUILTIN', 'error parsing regexp');
    throwsCode(t, () => call('regex.split', bad, 'x'), 'REGO_ERR_BUILTIN', 'error parsing regexp');
    throwsCode(t, () => call('regex.replace', 'x', bad, 'y'), 'REGO_ERR_BUILTIN', 'error parsing regexp');
  }
  throwsCode(t, () => call('regex.template_match', 'urn:{\\C}', 'urn:x', '{', '}'), 'REGO_ERR_BUILTIN', 'error parsing regexp');
  t.throws(() => call('json.match_schema', 'x', { type: 'string', pattern: '(?<=a)b' }));
  t.end();
});

t.test('iteration over code points, not UTF-16 units', (t) => {
  // Go steps one rune past an empty match; a JS string holds 😀 as two units.
  t.same(call('regex.find_n', '', '😀x', -1), ['', '', '']);
  t.same(call('regex.split', '', '😀x'), ['😀', 'x']);
  t.same(call('regex.split', '', ''), []); // Go: an empty expression splits "" into nothing
  t.same(call('regex.split', 'x*', ''), ['']);
  t.equal(call('regex.replace', '😀x', '', '-'), '-😀-x-');
  t.equal(call('regex.replace', 'é😀', 'x*', '-'), '-é-😀-');
  t.same(call('regex.find_n', '.', 'é😀a', -1), ['é', '😀', 'a']);
  t.same(call('regex.find_all_string_submatch_n', '(.)(\\pL)?', '😀é😀', -1), [['😀é', '😀', 'é'], ['😀', '😀', '']]);
  t.same(call('regex.split', '😀', 'a😀b😀'), ['a', 'b', '']);
  t.end();
});

t.test('replacement templates expand as Go Regexp.Expand', (t) => {
  t.equal(call('regex.replace', 'ab', '(a)', '[$1]'), '[a]b');
  t.equal(call('regex.replace', 'ab', '(a)', '[${1}0]'), '[a0]b');
  t.equal(call('regex.replace', 'ab', '(a)', '[$10]'), '[]b'); // group 10 does not exist
  t.equal(call('regex.replace', 'ab', '(a)', '[$01]'), '[]b'); // leading zero: a name, not 1
  t.equal(call('regex.replace', 'ab', '(a)', '[$1x]'), '[]b'); // the name is "1x"
  t.equal(call('regex.replace', 'ab', '(?P<e>a)', '[$eé]'), '[]b'); // a $name runs over any letters: "eé"
  t.equal(call('regex.replace', 'ab', '(?P<e>a)', '[${e}é]'), '[aé]b');
  t.equal(call('regex.replace', 'ab', '(?P<n>a)', '[${n}]'), '[a]b');
  t.equal(call('regex.replace', 'ab', '(a)', '[${1]'), '[${1]b'); // malformed: kept as text
  t.equal(call('regex.replace', 'ab', '(a)', '[$]'), '[$]b');
  t.equal(call('regex.replace', 'ab', '(a)', '$$1'), '$1b');
  t.equal(call('regex.replace', 'ab', '(a)|(z)', '[$2]'), '[]b'); // unmatched group: nothing
  t.end();
});

t.test('compiled patterns report Go offsets and group names', (t) => {
  const re = compileGoRegexp('(?P<user>\\w+)@(\\w+)');
  t.equal(re.numSubexp, 2);
  t.same(re.findAllSubmatchIndex('a@b c@d', -1), [
    [0, 3, 0, 1, 2, 3],
    [4, 7, 4, 5, 6, 7],
  ]);
  t.same(re.findAllSubmatchIndex('a@b c@d', 1, false), [[0, 3]]);
  t.same(re.findAllSubmatchIndex('a@b', 0), []);
  t.equal(re.replaceAllString('a@b', '${user}!'), 'a!');
  t.end();
});
