/** runTests: each test alone, results and print output, line coverage through the JS back end. */
import t from 'tap';
import { runTests } from '../../../src/policy/testing/run-tests.js';
import { buildCoverageReport } from '../../../src/policy/testing/coverage-report.js';

const POLICY = { file: 'p.rego', text: 'package p\n\nallow if input.x == 1\n\nunused if {\n\tinput.y\n}\n' };
const TESTS = { file: 'p_test.rego', text: 'package p_test\n\ntest_allow if data.p.allow with input as {"x": 1}\n\ntest_print if {\n\tprint("seen")\n\tfalse\n}\n\ntest_conflict if {\n\tdata.p_test.f(1)\n}\n\nf(x) := 1 if x\nf(x) := 2 if x\n' };

t.test('status, output and errors per test', async (t) => {
  const run = await runTests({ modules: [POLICY, TESTS], data: {} });
  t.same(
    run.results.map((r) => [r.test.name, r.status, r.error?.code]),
    [
      ['test_allow', 'pass', undefined],
      ['test_print', 'fail', undefined],
      ['test_conflict', 'error', 'REGO_ERR_CONFLICT'],
    ],
  );
  t.same(run.results[1]?.output, ['seen']);
  t.equal(run.coverage, undefined, 'no coverage unless asked');
});

t.test('coverage: lines run, lines not run, per file', async (t) => {
  const run = await runTests({ modules: [POLICY, TESTS], data: {}, coverage: true, filter: /test_allow/ });
  const rep = buildCoverageReport(run.coverage!, [POLICY]);
  t.same(rep.files['p.rego'], {
    covered: [{ start: { row: 3 }, end: { row: 3 } }],
    not_covered: [{ start: { row: 5 }, end: { row: 6 } }],
    covered_lines: 1,
    not_covered_lines: 2,
    coverage: 33.33,
  });
  t.same([rep.covered_lines, rep.not_covered_lines, rep.coverage], [1, 2, 33.33]);
});

// OPA's cover.go: every expression it evaluates is covered, also one that only names a value
// (`out := v`), and a `some x` declaration is no line of the report at all.
t.test('coverage: an assignment that plans to no statement is covered; `some x` is left out', async (t) => {
  const policy = { file: 'u.rego', text: 'package u\n\nindex_of(arr, v) := out if {\n\tsome i\n\tarr[i] == v\n\tout := i\n} else := out if {\n\tout := -1\n}\n' };
  const tests = { file: 'u_test.rego', text: 'package u_test\n\ntest_found if data.u.index_of([1, 2], 2) == 1\n\ntest_missing if data.u.index_of([1], 2) == -1\n' };
  const run = await runTests({ modules: [policy, tests], data: {}, coverage: true });
  const rep = buildCoverageReport(run.coverage!, [policy, tests]);
  t.same(rep.files['u.rego']?.not_covered, undefined, 'lines 6 and 8 ran though no statement computes them');
  t.same(rep.files['u.rego']?.covered, [{ start: { row: 3 }, end: { row: 3 } }, { start: { row: 5 }, end: { row: 8 } }], 'line 4 (`some i`) is in neither list');
});

// cover.go lists as not covered only rule heads and expressions as written (comprehension
// bodies included); a line inside a multi-line expression is none of those.
t.test('coverage: the lines that can be not covered are heads and expressions as written', async (t) => {
  const policy = {
    file: 'm.rego',
    text: 'package m\n\nr := [x |\n\tsome y in input.ys\n\tx := {\n\t\t"v": sprintf("%d", [y]),\n\t}\n]\n\ns := concat(",", [\n\tsprintf("%d", [input.n]),\n])\n',
  };
  const tests = { file: 'm_test.rego', text: 'package m_test\n\ntest_r if data.m.r == [{"v": "1"}] with input as {"ys": [1]}\n' };
  const run = await runTests({ modules: [policy, tests], data: {}, coverage: true });
  const rep = buildCoverageReport(run.coverage!, [policy, tests]);
  t.same(rep.files['m.rego']?.not_covered, [{ start: { row: 10 }, end: { row: 10 } }], 's never ran: its head only, not the sprintf line inside it');
  t.ok(rep.files['m.rego']?.covered?.some((r) => r.start.row <= 5 && r.end.row >= 5), 'x := { on line 5 ran, though its work is on line 6');
});
