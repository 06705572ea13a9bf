/**
 * Rule heads without a body (issue #16, cause 1) and the head forms of both dialects, as OPA's
 * parser reads them (ast/parser.go parseRules/parseHead; ast/parser_ext.go ParseRuleFromExpr;
 * ast/rego_v1.go checkRegoV1Rule).
 */
import t from 'tap';
import { createJsEvaluator } from '../../../src/policy/backend/js/index.js';
import { compileToPlan } from '../../../src/policy/compiler/index.js';
import { RegoError } from '../../../src/policy/errors.js';
import { parseModule } from '../../../src/policy/syntax/index.js';
import { fromJs, toJs } from '../../../src/policy/value/index.js';

function run(text: string, query: string, regoVersion: 'v0' | 'v1' = 'v1', input?: unknown): unknown[] {
  const policy = compileToPlan([{ file: 'm.rego', text }], { query, regoVersion });
  return createJsEvaluator(policy).evaluate('eval', input === undefined ? undefined : fromJs(input)).map((v) => toJs(v));
}

function parseErr(text: string, regoVersion: 'v0' | 'v1' = 'v1'): RegoError {
  try {
    parseModule(text, 'm.rego', { regoVersion });
  } catch (e) {
    if (e instanceof RegoError) return e;
    throw e;
  }
  throw new Error(`parsed: ${text}`);
}

t.test('a function head alone is true for those arguments (both dialects)', async (t) => {
  const mod = 'package h\nis_empty(null)\nis_empty([])\nis_empty("")\n';
  for (const v of ['v0', 'v1'] as const) {
    t.same(run(mod, 'x = data.h.is_empty(null)', v), [{ x: true }], v);
    t.same(run(mod, 'x = data.h.is_empty([])', v), [{ x: true }], v);
    t.same(run(mod, 'x = data.h.is_empty("")', v), [{ x: true }], v);
    t.same(run(mod, 'x = data.h.is_empty([1])', v), [], `${v}: undefined for other arguments`);
  }
  t.equal(parseErr('package h\nf()').code, 'REGO_ERR_PARSE_RULE', 'no arguments: not a rule');
  // a builtin's name alone on a line is a call, not a definition (OPA: rule name conflicts with built-in function)
  t.throws(() => run('package h\nstartswith(x, "a")\n', 'x = 1'), { code: 'REGO_ERR_PARSE_RULE' });
});

t.test('a lone name is not a rule; `p[x]` alone needs contains in v1; `a.b.c` alone needs a value in v1', async (t) => {
  t.equal(parseErr('package h\np').code, 'REGO_ERR_PARSE_RULE');
  t.equal(parseErr('package h\np', 'v0').code, 'REGO_ERR_PARSE_RULE');
  t.equal(parseErr('package h\np["a"]').code, 'REGO_ERR_PARSE_RULE');
  t.equal(parseErr('package h\na.b.c').code, 'REGO_ERR_PARSE_RULE');
  // v0: `p["a"]` / `p.q` alone are partial set members, `a.b.c` alone is true
  t.same(run('package h\np["a"]\np.b\n', 'x = data.h.p', 'v0'), [{ x: ['a', 'b'] }]);
  t.same(run('package h\na.b.c\n', 'x = data.h.a.b.c', 'v0'), [{ x: true }]);
});

t.test('values without a body; `contains` without a body; default needs a value', async (t) => {
  t.same(run('package h\np := 1\nq.r = 2\ns contains "x"\n', 'x = [data.h.p, data.h.q.r, data.h.s]'), [{ x: [1, 2, ['x']] }]);
  // OPA's parseHead gives a default without a value `true`, unless its head is `p[x]`
  t.same(run('package h\ndefault p\ndefault f(_)\n', 'x = [data.h.p, data.h.f(1)]'), [{ x: [true, true] }]);
  t.equal(parseErr('package h\ndefault p[1]').code, 'REGO_ERR_PARSE_RULE');
});

t.test('v1 requires `if` before a body (rules, functions, else) and `contains` for multi-value rules', async (t) => {
  for (const src of ['package h\np { true }', 'package h\nf(x) = 1 { x }', 'package h\np[x] { x := 1 }', 'package h\np := 1 if { false } else := 2 { true }']) {
    t.equal(parseErr(src).code, 'REGO_ERR_PARSE_RULE', src);
  }
  // a v0 module that imports rego.v1 is held to the same rules
  t.equal(parseErr('package h\nimport rego.v1\np { true }', 'v0').code, 'REGO_ERR_PARSE_RULE');
  // in v1 `p[x] if` is a single-value rule at p[x]; in v0 without `if`, `p[x] { }` is a partial set
  t.same(run('package h\np[x] if x := "k"\n', 'x = data.h.p'), [{ x: { k: true } }]);
  t.same(run('package h\np[x] { x := "k" }\n', 'x = data.h.p', 'v0'), [{ x: ['k'] }]);
});

t.test('v0: future keywords only after their import; `every` brings `in`; v0 names may be keywords of v1', async (t) => {
  t.same(run('package h\np { in := 1; in == 1 }\ncontains_a { contains("abc", "a") }\n', 'x = [data.h.p, data.h.contains_a]', 'v0'), [{ x: [true, true] }]);
  t.equal(parseErr('package h\np { 1 in [1] }', 'v0').code, 'REGO_ERR_PARSE_UNEXPECTED');
  t.same(run('package h\nimport future.keywords.in\np { 1 in [1] }\n', 'x = data.h.p', 'v0'), [{ x: true }]);
  t.same(run('package h\nimport future.keywords.every\np { every x in [1] { x > 0 } }\n', 'x = data.h.p', 'v0'), [{ x: true }]);
  t.same(run('package h\nimport future.keywords\np contains x if { some x in [1] }\n', 'x = data.h.p', 'v0'), [{ x: [1] }]);
  t.equal(parseErr('package h\nimport future.keywords.nope\n', 'v0').code, 'REGO_ERR_PARSE_IMPORT');
  // imports may follow rules (OPA's parser takes statements in any order after the package)
  t.same(run('package h\np if q\nimport data.h.r as q\nr := true\n', 'x = data.h.p'), [{ x: true }]);
});

t.test('`contains` is a keyword after a rule head and in `some x, y` declarations; elsewhere a name (OPA parseTerm: tokens.Ident, tokens.Contains → parseVar)', async (t) => {
  // v1 (issue #16 gap 4): a variable, a function argument, an iteration variable, a ref head
  const body = 'q contains x if {\n\tcontains := [3]\n\tx := contains[0]\n}\nf(contains) := contains + 1\nr if { some contains in [1]; contains == 1 }\ns := contains("ab", "b")\n';
  t.same(run(`package h\n${body}`, 'x = [data.h.q, data.h.f(1), data.h.r, data.h.s]'), [{ x: [[3], 2, true, true] }]);
  // …but not the name of a rule (rego_v1.go: NoKeywordsAsRuleNames), nor a variable `some`
  // declares without `in` (parseSome takes identifier tokens only: "expected var")
  t.equal(parseErr('package h\ncontains := 1').code, 'REGO_ERR_PARSE_KEYWORD');
  t.equal(parseErr('package h\nq if {\n\tsome contains\n\t[1][contains]\n}').code, 'REGO_ERR_PARSE_KEYWORD');
  t.equal(parseErr('package h\nq if {\n\tsome x, contains\n\t[1][x]\n}').code, 'REGO_ERR_PARSE_KEYWORD');
  t.equal(parseErr('package h\nimport future.keywords.contains\nq { some contains; [1][contains] }', 'v0').code, 'REGO_ERR_PARSE_KEYWORD');
  t.same(run('package h\nq { some contains; x := [1][contains] }\n', 'x = data.h.q', 'v0'), [{ x: true }], 'v0 without the import: a name');
  // v0 with the future import reads it as v1 does; without the import it is a name everywhere
  t.same(run(`package h\nimport future.keywords.contains\nimport future.keywords.if\nimport future.keywords.in\n${body}`, 'x = [data.h.q, data.h.f(1), data.h.r, data.h.s]', 'v0'), [{ x: [[3], 2, true, true] }]);
  t.same(run('package h\ncontains := 1\nq[x] { x := contains + 1 }\n', 'x = [data.h.contains, data.h.q]', 'v0'), [{ x: [1, [2]] }]);
});

t.test('default rules: a constant value; default functions take distinct variables (OPA validateDefaultRule*)', async (t) => {
  for (const src of ['package h\ndefault p := x', 'package h\ndefault p := input.x', 'package h\ndefault p := count([])', 'package h\ndefault f(x, x) := 1', 'package h\ndefault f(1) := 1']) {
    t.equal(parseErr(src).code, 'REGO_ERR_PARSE_RULE', src);
  }
  t.same(run('package h\ndefault p := {"a": [1, {2}]}\ndefault f(_, _) := 0\nf(x, y) := x + y if x > 0\n', 'x = [data.h.p, data.h.f(0, 1), data.h.f(1, 1)]'), [{ x: [{ a: [1, [2]] }, 0, 2] }]);
  // a comprehension is a constant too
  t.same(run('package h\ndefault p := [x | x := 1]\n', 'x = data.h.p'), [{ x: [1] }]);
});

t.test('else: not on multi-value rules, not on heads with variables; may start a new line', async (t) => {
  t.equal(parseErr('package h\nq contains 1 if true else := 2').code, 'REGO_ERR_PARSE_RULE');
  t.equal(parseErr('package h\nq[x] := 1 if { x := "a" } else := 2').code, 'REGO_ERR_PARSE_RULE');
  t.same(run('package h\nq.r := 1 if false\nelse := 2\n', 'x = data.h.q.r'), [{ x: 2 }]);
});

t.test('numbers: no leading zeros (OPA parseNumber)', async (t) => {
  t.equal(parseErr('package h\np := 01').code, 'REGO_ERR_PARSE_NUMBER');
  t.same(run('package h\np := [0, 0.5, 0e1, 10]\n', 'x = data.h.p'), [{ x: [0, 0.5, 0, 10] }]);
});

t.test('a rule head may have whitespace before its first `(`, `.` or `[` (OPA parseHeadFinish); a body term may not', async (t) => {
  const fn = 'package h\nis_x (r) if {\n  r == 1\n}\n';
  t.same(run(fn, 'x = data.h.is_x(1)'), [{ x: true }], 'v1 function');
  t.same(run('package h\nis_x (r) {\n  r == 1\n}\n', 'x = data.h.is_x(1)', 'v0'), [{ x: true }], 'v0 function');
  t.same(run('package h\np [x] if { some x in [1, 2] }\nq .r := 3\n', 'x = data.h'), [{ x: { p: { 1: true, 2: true }, q: { r: 3 } } }], 'ref heads');
  t.same(run('package h\np [x] { x := 1 }\n', 'x = data.h.p', 'v0'), [{ x: [1] }], 'v0 partial set');
  // only the first suffix: OPA's parseRef after it stops at whitespace
  t.ok(parseErr('package h\nf (x) (y) if { true }\n').code.startsWith('REGO_ERR_PARSE'));
  // in a body, a space still ends the term: `f (1)` is two terms
  t.throws(() => run('package h\nf(x) := x\np if { f (1) }\n', 'x = data.h.p'));
});

t.test('an operator glued to a rule name is refused where OPA refuses it (parseHeadFinish)', async (t) => {
  for (const [text, name] of [['foo+bar := 1', 'plus'], ['foobar- := 1', 'minus'], ['a==b := 1', 'equal'], ['a&&b := 1', 'and'], ['a||b := 1', 'or'], ['a%b := 9%2', 'rem']] as const) {
    const e = parseErr(`package h\n${text}`);
    t.equal(e.code, 'REGO_ERR_PARSE_UNEXPECTED', text);
    t.equal(e.message, `unexpected ${name} token`, text);
  }
  // keywords name rules inside ref heads, in both dialects
  t.same(parseModule('package h\nnull.foo if { true }\nfoo.if.bar contains 1 if { true }\n', 'm.rego').rules.map((r) => r.ref.length), [2, 3]);
  t.same(parseModule('package h\nnot.foo.bar { true }\n', 'm.rego', { regoVersion: 'v0' }).rules[0]!.ref.length, 3);
});

t.test('statements that are no rule, with the messages of OPA\'s ParseRuleFromExpr', async (t) => {
  const cases: [string, string][] = [
    ['not p', 'negated expressions cannot be used for rule head'],
    ['some x', "'some' declarations cannot be used for rule head"],
    ['p with input as 1', 'expressions using with keyword cannot be used for rule head'],
    ['f(1) with input as 1', 'expressions using with keyword cannot be used for rule head'],
    ['p := 1; q := 2', 'multiple expressions cannot be used for rule head'],
    ['1', 'number cannot be used for rule name'],
    ['"s" = 1', 'string cannot be used for rule name'],
    ['[1]', 'array cannot be used for rule name'],
  ];
  for (const v of ['v0', 'v1'] as const) {
    for (const [text, message] of cases) {
      const e = parseErr(`package h\n${text}`, v);
      t.equal(e.code, 'REGO_ERR_PARSE_RULE', `${v}: ${text}`);
      t.equal(e.message, message, `${v}: ${text}`);
      t.equal(e.location?.line, 2);
    }
  }
  t.equal(parseErr('package h\np := 1\npackage i').message, 'unexpected package');
  t.equal(parseErr('p := 1').message, 'package expected');
  t.equal(parseErr('# only a comment\n').message, 'empty module');
});

t.test('what follows `if` is one literal unless it is a set: then it is a body (OPA parseRules)', async (t) => {
  t.same(run('package h\np if {}\n', 'x = data.h.p'), [{ x: true }], 'an empty object is true');
  t.same(run('package h\np if {"a": 1}\n', 'x = data.h.p'), [{ x: true }]);
  t.same(run('package h\np if { false }\n', 'x = data.h.p'), [], 'a one-element set is a body');
  t.same(run('package h\np if { x: 1 | x := 2 }\n', 'x = data.h.p'), [{ x: true }], 'an object comprehension');
  t.equal(parseErr('package h\np if { false } else if {}').code, 'REGO_ERR_PARSE_UNEXPECTED', 'an else body is always braced');
});

t.test('statements as OPA\'s Parse loop reads them: no separator needed, rule-making errors after parse errors', async (t) => {
  const at = (text: string, regoVersion: 'v0' | 'v1' = 'v1'): string => {
    const e = parseErr(text, regoVersion);
    return `${e.location?.line}:${e.location?.col} ${e.message}`;
  };
  // a statement ends where its rule or expression does
  t.same(run('package h\np := 1 q := 2\nr if { true } s := 3\n', 'x = [data.h.p, data.h.q, data.h.r, data.h.s]'), [{ x: [1, 2, true, 3] }]);
  t.same(run('package h\np := 1 import data.h.p as z\nq := z\n', 'x = data.h.q'), [{ x: 1 }]);
  // a `{` after a rule, also on the next line, is another body of it
  t.same(run('package h\np[x] { x := 1 }\n{ x := 2 }\n', 'x = data.h.p', 'v0'), [{ x: [1, 2] }]);
  t.equal(at('package test\np { false } else { false } { true }', 'v0'), '2:28 expected else keyword');
  // `;` only joins expressions
  t.equal(at('package h\np if { true };'), '2:14 unexpected ; token');
  t.equal(at('package h\np if { true; }'), '2:14 unexpected } token');
  t.equal(at('package h\np if { ; true }'), '2:8 unexpected ; token');
  t.equal(at('package h\np := 1; q := 2'), '2:1 multiple expressions cannot be used for rule head');
  // keywords that start no literal
  t.equal(at('package test\np { false } { false } else { true }', 'v0'), '2:23 unexpected else keyword');
  t.equal(at('package h\nwith := 1'), '2:1 unexpected with keyword');
  // what makes no rule (ParseRuleFromExpr) and the v1 checks (checkRegoV1Rule) are reported only
  // when the whole module parsed: a parse error further down comes first
  t.equal(at('package p\np contains x if {\n some x in {"foo": "bar"}\n}', 'v0'),
    '3:9 unexpected identifier token: expected \\n or ; or } (hint: `import future.keywords.in` for `some x in xs` expressions)');
  t.equal(at('package p\np[y] = x if {\n some x, y in {"foo": "bar"}\n}', 'v0'),
    '3:12 unexpected identifier token: expected \\n or ; or } (hint: `import future.keywords.in` for `some x in xs` expressions)');
  t.equal(at('package p\np contains x if {\n some x\n}', 'v0'), '2:1 var cannot be used for rule name');
  t.equal(at('package test\np[1] { false } else { true }'), '2:16 else keyword cannot be used on multi-value rules');
  t.equal(at('package test\np { true }\nq := [1 2]'), '3:9 unexpected number token: expected "," or "]"');
  t.equal(at('package test\ninput := 1\nq := [1 2]'), '3:9 unexpected number token: expected "," or "]"');
  t.equal(at('package test\np { true }\ninput := 1'), '2:1 `if` keyword is required before rule body');
  t.equal(at('package h\nnot x; y'), '2:1 multiple expressions cannot be used for rule head');
  t.equal(at('package h\n1 with input as 2'), '2:1 expressions using with keyword cannot be used for rule head');
  // OPA's parseRules: `default` before anything but a name is where the query fails
  t.equal(at('package test\ndefault 0[0'), '2:1 unexpected default keyword');
});

t.test('expressions that make no rule (ParseRuleFromExpr): root refs, operator builtins called by name', async (t) => {
  // OPA's parser reads `data` and `input` as refs
  t.equal(parseErr('package a\ndata').message, 'refs cannot be used for rule head');
  t.equal(parseErr('package a\ninput').message, 'refs cannot be used for rule head');
  t.equal(parseErr('package a\np').message, 'var cannot be used for rule name');
  // `eq`, `assign` are builtins in OPA's BuiltinMap even though one writes them `=` and `:=`
  for (const call of ['eq(x)', 'assign(x)', 'count(x)']) {
    t.throws(() => run(`package a\n${call}\n`, 'x = 1'), { code: 'REGO_ERR_PARSE_RULE' }, call);
  }
  t.equal(parseErr('package a\nassign()').message, 'rule argument list must take at least one argument');
  // a stray character is what OPA's parser calls an illegal token
  t.equal(parseErr('\t\v\f ').message, 'illegal token');
});
