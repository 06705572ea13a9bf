/** OPA capabilities files: builtins a host program adds, declared so policies using them compile. */
import t from 'tap';
import { CapabilitiesError, registryWithCapabilities } from '../../../src/policy/builtins/capabilities.js';
import { defaultRegistry } from '../../../src/policy/builtins/index.js';
import { RegoError } from '../../../src/policy/errors.js';
import { ctx } from './helpers.js';

function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  return undefined;
}

const CAPS = JSON.stringify({
  builtins: [
    { name: 'count', decl: { type: 'function', args: [{ type: 'any' }], result: { type: 'number' } } },
    { name: 'ec.oci.blob', decl: { type: 'function', args: [{ type: 'string' }], result: { type: 'string' } } },
    { name: 'regal.parse_module', decl: { type: 'function', args: [{ type: 'string' }, { type: 'string' }], result: { type: 'any' } } },
  ],
});

t.test('a declared builtin regate lacks is known with its arity and raises "unsupported built-in"', (t) => {
  const r = registryWithCapabilities(CAPS, defaultRegistry);
  t.equal(r.get('ec.oci.blob')?.arity, 1);
  t.equal(r.get('regal.parse_module')?.arity, 2);
  t.equal(r.get('count'), defaultRegistry.get('count'), 'a builtin regate has keeps its implementation');
  t.ok(r.get('sprintf'), 'regate builtins the file does not list stay available');
  const e = thrown(() => r.get('ec.oci.blob')!.impl(['x'], ctx()));
  t.ok(e instanceof RegoError && e.code === 'REGO_ERR_UNSUPPORTED_BUILTIN' && e.opaCode === 'eval_internal_error', 'unsupported built-in');
  t.equal(registryWithCapabilities('{"builtins": []}', defaultRegistry), defaultRegistry);
  t.end();
});

t.test('a file that is no capabilities document is refused', (t) => {
  for (const text of ['{', '{"builtins": {}}', '{"builtins": [{"decl": {}}]}']) t.ok(thrown(() => registryWithCapabilities(text, defaultRegistry)) instanceof CapabilitiesError, text);
  t.end();
});
