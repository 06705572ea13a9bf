import t from 'tap';
import { RegoError } from '../../../src/policy/errors.js';
import { parseModule, parseQuery, parseTerm, tokenize } from '../../../src/policy/syntax/index.js';
import type { Term } from '../../../src/policy/syntax/index.js';

function parseErr(fn: () => unknown): RegoError {
  try {
    fn();
  } catch (e) {
    if (e instanceof RegoError) return e;
    throw e;
  }
  throw new Error('expected a parse error');
}

/** Compact rendering of a term for structural assertions. */
function show(x: Term): string {
  switch (x.kind) {
    case 'null': return 'null';
    case 'bool': return String(x.value);
    case 'number': return x.text;
    case 'string': return JSON.stringify(x.value);
    case 'var': return x.name;
    case 'ref': return `${show(x.head)}${x.path.map((p) => `[${show(p)}]`).join('')}`;
    case 'array': return `[${x.items.map(show).join(', ')}]`;
    case 'set': return `{${x.items.map(show).join(', ')}}s`;
    case 'object': return `{${x.entries.map(([k, v]) => `${show(k)}: ${show(v)}`).join(', ')}}`;
    case 'call': return `${x.fn.join('.')}(${x.args.map(show).join(', ')})`;
    case 'arraycomp': return `[${show(x.term)} | ${x.body.length}]`;
    case 'setcomp': return `{${show(x.term)} | ${x.body.length}}`;
    case 'objectcomp': return `{${show(x.key)}: ${show(x.value)} | ${x.body.length}}`;
    case 'template': return `$(${x.parts.map((p) => (typeof p === 'string' ? JSON.stringify(p) : show(p))).join(' ')})`;
  }
}

t.test('lexer keeps positions, newlines and big numbers', async (t) => {
  const toks = tokenize('p := 123456789012345678901234567890\n  q', 'a.rego');
  t.same(toks.map((k) => k.value), ['p', ':=', '123456789012345678901234567890', 'q', '']);
  t.same(toks[3]!.span, { file: 'a.rego', line: 2, col: 3 });
  t.equal(toks[3]!.nlBefore, true);
  t.equal(toks[1]!.nlBefore, false);
});

t.test('operator precedence follows OPA', async (t) => {
  t.equal(show(parseTerm('1 + 2 * 3')), 'plus(1, mul(2, 3))');
  t.equal(show(parseTerm('a | b & c')), 'or(a, and(b, c))');
  t.equal(show(parseTerm('a + b == c - d')), 'equal(plus(a, b), minus(c, d))');
  t.equal(show(parseTerm('x in {1, 2} == true')), 'internal.member_2(x, equal({1, 2}s, true))');
  // OPA reads `-` only as a number's sign (parseNumber); `0 - x` is how to negate a variable
  t.equal(parseErr(() => parseTerm('-x * 2')).code, 'REGO_ERR_PARSE_UNEXPECTED');
  t.equal(show(parseTerm('- 2 * 2')), 'mul(-2, 2)');
  t.equal(show(parseTerm('-3')), '-3');
  t.equal(show(parseTerm('(1, 2 in [2])')), 'internal.member_3(1, 2, [2])');
});

t.test('terms: refs, calls, composites, comprehensions, strings', async (t) => {
  t.equal(show(parseTerm('input.a[x].b')), 'input["a"][x]["b"]');
  t.equal(show(parseTerm('f(x)[0].y')), 'f(x)[0]["y"]');
  t.equal(show(parseTerm('strings.replace_n({"a": 1}, s)')), 'strings.replace_n({"a": 1}, s)');
  t.equal(show(parseTerm('set()')), '{}s');
  t.equal(show(parseTerm('{}')), '{}');
  t.equal(show(parseTerm('{1, 2,}')), '{1, 2}s');
  t.equal(show(parseTerm('[x | x := xs[_]; x > 1]')), '[x | 2]');
  t.equal(show(parseTerm('{k: v | some k, v in o}')), '{k: v | 1}');
  t.equal(show(parseTerm('{x | a | b}')), '{x | 1}');
  t.equal(show(parseTerm('[a | b]')), '[a | 1]');
  t.equal(show(parseTerm('`raw\\n`')), '"raw\\\\n"');
  t.equal(show(parseTerm('"\\u00e9\\t"')), JSON.stringify('é\t'));
  t.equal(show(parseTerm('$"a {x + 1} \\{b}"')), '$("a " plus(x, 1) " {b}")');
  t.equal(show(parseTerm('12345678901234567890123.5e10')), '12345678901234567890123.5e10');
});

t.test('module: package, imports, rule kinds, else, default, metadata', async (t) => {
  const m = parseModule(`# METADATA
# title: demo
package a.b

import rego.v1
import data.lib.util as u

default allow := false

# METADATA
# scope: rule
# title: allow rule
allow if {
  input.x == 1
}

deny contains msg if { msg := "no" }
obj[k] := v if { some k, v in input.o }
a.b[x].c := 1 if x := "q"
f(x, [y, _]) := x + y
g(x) := 1 if x > 1 else := 2 if x > 0 else := 3
p.q.r := 7
every_ok if every x in [1] { x > 0 }
`, 'm.rego');
  t.same(m.package, ['a', 'b']);
  t.equal(m.regoV1, true);
  t.equal(m.imports[1]!.alias, 'u');
  t.equal(m.annotations.length, 1);
  t.equal(m.rules.length, 9);
  const [def, allow, deny, obj, refhead, f, g, pqr, ev] = m.rules;
  t.equal(def!.default, true);
  t.equal(show(def!.value!), 'false');
  t.equal(allow!.annotations[0]!.scope, 'rule');
  t.equal(allow!.body.length, 1);
  t.equal(show(deny!.contains!), 'msg');
  t.same(obj!.ref.map(show), ['"obj"', 'k']);
  t.same(refhead!.ref.map(show), ['"a"', '"b"', 'x', '"c"']);
  t.equal(f!.args!.length, 2);
  t.equal(g!.elses.length, 2);
  t.equal(show(g!.elses[1]!.value!), '3');
  t.same(pqr!.ref.map(show), ['"p"', '"q"', '"r"']);
  t.equal(ev!.body[0]!.expr.kind, 'every');
  t.same(allow!.span, { file: 'm.rego', line: 13, col: 1 });
});

t.test('query: literals, some, with, not, k/v membership', async (t) => {
  const q = parseQuery('some x in xs; not p[x] with input.a as 1 with data.b as {"c": 2}\n k, v in o');
  t.equal(q.length, 3);
  t.equal(q[0]!.expr.kind, 'somein');
  t.equal(q[1]!.negated, true);
  t.equal(q[1]!.with.length, 2);
  t.equal(q[2]!.expr.kind, 'term');
  const e = q[2]!.expr;
  t.equal(e.kind === 'term' ? show(e.term) : '', 'internal.member_3(k, v, o)');
  const a = parseQuery('[a, b] := [1, 2]')[0]!.expr;
  t.equal(a.kind, 'assign');
});

t.test('keywords may name rules in refs', async (t) => {
  const m = parseModule('package p\ndefault.foo := 1\nnot.bar := 2\nq if { not.bar == 2; true.x }');
  t.same(m.rules.map((r) => r.ref.map(show).join('.')), ['"default"."foo"', '"not"."bar"', '"q"']);
});

t.test('parse errors carry stable codes and positions', async (t) => {
  const cases: [string, string, number, number][] = [
    // OPA's eof token sits on the last character read (its scanner stops counting columns there)
    ['package a\np := [1, 2', 'REGO_ERR_PARSE_UNEXPECTED', 2, 10],
    ['p := 1', 'REGO_ERR_PARSE_PACKAGE', 1, 1],
    ['package a\np := "abc', 'REGO_ERR_PARSE_STRING', 2, 6],
    ['package a\np := 1 ^ 2', 'REGO_ERR_PARSE_TOKEN', 2, 8],
    ['package a\nimport foo.bar', 'REGO_ERR_PARSE_IMPORT', 2, 8],
    // (`p if {}` is a rule whose body is an empty object, as in OPA; an `else` body cannot be)
    ['package a\np if { false } else if {\n}', 'REGO_ERR_PARSE_UNEXPECTED', 3, 1],
    ['package a\np := 1 q', 'REGO_ERR_PARSE_RULE', 2, 8],
    ['package a\ndefault p[1]', 'REGO_ERR_PARSE_RULE', 2, 9],
    ['package a\np := 1e', 'REGO_ERR_PARSE_NUMBER', 2, 6],
  ];
  for (const [src, code, line, col] of cases) {
    const e = parseErr(() => parseModule(src, 'x.rego'));
    t.equal(e.code, code, src);
    t.equal(e.opaCode, 'rego_parse_error', src);
    t.same([e.location?.line, e.location?.col], [line, col], src);
  }
  const e = parseErr(() => parseModule('package a\np := [1, 2', 'x.rego'));
  t.match(e.render(), /^x\.rego:2:10: REGO_ERR_PARSE_UNEXPECTED: .*\n  p := \[1, 2\n {11}\^$/);
});

t.test('v0 forms: partial set heads, several bodies; template with; `if` + object comprehension', async (t) => {
  const m = parseModule('package v0\ns[x] { x := 1 }\nt["a"]\nu.v { true }\nboth { 1 } { 2 }', 'v0.rego', { regoVersion: 'v0' });
  t.same(m.rules.map((r) => [r.ref.map(show).join('.'), r.contains ? show(r.contains) : null]), [
    ['"s"', 'x'], ['"t"', '"a"'], ['"u"."v"', null], ['"both"', null], ['"both"', null],
  ]);
  const tpl = parseTerm('$"{a with input as 1}"');
  t.equal(tpl.kind === 'template' && typeof tpl.parts[0] !== 'string' ? tpl.parts[0]!.kind : '', 'setcomp');
  const r = parseModule('package p\nf(x) := 1 if {x: i | x := ["a"][i]}', 'p.rego').rules[0]!;
  t.equal(r.body.length, 1);
  t.equal(r.body[0]!.expr.kind, 'term');
});
