// OPA bundles in the layouts OPA documents (docs "Bundles" › Bundle file format): Rego sources at
// their package paths, data.json/data.yaml at any depth, .manifest roots / revision /
// rego_version / metadata; long names (PAX and GNU); roots enforced inside one bundle and
// between bundles.
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { loadPolicyBundle, readOpaBundle, toJs, writeTarGz } from '../../../src/policy/index.js';
import { createPolicyLoader } from '../../../src/gateway/authz/index.js';

const enc = (s: string) => Buffer.from(s);
const tgz = (files: Record<string, string>) => writeTarGz(Object.entries(files).map(([name, text]) => ({ name, data: enc(text) })));

// The example of OPA's docs: roots for the policy and the data it owns, data at two depths.
const DOCUMENTED = {
  '/.manifest': JSON.stringify({ revision: '7864d60dd78d748dbce54b569e939f5b0dc07486', roots: ['roles', 'http/example/authz'], metadata: { owner: 'ci' } }),
  '/roles/data.json': JSON.stringify({ admins: ['alice'] }),
  '/roles/bindings/data.yaml': 'bob: viewer\n',
  '/http/example/authz/authz.rego': 'package http.example.authz\nimport rego.v1\ndefault allow := false\nallow if input.user in data.roles.admins\nrole := data.roles.bindings[input.user]\n',
  '/http/example/authz/data.json': JSON.stringify({ limits: { max: 3 } }),
};

t.test("OPA's documented layout: sources, nested data, manifest", async (t) => {
  const b = await readOpaBundle(await tgz(DOCUMENTED), { name: 'main' });
  t.equal(b.manifest.revision, '7864d60dd78d748dbce54b569e939f5b0dc07486');
  t.same(b.manifest.roots, ['roles', 'http/example/authz']);
  t.same(b.manifest.metadata, { owner: 'ci' });
  t.same(toJs(b.data), { roles: { admins: ['alice'], bindings: { bob: 'viewer' } }, http: { example: { authz: { limits: { max: 3 } } } } }, 'data.json and data.yaml mounted at their directories');
  const p = await loadPolicyBundle({ modules: b.modules!, data: b.data, entrypoints: ['http/example/authz/allow', 'http/example/authz/role'], engine: 'js' });
  t.equal(p.evaluate('http/example/authz/allow', { user: 'alice' }), true);
  t.equal(p.evaluate('http/example/authz/role', { user: 'bob' }), 'viewer');
});

// OPA's bundle reader decodes data.yaml with util.Unmarshal (sigs.k8s.io/yaml, go-yaml v2), as
// its file loader does: `yes` is true and `0o17` 15 there too, not YAML 1.2's strings.
t.test('a bundle data.yaml is read with go-yaml v2 scalars', async (t) => {
  const b = await readOpaBundle(await tgz({ '/cfg/data.yaml': 'enabled: yes\nmode: 0o17\nat: 12:30\ndir: .\n' }), { name: 'main' });
  t.same(toJs(b.data), { cfg: { enabled: true, mode: 15, at: '12:30', dir: '.' } });
});

t.test('long names: PAX (tar-stream) and GNU (GNU tar) archives', async (t) => {
  const deep = 'a'.repeat(60) + '/' + 'b'.repeat(60) + '/' + 'c'.repeat(40);
  const pax = await readOpaBundle(await tgz({ [`/${deep}/data.json`]: '{"x":1}', '/p.rego': 'package p\nx := data' }));
  t.same(toJs(pax.data), { ['a'.repeat(60)]: { ['b'.repeat(60)]: { ['c'.repeat(40)]: { x: 1 } } } }, 'PAX long path');
  const dir = mkdtempSync(join(tmpdir(), 'regate-gnutar-'));
  mkdirSync(join(dir, 'root', deep), { recursive: true });
  writeFileSync(join(dir, 'root', deep, 'data.json'), '{"y":2}');
  writeFileSync(join(dir, 'root', 'p.rego'), 'package p\nx := data');
  execFileSync('tar', ['--format=gnu', '-czf', join(dir, 'b.tar.gz'), '-C', join(dir, 'root'), '.']);
  const gnu = await readOpaBundle(readFileSync(join(dir, 'b.tar.gz')));
  t.same(toJs(gnu.data), { ['a'.repeat(60)]: { ['b'.repeat(60)]: { ['c'.repeat(40)]: { y: 2 } } } }, 'GNU ././@LongLink path');
  t.equal(gnu.modules?.[0]?.file, '/p.rego');
});

t.test('rego_version and file_rego_versions', async (t) => {
  const b = await readOpaBundle(
    await tgz({
      '/.manifest': JSON.stringify({ rego_version: 1, file_rego_versions: { 'old/*.rego': 0 } }),
      '/old/a.rego': 'package old\nallow { input.x == 1 }\n',
      '/new/b.rego': 'package new\nallow if input.x == 1\n',
    }),
  );
  t.same(b.modules?.map((m) => [m.file, m.regoVersion]), [['/new/b.rego', 'v1'], ['/old/a.rego', 'v0']]);
  const p = await loadPolicyBundle({ modules: b.modules!, entrypoints: ['old/allow', 'new/allow'], engine: 'js' });
  t.equal(p.evaluate('old/allow', { x: 1 }), true, 'the v0 file compiles as v0');
  t.equal(p.evaluate('new/allow', { x: 1 }), true);
  await t.rejects(readOpaBundle(await tgz({ '/.manifest': '{"rego_version": 2}', '/a.rego': 'package a' })), { code: 'REGO_ERR_BUNDLE' });
});

t.test('roots: data and packages outside the roots are refused', async (t) => {
  await t.rejects(readOpaBundle(await tgz({ ...DOCUMENTED, '/users/data.json': '{"u":1}' }), { name: 'main' }), { code: 'REGO_ERR_BUNDLE_ROOTS', message: /main\/users\/data.json: data at \/users/ });
  await t.rejects(readOpaBundle(await tgz({ ...DOCUMENTED, '/data.json': '{"other":1}' })), { code: 'REGO_ERR_BUNDLE_ROOTS' }, 'root data.json with a key outside the roots');
  t.ok(await readOpaBundle(await tgz({ ...DOCUMENTED, '/data.json': '{"roles":{"x":1}}' })), 'root data.json under a root is fine');
  await t.rejects(readOpaBundle(await tgz({ ...DOCUMENTED, '/x/y.rego': 'package http.other\np := 1' })), { code: 'REGO_ERR_BUNDLE_ROOTS', message: /package http.other/ });
});

t.test('two bundles whose roots overlap are refused; disjoint ones load together', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'regate-roots-'));
  const put = async (name: string, files: Record<string, string>) => {
    const file = join(dir, name, 'bundle.tar.gz');
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, await tgz(files));
    return { name, read: async () => readFileSync(file) };
  };
  const authz = await put('authz', { '/.manifest': '{"revision":"a1","roots":["gw"]}', '/gw/p.rego': 'package gw\nimport rego.v1\nallow if data.users[input.u].admin\n' });
  const users = await put('users', { '/.manifest': '{"revision":"u7","roots":["users"]}', '/users/data.json': '{"ann":{"admin":true}}' });
  const load = createPolicyLoader({ engine: 'js', entrypoints: ['gw/allow'], bundles: [authz, users] });
  const p = await load();
  t.same(p.bundles, { authz: { revision: 'a1' }, users: { revision: 'u7' } });
  t.equal(p.evaluate('gw/allow', { u: 'ann' }), true, 'policy of one bundle, data of the other');
  const clash = await put('clash', { '/.manifest': '{"revision":"c","roots":["users/extra"]}', '/users/extra/data.json': '{}' });
  await t.rejects(createPolicyLoader({ engine: 'js', entrypoints: ['gw/allow'], bundles: [authz, users, clash] })(), { code: 'REGO_ERR_BUNDLE_ROOTS', message: /bundles users and clash overlap/ });
  const everything = await put('all', { '/x.rego': 'package x\ny := 1' }); // no manifest: root ''
  await t.rejects(createPolicyLoader({ engine: 'js', entrypoints: ['gw/allow'], bundles: [authz, everything] })(), { code: 'REGO_ERR_BUNDLE_ROOTS' });
});
