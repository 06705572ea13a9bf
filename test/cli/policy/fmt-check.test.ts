/**
 * `regate policy fmt` and `regate policy check` through the CLI (test/cli/run-regate.ts): files in a temp dir, exit codes.
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { regate, root } from '../run-regate.js';
import { policyDir } from './files.js';


const UGLY = 'package x\nimport rego.v1\nallow if { input.a == 1 }\np contains y if { y := input.ys[_] }\n';
const PRETTY = 'package x\n\nimport rego.v1\n\nallow if input.a == 1\np contains y if y := input.ys[_]\n';

t.test('fmt prints, --list names, --diff shows, --fail exits 1, --write rewrites', async (t) => {
  const dir = policyDir(t, { 'x.rego': UGLY, 'ok.rego': PRETTY.replace('package x', 'package ok') });
  const file = join(dir, 'x.rego');
  const printed = regate(['policy', 'fmt', file]);
  t.equal(printed.code, 0, printed.stderr);
  t.equal(printed.stdout, PRETTY);

  const list = regate(['policy', 'fmt', '--list', dir]);
  t.equal(list.stdout, file + '\n', 'only the file that changes');
  t.equal(regate(['policy', 'fmt', '--list', '--fail', dir]).code, 1);
  t.equal(regate(['policy', 'fmt', '--list', '--fail', join(dir, 'ok.rego')]).code, 0);

  const diff = regate(['policy', 'fmt', '--diff', file]);
  t.match(diff.stdout, /^--- .*x\.rego\n\+\+\+ /);
  t.match(diff.stdout, /\n-allow if \{ input\.a == 1 \}\n/);
  t.match(diff.stdout, /\n\+allow if input\.a == 1\n/);

  t.equal(regate(['policy', 'fmt', '--write', dir]).code, 0);
  t.equal(readFileSync(file, 'utf8'), PRETTY);
  t.equal(regate(['policy', 'fmt', '--fail', '--list', dir]).stdout, '', 'a formatted file is a fixed point');
});

t.test('fmt without a path formats stdin', async (t) => {
  const r = regate(['policy', 'fmt'], root, UGLY);
  t.equal(r.code, 0, r.stderr);
  t.equal(r.stdout, PRETTY);
});

t.test('fmt --v0-compatible writes v0, --v0-v1 writes v1 with import rego.v1, as opa fmt', async (t) => {
  const v0 = 'package x\nallow { input.a == 1 }\np[y] { y := input.ys[_] }\n';
  const dir = policyDir(t, { 'v0.rego': v0 });
  const file = join(dir, 'v0.rego');
  const kept = regate(['policy', 'fmt', '--v0-compatible', file]);
  t.equal(kept.code, 0, kept.stderr);
  t.equal(kept.stdout, 'package x\n\nallow {\n\tinput.a == 1\n}\n\np[y] {\n\ty := input.ys[_]\n}\n');
  const both = regate(['policy', 'fmt', '--v0-v1', file]);
  t.equal(both.code, 0, both.stderr);
  t.equal(both.stdout, 'package x\n\nimport rego.v1\n\nallow if input.a == 1\np contains y if y := input.ys[_]\n');
  t.equal(regate(['policy', 'fmt', '--rego-v1', file]).stdout, both.stdout, '--rego-v1 is --v0-v1');
  const fromV1 = regate(['policy', 'fmt', '--v0-v1', '--v1-compatible'], root, 'package x\n\nallow if input.a == 1\n');
  t.equal(fromV1.stdout, 'package x\n\nimport rego.v1\n\nallow if input.a == 1\n', '--v1-compatible reads v1');
  t.equal(regate(['policy', 'fmt', '--drop-v0-imports'], root, both.stdout).stdout, 'package x\n\nallow if input.a == 1\np contains y if y := input.ys[_]\n');
  t.equal(regate(['policy', 'fmt', '--v0-v1'], root, 'package x\n\nallow if input.a == 1\n').code, 1, 'v1 input is refused by --v0-v1 (read as v0)');
});

t.test('fmt reports a file that does not parse, located, and exits 1', async (t) => {
  const dir = policyDir(t, { 'bad.rego': 'package bad\n\nallow if {\n' });
  const r = regate(['policy', 'fmt', dir]);
  t.equal(r.code, 1);
  t.match(r.stderr, /bad\.rego:\d+:\d+: REGO_ERR_PARSE/);
});

t.test('check: clean policies exit 0; every compile error is printed once, located, with OPA\'s code, and exits 1', async (t) => {
  t.equal(regate(['policy', 'check', 'policies']).code, 0);
  const dir = policyDir(t, { 'e.rego': 'package e\n\nr if {\n\tx := y\n}\n' });
  const r = regate(['policy', 'check', dir]);
  t.equal(r.code, 1);
  const located = r.stderr.split('\n').filter((l) => /e\.rego:\d+:\d+: rego_unsafe_var_error/.test(l));
  t.equal(located.length, 2, 'x and y');
  t.equal(new Set(located).size, 2, 'each printed once');
  const arity = regate(['policy', 'check', policyDir(t, { 'a.rego': 'package a\n\ns if x := count(1, 2)\n' })]);
  t.match(arity.stderr, /a\.rego:3:\d+: rego_type_error/);
});

t.test('check --strict refuses unused imports and assignments; duplicate imports are a v1 compile error', async (t) => {
  const dir = policyDir(t, {
    's.rego': 'package s\n\nimport data.a.b\nimport data.c\n\nr if {\n\tz := 1\n\tc.x\n}\n',
  });
  t.equal(regate(['policy', 'check', dir]).code, 0, 'fine without --strict');
  const r = regate(['policy', 'check', '--strict', dir]);
  t.equal(r.code, 1);
  const located = [...r.stderr.matchAll(/s\.rego:(\d+):\d+: rego_compile_error/g)].map((m) => Number(m[1]));
  t.same(located, [3, 7], 'unused import b, unused z');
  // OPA 1.x refuses two imports of one name in a v1 module, strict or not
  const dup = regate(['policy', 'check', policyDir(t, { 'd.rego': 'package d\n\nimport data.a.b\nimport data.a.b\n' })]);
  t.equal(dup.code, 1);
  t.match(dup.stderr, /d\.rego:4:1: rego_compile_error/);
});
