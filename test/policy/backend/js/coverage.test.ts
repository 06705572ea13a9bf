/** Line coverage in the JS back end: off by default (no code emitted), per line when on. */
import t from 'tap';
import { createJsEvaluator, generateJsSource } from '../../../../src/policy/backend/js/index.js';
import { defaultRegistry } from '../../../../src/policy/builtins/index.js';
import { compileToPlan } from '../../../../src/policy/compiler/index.js';

const plan = compileToPlan([{ file: 'c.rego', text: 'package c\n\nr if {\n\tinput.a == 1\n\tinput.b == 2\n}\n' }], { entrypoints: ['c/r'] });

t.test('without coverage the generated code marks nothing and there is no coverage()', (t) => {
  t.notMatch(generateJsSource(plan, defaultRegistry), /COV\[/);
  t.equal(createJsEvaluator(plan).coverage, undefined);
  t.end();
});

t.test('with coverage: the lines whose statements ran, accumulated over evaluations', (t) => {
  const ev = createJsEvaluator(plan, { coverage: true });
  ev.evaluate('c/r', { a: 0 });
  let c = ev.coverage!();
  t.ok(c.executable.get('c.rego')?.has(5), 'line 5 has statements');
  t.ok(c.covered.get('c.rego')?.has(4), 'line 4 ran');
  t.notOk(c.covered.get('c.rego')?.has(5), 'input.a == 1 failed: line 5 did not run');
  ev.evaluate('c/r', { a: 1 });
  c = ev.coverage!();
  t.ok(c.covered.get('c.rego')?.has(5), 'after a second evaluation it did');
  t.end();
});

// OPA's cover.go marks a rule's head line at the rule's Exit (its body succeeded), an else
// branch's line at that else rule's Exit, and each expression it evaluates.
t.test('an else branch marks its own line when it gives the value; a head only when its body succeeds', (t) => {
  const src = 'package c\n\nf(x) := 1 if {\n\tx == 1\n} else := 2 if {\n\tx == 2\n} else := 3\n\nr := f(input.x)\n';
  const ev = createJsEvaluator(compileToPlan([{ file: 'c.rego', text: src }], { entrypoints: ['c/r'] }), { coverage: true });
  t.same(ev.evaluate('c/r', { x: 3 }), [{ result: 3 }]);
  let covered = ev.coverage!().covered.get('c.rego')!;
  t.same([4, 6, 7, 9].filter((l) => !covered.has(l)), [], 'both bodies ran, the last else gave the value');
  t.same([3, 5].filter((l) => covered.has(l)), [], 'neither the head nor the first else succeeded');
  ev.evaluate('c/r', { x: 2 });
  covered = ev.coverage!().covered.get('c.rego')!;
  t.ok(covered.has(5), 'the first else gave the value');
  t.notOk(covered.has(3), 'the head still has not');
  t.end();
});

t.test('a scan is located at its own expression, not at the head its continuation ends at', (t) => {
  const src = 'package c\n\nhas(key, obj) if {\n\tsome k, _ in obj\n\tk == key\n}\n\nr if has("a", input.o)\n';
  const ev = createJsEvaluator(compileToPlan([{ file: 'c.rego', text: src }], { entrypoints: ['c/r'] }), { coverage: true });
  ev.evaluate('c/r', { o: { b: 1 } });
  const covered = ev.coverage!().covered.get('c.rego')!;
  t.ok(covered.has(4), 'the `some … in` line ran');
  t.notOk(covered.has(3), 'no key matched: the head did not succeed');
  t.end();
});
