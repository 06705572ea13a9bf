/**
 * Number and string literals, ref heads and collection literals as OPA's scanner and parser read
 * them (ast/internal/scanner scanNumber/scanString; ast/parser.go parseNumber, parseString,
 * parseRef, parseArray, parseSetOrObject). The messages are OPA's: conformance cases quote them.
 */
import t from 'tap';
import { RegoError } from '../../../src/policy/errors.js';
import { parseModule, parseQuery, parseTerm } from '../../../src/policy/syntax/index.js';
import type { Term } from '../../../src/policy/syntax/index.js';

function err(fn: () => unknown): { code: string; message: string; at: string } {
  try {
    fn();
  } catch (e) {
    if (e instanceof RegoError) return { code: e.code, message: e.message, at: `${e.location?.line}:${e.location?.col}` };
    throw e;
  }
  throw new Error('expected a parse error');
}

function num(text: string): string {
  const x = parseTerm(text);
  if (x.kind !== 'number') throw new Error(`not a number: ${x.kind}`);
  return x.text;
}

t.test('a number may start with its fraction point', async (t) => {
  t.equal(num('.5'), '0.5');
  t.equal(num('.0001'), '0.0001', 'zeros after the point are not a leading zero');
  t.equal(num('-.25'), '-0.25');
  t.equal(num('- 3'), '-3', 'whitespace may follow the sign');
  t.equal(num('.5e3'), '0.5e3');
  t.equal(num('0e5'), '0e5');
  t.same(parseQuery('x := [.5, -.5]').length, 1);
});

t.test('malformed numbers are refused with the scanner\'s reason', async (t) => {
  const cases: [string, string][] = [
    ['1.', 'expected fraction'],
    ['2.x', 'expected fraction'],
    ['0e', 'expected exponent'],
    ['1e+', 'expected exponent'],
    ['6abc', 'illegal number format'],
    ['0F', 'illegal number format'],
    ['007', 'expected number without leading zero'],
    ['-01.5', 'expected number without leading zero'],
    ['9e3000000000', 'invalid float'],
    ['12e680507880', 'number too big'],
    ['-3e40000', 'number too big'],
    ['2.5e-40000', 'number too big'],
  ];
  for (const [text, message] of cases) {
    const e = err(() => parseTerm(text));
    t.equal(e.code, 'REGO_ERR_PARSE_NUMBER', text);
    t.equal(e.message, message, text);
  }
  // big but within OPA's limit (a binary exponent of 1e5), and zero whatever its exponent
  t.equal(num('1e30000'), '1e30000');
  t.equal(num('0e999999'), '0e999999');
});

t.test('unary minus is the sign of a number literal only', async (t) => {
  for (const text of ['-x', '-(1)', '-[1]', '1 + -y']) {
    const e = err(() => parseTerm(text));
    t.equal(e.code, 'REGO_ERR_PARSE_UNEXPECTED', text);
    t.match(e.message, /: expected number$/, text);
  }
  const minus = parseTerm('a - 1');
  t.equal(minus.kind === 'call' && minus.fn[0], 'minus');
});

t.test('string escapes decode as Go\'s encoding/json does', async (t) => {
  const str = (text: string): string => {
    const x = parseTerm(text);
    return x.kind === 'string' ? x.value : `<${x.kind}>`;
  };
  t.equal(str('"\\ud83d\\ude00"'), '\u{1F600}', 'a surrogate pair is one character');
  t.equal(str('"a\\ud83db"'), 'a\ufffdb', 'a lone high surrogate is U+FFFD');
  t.equal(str('"\\udc00"'), '\ufffd', 'a lone low surrogate is U+FFFD');
  t.equal(err(() => parseTerm('"\\q"')).message, 'illegal escape sequence');
  t.equal(err(() => parseTerm('"\\u12g4"')).message, 'illegal string literal: "\\u12g4"');
});

t.test('a scalar cannot head a ref; a keyword heading a literal or rule is a name', async (t) => {
  const cases: [string, string][] = [
    ['"ab"[0]', 'string'],
    ['"ab".x', 'string'],
    ['3[0]', 'number'],
    ['true.x', 'boolean'],
    ['null["y"]', 'null'],
  ];
  for (const [text, name] of cases) {
    const e = err(() => parseQuery(`x := ${text}`));
    t.equal(e.code, 'REGO_ERR_PARSE_UNEXPECTED', text);
    t.equal(e.message, `illegal ref (head cannot be ${name})`, text);
    t.equal(e.at, '1:6', `${text}: located at the head`);
  }
  // at the start of a literal (or rule), `null.x` / `true["y"]` name rules of the package
  const lit = parseQuery('null["y"] == 1')[0]!;
  const lhs = lit.expr.kind === 'term' && lit.expr.term.kind === 'call' ? lit.expr.term.args[0] : undefined;
  t.same(lhs?.kind === 'ref' ? lhs.head : undefined, { kind: 'var', name: 'null', span: { file: '<query>', line: 1, col: 1 } });
  const mod = parseModule('package p\nfalse["y"] := 1\nq if { true.z }\n', 'm.rego');
  t.equal(mod.rules.length, 2);
  t.same(mod.rules[0]!.ref.map((k) => (k as { value: string }).value), ['false', 'y']);
  // collections, comprehensions and calls can head refs
  t.equal(parseTerm('[1, 2][0]').kind, 'ref');
  t.equal(parseTerm('{"a": 1}.a').kind, 'ref');
  t.equal(parseTerm('f(x)[0]').kind, 'ref');
});

t.test('collections: one leading comma, OPA\'s list errors, unclosed parentheses', async (t) => {
  const items = (x: Term): number => (x.kind === 'array' || x.kind === 'set' ? x.items.length : x.kind === 'object' ? x.entries.length : -1);
  t.equal(items(parseTerm('[, 1, 2]')), 2);
  t.equal(items(parseTerm('{, 1, 2}')), 2);
  t.equal(items(parseTerm('{, "a": 1}')), 1);
  // after a leading comma `|` is the `or` operator, not a comprehension
  const arr = parseTerm('[, a | b]');
  t.equal(arr.kind === 'array' && arr.items[0]!.kind === 'call' && arr.items[0]!.fn[0], 'or');
  t.equal(err(() => parseTerm('[1 2]')).message, 'unexpected number token: expected "," or "]"');
  // a first element that neither ends nor continues the braces (parseSetOrObject)
  t.equal(err(() => parseTerm('{1 "a"}')).message, 'unexpected string token: non-terminated set');
  t.equal(err(() => parseTerm('{1, 2 "a"}')).message, 'unexpected string token: expected "," or "}"');
  t.equal(err(() => parseTerm('f(1 x)')).message, 'unexpected identifier token: expected "," or ")"');
  t.equal(err(() => parseTerm('(1 + 2')).message, 'non-terminated expression');
  t.equal(err(() => parseTerm('x[1, 2]')).message, 'unexpected , token: expected [');
});

t.test('tokens are named as OPA names them in errors', async (t) => {
  t.equal(err(() => parseQuery('x := := 1')).message, 'unexpected assign token');
  t.equal(err(() => parseQuery('x = = 1')).message, 'unexpected eq token');
  t.same(err(() => parseQuery('x := not')), { code: 'REGO_ERR_PARSE_KEYWORD', message: 'unexpected not keyword', at: '1:6' });
  t.equal(err(() => parseQuery('x := if')).message, 'unexpected if keyword');
  t.equal(parseQuery('x := if', '<q>', { regoVersion: 'v0' }).length, 1, 'v0: `if` is a name until imported');
  t.equal(parseQuery('x := contains').length, 1, '`contains` is a name outside rule heads');
  t.equal(err(() => parseQuery('x := (1')).message, 'non-terminated expression');
  t.same(err(() => parseQuery('x ! y')), { code: 'REGO_ERR_PARSE_TOKEN', message: 'illegal ! character', at: '1:3' });
  t.equal(err(() => parseModule('package p\nq if { x := 1 y := 2 }', 'm.rego')).message, 'unexpected identifier token: expected \\n or ; or }');
});

t.test('a template-string expression is a term, as OPA\'s parseTemplateString requires', async (t) => {
  const cases: [string, string][] = [
    ['$"a{not y}"', "unexpected negation ('not') in template-string expression"],
    ['$"a{y = 1}"', "unexpected unification ('=') in template-string expression"],
    ['$"a{y := 1}"', "unexpected assignment (':=') in template-string expression"],
    ['$"a{some y in [1]}"', "unexpected 'some' in template-string expression"],
    ['$"a{every y in [1] { true }}"', "unexpected 'every' in template-string expression"],
    ['$"a{1 2}"', 'expected } to end template string expression'],
  ];
  for (const [text, message] of cases) {
    const e = err(() => parseQuery(`x := ${text}`));
    t.equal(e.code, 'REGO_ERR_PARSE_UNEXPECTED', text);
    t.equal(e.message, message, text);
  }
  t.equal(parseQuery('x := $"{y with input as 1} {k, v in {1: 2}}"').length, 1);
});

t.test('comprehension or collection: OPA reads the first element as one term, then decides (parseArray, parseSetOrObject)', async (t) => {
  const kind = (text: string): string => {
    const x = parseTerm(text);
    const n = x.kind === 'array' || x.kind === 'set' ? x.items.length : x.kind === 'object' ? x.entries.length : 0;
    return `${x.kind}/${n}`;
  };
  t.equal(kind('[x | y]'), 'arraycomp/0');
  t.equal(kind('{x | y}'), 'setcomp/0');
  t.equal(kind('{k: v | y}'), 'objectcomp/0');
  t.equal(kind('{k + 1: v | y}'), 'objectcomp/0', 'an object key may be an operator expression');
  // a comprehension body that stops at a comma was a list with a bitwise or in it
  t.equal(kind('[x|y,z]'), 'array/2');
  t.equal(kind('[z,x|y,a]'), 'array/3');
  t.equal(kind('[x|y,]'), 'array/1');
  t.equal(kind('{x|y,z}'), 'set/2');
  t.equal(kind('{x|y,}'), 'set/1');
  t.equal(kind('{x:y|z,a:b}'), 'object/2');
  t.equal(kind('{x:y|z,}'), 'object/1');
  const or = parseTerm('[x|y,]');
  t.equal(or.kind === 'array' && or.items[0]!.kind === 'call' ? or.items[0]!.fn[0] : '', 'or');
  // other failures of the body stand
  t.same(err(() => parseTerm('[x | y z]')), { code: 'REGO_ERR_PARSE_UNEXPECTED', message: 'unexpected identifier token: expected \\n or ; or ]', at: '1:8' });
  // a comprehension's head is one term: `[x + 1 | …]` is OPA's parse error (open-policy-agent/opa#4215)
  t.same(err(() => parseTerm('[x + 1 | x := [1][_]]')), { code: 'REGO_ERR_PARSE_UNEXPECTED', message: 'unexpected assign token: expected "," or "]"', at: '1:12' });
  t.equal(kind('[(x + 1) | x := [1][_]]'), 'arraycomp/0');
  t.equal(kind('[plus(x, 1) | x := [1][_]]'), 'arraycomp/0');
  t.same(err(() => parseTerm('{k: v + 1 | v := 1}')), { code: 'REGO_ERR_PARSE_UNEXPECTED', message: 'unexpected assign token: non-terminated object', at: '1:15' });
  // an object whose later entries fail is OPA's "non-terminated object" at its first value (its
  // parser backs up there); after a leading comma the entry's own error stands
  t.same(err(() => parseTerm('{"a": 1, "b" 2}')), { code: 'REGO_ERR_PARSE_UNEXPECTED', message: 'unexpected number token: non-terminated object', at: '1:7' });
  t.same(err(() => parseTerm('{"a": 1 2}')), { code: 'REGO_ERR_PARSE_UNEXPECTED', message: 'unexpected number token: non-terminated object', at: '1:9' });
  t.same(err(() => parseTerm('{, "a": 1, "b" 2}')), { code: 'REGO_ERR_PARSE_UNEXPECTED', message: 'unexpected number token: expected ":"', at: '1:16' });
  t.same(err(() => parseTerm('{"a" = 1}')), { code: 'REGO_ERR_PARSE_UNEXPECTED', message: 'unexpected eq token: non-terminated set', at: '1:6' });
  t.same(err(() => parseModule('package p\nf := { "foo" = "bar" }', 'm.rego')).at, '2:14');
});

t.test('nesting deeper than the parser can go is a parse error, not a crash (max parsing recursion depth)', async (t) => {
  const deep = (n: number): string => `package p\nv := ${'['.repeat(n)}1${']'.repeat(n)}`;
  t.equal(parseModule(deep(200), 'm.rego').rules.length, 1);
  const e = err(() => parseModule(deep(100000), 'm.rego'));
  t.same([e.code, e.message], ['REGO_ERR_PARSE_DEPTH', 'max parsing recursion depth exceeded']);
  t.equal(err(() => parseQuery('x = ' + '{"a": '.repeat(100000))).code, 'REGO_ERR_PARSE_DEPTH');
});
