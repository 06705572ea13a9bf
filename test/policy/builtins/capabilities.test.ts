/** OPA capabilities files: the complete set of builtins, those a host program adds declared so policies using them compile. */
import t from 'tap';
import { CapabilitiesError, capabilitiesDocument, registryWithCapabilities } from '../../../src/policy/builtins/capabilities.js';
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
  t.equal(r.get('sprintf'), undefined, 'a regate builtin the file does not declare is unknown, as in OPA');
  t.same([...r.keys()], ['count', 'ec.oci.blob', 'regal.parse_module']);
  const e = thrown(() => r.get('ec.oci.blob')!.impl(['x'], ctx()));
  t.ok(e instanceof RegoError && e.code === 'REGO_ERR_UNSUPPORTED_BUILTIN' && e.opaCode === 'eval_internal_error', 'unsupported built-in');
  t.equal(registryWithCapabilities('{"builtins": []}', defaultRegistry).size, 0, 'an empty list declares none');
  t.equal(registryWithCapabilities('{}', defaultRegistry).size, 0, 'no list declares none (as OPA unmarshals it)');
  t.end();
});

t.test("regate's own capabilities document reads back as the same set", (t) => {
  const doc = capabilitiesDocument(defaultRegistry);
  t.equal(registryWithCapabilities(doc, defaultRegistry), defaultRegistry);
  const parsed = JSON.parse(doc) as { builtins: { name: string; decl: { args?: unknown[] } }[] };
  const count = parsed.builtins.find((b) => b.name === 'count');
  t.equal(count?.decl.args?.length, 1);
  t.end();
});

t.test('a file that is no capabilities document is refused', (t) => {
  for (const text of ['{', '{"builtins": {}}', '{"builtins": [{"decl": {}}]}']) t.ok(thrown(() => registryWithCapabilities(text, defaultRegistry)) instanceof CapabilitiesError, text);
  t.end();
});
