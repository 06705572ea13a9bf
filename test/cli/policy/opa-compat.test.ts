/**
 * `regate policy` against what `opa` prints, in this process (no CLI spawns): eval's captured
 * expression values and output formats, OPA's error text and JSON, `test`'s reporter and exit
 * codes, `test -b`, and the file loader's `prefix:path`, archives and strict merge.
 */
import t from 'tap';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeTarGz } from '../../../src/policy/index.js';
import { loadPaths } from '../../../src/cli/policy/load-paths.js';
import { toJs } from '../../../src/policy/value/index.js';
import { policyDir, policyInProcess as opa } from './files.js';

// `policy test` runs its tests in worker threads; from the sources each compiles them under tsx.
t.setTimeout(600_000);

const P = `package p

f(x) := x + 1

xs := [1, 2]
`;

t.test('eval: a bare call prints its value; assignments bind and are true; several expressions each get a value', async (t) => {
  const dir = policyDir(t, { 'p.rego': P });
  const call = await opa(['eval', '-d', dir, 'data.p.f(1)']);
  t.equal(call.code, 0, call.stderr);
  t.same(JSON.parse(call.stdout), { result: [{ expressions: [{ value: 2, text: 'data.p.f(1)', location: { row: 1, col: 1 } }] }] });

  const two = await opa(['eval', '-d', dir, 'x := 2; data.p.f(x)']);
  t.same(JSON.parse(two.stdout), {
    result: [
      {
        expressions: [
          { value: true, text: 'x := 2', location: { row: 1, col: 1 } },
          { value: 3, text: 'data.p.f(x)', location: { row: 1, col: 9 } },
        ],
        bindings: { x: 2 },
      },
    ],
  });

  t.same(JSON.parse((await opa(['eval', '1 == 2'])).stdout).result[0].expressions[0].value, false, 'one expression keeps a false value, as opa');
  t.same(JSON.parse((await opa(['eval', '1 == 2; true'])).stdout), {}, 'with several, a false value makes the query undefined');
  const neg = await opa(['eval', '-d', dir, 'not data.p.missing; y = 1']);
  t.same(JSON.parse(neg.stdout).result[0].expressions.map((x: { value: unknown }) => x.value), [true, true], '`not` and `=` are true, not captured');
});

t.test('eval --format: raw, values, bindings, pretty (value or table), discard', async (t) => {
  const dir = policyDir(t, { 'p.rego': P });
  t.equal((await opa(['eval', '-d', dir, '-f', 'raw', 'data.p.f(1); "a"; [1]'])).stdout, '2 a [1]\n');
  t.equal((await opa(['eval', '-d', dir, '-f', 'raw', 'x := 1'])).stdout, 'true\n', 'raw prints expression values, not bindings');
  t.equal((await opa(['eval', '-d', dir, '-f', 'values', 'x := data.p.xs[_]'])).stdout, '[\n  true\n]\n[\n  true\n]\n');
  t.equal((await opa(['eval', '-d', dir, '-f', 'bindings', 'x := data.p.xs[_]'])).stdout, '{\n  "x": 1\n}\n{\n  "x": 2\n}\n');
  t.equal((await opa(['eval', '-d', dir, '-f', 'pretty', 'data.p.xs'])).stdout, '[\n  1,\n  2\n]\n');
  t.equal((await opa(['eval', '-d', dir, '-f', 'pretty', 'x := data.p.xs[_]'])).stdout, ['┌───┐', '│ x │', '├───┤', '│ 1 │', '│ 2 │', '└───┘', ''].join('\n'));
  t.equal(
    (await opa(['eval', '-d', dir, '-f', 'pretty', 'x := data.p.xs[_]; data.p.f(x)'])).stdout,
    ['┌───┬─────────────┐', '│ x │ data.p.f(x) │', '├───┼─────────────┤', '│ 1 │ 2           │', '│ 2 │ 3           │', '└───┴─────────────┘', ''].join('\n'),
  );
  t.equal((await opa(['eval', '-f', 'pretty', 'false; true'])).stdout, 'undefined\n');
  t.equal((await opa(['eval', '-f', 'discard', '1'])).stdout, '{\n  "result": "discarded"\n}\n');
  t.equal((await opa(['eval', '"<&>"'])).stdout.includes('"\\u003c\\u0026\\u003e"'), true, "JSON escapes <, & and > as Go's encoder does");
});

t.test("eval errors: OPA's JSON on stdout with --format json, `N error(s) occurred` on stderr otherwise", async (t) => {
  const dir = policyDir(t, { 'bad.rego': 'package bad\n\nr if {\n\tx := count(1, 2)\n}\n' });
  const json = await opa(['eval', '-d', dir, 'data.bad.r']);
  t.equal(json.code, 1);
  const errs = JSON.parse(json.stdout).errors as { message: string; code: string; location: { file: string; row: number; col: number } }[];
  t.equal(errs.length, 1);
  t.equal(errs[0]?.code, 'rego_type_error');
  t.same(errs[0]?.location, { file: join(dir, 'bad.rego'), row: 4, col: errs[0]?.location.col });
  const text = await opa(['eval', '-f', 'pretty', '-d', dir, 'data.bad.r']);
  t.equal(text.code, 1);
  t.match(text.stderr, new RegExp(`^1 error occurred: ${join(dir, 'bad.rego').replace(/[.\\/]/g, '\\$&')}:4:\\d+: rego_type_error: `));

  const parse = await opa(['eval', '-f', 'raw', '-d', policyDir(t, { 'p.rego': 'package p\n\nr if {\n' }), 'data.p.r']);
  t.match(parse.stderr, /^1 error occurred during loading: .*p\.rego:\d+:\d+: rego_parse_error: .*\n\t.*\n\t *\^\n$/, 'a parse error carries the source line and a caret, tab-indented');

  const q = JSON.parse((await opa(['eval', '1 + z'])).stdout).errors[0];
  t.equal(q.code, 'rego_unsafe_var_error');
  t.equal(q.location.file, '', 'the query has no file name, as in opa');
  t.ok(q.location.col <= 5, 'the column is that of the query as written');
});

t.test('test: exit codes and the pretty reporter as opa test', async (t) => {
  const dir = policyDir(t, {
    'a_test.rego': 'package a\n\ntest_ok if true\n\ntest_bad if false\n',
    'b_test.rego': 'package b\n\ntodo_test_later if false\n',
  });
  const quiet = await opa(['test', dir]);
  t.equal(quiet.code, 2);
  t.match(quiet.stdout, new RegExp(`^${join(dir, 'a_test.rego').replace(/[.\\/]/g, '\\$&')}:\\ndata\\.a\\.test_bad: FAIL \\([^)]+\\)\\n\\n.*b_test\\.rego:\\ndata\\.b\\.todo_test_later: SKIPPED\\n-{80}\\nPASS: 1/3\\nFAIL: 1/3\\nSKIPPED: 1/3\\n$`), 'no FAILURES section without -v');
  const verbose = await opa(['test', '-v', dir]);
  // each failure with its trace (Notes and Fails with their lineage), indented, then a blank line
  t.match(verbose.stdout, /^FAILURES\n-{80}\ndata\.a\.test_bad: FAIL \([^)]+\)\n\n {2}query:1 +Enter data\.a\.test_bad = _\n(?: {2}\S+ +\|.*\n)+\nSUMMARY\n-{80}\n/);
  t.match(verbose.stdout, /a_test\.rego:5 +\| \| Fail false\n/);
  t.match(verbose.stdout, /data\.a\.test_ok: PASS/);

  const skipOnly = policyDir(t, { 's_test.rego': 'package s\n\ntest_ok if true\n\ntodo_test_x if true\n' });
  t.equal((await opa(['test', skipOnly])).code, 2, 'a skipped test makes the exit code 2, as opa');
  t.equal((await opa(['test', '-z', skipOnly])).code, 0, 'unless --exit-zero-on-skipped');

  const none = policyDir(t, { 'p.rego': 'package p\n\nr := 1\n' });
  const empty = await opa(['test', none]);
  t.same([empty.code, empty.stdout], [0, ''], 'no tests: nothing printed');
  const failEmpty = await opa(['test', '--fail-on-empty', none]);
  t.same([failEmpty.code, failEmpty.stderr], [1, 'no tests were run\n']);
});

t.test('test: --coverage fails on a test that does not pass (exit 1); --threshold (exit 2)', async (t) => {
  const bad = policyDir(t, { 'p_test.rego': 'package p\n\ntest_bad if false\n' });
  const r = await opa(['test', '--coverage', bad]);
  t.equal(r.code, 1);
  t.match(r.stderr, /^data\.p\.test_bad: FAIL \(/);
  const half = policyDir(t, { 'p.rego': 'package p\n\na := 1\n\nb := 2 if {\n\tinput.x\n}\n', 'p_test.rego': 'package p\n\ntest_a if data.p.a == 1\n' });
  const th = await opa(['test', '--threshold', '100', half]);
  t.equal(th.code, 2);
  t.match(th.stderr, /^Code coverage threshold not met: got \d+\.\d\d instead of 100\.00\n$/);
  t.equal((await opa(['test', '--threshold', '10', half])).code, 0);
});

t.test('test: a compile error is printed as opa does, exit 1; -b reads bundles (directory and archive)', async (t) => {
  const bad = policyDir(t, { 'x_test.rego': 'package x\n\ntest_x if {\n\ty := z\n}\n' });
  const r = await opa(['test', bad]);
  t.equal(r.code, 1);
  t.match(r.stderr, /^(1 error occurred|\d+ errors occurred:\n).*x_test\.rego:4:\d+: rego_unsafe_var_error: var /);

  const dir = policyDir(t, {
    'b/.manifest': JSON.stringify({ roots: ['q'] }),
    'b/q/q.rego': 'package q\n\nv := data.q.limit\n',
    'b/q/q_test.rego': 'package q\n\ntest_v if v == 3\n',
    'b/q/data.json': '{"limit": 3}',
    'b/q/fixture.json': '{"limit": 4}',
  });
  const b = await opa(['test', '-b', '-v', join(dir, 'b')]);
  t.equal(b.code, 0, b.stdout + b.stderr);
  t.match(b.stdout, /data\.q\.test_v: PASS/);
  const files = ['.manifest', 'q/q.rego', 'q/q_test.rego', 'q/data.json'];
  writeFileSync(join(dir, 'b.tar.gz'), await writeTarGz(files.map((f) => ({ name: f, data: readFileSync(join(dir, 'b', f)) }))));
  const tar = await opa(['test', '-b', join(dir, 'b.tar.gz')]);
  t.same([tar.code, tar.stdout], [0, 'PASS: 1/1\n'], tar.stderr);
});

t.test('loader: prefix.path:file places data, archives in directories are bundles, equal leaves still conflict', async (t) => {
  const dir = policyDir(t, { 'limits.json': '{"max": 3}', 'sub/more.json': '{"a": 1}', 'one.json': '{"k": 1}', 'two.json': '{"k": 1}', 'notes.txt': 'package t\n\nr := 1\n' });
  t.same(toJs((await loadPaths([`x.y:${join(dir, 'limits.json')}`], { includeTests: true })).data), { x: { y: { max: 3 } } });
  t.same(toJs((await loadPaths([`z:${join(dir, 'sub')}`], { includeTests: true })).data), { z: { a: 1 } }, 'a prefix on a directory');
  await t.rejects(loadPaths([join(dir, 'one.json'), join(dir, 'two.json')], { includeTests: true }), { code: 'REGO_ERR_DATA_CONFLICT', message: /two\.json: merge error/ }, 'as opa: even the same value twice');
  const named = await loadPaths([join(dir, 'notes.txt')], { includeTests: true });
  t.same(named.modules.map((m) => m.file), [join(dir, 'notes.txt')], 'a file given by name is tried as Rego');
  const ev = await opa(['eval', '-f', 'raw', '-d', `lim:${join(dir, 'limits.json')}`, 'data.lim.max']);
  t.equal(ev.stdout, '3\n', ev.stderr);

  // (a second policyDir in one test replaces the first one's files)

  const withTar = policyDir(t, { 'p.rego': 'package p\n\nr := data.sub.q.v\n' });
  writeFileSync(join(withTar, 'sub.tar.gz'), await writeTarGz([{ name: 'q/data.json', data: Buffer.from('{"v": 7}') }, { name: 'q/q.rego', data: Buffer.from('package q\n\ns := 1\n') }]));
  const l = await loadPaths([withTar], { includeTests: true });
  t.same(toJs(l.data), { q: { v: 7 }, system: { bundle: { manifest: { revision: '', roots: [''] } } } }, 'an archive in a directory is read as a bundle, its manifest in data, as opa eval -d / opa test do');
  t.equal(l.modules.length, 2);
  const skipped = await loadPaths([withTar], { includeTests: false, skipArchives: true });
  t.equal(skipped.modules.length, 1, 'build (no -b) skips archives, as opa build');
});

t.test('check --format json: every error in OPA shape on stderr, exit 1', async (t) => {
  const dir = policyDir(t, { 'e.rego': 'package e\n\na if {\n\tx == 1\n}\n\nb if {\n\ty == 1\n}\n' });
  const r = await opa(['check', '--format', 'json', dir]);
  t.equal(r.code, 1);
  const errs = JSON.parse(r.stderr).errors as { code: string; location: { file: string; row: number } }[];
  t.same(errs.map((e) => [e.code, e.location.row]), [
    ['rego_unsafe_var_error', 4],
    ['rego_unsafe_var_error', 8],
  ]);
  const text = await opa(['check', dir]);
  t.match(text.stderr, /^2 errors occurred:\n.*e\.rego:4:\d+: rego_unsafe_var_error: var x is unsafe\n.*e\.rego:8:\d+: rego_unsafe_var_error: var y is unsafe\n$/);
});

t.test('check -m: at most N compile errors, then OPA\'s "error limit reached"; build -t rego honours prefix:dir', async (t) => {
  const dir = policyDir(t, { 'e/e.rego': 'package e\n\na if {\n\tx == 1\n}\n\nb if {\n\ty == 1\n}\n', 'd/data.json': '{"k": 1}' });
  const r = await opa(['check', '-m', '1', '--format', 'json', join(dir, 'e')]);
  t.same(
    (JSON.parse(r.stderr).errors as { code: string; message: string }[]).map((e) => [e.code, e.message]),
    [
      ['rego_unsafe_var_error', 'var x is unsafe'],
      ['rego_compile_error', 'error limit reached'],
    ],
  );
  const out = join(dir, 'b.tar.gz');
  const b = await opa(['build', '-t', 'rego', '-o', out, `x.y:${join(dir, 'd')}`]);
  t.equal(b.code, 0, b.stderr);
  const { readTarFiles } = await import('../../../src/policy/index.js');
  t.ok((await readTarFiles(readFileSync(out))).has('x/y/data.json'), 'the data file lands below the prefix');
});
