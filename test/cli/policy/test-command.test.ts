/**
 * `regate policy test` as a process: the output and exit codes of `opa test`.
 */
import t from 'tap';
import { join } from 'node:path';
import { regate } from '../run-regate.js';
import { AUTHZ, policyDir } from './files.js';


const TESTS = `package authz_test

import data.authz

test_admin_allowed if authz.allow with input as {"user": "alice"}

test_guest_denied if not authz.allow with input as {"user": "guest"}

test_wrong_expectation if authz.allow with input as {"user": "guest"}
`;

t.test('-v lists every test; a failure exits 2 with PASS/FAIL counts', async (t) => {
  const dir = policyDir(t, { 'authz/authz.rego': AUTHZ, 'authz/data.json': JSON.stringify({ admins: ['alice'] }), 'authz/authz_test.rego': TESTS });
  const r = regate(['policy', 'test', '-v', dir]);
  t.equal(r.code, 2, r.stderr);
  t.match(r.stdout, /authz_test\.rego:\n/);
  t.match(r.stdout, /data\.authz_test\.test_admin_allowed: PASS \(/);
  t.match(r.stdout, /data\.authz_test\.test_guest_denied: PASS \(/);
  t.match(r.stdout, /data\.authz_test\.test_wrong_expectation: FAIL \(/);
  t.match(r.stdout, /-{80}\nPASS: 2\/3\nFAIL: 1\/3\n$/);

  const quiet = regate(['policy', 'test', dir]);
  t.equal(quiet.code, 2);
  t.notMatch(quiet.stdout, /FAILURES/, 'as opa test: the FAILURES section comes with -v only');
  t.match(quiet.stdout, /authz_test\.rego:\ndata\.authz_test\.test_wrong_expectation: FAIL \(/, 'without -v only what did not pass is listed');
  t.notMatch(quiet.stdout, /test_admin_allowed/);
});

t.test('all passing exits 0; the shipped example policies pass', async (t) => {
  const r = regate(['policy', 'test', 'policies']);
  t.equal(r.code, 0, r.stdout + r.stderr);
  t.match(r.stdout, /^PASS: (\d+)\/\1\n$/);
});

t.test('two test rules with one name both run (name, name#01); todo_test_ rules are skipped', async (t) => {
  const dir = policyDir(t, {
    'dup_test.rego': `package dup

test_same if true

test_same if false

todo_test_later if false
`,
  });
  const r = regate(['policy', 'test', '--format', 'json', dir]);
  t.equal(r.code, 2, 'the second definition fails on its own');
  const rows = JSON.parse(r.stdout) as { name: string; package: string; fail?: boolean; skip?: boolean; location: { row: number } }[];
  t.same(
    rows.map((x) => [x.name, x.fail === true, x.skip === true, x.location.row]),
    [
      ['test_same', false, false, 3],
      ['test_same#01', true, false, 5],
      ['todo_test_later', false, true, 7],
    ],
  );
  t.equal(rows[0]?.package, 'data.dup');
  const pretty = regate(['policy', 'test', '-v', dir]);
  t.match(pretty.stdout, /data\.dup\.test_same#01: FAIL/);
  t.match(pretty.stdout, /data\.dup\.todo_test_later: SKIPPED\n/);
  t.match(pretty.stdout, /PASS: 1\/3\nFAIL: 1\/3\nSKIPPED: 1\/3\n$/);
});

t.test('--run keeps the tests whose full name matches', async (t) => {
  const dir = policyDir(t, { 'authz/authz.rego': AUTHZ, 'authz/data.json': JSON.stringify({ admins: ['alice'] }), 'authz/authz_test.rego': TESTS });
  const r = regate(['policy', 'test', '-v', '--run', 'guest_denied$', dir]);
  t.equal(r.code, 0, r.stdout);
  t.match(r.stdout, /test_guest_denied: PASS/);
  t.notMatch(r.stdout, /test_admin_allowed|test_wrong_expectation/);
  t.match(r.stdout, /PASS: 1\/1\n$/);
  t.equal(regate(['policy', 'test', '--run', '(', dir]).code, 2, 'an invalid regex is a usage error');
});

t.test('--timeout stops a test that runs too long (an error) and goes on with the others', async (t) => {
  const dir = policyDir(t, {
    'slow_test.rego': `package slow

test_slow if count([1 | some i in numbers.range(1, 4000); some j in numbers.range(1, 4000)]) > 0

test_fast if true
`,
  });
  const r = regate(['policy', 'test', '--format', 'json', '--timeout', '200ms', dir]);
  t.equal(r.code, 2);
  const rows = JSON.parse(r.stdout) as { name: string; error?: { code: string } }[];
  t.same(rows.map((x) => [x.name, x.error?.code]), [
    ['test_slow', 'eval_cancel_error'],
    ['test_fast', undefined],
  ]);
});

t.test('--coverage prints per-file covered and not covered lines in OPA’s shape', async (t) => {
  const dir = policyDir(t, {
    'p.rego': `package p

a := 1

b := 2 if {
	input.x == 1
}
`,
    'p_test.rego': `package p_test

test_a if data.p.a == 1
`,
  });
  const r = regate(['policy', 'test', '--coverage', dir]);
  t.equal(r.code, 0, r.stderr);
  const rep = JSON.parse(r.stdout) as { files: Record<string, { covered?: unknown[]; not_covered?: unknown[]; covered_lines: number; not_covered_lines: number; coverage: number }>; coverage: number };
  const p = rep.files[join(dir, 'p.rego')];
  t.same(p?.covered, [{ start: { row: 3 }, end: { row: 3 } }]);
  t.same(p?.not_covered, [{ start: { row: 5 }, end: { row: 6 } }], 'the rule no test reaches');
  t.same([p?.covered_lines, p?.not_covered_lines, p?.coverage], [1, 2, 33.33]);
  t.equal(rep.files[join(dir, 'p_test.rego')]?.coverage, 100);
});

t.test('a policy that does not compile exits 1 with the error once, located', async (t) => {
  const dir = policyDir(t, { 'bad_test.rego': 'package bad\n\ntest_x if {\n\tx := y\n}\n' });
  const r = regate(['policy', 'test', dir]);
  t.equal(r.code, 1);
  const lines = r.stderr.split('\n').filter((l) => /bad_test\.rego:\d+:\d+/.test(l));
  t.ok(lines.length >= 1, r.stderr);
  t.equal(new Set(lines).size, lines.length, 'each error once');
  t.notMatch(r.stderr, /\n\s+at /, 'no stack trace');
});

t.test('--capabilities: a host builtin it declares compiles; mocked with `with` it runs, called it is an error (as opa test)', (t) => {
  const dir = policyDir(t, {
    // as a host program's file: OPA's builtins the policies use, and its own
    'caps.json': JSON.stringify({
      builtins: [
        { name: 'ext.fetch', decl: { type: 'function', args: [{ type: 'string' }], result: { type: 'any' } } },
        { name: 'count', decl: { type: 'function', args: [{ type: 'any' }], result: { type: 'number' } } },
        { name: 'equal', decl: { type: 'function', args: [{ type: 'any' }, { type: 'any' }], result: { type: 'boolean' } } },
      ],
      features: ['rego_v1'],
    }),
    'p/p.rego': 'package p\n\nsize := count(ext.fetch("x"))\n',
    'p/p_test.rego': 'package p_test\n\nimport data.p\n\nmock(_) := [1, 2]\n\ntest_mocked if p.size == 2 with ext.fetch as mock\n\ntest_unmocked if p.size == 2\n',
  });
  const without = regate(['policy', 'test', join(dir, 'p')]);
  t.equal(without.code, 1, 'without the file the function is undefined');
  const r = regate(['policy', 'test', '--format', 'json', '--capabilities', join(dir, 'caps.json'), join(dir, 'p')]);
  t.equal(r.code, 2);
  const rows = JSON.parse(r.stdout) as { name: string; fail?: boolean; error?: { code: string } }[];
  t.same(
    rows.map((x) => [x.name, x.fail === true, x.error?.code]),
    [
      ['test_mocked', false, undefined],
      ['test_unmocked', false, 'eval_internal_error'],
    ],
  );
  const check = regate(['policy', 'check', '--capabilities', join(dir, 'caps.json'), join(dir, 'p')]);
  t.equal(check.code, 0, 'check compiles it too');
  t.equal(regate(['policy', 'test', '--capabilities', join(dir, 'missing.json'), join(dir, 'p')]).code, 2, 'an unreadable file is a usage error');
  t.end();
});

t.test('-t is --target as in opa test: wasm runs the tests on the WASM back end; --timeout has no short form', async (t) => {
  const dir = policyDir(t, { 'authz/authz.rego': AUTHZ, 'authz/data.json': JSON.stringify({ admins: ['alice'] }), 'authz/authz_test.rego': TESTS });
  for (const args of [['-t', 'wasm'], ['--target=wasm'], ['--target', 'rego'], ['-p', '2']]) {
    const r = regate(['policy', 'test', '-v', ...args, dir]);
    t.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    t.match(r.stdout, /data\.authz_test\.test_guest_denied: PASS \(/, args.join(' '));
    t.match(r.stdout, /PASS: 2\/3\nFAIL: 1\/3\n$/, args.join(' '));
  }
  // `opa test -t 5s` is an invalid --target, not a timeout
  const notTarget = regate(['policy', 'test', '-t', '5s', dir]);
  t.equal(notTarget.code, 2);
  t.match(notTarget.stderr, /--target/);
  t.equal(regate(['policy', 'test', '-p', 'many', dir]).code, 2);
  t.equal(regate(['policy', 'test', '-t', 'wasm', '--coverage', dir]).code, 2, 'the WASM back end records no coverage');
});

t.test('--bench (OPA fmtBenchmark: name, %8d iterations, ns/op; -f gobench), --count N, --var-values (FailureLine)', async (t) => {
  const dir = policyDir(t, { 'authz/authz.rego': AUTHZ, 'authz/data.json': JSON.stringify({ admins: ['alice'] }), 'authz/authz_test.rego': TESTS });
  const bench = regate(['policy', 'test', '--bench', '--run', 'admin', dir]);
  t.equal(bench.code, 0, bench.stderr);
  t.match(bench.stdout, /^data\.authz_test\.test_admin_allowed\t {0,7}\d{1,8}\t +[\d.]+ ns\/op\n-{80}\nPASS: 1\/1\n$/);
  const gobench = regate(['policy', 'test', '--bench', '-f', 'gobench', '--run', 'admin', dir]);
  t.match(gobench.stdout, /^BenchmarkDataAuthzTestTestAdminAllowed\t/);
  const noBench = regate(['policy', 'test', '-f', 'gobench', dir]);
  t.same([noBench.code, noBench.stdout, noBench.stderr], [0, '', 'cannot use output format gobench without running benchmarks (--bench)\n'], 'as opa: a message, exit 0');

  const twice = regate(['policy', 'test', '--count', '2', '--run', 'admin', dir]);
  t.equal(twice.stdout, 'PASS: 1/1\nPASS: 1/1\n', 'each run reports');
  const stops = regate(['policy', 'test', '--count', '3', dir]);
  t.equal(stops.code, 2);
  t.equal(stops.stdout.match(/FAIL: 1\/3/g)?.length, 1, 'a run that does not pass ends them');
  t.equal(regate(['policy', 'test', '--count', 'x', dir]).code, 2, 'a usage error');

  const vv = regate(['policy', 'test', '--var-values', dir]);
  t.equal(vv.code, 2);
  // the last Fail outside the test's query (OPA printFailure: QueryID != 0): the test's own expression
  t.match(vv.stdout, /^FAILURES\n-{80}\ndata\.authz_test\.test_wrong_expectation: FAIL \([^)]+\)\n\n {2}\S+authz_test\.rego:9:\n {4}authz\.allow with input as \{"user": "guest"\}\n\n\nSUMMARY\n/);
});
