import t from 'tap';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createJsEvaluator } from '../../src/policy/backend/js/index.js';
import type { Policy } from '../../src/policy/ir/types.js';
import { regate, root } from './run-regate.js';

function policyDir(t: Tap.Test, files: Record<string, string>): string {
  const dir = t.testdir();
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

const AUTHZ = `package authz

import rego.v1

default allow := false

allow if input.user in data.authz.admins

greeting := sprintf("hello %s", [input.user])
`;

t.test('policy test runs test_ rules like opa test -v and exits 1 on a failure', async (t) => {
  const dir = policyDir(t, {
    'authz/authz.rego': AUTHZ,
    'authz/data.json': JSON.stringify({ admins: ['alice'] }),
    'authz/authz_test.rego': `package authz_test

import rego.v1
import data.authz

test_admin_allowed if authz.allow with input as {"user": "alice"}

test_guest_denied if not authz.allow with input as {"user": "guest"}

test_wrong_expectation if authz.allow with input as {"user": "guest"}
`,
  });
  const r = regate(['policy', 'test', dir]);
  t.equal(r.code, 1, r.stderr);
  t.match(r.stdout, /data\.authz_test\.test_admin_allowed: PASS/);
  t.match(r.stdout, /data\.authz_test\.test_guest_denied: PASS/);
  t.match(r.stdout, /data\.authz_test\.test_wrong_expectation: FAIL/);
  t.match(r.stdout, /PASS: 2\/3\nFAIL: 1\/3\n$/);
});

t.test('policy test on the shipped example policies passes', async (t) => {
  const r = regate(['policy', 'test', 'policies']);
  t.equal(r.code, 0, r.stdout + r.stderr);
  t.match(r.stdout, /\nPASS: (\d+)\/\1\n$/);
});

t.test('policy eval prints opa eval -f json style results', async (t) => {
  const dir = policyDir(t, { 'authz/authz.rego': AUTHZ, 'authz/data.json': JSON.stringify({ admins: ['alice'] }) });
  const input = join(dir, 'input.json');
  writeFileSync(input, JSON.stringify({ user: 'alice' }));

  const single = regate(['policy', 'eval', '-d', dir, '-i', input, 'data.authz.greeting']);
  t.equal(single.code, 0, single.stderr);
  t.same(JSON.parse(single.stdout), { result: [{ expressions: [{ value: 'hello alice', text: 'data.authz.greeting' }] }] });

  const vars = regate(['policy', 'eval', '-d', dir, '-i', input, 'x := data.authz.admins[i]']);
  t.equal(vars.code, 0, vars.stderr);
  t.same(JSON.parse(vars.stdout).result.map((r: { bindings: unknown }) => r.bindings), [{ x: 'alice', i: 0 }]);

  const undef = regate(['policy', 'eval', '-d', dir, 'data.authz.nothing_here']);
  t.equal(undef.code, 0, undef.stderr);
  t.same(JSON.parse(undef.stdout), {});
});

t.test('policy build -t plan writes an ir.Policy the JS back end runs', async (t) => {
  const dir = policyDir(t, { 'authz/authz.rego': AUTHZ, 'authz/data.json': JSON.stringify({ admins: ['alice'] }) });
  const out = join(dir, 'plan.json');
  const r = regate(['policy', 'build', dir, '-e', 'authz/allow', '-t', 'plan', '-o', out]);
  t.equal(r.code, 0, r.stderr);
  const plan = JSON.parse(readFileSync(out, 'utf8')) as Policy;
  const ev = createJsEvaluator(plan, { data: { authz: { admins: ['alice'] } } });
  t.same(ev.plans, ['authz/allow']);
  t.same(ev.evaluate('authz/allow', { user: 'alice' }), [{ result: true }]);
  t.same(ev.evaluate('authz/allow', { user: 'bob' }), [{ result: false }]);

  const js = join(dir, 'policy.mjs');
  t.equal(regate(['policy', 'build', dir, '-e', 'data.authz.allow', '-t', 'js', '-o', js]).code, 0);
  const mod = (await import(js)) as { plan: Policy; entrypoints: string[] };
  t.same(mod.entrypoints, ['authz/allow']);
  t.same(createJsEvaluator(mod.plan, { data: { authz: { admins: ['x'] } } }).evaluate('authz/allow', { user: 'x' }), [{ result: true }]);
});

t.test('usage and compile errors exit 2', async (t) => {
  t.equal(regate(['policy']).code, 2);
  t.equal(regate(['policy', 'frobnicate']).code, 2);
  t.equal(regate(['policy', 'build', join(root, 'policies')]).code, 2, 'build needs -e');
  const dir = policyDir(t, { 'bad.rego': 'package bad\n\nallow if {' });
  const r = regate(['policy', 'eval', '-d', dir, 'data.bad.allow']);
  t.equal(r.code, 2);
  t.match(r.stderr, /bad\.rego:\d+:\d+/, 'the error names file:line:col');
});
