/**
 * Where `opa fmt` keeps the source's line breaks, parentheses and brackets (format/format.go),
 * as seen in policies that upstream CI keeps OPA-formatted (aquasecurity/trivy-checks runs
 * `opa fmt -w`; StyraInc/regal's bundle):
 * - a call's arguments go through writeIterable like a collection's elements: arguments on
 *   several source lines are written one source line per output line with a trailing comma;
 *   unlike a collection, a line break before the first argument alone does not count (the
 *   location it is measured from is the function name's);
 * - a comprehension whose head starts below its bracket has the head on the next line at the
 *   bracket line's indentation (writeComprehension ends the line without indenting), its body
 *   one level in; an object comprehension's key stays on the bracket's line.
 * - a `with` on a later line than the end of the expression's terms (or the previous `with`)
 *   starts a line of its own, one level in; one on the closing bracket's line stays there
 *   (writeExpr);
 * - no blank line is added after a literal, or before a comment, whose closing bracket sits
 *   alone on the line above: OPA measures the gap from the end of the previous text.
 * - an import written below a rule stays there, grouped and sorted with its neighbours
 *   (writeModule writes imports and rules in source order).
 * - an infix operand of `in` is parenthesized (writeInOperator), as is an infix operand of
 *   an assignment's right side (writeCall); a union given to a function only where the source
 *   had them; imports sort by their path's segments;
 * - a two-part rule head is written `p["q"]` unless a rule of the module needs ref heads
 *   (writeHead), a keyword import segment written in brackets keeps them, and `f(x)` alone on
 *   its line gets no `:= true` (the parser made that value up).
 * Each expected text is also a fixed point.
 */
import t, { type Test } from 'tap';
import { formatModule } from '../../../src/policy/format/format-module.js';

const same = (t: Test, src: string, want: string): void => {
  t.equal(formatModule(src), want);
  t.equal(formatModule(want), want, 'fixed point');
};

t.test('call arguments on several lines stay one source line per line', (t) => {
  same(
    t,
    'package a\n\ndeny contains res if {\n\tres := result(\n\t\tsprintf("%s", [input.x]),\n\t\tinput, 1,\n\t)\n}\n\nresult(a, b, c) := [a, b, c]\n',
    'package a\n\ndeny contains res if {\n\tres := result(\n\t\tsprintf("%s", [input.x]),\n\t\tinput, 1,\n\t)\n}\n\nresult(a, b, c) := [a, b, c]\n',
  );
  // no trailing comma in the source: one is added
  same(t, 'package a\n\nr := concat(",",\n\t["a", "b"])\n', 'package a\n\nr := concat(\n\t",",\n\t["a", "b"],\n)\n');
  // a break before the only argument line does not spread the call
  same(t, 'package a\n\nr := count(\n\t[1, 2]\n)\n', 'package a\n\nr := count([1, 2])\n');
  t.end();
});

t.test('a comprehension head below its bracket stays at the bracket line\'s indentation', (t) => {
  same(
    t,
    'package a\n\nxs := [\n\tx |\n\tsome x in input.xs\n\tx > 1\n]\n\nr if {\n\tys := {\n\t\ty |\n\t\tsome y in input.ys\n\t}\n\tcount(ys) > 0\n}\n',
    'package a\n\nxs := [\nx |\n\tsome x in input.xs\n\tx > 1\n]\n\nr if {\n\tys := {\n\ty |\n\t\tsome y in input.ys\n\t}\n\tcount(ys) > 0\n}\n',
  );
  same(t, 'package a\n\nm := {\n\tk: v |\n\tsome k, v in input.m\n}\n', 'package a\n\nm := {k: v |\n\tsome k, v in input.m\n}\n');
  t.end();
});

t.test('a literal ending in a bracket on its own line is followed directly by the next one', (t) => {
  same(t, 'package a\n\nr if {\n\tp := `package p\n\nx := 1\n`\n\tcount(p) > 0\n}\n', 'package a\n\nr if {\n\tp := `package p\n\nx := 1\n`\n\tcount(p) > 0\n}\n');
  const src = 'package a\n\nr if {\n\tys := [y |\n\t\tsome y in input.xs\n\t]\n\tzs := {\n\t\t"a": `x\n}`,\n\t}\n\tcount(ys) > count(zs)\n\n\tf(\n\t\t1,\n\t\t"}",\n\t)\n\ttrue\n}\n\nf(a, b) := [a, b]\n';
  same(t, src, src);
  t.end();
});

t.test('with modifiers keep their own lines', (t) => {
  same(
    t,
    'package a\n\ntest_x if {\n\tr := deny with input as {"a": 1}\n\t\twith data.b as 2\n\tcount(r) == 0\n\tf(\n\t\t1,\n\t\t2,\n\t)\n\t\twith input as {}\n\tg({\n\t\t"a": 1,\n\t\t"b": 2,\n\t}) with input as {\n\t\t"c": 3,\n\t}\n\ttrue\n}\n\ndeny contains 1 if input.a\n\nf(a, b) := a\n\ng(x) := x\n',
    'package a\n\ntest_x if {\n\tr := deny with input as {"a": 1}\n\t\twith data.b as 2\n\tcount(r) == 0\n\tf(\n\t\t1,\n\t\t2,\n\t)\n\t\twith input as {}\n\tg({\n\t\t"a": 1,\n\t\t"b": 2,\n\t}) with input as {\n\t\t"c": 3,\n\t}\n\ttrue\n}\n\ndeny contains 1 if input.a\n\nf(a, b) := a\n\ng(x) := x\n',
  );
  t.end();
});

t.test('an import below a rule stays where it is', (t) => {
  const src = 'package a\n\nimport rego.v1\n\nx := 1\n\nimport data.lib.b\nimport data.lib.a\n\ny := a.v + b.v\n';
  same(t, src, 'package a\n\nimport rego.v1\n\nx := 1\n\nimport data.lib.a\nimport data.lib.b\n\ny := a.v + b.v\n');
  t.end();
});

t.test('an infix operand of `in` keeps its parentheses', (t) => {
  same(t, 'package a\n\nr if not input.x in (input.a | input.b)\n\ns if {\n\tsome x in (input.a | input.b)\n\t(x + 1) in input.c\n}\n', 'package a\n\nr if not input.x in (input.a | input.b)\n\ns if {\n\tsome x in (input.a | input.b)\n\t(x + 1) in input.c\n}\n');
  t.end();
});

t.test('rule heads, imports and bodiless functions as OPA writes them', (t) => {
  same(
    t,
    'package a\n\nimport data.lib["default"] as d\n\ndocs.base_url := "https://x"\n\ndocs["resolve"](u) := u\n\nis_name("var")\n\nis_name(x) if startswith(x, "_")\n',
    'package a\n\nimport data.lib["default"] as d\n\ndocs["base_url"] := "https://x"\n\ndocs["resolve"](u) := u\n\nis_name("var")\n\nis_name(x) if startswith(x, "_")\n',
  );
  // a head named by a keyword keeps its dot: `default["foo"]` would read as a default rule
  same(t, 'package a\n\ndefault.foo := 1\n\nfoo.default := 2\n', 'package a\n\ndefault.foo := 1\n\nfoo["default"] := 2\n');
  // a three-part head needs ref heads: two-part heads keep their dots then
  same(t, 'package a\n\na.b.c := 1\n\nd.e := 2\n', 'package a\n\na.b.c := 1\n\nd.e := 2\n');
  t.end();
});

t.test('parentheses: operands of an assigned infix call, not a union argument', (t) => {
  same(
    t,
    'package a\n\nr if {\n\tnames := (input.a | input.b) | input.c\n\tn := (count(names) + 1) - 2\n\tcount(input.d | input.e) > n\n\tnot f(n, (input.f | input.g))\n\tnot f((input.f | input.g), n)\n}\n\nf(_, _) := false\n',
    'package a\n\nr if {\n\tnames := (input.a | input.b) | input.c\n\tn := (count(names) + 1) - 2\n\tcount(input.d | input.e) > n\n\tnot f(n, (input.f | input.g))\n\tnot f((input.f | input.g), n)\n}\n\nf(_, _) := false\n',
  );
  t.end();
});

t.test('imports sort by path segments, not by their text', (t) => {
  same(t, 'package a\n\nimport data.p.test_utils as u\nimport data.p["default"] as d\n\nx := [d, u]\n', 'package a\n\nimport data.p["default"] as d\nimport data.p.test_utils as u\n\nx := [d, u]\n');
  t.end();
});

t.test('comments: none gets a blank line it did not have; one after the last element stays inside', (t) => {
  const src = 'package a\n\nx := {\n\t"a": [\n\t\t1,\n\t],\n\t# about b\n\t"b": 2,\n\t# no c\n}\n\nf(x) if {\n\tx == 1\n} else if {\n\t# two\n\tx == 2\n}\n\nr if {\n\tys := [\n\t\t1,\n\t]\n\t# about the count\n\tcount(ys) > 0\n}\n';
  same(t, src, src);
  t.end();
});

// ICTU/GBO-demo (OPA 1.9 `opa fmt --diff` in CI): writeBody measures the gap from the last line of
// the previous literal's whole text, so a literal right under an `every` block's closing brace
// (or a `not { … }` block's) gets no blank line; one a line further down keeps its blank line.
t.test('no blank line after an every or not block that closes on the line above', (t) => {
  const every = 'package a\n\nr if {\n\tevery x in input.xs {\n\t\tx > 0\n\t}\n\ty := [x | some x in input.xs]\n\ty[0] == 1\n}\n';
  same(t, every, every);
  const spaced = 'package a\n\nr if {\n\tevery x in input.xs {\n\t\tx > 0\n\t}\n\n\ty := 1\n}\n';
  same(t, spaced, spaced);
  const notBlock = 'package a\n\nimport future.keywords.not\n\nr if {\n\tnot {\n\t\tinput.x == 1\n\t\tinput.y == 2\n\t}\n\tinput.z\n}\n';
  same(t, notBlock, notBlock);
  t.end();
});

// OPA writeRules groups a rule with the next one when both are groupableOneLiner (at most one
// body literal, not default, written with `if`) and the next starts on the line after the
// first's head: the next may itself span lines or carry an `else` (ICTU/GBO-demo's
// `_pulled_participants := … if {` under a one-line rule).
t.test('a rule right under a one-line rule stays there, even when it spans lines', (t) => {
  const multi = 'package a\n\nx := 1\ny := object.get(input, "k", {}) if {\n\tinput.k\n} else := {}\n\nz := 2\n';
  same(t, multi, multi);
  // two body literals: not groupable, so a blank line
  same(t, 'package a\n\nx := 1\ny if {\n\tinput.a\n\tinput.b\n}\n', 'package a\n\nx := 1\n\ny if {\n\tinput.a\n\tinput.b\n}\n');
  // a default rule is never grouped with the next
  same(t, 'package a\n\ndefault x := 1\ny := 2\n', 'package a\n\ndefault x := 1\n\ny := 2\n');
  // a rule spanning lines is not followed at head line + 1, so a blank line comes after it
  same(t, 'package a\n\ny if {\n\tinput.a\n}\nx := 1\n', 'package a\n\ny if {\n\tinput.a\n}\n\nx := 1\n');
  t.end();
});
