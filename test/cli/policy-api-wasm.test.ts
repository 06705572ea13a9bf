/**
 * The public API with a ready WASM module (own file: compiling WASM with binaryen is slow on a
 * loaded machine, and it should not eat the time budget of the other API tests).
 */
import t from 'tap';
import { loadPolicyBundle } from '../../src/policy/index.js';

t.test('a ready WASM module runs on the wasm engine', async (t) => {
  const { compileWasm } = await import('../../src/policy/backend/wasm/index.js');
  const modules = [{ file: 'p.rego', text: 'package p\n\nimport rego.v1\n\nallow if input.user in data.p.admins\n' }];
  const js = await loadPolicyBundle({ modules, data: { p: { admins: ['alice'] } }, entrypoints: ['p/allow'], engine: 'js' });
  const { compileToPlan } = await import('../../src/policy/compiler/index.js');
  const wasm = await compileWasm(compileToPlan(modules, { entrypoints: ['p/allow'] }));
  const w = await loadPolicyBundle({ wasm, data: { p: { admins: ['alice'] } }, entrypoints: ['p/allow'], engine: 'wasm' });
  for (const user of ['alice', 'bob']) t.same(w.evaluate('p/allow', { user }), js.evaluate('p/allow', { user }), user);
  await t.rejects(loadPolicyBundle({ wasm, entrypoints: ['p/allow'], engine: 'js' }), TypeError);
});

