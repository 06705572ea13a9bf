/**
 * `regate policy test` and `check` flags that CI jobs use, against `opa test` / `opa check`
 * (cmd/test.go, cmd/check.go): exit codes and summary lines of mixed outcomes, -z,
 * --fail-on-empty, --max-errors, --bench with --format json, and --watch refused.
 */
import t from 'tap';
import { join } from 'node:path';
import { regate } from '../run-regate.js';
import { policyDir } from './files.js';

const MIXED = `package mixed

f(_) := 1

f(_) := 2

test_pass if true

test_fail if false

test_error if f(1) == 1

todo_test_skip if true
`;

t.test('mixed outcomes: OPA\'s four summary lines over the total, exit 2', async (t) => {
  const dir = policyDir(t, { 'mixed_test.rego': MIXED });
  const r = regate(['policy', 'test', dir]);
  t.equal(r.code, 2);
  t.match(r.stdout, /data\.mixed\.test_error: ERROR \([^)]*\)\n {2}.*eval_conflict_error: functions must not produce multiple outputs for same inputs\n/);
  t.match(r.stdout, /\n-{80}\nPASS: 1\/4\nFAIL: 1\/4\nSKIPPED: 1\/4\nERROR: 1\/4\n$/);
});

t.test('-z lets skipped tests pass; a failure still exits 2', async (t) => {
  const dir = policyDir(t, { 'mixed_test.rego': MIXED });
  t.equal(regate(['policy', 'test', '-z', '--run', 'test_pass|todo_', dir]).code, 0);
  t.equal(regate(['policy', 'test', '--run', 'test_pass|todo_', dir]).code, 2, 'without -z a skipped test is not a pass');
  t.equal(regate(['policy', 'test', '--exit-zero-on-skipped', '--run', 'test_fail|todo_', dir]).code, 2);
});

t.test('--fail-on-empty: no test run (none there, or none left by --run) exits 1 with "no tests were run"', async (t) => {
  const dir = policyDir(t, { 'mixed_test.rego': MIXED, 'plain/p.rego': 'package plain\n\nallow if true\n' });
  const none = regate(['policy', 'test', '--fail-on-empty', join(dir, 'plain')]);
  t.equal(none.code, 1);
  t.equal(none.stderr, 'no tests were run\n');
  const filtered = regate(['policy', 'test', '--fail-on-empty', '--format', 'json', '--run', 'nothing_matches', dir]);
  t.equal(filtered.code, 1);
  t.equal(filtered.stdout, '[]\n');
  t.equal(regate(['policy', 'test', join(dir, 'plain')]).code, 0, 'without the flag no test is no failure');
  // a skipped test was run, as far as OPA's runner is concerned
  t.equal(regate(['policy', 'test', '--fail-on-empty', '-z', '--run', 'todo_', dir]).code, 0);
});

const twelve = ['package e', '', ...Array.from({ length: 12 }, (_, i) => `p${i} if v${i} > 1`), ''].join('\n');

t.test('12 independent compile errors: 10, then "error limit reached"; -m 0 or -1 lifts the limit (check and test)', async (t) => {
  const dir = policyDir(t, { 'e.rego': twelve, 'f.rego': 'package f\n\nq if w > 1\n' });
  for (const cmd of ['check', 'test']) {
    const r = regate(['policy', cmd, dir]);
    t.equal(r.code, 1, cmd);
    const lines = r.stderr.trimEnd().split('\n');
    t.equal(lines[0], '11 errors occurred:', `${cmd}: OPA counts the limit line among the errors`);
    t.match(lines[1], /e\.rego:3:\d+: rego_unsafe_var_error: var v0 is unsafe$/);
    t.match(lines[10], /e\.rego:12:\d+: rego_unsafe_var_error: var v9 is unsafe$/);
    t.equal(lines[11], 'rego_compile_error: error limit reached');
    for (const m of ['0', '-1']) {
      const all = regate(['policy', cmd, '-m', m, dir]);
      const l = all.stderr.trimEnd().split('\n');
      t.equal(l[0], '13 errors occurred:', `${cmd} -m ${m}`);
      // modules in the order of their names, each one's errors in rule order
      t.match(l[12], /e\.rego:14:\d+: rego_unsafe_var_error: var v11 is unsafe$/);
      t.match(l[13], /f\.rego:3:\d+: rego_unsafe_var_error: var w is unsafe$/);
    }
  }
  const three = policyDir(t, { 'e.rego': 'package e\n\np if x > 1\n\nq if y > 1\n\nr if z > 1\n' });
  const r = regate(['policy', 'check', '--format', 'json', three]);
  t.same((JSON.parse(r.stderr) as { errors: { message: string }[] }).errors.map((e) => e.message), ['var x is unsafe', 'var y is unsafe', 'var z is unsafe']);
});

t.test('--bench --format json: each passing test carries benchmark_result (Go\'s BenchmarkResult)', async (t) => {
  const dir = policyDir(t, { 'b_test.rego': 'package b\n\ntest_a if 1 + 1 == 2\n\ntest_f if false\n' });
  const r = regate(['policy', 'test', '--bench', '--format', 'json', dir]);
  t.equal(r.code, 2);
  const rows = JSON.parse(r.stdout) as { name: string; fail?: boolean; benchmark_result?: { N: number; T: number; Bytes: number; MemAllocs: number; MemBytes: number; Extra: object } }[];
  const a = rows.find((x) => x.name === 'test_a');
  t.ok(a?.benchmark_result !== undefined && a.benchmark_result.N > 0 && a.benchmark_result.T > 0, JSON.stringify(a));
  t.same(Object.keys(a?.benchmark_result ?? {}), ['N', 'T', 'Bytes', 'MemAllocs', 'MemBytes', 'Extra']);
  t.equal(rows.find((x) => x.name === 'test_f')?.benchmark_result, undefined, 'a failed test has no benchmark');
  t.equal(regate(['policy', 'test', '--bench', '--benchmem=false', '--run', 'test_a', dir]).code, 0, '--benchmem=false is accepted, as opa');
});

t.test('--watch is refused as a usage error that names it; --help lists every opa test flag', async (t) => {
  const dir = policyDir(t, { 'b_test.rego': 'package b\n\ntest_a if true\n' });
  const r = regate(['policy', 'test', '-w', dir]);
  t.equal(r.code, 2);
  t.match(r.stderr, /--watch is not supported/);
  const help = regate(['policy', 'test', '--help']).stdout;
  // cmd/test.go's flags (and the shared ones it adds), each with its short form where opa has one
  for (const f of ['-z, --exit-zero-on-skipped', '-v, --verbose', '--timeout', '-c, --coverage', '--threshold', '--bench', '-r, --run', '-w, --watch', '--var-values', '-p, --parallel', '--fail-on-empty', '-f, --format', '-b, --bundle', '--benchmem', '--count', '-m, --max-errors', '--ignore', '--explain', '-t, --target', '--capabilities', '-s, --schema', '--v0-compatible', '--v1-compatible']) {
    t.ok(help.includes(f), f);
  }
});
