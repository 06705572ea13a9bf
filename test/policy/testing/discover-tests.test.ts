/** Test discovery as `opa test` does it: test_ rules, todo_test_ skipped, one test per definition. */
import t from 'tap';
import { discoverTests } from '../../../src/policy/testing/discover-tests.js';

t.test('test_ rules without arguments; todo_test_ skipped; further definitions renamed on their line', (t) => {
  const text = 'package a.b\n\ntest_x if true\n\ntest_x if false\n\ntodo_test_y if true\n\ntest_f(x) if x\n\nhelper if true\n\ntest_x if 1 == 1\n';
  const { modules, tests } = discoverTests([{ file: 'a_test.rego', text }]);
  t.same(
    tests.map((x) => [x.fullName, x.entrypoint, x.line, x.skip]),
    [
      ['data.a.b.test_x', 'a/b/test_x', 3, false],
      ['data.a.b.test_x#01', 'a/b/test_x__regate_def1', 5, false],
      ['data.a.b.todo_test_y', 'a/b/todo_test_y', 7, true],
      ['data.a.b.test_x#02', 'a/b/test_x__regate_def2', 13, false],
    ],
  );
  const lines = modules[0]!.text.split('\n');
  t.equal(lines.length, text.split('\n').length, 'no line added or removed');
  t.equal(lines[4], 'test_x__regate_def1 if false');
  t.end();
});

t.test('a module without duplicates is passed through unchanged', (t) => {
  const m = { file: 'b.rego', text: 'package b\n\ntest_a if true\n' };
  t.equal(discoverTests([m]).modules[0], m);
  t.end();
});

t.test('chained bodies (`test_a { x } { y }`) are one test each, split on their own line', (t) => {
  const v0 = 'package c\n\ntest_a { true } { false }\ntest_b { true }\ntest_b { 1 == 1 } { 2 == 2 }\n';
  const r0 = discoverTests([{ file: 'c_test.rego', text: v0 }], { regoVersion: 'v0' });
  t.same(r0.tests.map((x) => [x.name, x.line]), [['test_a', 3], ['test_a#01', 3], ['test_b', 4], ['test_b#01', 5], ['test_b#02', 5]]);
  t.same(r0.modules[0]!.text.split('\n').slice(2, 5), [
    'test_a { true } ; test_a__regate_def1 { false }',
    'test_b { true }',
    'test_b__regate_def1 { 1 == 1 } ; test_b__regate_def2 { 2 == 2 }',
  ]);
  const v1 = discoverTests([{ file: 'c_test.rego', text: 'package c\n\ntest_a if { true } { false }\n' }]);
  t.equal(v1.modules[0]!.text.split('\n')[2], 'test_a if { true } ; test_a__regate_def1 if { false }');
  t.end();
});

t.test('a head with variables after test_ is one parameterized test; a helper lists its bound cases after the last line', (t) => {
  const text = 'package p\n\ntest_c[tc.note] if {\n\tsome tc in [{"note": "a"}]; tc.note == "b"\n}\n\ntest_last[k] if {\n\tsome k in ["a"]\n}\n\ntest_ground.a if true\n';
  const { modules, tests } = discoverTests([{ file: 'p_test.rego', text }]);
  t.same(
    tests.map((x) => [x.fullName, x.entrypoint, x.parameterized === true, x.casesEntrypoint]),
    [
      ['data.p.test_c', 'p/test_c', true, 'p/__regate_cases_test_c'],
      // bound by its last expression: no case can fail after that, so no helper
      ['data.p.test_last', 'p/test_last', true, undefined],
      // a ground tail: the test data.p.test_ground, not parameterized (its object value fails it, as in OPA)
      ['data.p.test_ground', 'p/test_ground', false, undefined],
    ],
  );
  const out = modules[0]!.text;
  t.equal(out.slice(0, text.length), text, "the module's own lines are unchanged");
  t.match(out.slice(text.length), /__regate_cases_test_c contains \[tc\["note"\]\] if \{\nsome tc in \[\{"note": "a"\}\]\n\}/);
  t.end();
});

t.test('ref heads: the first test_ name in the ground prefix ends the name; the prefix is part of it', (t) => {
  const text = 'package q\n\na.b.test_x if true\n\na.b.test_x if false\n\nc.todo_test_y if true\n\nnot_a_test.z if true\n\nx[test_k] if test_k := 1\n';
  const { modules, tests } = discoverTests([{ file: 'q_test.rego', text }]);
  t.same(
    tests.map((x) => [x.fullName, x.name, x.entrypoint, x.skip]),
    [
      ['data.q.a.b.test_x', 'a.b.test_x', 'q/a/b/test_x', false],
      ['data.q.a.b["test_x#01"]', 'a.b["test_x#01"]', 'q/a/b/test_x__regate_def1', false],
      ['data.q.c.todo_test_y', 'c.todo_test_y', 'q/c/todo_test_y', true],
    ],
  );
  t.equal(modules[0]!.text.split('\n')[4], 'a.b.test_x__regate_def1 if false', 'renamed where the name is written');
  t.end();
});
