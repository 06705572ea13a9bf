/**
 * The formatter (src/policy/format): OPA's canonical layout on chosen constructs, and on every
 * module of the conformance corpus and policies/: a fixed point, the same AST, the same plan.
 */
import t from 'tap';
import { formatModule } from '../../../src/policy/format/format-module.js';
import { parseModule } from '../../../src/policy/syntax/index.js';
import { compileToPlan, CompileErrors } from '../../../src/policy/compiler/index.js';
import { rulePaths } from '../../../src/policy/entrypoints.js';
import { corpusModules } from './corpus.js';

// Formatting and compiling ~5,000 modules twice takes ~30 s on an idle core.
t.setTimeout(600_000);

t.test('v1 keywords, :=, contains, if; imports sorted in their group; adjacent one-liners together, a default rule apart (OPA groupableOneLiner: rule.Default)', (t) => {
  const src = `package a.b
import input.z
import data.y

default allow = false
allow { input.x == 1 }
p[x] { x := input.xs[_] }
q[k] = v { some k, v in input.m }
f(a) = a + 1
`;
  // v0 input (read with --v0-compatible), v1 output: \`opa fmt --v0-v1\`
  t.equal(
    formatModule(src.replace('import data.y', 'import data.y\nimport future.keywords.in'), 'module.rego', { regoVersion: 'v0' }),
    `package a.b

import data.y
import future.keywords.in
import input.z

default allow := false

allow if input.x == 1
p contains x if x := input.xs[_]
q[k] := v if some k, v in input.m
f(a) := a + 1
`,
  );
  t.end();
});

t.test('target v0 (opa fmt --v0-compatible): v0 stays v0; `if`/`contains` only where imported; values keep `=` (OPA writeHead, writeRule, groupableOneLiner)', (t) => {
  const src = 'package a\nimport future.keywords.in\ndefault allow = false\nallow { input.x == 1 }\np[x] { x := input.xs[_] }\nq[k] = v { some k, v in input.m }\nf(a) = a + 1\nd := 2\n';
  const want = 'package a\n\nimport future.keywords.in\n\ndefault allow = false\n\nallow {\n\tinput.x == 1\n}\n\np[x] {\n\tx := input.xs[_]\n}\n\nq[k] = v {\n\tsome k, v in input.m\n}\n\nf(a) = a + 1\n\nd := 2\n';
  const out = formatModule(src, 'a.rego', { regoVersion: 'v0', target: 'v0' });
  t.equal(out, want);
  t.equal(formatModule(out, 'a.rego', { regoVersion: 'v0', target: 'v0' }), out, 'a fixed point');
  // `if` imported, `contains` not: a partial set keeps `p[x] {` (OPA partialSetException)
  const withIf = 'package a\n\nimport future.keywords.if\n\np if input.x\nq := 1 if input.y\n\ns[x] {\n\tx := 1\n}\n';
  t.equal(formatModule(withIf, 'a.rego', { regoVersion: 'v0', target: 'v0' }), withIf);
  const all = 'package a\nimport future.keywords\ns[x] { x := 1 }\n';
  t.equal(formatModule(all, 'a.rego', { regoVersion: 'v0', target: 'v0' }), 'package a\n\nimport future.keywords\n\ns contains x if x := 1\n');
  t.end();
});

t.test('target v0v1 (opa fmt --v0-v1): v1 syntax, `import rego.v1` added where OPA ensureRegoV1Import puts it, future.keywords imports dropped', (t) => {
  const src = 'package a\n\nimport data.x\nimport future.keywords.if\n\np if { input.x }\ns[x] { x := 1 }\ndefault d = 1\n';
  const out = formatModule(src, 'a.rego', { regoVersion: 'v0', target: 'v0v1' });
  // rego.v1 takes the line after the future import, which then goes: a group of its own
  t.equal(out, 'package a\n\nimport data.x\n\nimport rego.v1\n\np if input.x\ns contains x if x := 1\n\ndefault d := 1\n');
  t.equal(formatModule(out, 'a.rego', { regoVersion: 'v0v1', target: 'v0v1' }), out, 'a fixed point, read as v0v1');
  // no future import: rego.v1 goes first (its default location is line 1)
  t.equal(formatModule('package a\n\nimport data.x\n\np { true }\n', 'a.rego', { regoVersion: 'v0', target: 'v0v1' }), 'package a\n\nimport rego.v1\n\nimport data.x\n\np if true\n');
  t.end();
});

t.test('target v1 keeps v0 imports unless dropV0Imports (opa fmt --drop-v0-imports); with rego.v1 the future imports go', (t) => {
  const src = 'package a\n\nimport future.keywords.if\nimport rego.v1\n\np if input.x\n';
  t.equal(formatModule(src), 'package a\n\nimport rego.v1\n\np if input.x\n');
  t.equal(formatModule(src, 'a.rego', { dropV0Imports: true }), 'package a\n\np if input.x\n');
  t.equal(formatModule('package a\n\nimport future.keywords.in\n\np if 1 in input\n'), 'package a\n\nimport future.keywords.in\n\np if 1 in input\n');
  t.end();
});

t.test('call arguments the source spread over lines: one source line per output line, trailing comma (OPA writeIterable)', (t) => {
  const src = 'package a\n\nr := f(\n    1,\n    {"a": 2},\n)\n\ns := f(1,\n  2, 3)\n\nu := f(1, 2)\n\ng := f(\n  1)\n\nh := x.y(1,\n\tf(2,\n\t\t3))\n';
  const want = 'package a\n\nr := f(\n\t1,\n\t{"a": 2},\n)\n\ns := f(\n\t1,\n\t2, 3,\n)\n\nu := f(1, 2)\n\ng := f(1)\n\nh := x.y(\n\t1,\n\tf(\n\t\t2,\n\t\t3,\n\t),\n)\n';
  t.equal(formatModule(src), want);
  t.equal(formatModule(want), want, 'a fixed point');
  // a literal ends at its closing bracket: no blank line appears after a spread call or collection
  const body = 'package a\n\nr if {\n\tx := [\n\t\t1,\n\t\t2,\n\t]\n\ty := f(\n\t\t1,\n\t\t2,\n\t)\n\tz := {\n\t\t"a": 1,\n\t\t"b": 2,\n\t}\n\n\tw := 1\n}\n';
  t.equal(formatModule(body), body);
  const commented = 'package a\n\nxs := [\n\t# first\n\tf("a", [\n\t\t1,\n\t\t2,\n\t]),\n\t# second\n\tf("b", [\n\t\t3,\n\t\t4,\n\t]), # trailing\n]\n';
  t.equal(formatModule(commented), commented);
  t.end();
});

t.test('OPA writeHead/writeCall details: p["q"] heads without ref rules, parenthesised operands of a value, comments before a closing bracket', (t) => {
  t.equal(formatModule('package a\n\nfoo.bar := "baz" if input\n'), 'package a\n\nfoo["bar"] := "baz" if input\n');
  t.equal(formatModule('package a\n\nfoo["bar"] := "baz" if input\n\na.deep.ref := true\n'), 'package a\n\nfoo.bar := "baz" if input\n\na.deep.ref := true\n');
  t.equal(formatModule('package a\n\nr if {\n\tn := count(s) - i - 1\n\tm = a + b * c\n\tk := a + b\n}\n'), 'package a\n\nr if {\n\tn := (count(s) - i) - 1\n\tm = a + (b * c)\n\tk := a + b\n}\n');
  const inside = 'package a\n\nxs := [\n\t1,\n\t2,\n\t# three is missing\n]\n\nys := f(\n\t1,\n\t2,\n\t# and here\n)\n';
  t.equal(formatModule(inside), inside);
  // with modifiers the source put on later lines stay there, one indent deeper
  const withs = 'package a\n\nr if {\n\tx := f(1) with input as 1\n\t\twith data.a as 2 with data.b as 3\n\ty := f(2) with input as 2 with data.c as 4\n}\n';
  t.equal(formatModule(withs), withs);
  // a call alone on its line keeps its implied value implicit
  t.equal(formatModule('package a\n\nf(1)\n\nf(x) if x > 1\n'), 'package a\n\nf(1)\n\nf(x) if x > 1\n');
  // operands of `in` that are operator calls keep parentheses; a union after the first element needs none
  t.equal(formatModule('package a\n\nr if not x in (a | b)\n\ns if x in a | b\n'), 'package a\n\nr if not x in (a | b)\n\ns if x in (a | b)\n');
  // unions: in a collection always parenthesised; as an argument only where the source had them (OPA listWriter)
  t.equal(formatModule('package a\n\no := {"a": 1, "b": x | y}\n\nxs := [(x | y), z | w]\n'), 'package a\n\no := {"a": 1, "b": (x | y)}\n\nxs := [(x | y), (z | w)]\n');
  t.equal(formatModule('package a\n\nr := f(p, (a | b), c | d)\n'), 'package a\n\nr := f(p, (a | b), c | d)\n');
  // imports sort by their path's segments (OPA Import.Compare), not by text
  t.equal(formatModule('package a\n\nimport data.p.test_utils\nimport data.p["default"] as q\n'), 'package a\n\nimport data.p["default"] as q\nimport data.p.test_utils\n');
  // a raw string over several lines ends on its last line; a comment opening an else body stays put
  const rawAndElse = 'package a\n\nr if {\n\tp := `package p\n\nf(x) := x\n`\n\tm := p\n}\n\nf(x) := 1 if {\n\tx == 1\n} else := 2 if {\n\t# two\n\tx == 2\n}\n';
  t.equal(formatModule(rawAndElse), rawAndElse);
  // comments closing a body stay right above its `}`
  const closing = 'package a\n\nr if {\n\tx := 1\n\t# last words\n}\n\ns := 1\n';
  t.equal(formatModule(closing), closing);
  // a keyword written in brackets in the package stays bracketed, a dotted one dotted
  t.equal(formatModule('package test["if"]\n\np := 1\n'), 'package test["if"]\n\np := 1\n');
  t.equal(formatModule('package test.not.in\n\np := 1\n'), 'package test.not.in\n\np := 1\n');
  // a keyword written in brackets in an import stays bracketed
  t.equal(formatModule('package a\n\nimport data.p["package"] as q\n'), 'package a\n\nimport data.p["package"] as q\n');
  t.end();
});

t.test('OPA writeModule/writeElse/writeSomeDecl: source order of imports and rules, else placement, comments at closing braces', (t) => {
  const fixed = (src: string) => t.equal(formatModule(src), src);
  // an import after rules stays there, and the comments above it with it
  fixed('package a\n\nimport data.x\n\nr := 1\n\n# about y\nimport data.y\n\ns := 2\n');
  // else written on its own line (or below a comment) stays there; `} else` stays joined
  fixed('package a\n\nf(x) := 1 if {\n\tx\n} # one\n\n# the other case\nelse := 2 if {\n\t# body comment\n\n\ttrue\n} else := 3\n');
  // comments closing a comprehension body stay inside it; one after a rule's brace stays after it
  fixed('package a\n\nr if {\n\txs := [x |\n\t\tsome x in input\n\t\t# keep\n\t]\n} # end of r\n');
  // the same for an every block: comments closing it stay inside, one after its brace stays there
  fixed('package a\n\nr if {\n\tevery x in input.xs { # why\n\t\tx > 0\n\t\t# last\n\t} # after\n\t# closing r\n}\n');
  // function parameters the source spread over lines, and some-declarations the same
  fixed('package a\n\nf(\n\tx,\n\t{"a": y},\n) := x if {\n\tsome a, b, # first\n\t\tc # second\n\ta := [b, c]\n}\n');
  t.end();
});

t.test('adjacent one-line rules stay together; blocks are tab-indented; one blank line kept', (t) => {
  const src = 'package a\n\nx := 1\ny := 2\nr if {\n    a := 1\n\n\n    b := a\n}\n';
  t.equal(formatModule(src), 'package a\n\nx := 1\ny := 2\n\nr if {\n\ta := 1\n\n\tb := a\n}\n');
  t.end();
});

t.test('collections keep their line breaks, one source line per line with a trailing comma', (t) => {
  const src = 'package a\n\nobj := {"a": 1,\n  "b": [1,2],\n  "c": set()}\nflat := {"a": 1, "b": 2}\n';
  t.equal(formatModule(src), 'package a\n\nobj := {\n\t"a": 1,\n\t"b": [1, 2],\n\t"c": set(),\n}\n\nflat := {"a": 1, "b": 2}\n');
  t.end();
});

t.test('nested operators get parentheses; the tree does not change', (t) => {
  t.equal(formatModule('package a\n\nr := 1 + 2 * 3\n'), 'package a\n\nr := 1 + (2 * 3)\n');
  t.equal(formatModule('package a\n\nr if { (1 + 2) * 3 == 9 }\n'), 'package a\n\nr if (1 + 2) * 3 == 9\n');
  t.equal(formatModule('package a\n\nr if { x := {(1, 1 in [2])} }\n'), 'package a\n\nr if x := {(1, 1 in [2])}\n');
  t.end();
});

t.test('comments stay where they were', (t) => {
  const src = '# head\npackage a\n\n# about r\nr if { # opening\n  input.x # trailing\n  # inside\n  input.y\n}\n# tail\n';
  t.equal(formatModule(src), '# head\npackage a\n\n# about r\nr if { # opening\n\tinput.x # trailing\n\t# inside\n\tinput.y\n}\n\n# tail\n');
  t.end();
});

t.test('else chains, every, with, raw strings', (t) => {
  // OPA writeRule/writeElse: a one-literal body on the head's line stays inline before an else;
  // an else that started on the rule's first line goes on its own line after a blank one
  const src = 'package a\n\ng(x) = y if { y := x } else = 0\nr if { every v in input.vs { v > 0 }; regex.match(`^a\\d$`, input.s) with input.s as "a1" }\n';
  t.equal(
    formatModule(src),
    'package a\n\ng(x) := y if y := x\n\nelse := 0\n\nr if {\n\tevery v in input.vs { v > 0 }\n\tregex.match(`^a\\d$`, input.s) with input.s as "a1"\n}\n',
  );
  const chain = 'package test\n\np := 1 if { 1 > 0 }\nelse := 2\n\nq := 1 if {\n  1 > 0\n  2 > 1\n} else := 2 if { 2 > 1 }\n';
  t.equal(formatModule(chain), 'package test\n\np := 1 if 1 > 0\n\nelse := 2\n\nq := 1 if {\n\t1 > 0\n\t2 > 1\n} else := 2 if 2 > 1\n');
  t.end();
});

// The AST without what formatting may change: positions, `.x` vs `["x"]`, `=` vs `:=` on rules.
const strip = (k: string, v: unknown) => (['span', 'fnSpan', 'packageSpan', 'fromDot', 'file', 'regoVersion'].includes(k) || (k === 'assign' && typeof v === 'boolean') ? undefined : v);
const noPositions = (k: string, v: unknown) => (k === 'row' || k === 'col' ? undefined : v);

t.test('every module of the conformance corpus and policies/: fixed point, same AST, same plan', (t) => {
  const mods = corpusModules();
  t.ok(mods.length > 4000, `${mods.length} modules`);
  const bad: string[] = [];
  let compared = 0;
  for (const m of mods) {
    let ast;
    try {
      ast = parseModule(m.text, 'x.rego', { regoVersion: m.regoVersion });
    } catch {
      continue; // a case about a parse error
    }
    // v0 modules come out as v1 (`opa fmt --v0-v1`); the output is read as v1
    const once = formatModule(m.text, 'x.rego', { regoVersion: m.regoVersion });
    let twice: string;
    try {
      twice = formatModule(once, 'x.rego');
    } catch (e) {
      // a v0 module naming a variable `in`/`if`/`every`/`contains` has no v1 form (opa fmt --v0-v1 refuses it too)
      if (m.regoVersion === 'v0' && /\b(in|if|every|contains)\s*:?=/.test(m.text)) continue;
      throw e;
    }
    if (twice !== once) bad.push(`${m.name}: not a fixed point`);
    else if (JSON.stringify(parseModule(once, 'x.rego'), strip) !== JSON.stringify(ast, strip)) bad.push(`${m.name}: AST differs`);
    else {
      const entrypoints = [...new Set(rulePaths([ast]).filter((_, i) => !ast.rules[i]?.args).map((p) => p.join('/')))];
      if (entrypoints.length === 0) continue;
      let before: string;
      try {
        before = JSON.stringify(compileToPlan([{ file: 'x.rego', text: m.text }], { entrypoints, regoVersion: m.regoVersion }), noPositions);
      } catch {
        continue; // a case about a compile error
      }
      let afterPlan;
      try {
        afterPlan = compileToPlan([{ file: 'x.rego', text: once }], { entrypoints });
      } catch (e) {
        // v1 refuses what some v0 modules do (deprecated builtins, a local named input): no v1 form
        if (m.regoVersion === 'v0' && e instanceof CompileErrors && e.errors.every((x) => x.code === 'REGO_ERR_DEPRECATED_BUILTIN' || x.code === 'REGO_ERR_SHADOW_ROOT')) continue;
        throw e;
      }
      compared++;
      const after = JSON.stringify(afterPlan, noPositions);
      if (after !== before) bad.push(`${m.name}: plan differs`);
    }
  }
  t.same(bad, []);
  t.ok(compared > 4000, `${compared} plans compared`);
  t.end();
});

// OPA 1.17: with `import future.keywords.not`, `not { … }` is a negated body; it formats like an
// `every` body (one line when written on one with a single expression) and is a fixed point.
t.test('not { body } under import future.keywords.not keeps its block', (t) => {
  const src = 'package a\n\nimport future.keywords.not\n\np if {\n\tnot {\n\t\tx := input.x\n\t\tx == 42 # the answer\n\t}\n}\n\nq if not { input.a == 1 }\n';
  t.equal(formatModule(src), src);
  t.end();
});
