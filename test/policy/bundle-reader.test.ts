// regate runs what `opa build` writes: bundle.tar.gz (wasm or plan) or a bare policy.wasm/plan.
import t from 'tap';
import { gzipSync } from 'node:zlib';
import { compileToPlan, loadPolicyBundle, readOpaBundle, readPolicyDir } from '../../src/policy/index.js';
import { buildBundle, compileWasm, writeTar } from '../../src/policy/backend/wasm/index.js';

const input = (sub: string) => ({ request: { method: 'GET', path: '/car/insurance', headers: {} }, token: { sub, scope: [], claims: { sub } }, route: { id: 'r', upstream: 'car' } });

t.test('a wasm bundle (OPA layout) loads with its data and decides', async (t) => {
  const { modules, data } = await readPolicyDir('policies');
  const plan = compileToPlan(modules, { entrypoints: ['insurance/decision'] });
  const archive = buildBundle({ wasm: await compileWasm(plan), entrypoints: ['insurance/decision'], data });
  const b = await readOpaBundle(archive);
  t.ok(b.wasm, 'policy.wasm found');
  t.same((b.manifest.raw as { wasm: { entrypoint: string }[] }).wasm[0]?.entrypoint, 'insurance/decision');
  const p = await loadPolicyBundle({ wasm: b.wasm!, data: b.data, entrypoints: ['insurance/decision'], engine: 'wasm' });
  t.match(p.evaluate('insurance/decision', input('alice') as never), { allow: true, upstream: { path: '/car/alice/get_my_insurance' } }, 'data.json from the bundle is used');
  t.match(p.evaluate('insurance/decision', input('bob') as never), { allow: false });

  // The same plan as `opa build -t plan` packs it, through the JS back end.
  const planBundle = await readOpaBundle(gzipSync(writeTar([{ name: '/plan.json', data: Buffer.from(JSON.stringify(plan)) }, { name: '/data.json', data: Buffer.from(JSON.stringify(data)) }])));
  const q = await loadPolicyBundle({ plan: planBundle.plan!, data: planBundle.data, entrypoints: ['insurance/decision'], engine: 'js' });
  t.match(q.evaluate('insurance/decision', input('alice') as never), { allow: true });
  t.ok((await readOpaBundle(Buffer.from(JSON.stringify(plan)))).plan, 'a bare plan JSON is read');
});

t.test('corrupt bundles are refused with REGO_ERR_BUNDLE', async (t) => {
  // a data-only bundle is valid (OPA serves data and policy in separate bundles)
  t.same((await readOpaBundle(gzipSync(writeTar([{ name: '/data.json', data: Buffer.from('{}') }])))).modules, [], 'data only: no modules');
  await t.rejects(readOpaBundle(gzipSync(writeTar([{ name: '/plan.json', data: Buffer.from('{nope') }]))), { code: 'REGO_ERR_BUNDLE' }, 'bad JSON');
  const tar = writeTar([{ name: '/policy.wasm', data: Buffer.alloc(2000) }]);
  await t.rejects(readOpaBundle(tar.subarray(0, 1024)), { code: 'REGO_ERR_BUNDLE' }, 'truncated');
});
