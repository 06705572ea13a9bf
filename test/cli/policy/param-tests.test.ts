/**
 * `regate policy test` on OPA ≥ 1.2's parameterized tests (a head `test_x[note]`, one result per
 * case, tester/runner.go subResults and reporter.go) and on partial-set tests, which OPA fails.
 */
import t from 'tap';
import { regate } from '../run-regate.js';
import { policyDir } from './files.js';

const CASES = `package cases_test

cases := [{"note": "one", "x": 1}, {"note": "two", "x": 2}, {"note": "three", "x": 3}]

test_small[tc.note] if {
	some tc in cases
	# the case "three" is bound here, then fails below
	tc.x < 3
}

test_all[name] if {
	some name, _ in {"a": 1, "b": 2}
}

test_grid[a][b] if {
	some a in ["x", "y"]
	some b in [1, 2]
	b == 1
}

test_plain if true
`;

interface Sub { name?: string; fail?: boolean; sub_results?: Record<string, Sub> }
interface Row { name: string; fail?: boolean; sub_results?: Record<string, Sub> }

for (const target of ['rego', 'wasm']) {
  t.test(`each case is one result, a case whose body fails is FAIL (--target ${target})`, async (t) => {
    const dir = policyDir(t, { 'cases_test.rego': CASES });
    const quiet = regate(['policy', 'test', '-t', target, dir]);
    t.equal(quiet.code, 2, quiet.stderr);
    // only what failed is listed, with the failed cases under it, indented by depth
    t.match(quiet.stdout, /data\.cases_test\.test_small: FAIL \([^)]*\)\n {2}three: FAIL\n/);
    t.match(quiet.stdout, /data\.cases_test\.test_grid: FAIL \([^)]*\)\n {2}x: FAIL\n {4}2: FAIL\n {2}y: FAIL\n {4}2: FAIL\n/);
    t.notMatch(quiet.stdout, /test_all|one: |two: /);
    // counted per leaf case: small 2+1, all 2, grid 2+2, plain 1
    t.match(quiet.stdout, /-{80}\nPASS: 7\/10\nFAIL: 3\/10\n$/);

    const verbose = regate(['policy', 'test', '-v', '-t', target, dir]);
    t.match(verbose.stdout, /data\.cases_test\.test_small: FAIL \([^)]*\)\n {2}one: PASS\n {2}three: FAIL\n {2}two: PASS\n/, 'cases sorted by name');
    t.match(verbose.stdout, /data\.cases_test\.test_all: PASS \([^)]*\)\n {2}a: PASS\n {2}b: PASS\n/);
  });
}

t.test('--format json carries sub_results as tester.SubResult', async (t) => {
  const dir = policyDir(t, { 'cases_test.rego': CASES });
  const r = regate(['policy', 'test', '--format', 'json', dir]);
  t.equal(r.code, 2);
  const rows = JSON.parse(r.stdout) as Row[];
  const by = new Map(rows.map((x) => [x.name, x]));
  t.same([...by.keys()], ['test_small', 'test_all', 'test_grid', 'test_plain']);
  t.match(by.get('test_small'), { name: 'test_small', fail: true });
  t.same(by.get('test_small')?.sub_results, { one: { name: 'one' }, three: { name: 'three', fail: true }, two: { name: 'two' } });
  t.notOk(by.get('test_all')?.fail);
  t.same(by.get('test_all')?.sub_results, { a: { name: 'a' }, b: { name: 'b' } });
  t.same(by.get('test_grid')?.sub_results?.['x'], { name: 'x', fail: true, sub_results: { '1': { name: '1' }, '2': { name: '2', fail: true } } });
  t.equal(by.get('test_plain')?.sub_results, undefined);
});

t.test('--run matches the test name (data.pkg.test_x), not a case name', async (t) => {
  const dir = policyDir(t, { 'cases_test.rego': CASES });
  const byTest = regate(['policy', 'test', '-v', '--run', 'test_all$', dir]);
  t.equal(byTest.code, 0);
  t.match(byTest.stdout, /PASS: 2\/2\n$/);
  const byCase = regate(['policy', 'test', '--format', 'json', '--run', 'three', dir]);
  t.same(JSON.parse(byCase.stdout), []);
});

t.test('-v prints each failed case under FAILURES, after the trace', async (t) => {
  const dir = policyDir(t, { 'cases_test.rego': CASES });
  const r = regate(['policy', 'test', '-v', '--run', 'test_small', dir]);
  t.match(r.stdout, /^FAILURES\n-{80}\ndata\.cases_test\.test_small: FAIL \([^)]*\)\n\n[\s\S]*\n\n {2}three: FAIL\n\nSUMMARY\n/);
});

t.test('a partial-set test (v0 `test_x[y] { … }`, v1 `contains`) runs and fails: its value is not true', async (t) => {
  const dir = policyDir(t, {
    'v0/sets_test.rego': 'package sets\n\ntest_members[y] { y := 1 }\n\ntest_ok { true }\n',
    'v1/sets_test.rego': 'package sets1\n\ntest_contains contains 1 if true\n\ntest_number := 1\n',
  });
  const v0 = regate(['policy', 'test', '--v0-compatible', '--format', 'json', `${dir}/v0`]);
  t.equal(v0.code, 2);
  t.same((JSON.parse(v0.stdout) as Row[]).map((x) => [x.name, x.fail === true]), [['test_members', true], ['test_ok', false]]);
  const v1 = regate(['policy', 'test', `${dir}/v1`]);
  t.equal(v1.code, 2);
  t.match(v1.stdout, /data\.sets1\.test_contains: FAIL/);
  t.match(v1.stdout, /data\.sets1\.test_number: FAIL/, 'OPA: a value other than true fails');
  t.match(v1.stdout, /FAIL: 2\/2\n$/);
});

t.test('--coverage counts only the policy lines (not the case-listing helper)', async (t) => {
  const dir = policyDir(t, { 'all_test.rego': 'package all_test\n\ntest_all[name] if {\n\tsome name, v in {"a": 1}\n\tv == 1\n}\n' });
  const r = regate(['policy', 'test', '--coverage', dir]);
  t.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout) as { files: Record<string, { covered?: { start: { row: number }; end: { row: number } }[] }> };
  const rows = Object.values(report.files).flatMap((f) => (f.covered ?? []).map((x) => x.end.row));
  t.ok(rows.length > 0 && Math.max(...rows) <= 6, `covered rows ${rows.join(',')}`);
});

t.test('`some x` does not bind a case; a helper that does not compile falls back to the value alone', async (t) => {
  const dir = policyDir(t, {
    'decl_test.rego': 'package decl\n\ntest_decl[x] if {\n\tsome x\n\t["p", "q"][_] = x\n\tx == "p"\n}\n',
    // `x = y` comes first and is safe only once the compiler reorders: cut there, it is not
    'order_test.rego': 'package order\n\ntest_order[x] if {\n\tx = y\n\ty = "p"\n\tx != "q"\n}\n',
  });
  const r = regate(['policy', 'test', '-v', dir]);
  t.equal(r.code, 2, r.stderr);
  t.match(r.stdout, /data\.decl\.test_decl: FAIL \([^)]*\)\n {2}p: PASS\n {2}q: FAIL\n/);
  t.match(r.stdout, /data\.order\.test_order: PASS \([^)]*\)\n {2}p: PASS\n/);
  t.match(r.stdout, /PASS: 2\/3\nFAIL: 1\/3\n$/);
});

t.test('a case set from a comprehension, from data and from a function call: one result per case', async (t) => {
  const dir = policyDir(t, {
    'p_test.rego': `package params

cases_fn(n) := [{"note": sprintf("n%d", [i]), "v": i} | some i in numbers.range(1, n)]

test_comp[tc.note] if {
	some tc in [{"note": x, "v": count(x)} | some x in ["a", "bb", "ccc"]]
	tc.v < 3
}

test_data[name] if {
	some name, c in data.fixtures.cases
	c.want == c.got
}

test_fn[tc.note] if {
	some tc in cases_fn(3)
	tc.v != 2
}

test_set[x] if {
	some x in {y | some y in [1, 2, 3]}
	x > 1
}
`,
    'data.json': JSON.stringify({ fixtures: { cases: { ok: { want: 1, got: 1 }, bad: { want: 1, got: 2 } } } }),
  });
  const r = regate(['policy', 'test', '--format', 'json', dir]);
  t.equal(r.code, 2, r.stderr);
  const rows = JSON.parse(r.stdout) as Row[];
  const failed = (x: Row | undefined) => Object.values(x?.sub_results ?? {}).filter((c) => c.fail === true).map((c) => c.name);
  const by = new Map(rows.map((x) => [x.name, x]));
  t.same(Object.keys(by.get('test_comp')?.sub_results ?? {}), ['a', 'bb', 'ccc']);
  t.same(failed(by.get('test_comp')), ['ccc'], 'the case the body rejects after binding it');
  t.same(Object.keys(by.get('test_data')?.sub_results ?? {}), ['bad', 'ok']);
  t.same(failed(by.get('test_data')), ['bad']);
  t.same(Object.keys(by.get('test_fn')?.sub_results ?? {}), ['n1', 'n2', 'n3']);
  t.same(failed(by.get('test_fn')), ['n2']);
  // a number key is named by its JSON text, as OPA's termToString
  t.same(Object.keys(by.get('test_set')?.sub_results ?? {}), ['1', '2', '3']);
  t.same(failed(by.get('test_set')), ['1']);
  const pretty = regate(['policy', 'test', dir]);
  t.match(pretty.stdout, /PASS: 7\/11\nFAIL: 4\/11\n$/);
});
