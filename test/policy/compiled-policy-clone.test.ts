/**
 * A compiled policy set crosses a thread boundary by structured clone (compiled-policy.ts): the
 * compile thread sends it, the serving thread instantiates it. Whatever a clone would flatten must
 * survive: sets, objects with non-string keys, and numbers kept as their literal text (`1.0`,
 * `1e400`, which OPA prints as written). Compared with the same policy loaded in place.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { compilePolicyBundle, instantiatePolicyBundle, loadPolicyBundle, readOpaBundle, stringifyJson, toJs, writeTarGz } from '../../src/policy/index.js';

const dir = mkdtempSync(join(tmpdir(), 'regate-clone-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
// data.json written by hand so its numbers keep their text
writeFileSync(join(dir, 'data.json'), '{"limits": {"ratio": 1.0, "huge": 1e400, "plain": 2}}');
writeFileSync(
  join(dir, 'p.rego'),
  [
    'package p',
    'out := {',
    '  "data": json.marshal(data.limits),',
    '  "literal": json.marshal([1.50, 12345678901234567890123]),',
    '  "set": json.marshal({1, 1.0, 2}),',
    '  "keys": json.marshal({[1]: "a"}),',
    '}',
  ].join('\n') + '\n',
);

for (const engine of ['js'] as const) {
  t.test(`engine ${engine}: a cloned compile evaluates as the in-place load`, async (t) => {
    const opts = { dir, entrypoints: ['p/out'], engine };
    const inPlace = await loadPolicyBundle(opts);
    const cloned = await instantiatePolicyBundle(structuredClone(await compilePolicyBundle(opts)), {});
    const want = toJs(inPlace.evaluate('p/out', undefined) as never);
    t.same(want, { data: '{"huge":1e400,"plain":2,"ratio":1.0}', literal: '[1.50,12345678901234567890123]', set: '[1,2]', keys: '{"[1]":"a"}' });
    t.same(toJs(cloned.evaluate('p/out', undefined) as never), want);
    t.equal(cloned.revision, inPlace.revision);
  });
}

t.test('a bundle archive\'s data.json keeps its numbers as written, nested and at the root', async (t) => {
  const enc = (x: string) => new TextEncoder().encode(x);
  const tgz = await writeTarGz([
    { name: 'data.json', data: enc('{"top": 1.0}') },
    { name: 'limits/data.json', data: enc('{"ratio": 2.50, "huge": 1e400, "id": 12345678901234567890123}') },
  ]);
  const b = await readOpaBundle(tgz);
  t.equal(stringifyJson(b.data), '{"limits":{"huge":1e400,"id":12345678901234567890123,"ratio":2.50},"top":1.0}');
});
