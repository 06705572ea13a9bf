/**
 * Flags of the `opa` commands that real libraries' CI use: `check --v0-v1`, `build -e` paths,
 * `--capabilities` as the complete set of builtins (a file or a version name), and
 * `test --explain`.
 */
import t from 'tap';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Policy } from '../../../src/policy/ir/types.js';
import { regate } from '../run-regate.js';
import { policyDir } from './files.js';

t.test('check --v0-v1: v0 syntax under v1 checks (OPA RegoV0CompatV1)', async (t) => {
  const dir = policyDir(t, {
    'old.rego': 'package a\n\nallow {\n\tinput.x == 1\n}\n',
    'both.rego': 'package b\n\nimport rego.v1\n\nallow if {\n\tinput.x == 1\n}\n\ndeny contains "x" if true\n',
    'v1only.rego': 'package c\n\nallow if {\n\tinput.x == 1\n}\n',
    'future.rego': 'package d\n\nimport future.keywords.contains\nimport future.keywords.if\n\ndeny contains x if x := 1\n',
    'shadow.rego': 'package e\n\nimport rego.v1\n\nf(input) := 1\n',
  });
  const f = (name: string): string => join(dir, name);
  t.equal(regate(['policy', 'check', '--v0-v1', f('both.rego')]).code, 0, 'imports rego.v1 and uses if/contains: both versions read it');
  t.equal(regate(['policy', 'check', '--v0-v1', f('future.rego')]).code, 0, 'the future keywords it uses are imported');
  t.equal(regate(['policy', 'check', f('v1only.rego')]).code, 0, 'v1 alone reads it');
  const old = regate(['policy', 'check', '--v0-v1', f('old.rego')]);
  t.equal(old.code, 1);
  t.match(old.stderr, /old\.rego:3:1: rego_parse_error: `if` keyword is required before rule body/);
  const v1only = regate(['policy', 'check', '--v0-v1', f('v1only.rego')]);
  t.equal(v1only.code, 1, 'without the import, v0 reads `if` as a name');
  t.match(v1only.stderr, /rego_parse_error/);
  t.equal(regate(['policy', 'check', '--v0-compatible', f('old.rego')]).code, 0, '--v0-compatible alone reads v0');
  t.equal(regate(['policy', 'check', '--v0-v1', '--v0-compatible', f('old.rego')]).code, 1, '--v0-v1 takes precedence, as opa');
  const json = regate(['policy', 'check', '--v0-v1', '-f', 'json', f('shadow.rego')]);
  t.equal(json.code, 1);
  t.equal(JSON.parse(json.stderr).errors[0].code, 'rego_compile_error', "v1's compile checks apply too");
});

t.test('build -e: a slash-separated path below data, as opa build (ParseDataPath)', async (t) => {
  const dir = policyDir(t, { 'c.rego': 'package bundle.compliance\n\nallow := true\n\nreport := {"ok": allow}\n', 'k.rego': 'package x\n\ny["a.b"] := 1\n' });
  const build = (e: string): { code: number | null; plan?: Policy; stdout: string } => {
    const out = join(dir, 'plan.json');
    const r = regate(['policy', 'build', dir, '-e', e, '-o', out]);
    return r.code === 0 ? { code: 0, plan: JSON.parse(readFileSync(out, 'utf8')) as Policy, stdout: r.stdout } : { code: r.code, stdout: r.stdout };
  };
  t.same(build('bundle/compliance').plan?.plans.plans?.map((p) => p.name), ['bundle/compliance']);
  t.same(build('/bundle/compliance/allow').plan?.plans.plans?.map((p) => p.name), ['bundle/compliance/allow'], 'a leading slash is optional');
  t.same(build('data.bundle.compliance.report').plan?.plans.plans?.map((p) => p.name), ['bundle/compliance/report'], "regate's dotted data ref");
  t.same(build('x/y/a.b').plan?.plans.plans?.map((p) => p.name), ['x/y/a.b'], 'a dot inside a segment is part of the key');
  const dotted = build('bundle.compliance');
  t.equal(dotted.code, 1, 'without data. a dotted name is one key, as opa');
  t.match(dotted.stdout, /REGO_ERR_UNKNOWN_ENTRYPOINT/);
  t.equal(build('./bundle/compliance').code, 1, '`.` is a key as opa reads it');
});

t.test('--capabilities is the complete set of builtins: one it does not declare is `undefined function`, as opa', async (t) => {
  const decl = (name: string, n: number): unknown => ({ name, decl: { type: 'function', args: Array.from({ length: n }, () => ({ type: 'any' })), result: { type: 'any' } } });
  const dir = policyDir(t, {
    // OPA 1.x reads v1 only with the rego_v1 feature (ast/parser.go Parse)
    'caps.json': JSON.stringify({ builtins: [decl('count', 1), decl('equal', 2), decl('gt', 2), decl('internal.member_2', 2)], features: ['rego_v1'] }),
    'p/p.rego': 'package p\n\nxs := [1, 2, 3]\n\nn := count(xs)\n\nok if every x in xs { x > 0 }\n\nhas2 if 2 in xs\n',
    'q/q.rego': 'package q\n\ns := concat(",", ["a"])\n\nt := upper("a")\n',
  });
  const caps = join(dir, 'caps.json');
  t.equal(regate(['policy', 'check', '--capabilities', caps, join(dir, 'p')]).code, 0, 'uses only declared builtins');
  const ev = regate(['policy', 'eval', '--capabilities', caps, '-d', join(dir, 'p'), '-f', 'raw', '[data.p.n, data.p.ok, data.p.has2]']);
  t.equal(ev.stdout, '[3,true,true]\n', ev.stderr);
  const q = regate(['policy', 'check', '-f', 'json', '--capabilities', caps, join(dir, 'q')]);
  t.equal(q.code, 1);
  const errs = (JSON.parse(q.stderr) as { errors: { code: string; message: string; location: { row: number } }[] }).errors;
  t.same(errs.map((e) => [e.code, e.message, e.location.row]), [
    ['rego_type_error', 'undefined function concat', 3],
    ['rego_type_error', 'undefined function upper', 5],
  ]);
  t.equal(regate(['policy', 'check', join(dir, 'q')]).code, 0, "without the file, regate's builtins");
  const build = regate(['policy', 'build', '--capabilities', caps, '-e', 'q/s', join(dir, 'q'), '-o', join(dir, 'plan.json')]);
  t.equal(build.code, 1, 'build takes it too');
  t.match(build.stdout, /^error: 2 errors occurred:\n.*undefined function concat/);

  const own = regate(['policy', 'capabilities']);
  t.equal(own.code, 0);
  const file = join(dir, 'own.json');
  writeFileSync(file, own.stdout);
  t.equal(regate(['policy', 'check', '--capabilities', file, join(dir, 'q')]).code, 0, "`policy capabilities` prints regate's own set, read back as it");
  t.equal(regate(['policy', 'capabilities', '--file', file]).stdout, own.stdout);
  t.equal(regate(['policy', 'capabilities', '--file', join(dir, 'p', 'p.rego')]).code, 1, 'a file that is no capabilities document');

  const version = regate(['policy', 'check', '--capabilities', 'v0.50.0', join(dir, 'q')]);
  t.equal(version.code, 2, 'a version name: a usage error naming what to give instead');
  t.match(version.stderr, /--capabilities v0\.50\.0: capabilities by OPA version name are not built into regate; give the file/);
});

t.test('--capabilities future_keywords and features, as OPA Parser.Parse applies them', async (t) => {
  const eq = { name: 'equal', decl: { type: 'function', args: [{ type: 'any' }, { type: 'any' }], result: { type: 'boolean' } } };
  const dir = policyDir(t, {
    // an OPA 0.4x file: no features, the keywords of its time
    'old.json': JSON.stringify({ builtins: [eq], future_keywords: ['in'] }),
    'v059.json': JSON.stringify({ builtins: [eq], future_keywords: ['contains', 'every', 'if', 'in'], features: ['rego_v1_import'] }),
    'bad.json': JSON.stringify({ builtins: [eq], future_keywords: ['maybe'] }),
    'v1/p.rego': 'package p\n\nallow if input.x == 1\n',
    'in/p.rego': 'package p\n\nimport future.keywords.in\n\nallow {\n\tinput.x == 1\n}\n',
    'if/p.rego': 'package p\n\nimport future.keywords.if\n\nallow if input.x == 1\n',
    'all/p.rego': 'package p\n\nimport future.keywords\n\nallow if input.x == 1\n',
    'regov1/p.rego': 'package p\n\nimport rego.v1\n\nallow if input.x == 1\n',
  });
  const f = (name: string): string => join(dir, name);
  const v1 = regate(['policy', 'check', '--capabilities', f('old.json'), f('v1')]);
  t.equal(v1.code, 1, 'no rego_v1 feature: v1 is not read');
  t.match(v1.stderr, /rego_parse_error: illegal capabilities: rego_v1 feature required for parsing v1 Rego/);
  t.equal(regate(['policy', 'check', '--v0-compatible', '--capabilities', f('old.json'), f('in')]).code, 0, 'v0 importing a listed keyword');
  const ifImport = regate(['policy', 'check', '--v0-compatible', '--capabilities', f('old.json'), f('if')]);
  t.equal(ifImport.code, 1, 'a keyword the file does not list');
  t.match(ifImport.stderr, /p\.rego:3:8: rego_parse_error: unexpected keyword, must be one of \[in\]/);
  t.equal(regate(['policy', 'check', '--v0-compatible', '--capabilities', f('old.json'), f('all')]).code, 1, '`import future.keywords` brings only the listed ones: `if` is no keyword');
  const regoV1 = regate(['policy', 'check', '--v0-compatible', '--capabilities', f('old.json'), f('regov1')]);
  t.equal(regoV1.code, 1);
  t.match(regoV1.stderr, /rego_parse_error: invalid import, `rego\.v1` is not supported by current capabilities/);
  t.equal(regate(['policy', 'check', '--v0-compatible', '--capabilities', f('v059.json'), f('regov1')]).code, 0, 'rego_v1_import (OPA 0.59+)');
  t.equal(regate(['policy', 'check', '--v0-compatible', '--capabilities', f('v059.json'), f('if')]).code, 0);
  const bad = regate(['policy', 'check', '--capabilities', f('bad.json'), f('v1')]);
  t.equal(bad.code, 2);
  t.match(bad.stderr, /illegal capabilities: unknown keyword: maybe/);
});

t.test('test -v / --explain: the trace of each failure under FAILURES, as opa test', async (t) => {
  const dir = policyDir(t, {
    'p.rego': 'package p\n\nallow if {\n\tinput.user == "alice"\n\ttrace("checked user")\n}\n',
    'p_test.rego':
      'package p_test\n\nimport data.p\n\ntest_allow if {\n\tp.allow with input as {"user": "alice"}\n}\n\ntest_bad if {\n\ttrace("about to fail")\n\tp.allow with input as {"user": "bob"}\n}\n',
  });
  const rows = (out: string): string[] => out.split('\n').filter((l) => /^ {2}\S+:\d+ +/.test(l)).map((l) => l.trim().replace(/^\S+:(\d+) +/, '$1 '));
  const v = regate(['policy', 'test', '-v', dir]);
  t.equal(v.code, 2);
  const failures = v.stdout.slice(0, v.stdout.indexOf('SUMMARY'));
  t.match(failures, /^FAILURES\n-{80}\ndata\.p_test\.test_bad: FAIL \([^)]+\)\n\n {2}query:1 +Enter data\.p_test\.test_bad = _\n/);
  // -v alone: Notes and Fails with the Enter events that led to them (cmd/test.go filterTrace)
  t.same(rows(failures), [
    '1 Enter data.p_test.test_bad = _',
    '9 | Enter data.p_test.test_bad',
    '10 | | Note "about to fail"',
    '3 | | Enter data.p.allow',
    '4 | | | Fail input.user == "alice"',
    '11 | | Fail p.allow with input as {"user": "bob"}',
    '1 | Fail data.p_test.test_bad = _',
  ]);
  t.match(v.stdout, /SUMMARY\n-{80}\n.*p_test\.rego:\ndata\.p_test\.test_allow: PASS/s, 'the passing test is listed without a trace');
  t.notMatch(v.stdout.slice(v.stdout.indexOf('SUMMARY')), /Enter/);

  const notes = regate(['policy', 'test', '--explain', 'notes', dir]);
  t.same(rows(notes.stdout), ['1 Enter data.p_test.test_bad = _', '9 | Enter data.p_test.test_bad', '10 | | Note "about to fail"'], 'notes: the Note and its lineage');
  const fails = regate(['policy', 'test', '--explain', 'fails', dir]);
  t.same(rows(fails.stdout).filter((r) => r.includes('Note')), [], 'fails: no Note');
  t.ok(rows(fails.stdout).includes('4 | | | Fail input.user == "alice"'));
  const full = regate(['policy', 'test', '--explain=full', dir]);
  t.ok(rows(full.stdout).some((r) => r.startsWith('3 | | Enter data.p.allow')) && rows(full.stdout).length >= rows(v.stdout).length);

  const json = regate(['policy', 'test', '-v', '-f', 'json', dir]);
  const results = JSON.parse(json.stdout) as { name: string; trace?: { Op: string; Message: string; QueryID: number; ParentID: number }[] }[];
  const bad = results.find((r) => r.name === 'test_bad');
  t.same(bad?.trace?.map((e) => e.Op), ['Enter', 'Enter', 'Note', 'Enter', 'Fail', 'Fail', 'Fail'], "tester.Result's trace");
  t.equal(bad?.trace?.[2]?.Message, 'about to fail');
  const plain = JSON.parse(regate(['policy', 'test', '-f', 'json', dir]).stdout) as { trace?: unknown }[];
  t.ok(plain.every((r) => r.trace === undefined), 'no trace without -v or --explain');
});

t.test('--v1-compatible is accepted (the default), --rego-v1 is --v0-v1, build --ignore skips files', async (t) => {
  const dir = policyDir(t, {
    'p/a.rego': 'package a\n\nallow if input.x == 1\n',
    'p/old.rego': 'package old\n\nallow { true }\n',
    'p/scratch/tmp.rego': 'package tmp\n\nnot valid rego\n',
  });
  t.equal(regate(['policy', 'check', '--v1-compatible', join(dir, 'p', 'a.rego')]).code, 0);
  t.equal(regate(['policy', 'check', '--v1-compatible', '--v0-compatible', join(dir, 'p', 'old.rego')]).code, 0, '--v0-compatible takes precedence, as opa');
  t.equal(regate(['policy', 'check', '--rego-v1', join(dir, 'p', 'old.rego')]).code, 1, '--rego-v1: the v0-v1 check');
  const out = join(dir, 'plan.json');
  t.equal(regate(['policy', 'build', join(dir, 'p'), '-e', 'a/allow', '-o', out]).code, 1, 'the broken file is read');
  const built = regate(['policy', 'build', '--ignore', 'scratch', '--ignore', 'old.rego', join(dir, 'p'), '-e', 'a/allow', '-o', out]);
  t.equal(built.code, 0, built.stdout);
  const rego = regate(['policy', 'build', '-t', 'rego', '--ignore', 'scratch', '--ignore', 'old.rego', join(dir, 'p'), '-o', join(dir, 'b.tar.gz')]);
  t.match(rego.stdout, /\(rego bundle; 2 files\)/, 'a.rego and the .manifest');
});

t.test('build -t rego compiles the sources it bundles, as opa build (with --capabilities too)', async (t) => {
  const dir = policyDir(t, { 'p/a.rego': 'package a\n\nallow if upper(input.x) == "A"\n', 'bad/b.rego': 'package b\n\nallow if nothing_here(1)\n' });
  const out = join(dir, 'b.tar.gz');
  t.equal(regate(['policy', 'build', '-t', 'rego', join(dir, 'p'), '-o', out]).code, 0);
  const bad = regate(['policy', 'build', '-t', 'rego', join(dir, 'bad'), '-o', out]);
  t.equal(bad.code, 1);
  t.match(bad.stdout, /^error: 1 error occurred: .*b\.rego:3:\d+: rego_type_error: undefined function nothing_here/);
  writeFileSync(join(dir, 'caps.json'), JSON.stringify({ builtins: [{ name: 'equal', decl: { type: 'function', args: [{ type: 'any' }, { type: 'any' }], result: { type: 'boolean' } } }], features: ['rego_v1'] }));
  const caps = regate(['policy', 'build', '-t', 'rego', '--capabilities', join(dir, 'caps.json'), join(dir, 'p'), '-o', out]);
  t.equal(caps.code, 1);
  t.match(caps.stdout, /undefined function upper/);
});
