/** The toolchain's public API (src/policy/index.ts), as the gateway uses it. */
import t from 'tap';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadPolicyBundle, mergeData, readPolicyDir, RegoError, type Policy } from '../../src/policy/index.js';

const GATEWAY = `package gateway

import rego.v1

default decision := {"allow": false, "status": 403}

decision := {"allow": true, "upstream": {"name": data.gateway.upstreams[input.route.id]}} if {
	input.token.sub in data.gateway.users
}
`;

function writeTree(dir: string, files: Record<string, string>): void {
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
}

t.test('loadPolicyBundle compiles a policy dir with its data files and evaluates an entrypoint', async (t) => {
  const dir = t.testdir();
  writeTree(dir, {
    'gateway/gateway.rego': GATEWAY,
    'gateway/gateway_test.rego': 'package gateway_test\n\nimport rego.v1\n\ntest_x if true\n',
    'gateway/data.json': JSON.stringify({ users: ['alice'] }),
    'gateway/upstreams/data.yaml': 'orders: orders-api\n',
  });
  const b = await loadPolicyBundle({ dir, entrypoints: ['gateway/decision'], engine: 'js' });
  t.match(b.revision, /^[0-9a-f]{64}$/);
  t.same(b.evaluate('gateway/decision', { token: { sub: 'alice' }, route: { id: 'orders' } }), { allow: true, upstream: { name: 'orders-api' } });
  t.same(b.evaluate('gateway/decision', { token: { sub: 'mallory' }, route: { id: 'orders' } }), { allow: false, status: 403 });

  // same sources and data → same revision; other data → another revision
  const again = await loadPolicyBundle({ dir, entrypoints: ['gateway/decision'], engine: 'js' });
  t.equal(again.revision, b.revision);
  const other = await loadPolicyBundle({ dir, data: { gateway: { users: ['bob'] } }, entrypoints: ['gateway/decision'], engine: 'js' });
  t.not(other.revision, b.revision);
  t.same(other.evaluate('gateway/decision', { token: { sub: 'bob' }, route: { id: 'orders' } }), { allow: true, upstream: { name: 'orders-api' } });
});

t.test('modules and a ready plan are accepted; an undefined entrypoint value is undefined', async (t) => {
  const b = await loadPolicyBundle({
    modules: [{ file: 'p.rego', text: 'package p\n\nimport rego.v1\n\nallow if input.ok\n' }],
    entrypoints: ['p/allow'],
    engine: 'js',
  });
  t.equal(b.evaluate('p/allow', { ok: true }), true);
  t.equal(b.evaluate('p/allow', { ok: false }), undefined);

  // a hand-made plan: entrypoint "q/v" returns input.v
  const plan: Policy = {
    static: { strings: [{ value: 'v' }, { value: 'result' }], files: [{ value: 'q.rego' }] },
    plans: {
      plans: [
        {
          name: 'q/v',
          blocks: [
            {
              stmts: [
                { type: 'DotStmt', stmt: { source: { type: 'local', value: 0 }, key: { type: 'string_index', value: 0 }, target: 2, file: 0, row: 1, col: 1 } },
                { type: 'MakeObjectStmt', stmt: { target: 3, file: 0, row: 1, col: 1 } },
                { type: 'ObjectInsertStmt', stmt: { key: { type: 'string_index', value: 1 }, value: { type: 'local', value: 2 }, object: 3, file: 0, row: 1, col: 1 } },
                { type: 'ResultSetAddStmt', stmt: { value: 3, file: 0, row: 1, col: 1 } },
              ],
            },
          ],
        },
      ],
    },
  };
  const q = await loadPolicyBundle({ plan, entrypoints: ['q/v'], engine: 'js' });
  t.equal(q.evaluate('q/v', { v: 7 }), 7);
  t.equal(q.evaluate('q/v', {}), undefined);
});

t.test('misuse and errors have stable codes', async (t) => {
  await t.rejects(loadPolicyBundle({ modules: [], entrypoints: [], engine: 'js' }), TypeError);
  await t.rejects(loadPolicyBundle({ entrypoints: ['a/b'], engine: 'js' }), TypeError);
  const plan: Policy = { static: {}, plans: { plans: [{ name: 'p/allow', blocks: [] }] } };
  await t.rejects(loadPolicyBundle({ plan, entrypoints: ['p/nope'], engine: 'js' }), { code: 'REGO_ERR_UNKNOWN_ENTRYPOINT' });
  const conflicting = await loadPolicyBundle({
    modules: [{ file: 'c.rego', text: 'package c\n\nimport rego.v1\n\nv := 1 if input.a\n\nv := 2 if input.b\n' }],
    entrypoints: ['c/v'],
    engine: 'js',
  });
  t.equal(conflicting.evaluate('c/v', { a: true }), 1);
  try {
    conflicting.evaluate('c/v', { a: true, b: true });
    t.fail('no conflict');
  } catch (e) {
    t.ok(e instanceof RegoError);
    t.equal((e as RegoError).opaCode, 'eval_conflict_error');
  }
});

t.test('data files merge at their directory path; conflicting leaves are an error', async (t) => {
  const dir = t.testdir();
  writeTree(dir, { 'data.json': JSON.stringify({ a: { x: 1 } }), 'a/data.json': JSON.stringify({ y: 2 }), 'b/c/data.yml': 'z: [1, 2]\n' });
  const { data, modules } = await readPolicyDir(dir);
  t.same(modules, []);
  t.same(data, { a: { x: 1, y: 2 }, b: { c: { z: [1, 2] } } });
  t.throws(() => mergeData({ a: 1 }, { a: 2 }), { code: 'REGO_ERR_DATA_CONFLICT' });
  t.same(mergeData({ a: 1 }, { a: 1 }), { a: 1 });
  t.same(mergeData({ a: { b: 1, c: 1 } }, { a: { b: 2 } }, 'data', true), { a: { b: 2, c: 1 } });
});
