// .signatures.json as OPA specifies it: a JWT over the files' digests, verified with jose
// (RS/PS/ES/HS), key ids, scope, excluded files; JSON files hashed in OPA's canonical form.
import t from 'tap';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { regate as runRegate } from '../../cli/run-regate.js';
import { canonicalJson, hashBundleFile, importSigningKey, importVerificationKey, readOpaBundle, readTarFiles, signBundleFiles, verifyBundleFiles, writeTarGz } from '../../../src/policy/index.js';

const files = () =>
  new Map<string, Uint8Array>([
    ['.manifest', Buffer.from('{"revision":"r1","roots":[""]}')],
    ['gw/p.rego', Buffer.from('package gw\nallow := true\n')],
    ['gw/data.json', Buffer.from('{"b": 1.0, "a": ["<&>", "\\u2028"]}')],
  ]);

function pems(type: 'rsa' | 'ec') {
  const k = type === 'rsa' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { priv: k.privateKey.export({ format: 'pem', type: type === 'rsa' ? 'pkcs1' : 'sec1' }).toString(), pub: k.publicKey.export({ format: 'pem', type: 'spki' }).toString() };
}

t.test('canonical JSON: key order, whitespace, number literals and Go string escapes', async (t) => {
  t.equal(canonicalJson('{ "b" : 1.0,\n "a":[ true,null, "<&>\\u2028" ] }'), '{"a":[true,null,"<&>\\u2028"],"b":1.0}');
  const h = (s: string) => hashBundleFile('data.json', Buffer.from(s), 'SHA-256');
  t.equal(h('{"a":1,"b":2}'), h('{\n  "b": 2,\n  "a": 1\n}'), 're-indented and re-ordered: same digest');
  t.not(h('{"a":1}'), h('{"a":1.0}'), 'the number literal counts, as in OPA');
  t.equal(h('{"a":1}'), createHash('sha256').update('{"a":1}').digest('hex'));
  t.equal(hashBundleFile('p.rego', Buffer.from(' x'), 'SHA-256'), createHash('sha256').update(' x').digest('hex'), 'other files: the bytes');
});

for (const [alg, kind] of [['RS256', 'rsa'], ['PS384', 'rsa'], ['ES256', 'ec'], ['HS256', 'hmac']] as const) {
  t.test(`${alg}: signed bundles verify; tampered, unsigned, wrong-key and wrong-scope ones do not`, async (t) => {
    const k = kind === 'hmac' ? { priv: 's3cret-s3cret-s3cret-s3cret-s3cret', pub: 's3cret-s3cret-s3cret-s3cret-s3cret' } : pems(kind);
    const sig = await signBundleFiles(files(), { key: await importSigningKey(k.priv, alg), algorithm: alg, keyid: 'ci', scope: 'write' });
    const keys = { ci: { key: await importVerificationKey(k.pub, alg), algorithm: alg } };
    const signed = new Map([...files(), ['.signatures.json', sig]]);
    const ok = await verifyBundleFiles(signed, { keys, scope: 'write' });
    t.equal(ok.keyid, 'ci');
    t.equal(ok.files.length, 3);
    // through the archive: the reader verifies before it parses
    const archive = await writeTarGz([...signed].map(([name, data]) => ({ name: '/' + name, data })));
    t.equal((await readOpaBundle(archive, { verify: { keys, scope: 'write' } })).manifest.revision, 'r1');

    const tampered = new Map(signed);
    tampered.set('gw/data.json', Buffer.from('{"b": 2, "a": []}'));
    await t.rejects(verifyBundleFiles(tampered, { keys, scope: 'write' }), { code: 'REGO_ERR_BUNDLE_SIGNATURE', message: /gw\/data.json: digest mismatch/ });
    const reindented = new Map(signed);
    reindented.set('gw/data.json', Buffer.from('{\n "a": ["<&>", "\\u2028"],\n "b": 1.0\n}'));
    t.ok(await verifyBundleFiles(reindented, { keys, scope: 'write' }), 'a re-indented data.json still verifies');
    const added = new Map(signed);
    added.set('gw/extra.rego', Buffer.from('package gw\n'));
    await t.rejects(verifyBundleFiles(added, { keys, scope: 'write' }), { message: /gw\/extra.rego is not included/ });
    t.ok(await verifyBundleFiles(added, { keys, scope: 'write', excludeFiles: ['gw/extra.rego'] }), 'an excluded file is not checked');
    const removed = new Map(signed);
    removed.delete('gw/p.rego');
    await t.rejects(verifyBundleFiles(removed, { keys, scope: 'write' }), { message: /in the signature but not in the bundle/ });
    await t.rejects(verifyBundleFiles(files(), { keys }), { code: 'REGO_ERR_BUNDLE_SIGNATURE', message: /not signed/ });
    await t.rejects(verifyBundleFiles(signed, { keys, scope: 'read' }), { message: /scope mismatch/ });
    await t.rejects(verifyBundleFiles(signed, { keys: { other: keys.ci } }), { message: /no verification key with id "ci"/ });
    const other = kind === 'hmac' ? 'another-secret-another-secret-xx' : pems(kind).pub;
    await t.rejects(verifyBundleFiles(signed, { keys: { ci: { key: await importVerificationKey(other, alg), algorithm: alg } }, scope: 'write' }), { message: /does not verify/ });
  });
}

t.test('regate policy build --signing-key and regate policy sign round-trip', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'regate-sign-'));
  mkdirSync(join(dir, 'src', 'gw'), { recursive: true });
  writeFileSync(join(dir, 'src', '.manifest'), '{"roots":["gw"],"metadata":{"team":"a"}}');
  writeFileSync(join(dir, 'src', 'gw', 'p.rego'), 'package gw\nimport rego.v1\nallow if input.x\n');
  writeFileSync(join(dir, 'src', 'gw', 'data.json'), '{"n": 1}');
  const k = pems('ec');
  writeFileSync(join(dir, 'k.pem'), k.priv);
  writeFileSync(join(dir, 'claims.json'), '{"keyid":"ci"}');
  const regate = (args: string[]) => {
    const r = runRegate(['policy', ...args]);
    return { status: r.code, stderr: r.stderr };
  };
  const out = join(dir, 'b.tar.gz');
  const built = regate(['build', '-t', 'rego', '-b', join(dir, 'src'), '--revision', 'v2', '--signing-key', join(dir, 'k.pem'), '--signing-alg', 'ES256', '--claims-file', join(dir, 'claims.json'), '-o', out]);
  t.equal(built.status, 0, built.stderr);
  const keys = { ci: { key: await importVerificationKey(k.pub, 'ES256'), algorithm: 'ES256' } };
  const b = await readOpaBundle(readFileSync(out), { verify: { keys } });
  t.same(b.manifest.raw, { roots: ['gw'], metadata: { team: 'a' }, revision: 'v2' }, 'the -b manifest, with --revision');
  t.same([...b.files.keys()].sort(), ['.manifest', '.signatures.json', 'gw/data.json', 'gw/p.rego']);
  // an unsigned archive, signed afterwards in place
  const plain = join(dir, 'plain.tar.gz');
  t.equal(regate(['build', '-t', 'rego', join(dir, 'src', 'gw'), '-o', plain]).status, 0);
  await t.rejects(readOpaBundle(readFileSync(plain), { verify: { keys } }), { code: 'REGO_ERR_BUNDLE_SIGNATURE' });
  const signed = regate(['sign', plain, '--signing-key', join(dir, 'k.pem'), '--signing-alg', 'ES256', '--claims-file', join(dir, 'claims.json')]);
  t.equal(signed.status, 0, signed.stderr);
  t.ok((await readOpaBundle(readFileSync(plain), { verify: { keys } })).signature, 'signed in place');
  t.ok((await readTarFiles(readFileSync(plain))).has('.signatures.json'));
});
