/**
 * Strict mode's "assigned var x unused" scope by scope, as OPA's checkUnusedAssignedVars (issue
 * #16, compile_test.go TestCompilerCheckUnusedAssignedVar): comprehension and `every` bodies are
 * scopes of their own, an inner `:=` shadows the outer name, a closure reading an outer variable
 * uses it, and a scope whose closures reported reports nothing of its own.
 */
import t from 'tap';
import { strictErrors } from '../../../src/policy/lint/strict-checks.js';
import { parseModule } from '../../../src/policy/syntax/index.js';

/** The unused variables strict mode names, in source order. */
function unused(body: string): string[] {
  const text = `package test\n${body}\n`;
  return strictErrors(parseModule(text, 't.rego'), text)
    .map((e) => /^assigned var (\S+) unused$/.exec(e.message)?.[1])
    .filter((x): x is string => x !== undefined);
}

t.test('rule bodies and heads', async (t) => {
  t.same(unused('x := 1'), []);
  t.same(unused('p if {\n\t_ := 1\n}'), []);
  t.same(unused('p if {\n\tx := 1\n\ty := 2\n\tz := x + 3\n}'), ['y', 'z']);
  t.same(unused('p = x if {\n\tx := 2\n\ty := 3\n}'), ['y']);
  t.same(unused('f() = x if {\n\tx := 1\n\ty := 2\n}'), ['y']);
  t.same(unused('p[q].r[s] := 1 if {\n\tq := "foo"\n\ts := "bar"\n\tt := "baz"\n}'), ['t']);
  t.same(unused('p[q].r[s] := 1 if {\n\tq := "foo"\n\ts := "bar"\n}'), []);
});

t.test('comprehensions are scopes: shadowing, outer reads, their heads', async (t) => {
  t.same(unused('p if {\n\tx := 2\n\ty := [z | z := 2 * x]\n}'), ['y']);
  t.same(unused('p if {\n\tx := 2\n\ty := [x | x := 2 * x]\n}'), ['y']);
  // the comprehension's x shadows the outer one, which nothing reads
  t.same(unused('p if {\n\tx := 2\n\ty := [x | x := 2]\n}'), ['x', 'y']);
  // here the inner x is the unused one
  t.same(unused('p if {\n\tx := 2\n\tx > 1\n\t[1 | x := 2]\n}'), ['x']);
  t.same(unused('p if {\n\tx := 2\n\ty := {z: x | z := 2 * x}\n}'), ['y']);
  t.same(unused('p if {\n\tx := 1\n\ta := 1\n\t{ y | y := [ z | z:=[1,2,3][a]; z > 1 ][_] }\n}'), ['x']);
  t.same(unused('comp = [ 1 |\n\tx := [1, 2, 3]\n\ty := 2\n\tz := x[_]\n]'), ['y', 'z']);
  t.same(unused('comp = [ 1 |\n\tx := [1, 2, 3]\n\t_ := 2\n\tz := x[_]\n]'), ['z']);
  t.same(unused('comp = { z |\n\tx := [1, 2, 3]\n\ty := 2\n\tz := x[_]\n}'), ['y']);
  t.same(unused('comp = { z: x |\n\tx := [1, 2, 3]\n\ty := 2\n\tz := x[_]\n}'), ['y']);
  t.same(unused('comp := { 1: 1 |\n\tx := 1\n\ty := {a: x | a := x}\n}'), ['y']);
});

t.test('every bodies; a scope whose closures reported reports nothing more', async (t) => {
  t.same(unused('p if { every i in [1] { y := 10; i == 1 } }'), ['y']);
  t.same(unused('p if {\n\tx := 2\n\ty := {z | z := 2 * x; a := 2}\n}'), ['a']);
  t.same(unused('p if {\n\tx := 1\n\t{ y | y := [ z | z:=[1,2,3][x]; z > 1; a := 2 ][_] }\n}'), ['a']);
});
