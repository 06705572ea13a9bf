/**
 * rand.intn, uuid.*, opa.runtime, trace, internal.print, test.sleep — values from OPA's cases
 * (cases/v1/uuid, rand) and OPA's documented behaviour.
 */
import t from 'tap';
import { RSet } from '../../../../src/policy/value/index.js';
import { asJson, call, loadCases, makeCtx } from '../corpus-helpers.js';

t.test('opa.runtime exposes env; trace is true', (t) => {
  t.same(call('opa.runtime', [], makeCtx({ env: { A: '1' } })), { env: { A: '1' } });
  t.equal(call('trace', ['note']), true);
  t.throws(() => call('trace', [1]), { code: 'REGO_ERR_BUILTIN_TYPE' });
  t.end();
});

t.test('test.sleep accepts Go durations', (t) => {
  t.equal(call('test.sleep', ['1ms']), true);
  t.throws(() => call('test.sleep', ['soon']), { code: 'REGO_ERR_BUILTIN' });
  t.end();
});

t.test('rego.parse_module returns OPA JSON AST', (t) => {
  const m = call('rego.parse_module', ['x.rego', 'package foo.bar\n\nimport rego.v1\nimport data.a\n\np if { a = true }\nq := count(input.x) if input.y > 1\n']) as Record<string, unknown>;
  const json = asJson(m as never) as {
    package: { path: { type: string; value: string }[] };
    imports: unknown[];
    rules: { head: { name: string; value: unknown; assign?: boolean }; body: { terms: unknown }[] }[];
  };
  t.same(json.package.path, [
    { type: 'var', value: 'data' },
    { type: 'string', value: 'foo' },
    { type: 'string', value: 'bar' },
  ]);
  t.equal(json.imports.length, 2);
  t.same(json.rules[0]?.head, { name: 'p', ref: [{ type: 'var', value: 'p' }], value: { type: 'boolean', value: true } });
  t.same(json.rules[0]?.body, [
    {
      index: 0,
      terms: [
        { type: 'ref', value: [{ type: 'var', value: 'eq' }] },
        { type: 'var', value: 'a' },
        { type: 'boolean', value: true },
      ],
    },
  ]);
  t.same(json.rules[1]?.head.value, {
    type: 'call',
    value: [
      { type: 'ref', value: [{ type: 'var', value: 'count' }] },
      { type: 'ref', value: [{ type: 'var', value: 'input' }, { type: 'string', value: 'x' }] },
    ],
  });
  t.throws(() => call('rego.parse_module', ['x.rego', 'package foo.']), { code: 'REGO_ERR_BUILTIN', message: /rego_parse_error/ });
  t.end();
});
