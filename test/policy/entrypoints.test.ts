/** Which entrypoints a policy defines (the gateway and `policy build` refuse the others). */
import t from 'tap';
import { findUndefinedEntrypoints } from '../../src/policy/entrypoints.js';
import { parseModule } from '../../src/policy/syntax/index.js';
import { loadPolicyBundle } from '../../src/policy/index.js';

const mods = [parseModule('package demo\n\nallow := true\n\ndecision := {"allow": allow}\n\nroles[name] := 1 if some name in input.names\n', 'd.rego')];

t.test('rules, packages, keys inside a rule, ref heads and data paths are defined', (t) => {
  t.same(findUndefinedEntrypoints(mods, ['demo/allow', 'demo', 'demo/decision/allow', 'data.demo.roles', 'demo/roles/x', 'cfg/limit'], { cfg: { limit: 3 } }), []);
  t.same(findUndefinedEntrypoints(mods, ['demo/alow', 'other/allow', 'cfg/nope'], { cfg: { limit: 3 } }), ['demo/alow', 'other/allow', 'cfg/nope']);
  t.end();
});

t.test('loadPolicyBundle refuses an undefined entrypoint with its code and name', async (t) => {
  await t.rejects(loadPolicyBundle({ modules: [{ file: 'd.rego', text: 'package demo\n\nallow := true\n' }], entrypoints: ['demo/alow'], engine: 'js' }), {
    code: 'REGO_ERR_UNKNOWN_ENTRYPOINT',
    entrypoint: 'demo/alow',
  });
});
