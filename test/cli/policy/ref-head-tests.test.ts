/**
 * `regate policy test` on test rules with ref heads, found and named as OPA's runner does
 * (tester/runner.go ruleName, shouldRun): the first `test_`/`todo_test_` name in the head's
 * ground prefix ends the test's name; what comes before it is part of the name, what comes
 * after it is the test's value.
 */
import t from 'tap';
import { regate } from '../run-regate.js';
import { policyDir } from './files.js';

const REFS = `package refs

a.test_prefixed if true

b.c.test_deep if 1 == 2

test_group.case_1 if true

a.test_dup if true

a.test_dup if false

a.todo_test_later if true

a.test_cases[k] if {
	some k in ["x", "y"]
	k == "x"
}

test_plain if true
`;

interface Row { package: string; name: string; fail?: boolean; skip?: boolean; sub_results?: Record<string, { name: string; fail?: boolean }> }

t.test('a test named after a prefix is data.pkg.a.test_x; a ground tail makes the value an object, which fails', async (t) => {
  const dir = policyDir(t, { 'refs_test.rego': REFS });
  const r = regate(['policy', 'test', '-v', dir]);
  t.equal(r.code, 2, r.stderr);
  t.match(r.stdout, /\ndata\.refs\.a\.test_prefixed: PASS \(/);
  t.match(r.stdout, /\ndata\.refs\.b\.c\.test_deep: FAIL \(/);
  // OPA evaluates data.refs.test_group, {"case_1": true}: not `true`, so a failure
  t.match(r.stdout, /\ndata\.refs\.test_group: FAIL \(/);
  t.match(r.stdout, /\ndata\.refs\.a\.test_dup: PASS \(/);
  // a further definition is renamed in its ref's last (string) term: Ref.String() quotes it
  t.match(r.stdout, /\ndata\.refs\.a\["test_dup#01"\]: FAIL \(/);
  t.match(r.stdout, /\ndata\.refs\.a\.todo_test_later: SKIPPED\n/);
  t.match(r.stdout, /\ndata\.refs\.a\.test_cases: FAIL \([^)]*\)\n {2}x: PASS\n {2}y: FAIL\n/);
  t.match(r.stdout, /PASS: 4\/9\nFAIL: 4\/9\nSKIPPED: 1\/9\n$/);
});

t.test('--format json names the test by its ref (tester.Result name), cases as sub_results', async (t) => {
  const dir = policyDir(t, { 'refs_test.rego': REFS });
  const r = regate(['policy', 'test', '--format', 'json', dir]);
  const rows = JSON.parse(r.stdout) as Row[];
  t.same(
    rows.map((x) => [x.name, x.fail === true, x.skip === true]),
    [
      ['a.test_prefixed', false, false],
      ['b.c.test_deep', true, false],
      ['test_group', true, false],
      ['a.test_dup', false, false],
      ['a["test_dup#01"]', true, false],
      ['a.todo_test_later', false, true],
      ['a.test_cases', true, false],
      ['test_plain', false, false],
    ],
  );
  t.ok(rows.every((x) => x.package === 'data.refs'));
  t.same(rows[6]?.sub_results, { x: { name: 'x' }, y: { name: 'y', fail: true } });
});

t.test('--run matches the name with its prefix (data.pkg.a.test_x)', async (t) => {
  const dir = policyDir(t, { 'refs_test.rego': REFS });
  const r = regate(['policy', 'test', '-v', '--run', 'refs\\.a\\.test_p', dir]);
  t.equal(r.code, 0, r.stdout);
  t.match(r.stdout, /data\.refs\.a\.test_prefixed: PASS/);
  t.match(r.stdout, /PASS: 1\/1\n$/);
});

t.test('the WASM back end finds and runs the same tests', async (t) => {
  const dir = policyDir(t, { 'refs_test.rego': REFS });
  const r = regate(['policy', 'test', '-t', 'wasm', '--format', 'json', dir]);
  const rows = JSON.parse(r.stdout) as Row[];
  t.same(rows.map((x) => `${x.name}:${x.fail === true ? 'FAIL' : x.skip === true ? 'SKIP' : 'PASS'}`), ['a.test_prefixed:PASS', 'b.c.test_deep:FAIL', 'test_group:FAIL', 'a.test_dup:PASS', 'a["test_dup#01"]:FAIL', 'a.todo_test_later:SKIP', 'a.test_cases:FAIL', 'test_plain:PASS']);
});

t.test('`package data.foo` is data.data.foo, as OPA\'s parser reads it (every name goes below data)', async (t) => {
  const dir = policyDir(t, { 'p_test.rego': 'package data.foo\n\nx := 1\n\ntest_local if x == 1\n\ntest_absolute if data.data.foo.x == 1\n' });
  const r = regate(['policy', 'test', '-v', dir]);
  t.equal(r.code, 0, r.stdout);
  t.match(r.stdout, /\ndata\.data\.foo\.test_local: PASS \(/);
  t.match(r.stdout, /\ndata\.data\.foo\.test_absolute: PASS \(/);
});

t.test('-v: a further definition is queried and entered as OPA names it, data.p["test_x#01"]', async (t) => {
  const dir = policyDir(t, { 'd_test.rego': 'package d\n\ntest_x if true\n\ntest_x if false\n' });
  const r = regate(['policy', 'test', '-v', dir]);
  t.equal(r.code, 2);
  t.match(r.stdout, /query:1 +Enter data\.d\["test_x#01"\] = _\n/);
  t.match(r.stdout, /d_test\.rego:5 +\| Enter data\.d\["test_x#01"\]\n/);
  // the expression is read where the trace points, in the text as compiled
  t.match(r.stdout, /d_test\.rego:5 +\| \| Fail false\n/);
  t.notMatch(r.stdout, /__regate/);
});
