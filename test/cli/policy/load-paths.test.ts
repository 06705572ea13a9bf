/**
 * What `regate policy test dir/` and `eval -d dir/` read from a directory: OPA's file loader
 * (every .json/.yaml/.yml file is data at its directory's path, hidden directories included),
 * not the bundle reader (only data.json/data.yaml), which the gateway keeps.
 */
import t from 'tap';
import { join } from 'node:path';
import { loadPaths, loadBundle } from '../../../src/cli/policy/load-paths.js';
import { toJs } from '../../../src/policy/value/index.js';
import { policyDir } from './files.js';

t.test('every data file of a directory is data at the path of its directory', async (t) => {
  const dir = policyDir(t, {
    'p.rego': 'package p\n\nr := 1\n',
    'mock.json': JSON.stringify({ mock: { a: 1 } }),
    'more_mock.yaml': 'mock:\n  b: 2\n',
    'fixtures/users.yml': 'alice: admin\n',
    'fixtures/sub/list.json': '[1, 2]',
    '.hidden/x.json': JSON.stringify({ h: true }),
    'notes.txt': 'not data',
  });
  const { modules, data } = await loadPaths([dir], { includeTests: true });
  t.same(modules.map((m) => m.file), [join(dir, 'p.rego')]);
  t.same(toJs(data), { mock: { a: 1, b: 2 }, fixtures: { alice: 'admin', sub: [1, 2] }, '.hidden': { h: true } });
});

t.test('a YAML file with several documents gives its first one, as OPA reads it', async (t) => {
  const dir = policyDir(t, { 'k.yaml': 'kind: A\n---\nkind: B\n', 'empty/e.yaml': '' });
  t.same(toJs((await loadPaths([dir], { includeTests: true })).data), { kind: 'A', empty: null });
});

t.test('YAML data is read with YAML 1.1 scalars, as OPA (and yaml.unmarshal) read it', async (t) => {
  const dir = policyDir(t, { 'c.yaml': 'enabled: yes\nmode: on\nperm: 0755\nday: 2024-01-02\n' });
  t.same(toJs((await loadPaths([dir], { includeTests: true })).data), { enabled: true, mode: true, perm: 493, day: '2024-01-02' });
  t.same(toJs((await loadPaths([join(dir, 'c.yaml')], { includeTests: true })).data), { enabled: true, mode: true, perm: 493, day: '2024-01-02' });
});

// A GitHub workflow beside the policies (day0ops/opa-ext-authz runs `opa test policies/`, but
// `opa test .` reads .github too): go-yaml v2 reads `context: .` as a string and has no base-60
// numbers; the YAML 1.1 schema's patterns made `.` NaN, which failed the whole load.
t.test('YAML data scalars as go-yaml v2 resolves them: ".", "22:22", 0o17', async (t) => {
  const dir = policyDir(t, { 'wf.yml': 'steps:\n  - with:\n      context: .\n      ports: 22:22\n      mode: 0o17\n' });
  t.same(toJs((await loadPaths([dir], { includeTests: true })).data), { steps: [{ with: { context: '.', ports: '22:22', mode: 15 } }] });
});

t.test('a file at the root of the directory must hold an object; clashing leaves are a conflict', async (t) => {
  const arr = policyDir(t, { 'list.json': '[1]' });
  await t.rejects(loadPaths([arr], { includeTests: true }), { code: 'REGO_ERR_DATA_FILE', message: /list\.json: document must be of type object/ });
  const clash = policyDir(t, { 'a.json': '{"k": 1}', 'b.json': '{"k": 2}' });
  await t.rejects(loadPaths([clash], { includeTests: true }), { code: 'REGO_ERR_DATA_CONFLICT', message: /b\.json: merge error/ });
  const bad = policyDir(t, { 'sub/bad.yaml': 'a: [1\n' });
  await t.rejects(loadPaths([bad], { includeTests: true }), { code: 'REGO_ERR_DATA_FILE', message: /bad\.yaml/ });
});

t.test('a bundle directory still reads only data.json / data.yaml, and skips hidden directories', async (t) => {
  const dir = policyDir(t, {
    'p.rego': 'package p\n\nr := 1\n',
    'roles/data.json': JSON.stringify({ admin: true }),
    'roles/mock.json': JSON.stringify({ other: 1 }),
    '.hidden/data.json': JSON.stringify({ h: true }),
  });
  t.same(toJs((await loadBundle(dir)).data), { roles: { admin: true } });
});

t.test('regoOnly (opa check) reads the .rego files and no data file, not even a malformed one', async (t) => {
  const dir = policyDir(t, { 'p.rego': 'package p\n\nr := 1\n', 'a.json': '{"k": 1}', 'b.json': '{"k": 2}', 'bad.yaml': 'a: [1\n' });
  const r = await loadPaths([dir, join(dir, 'bad.yaml')], { includeTests: true, regoOnly: true });
  t.same(r.modules.map((m) => m.file), [join(dir, 'p.rego')]);
  t.same(toJs(r.data), {});
});
