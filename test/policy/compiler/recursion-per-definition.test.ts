/**
 * OPA's checkRecursion (ast/compile.go) asks of every rule definition and every `else` branch
 * whether a path in the rule graph leads back to it: each that does is a rego_recursion_error
 * of its own, at that definition, "rule <ref> is recursive: <path>".
 */
import t, { type Test } from 'tap';
import { compileToPlan, CompileErrors } from '../../../src/policy/compiler/index.js';

function errorsOf(t: Test, text: string): unknown[] {
  try {
    compileToPlan([{ file: 'r.rego', text }], {});
  } catch (e) {
    t.ok(e instanceof CompileErrors);
    return (e as CompileErrors).errors.map((x) => [x.code, x.opaCode, x.message, x.location?.line, x.location?.col]);
  }
  return [];
}

const rec = (path: string, line: number) => ['REGO_ERR_RECURSION', 'rego_recursion_error', `rule data.p.${path.split(' ')[0]} is recursive: ${path.split(' ').map((x) => `data.p.${x}`).join(' -> ')}`, line, 1];

t.test('a rule defined twice in a cycle is one error per definition', async (t) => {
  t.same(errorsOf(t, 'package p\n\na if b\na if {\n\tinput.x\n\tb\n}\n\nb if a\n'), [rec('a b a', 3), rec('a b a', 4), rec('b a b', 9)]);
});

t.test('a definition outside the cycle is no error', async (t) => {
  t.same(errorsOf(t, 'package p\n\na if b\na if input.x\n\nb if a\n\nc if c\n'), [rec('a b a', 3), rec('b a b', 6), rec('c c', 8)]);
});

t.test('an else branch in a cycle is an error at its else', async (t) => {
  t.same(errorsOf(t, 'package p\n\na if b\nelse := 2 if b\n\nb if a\n'), [rec('a b a', 3), rec('a b a', 4), rec('b a b', 6)]);
  // the main definition walks its else chain: it needs what its else needs, the else not what the body needs
  t.same(errorsOf(t, 'package p\n\na if input.x\nelse := 2 if b\n\nb if a\n'), [rec('a b a', 3), rec('a b a', 4), rec('b a b', 6)]);
  t.same(errorsOf(t, 'package p\n\na if b\nelse := 2\n\nb if a\n'), [rec('a b a', 3), rec('b a b', 6)]);
});

t.test('functions: each definition that calls back', async (t) => {
  t.same(errorsOf(t, 'package p\n\nf(1) := g(1)\nf(2) := 2\nf(3) := g(3)\n\ng(x) := f(x)\n'), [rec('f g f', 3), rec('f g f', 5), rec('g f g', 7)]);
});
