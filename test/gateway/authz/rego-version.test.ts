/**
 * The Rego dialect of a gateway's policies (issue #16): `policies.rego_version` (default v1), and
 * a bundle's `.manifest` (`rego_version`, `file_rego_versions`) for the files it names, in a
 * policy directory and in a bundle archive of Rego sources (plain `opa build` output).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { createPolicyLoader } from '../../../src/gateway/authz/load.js';
import { loadConfigText } from '../../../src/gateway/config/load.js';
import { ConfigError } from '../../../src/gateway/errors.js';
import { RegoError, writeTar } from '../../../src/policy/index.js';
import { makePolicyDir } from './fixtures.js';

// v0 only: a body without `if`, a partial set without `contains`, a deprecated builtin
const V0 = 'package gw\n\ndecision = {"allow": allow, "tags": tags} { true }\nallow { any([input.a, false]) }\ntags[t] { t := input.tags[_] }\n';
const V1 = 'package lib\n\nshout(s) := u if u := upper(s)\n';

async function decide(load: () => Promise<{ evaluate(e: string, i: unknown): unknown }>): Promise<unknown> {
  return (await load()).evaluate('gw/decision', { a: true, tags: ['x'] });
}

t.test('policies.rego_version: v0 reads v0 policies; the default v1 refuses them, located', async (t) => {
  const pd = makePolicyDir({ 'gw.rego': V0 });
  t.teardown(() => pd.remove());
  t.same(await decide(createPolicyLoader({ dir: pd.dir, engine: 'js', entrypoints: ['gw/decision'], regoVersion: 'v0' })), { allow: true, tags: ['x'] });
  t.same(await decide(createPolicyLoader({ dir: pd.dir, engine: 'wasm', entrypoints: ['gw/decision'], regoVersion: 'v0' })), { allow: true, tags: ['x'] });
  const err = await createPolicyLoader({ dir: pd.dir, engine: 'js', entrypoints: ['gw/decision'] })().catch((e: unknown) => e);
  t.ok(err instanceof RegoError);
  t.equal((err as RegoError).code, 'REGO_ERR_PARSE_RULE');
  t.equal((err as RegoError).location?.line, 3);
});

t.test('a .manifest in the policy directory names the dialect, per file where it says so', async (t) => {
  const pd = makePolicyDir({
    'gw.rego': V0,
    'lib/lib.rego': V1,
    '.manifest': JSON.stringify({ rego_version: 0, file_rego_versions: { 'lib/*.rego': 1 } }),
  });
  t.teardown(() => pd.remove());
  // configured v1, but the manifest wins for its files
  t.same(await decide(createPolicyLoader({ dir: pd.dir, engine: 'js', entrypoints: ['gw/decision'] })), { allow: true, tags: ['x'] });
  pd.write('.manifest', JSON.stringify({ rego_version: 2 }));
  const err = await createPolicyLoader({ dir: pd.dir, engine: 'js', entrypoints: ['gw/decision'] })().catch((e: unknown) => e);
  t.equal((err as RegoError).code, 'REGO_ERR_BUNDLE');
});

t.test('a bundle archive of Rego sources compiles in its manifest dialect', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'regate-bundle-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const enc = (s: string) => new TextEncoder().encode(s);
  const file = join(dir, 'bundle.tar.gz');
  writeFileSync(file, writeTar([
    { name: '/.manifest', data: enc(JSON.stringify({ revision: 'r1', rego_version: 0 })) },
    { name: '/gw/gw.rego', data: enc(V0) },
    { name: '/gw/data.json', data: enc('{"limit": 3}') },
  ]));
  const p = await createPolicyLoader({ bundle: file, engine: 'js', entrypoints: ['gw/decision'] })();
  t.same(p.evaluate('gw/decision', { a: true, tags: ['y'] }), { allow: true, tags: ['y'] });
});

t.test('config: policies.rego_version defaults to v1 and takes v0 or v1 only', async (t) => {
  const base = 'listen: { port: 0 }\nupstreams: { up: { url: "http://127.0.0.1:9" } }\nroutes: [ { id: r, match: { path_prefix: / }, upstream: up } ]\n';
  t.equal(loadConfigText(base + 'policies: { dir: . }\n', { env: {} }).policies?.rego_version, 'v1');
  t.equal(loadConfigText(base + 'policies: { dir: ., rego_version: v0 }\n', { env: {} }).policies?.rego_version, 'v0');
  t.throws(() => loadConfigText(base + 'policies: { dir: ., rego_version: v2 }\n', { env: {} }), ConfigError);
});
