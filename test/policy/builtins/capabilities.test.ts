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

t.test("the document declares each builtin as OPA does: types, infix and flags, keys in OPA's order", (t) => {
  const doc = JSON.parse(capabilitiesDocument(defaultRegistry)) as { builtins: Record<string, unknown>[]; features: string[]; future_keywords: string[] };
  const by = new Map(doc.builtins.map((b) => [b.name as string, b]));
  t.same(by.get('count'), { name: 'count', decl: { args: [{ of: [{ type: 'string' }, { dynamic: { type: 'any' }, type: 'array' }, { dynamic: { key: { type: 'any' }, value: { type: 'any' } }, type: 'object' }, { of: { type: 'any' }, type: 'set' }], type: 'any' }], result: { type: 'number' }, type: 'function' } });
  t.same(Object.keys((by.get('abs') as { decl: object }).decl), ['args', 'result', 'type']);
  t.same(by.get('plus'), { name: 'plus', decl: { args: [{ type: 'number' }, { type: 'number' }], result: { type: 'number' }, type: 'function' }, infix: '+' });
  t.same(by.get('print'), { name: 'print', decl: { type: 'function', variadic: { type: 'any' } } });
  t.same(by.get('opa.runtime'), { name: 'opa.runtime', decl: { result: { dynamic: { key: { type: 'string' }, value: { type: 'any' } }, type: 'object' }, type: 'function' }, nondeterministic: true });
  t.equal(by.get('walk')?.relation, true);
  t.equal(by.get('re_match')?.deprecated, true);
  for (const nd of ['http.send', 'io.jwt.decode_verify', 'io.jwt.encode_sign', 'io.jwt.encode_sign_raw', 'net.lookup_ip_addr', 'opa.runtime', 'rand.intn', 'time.now_ns', 'uuid.rfc4122']) t.equal(by.get(nd)?.nondeterministic, true, nd);
  t.same(
    (by.get('json.marshal_with_options') as { decl: { args: unknown[] } }).decl.args[1],
    { dynamic: { key: { type: 'string' }, value: { type: 'any' } }, static: [{ key: 'indent', value: { type: 'string' } }, { key: 'prefix', value: { type: 'string' } }, { key: 'pretty', value: { type: 'boolean' } }], type: 'object' },
  );
  t.ok(doc.features.includes('template_strings'));
  for (const name of ['strings.split_n', 'uri.parse', 'uri.is_valid', 'eq', 'assign', 'internal.test_case', 'rego.metadata.rule']) t.ok(by.has(name), name);
  t.end();
});

t.test('every builtin regate implements has a declaration whose operand count is its arity', async (t) => {
  const { BUILTIN_DECLS } = await import('../../../src/policy/builtins/builtin-decls.js');
  for (const [name, def] of defaultRegistry) {
    if (name === 'test.sleep') continue; // regate's own, not OPA's
    const d = BUILTIN_DECLS.get(name);
    t.ok(d, `${name} declared`);
    if (d?.args !== undefined) t.equal(d.args.length, def.arity, name);
  }
});

t.test('a document listing the compiler-planned calls reads back without stubbing them', (t) => {
  const r = registryWithCapabilities('{"builtins":[{"name":"print","decl":{"type":"function","variadic":{"type":"any"}}},{"name":"eq","decl":{"type":"function","args":[{"type":"any"},{"type":"any"}]}},{"name":"count","decl":{"type":"function","args":[{"type":"any"}]}}]}', defaultRegistry);
  t.same([...r.keys()], ['count']);
  t.end();
});
