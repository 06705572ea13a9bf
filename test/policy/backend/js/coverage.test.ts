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
