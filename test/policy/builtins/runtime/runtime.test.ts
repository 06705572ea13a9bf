/**
 * rand.intn, uuid.*, opa.runtime, trace, internal.print, test.sleep — values from OPA's cases
 * (cases/v1/uuid, rand) and OPA's documented behaviour.
 */
import t from 'tap';
import { RSet } from '../../../../src/policy/value/index.js';
import { asJson, call, loadCases, makeCtx } from '../corpus-helpers.js';

t.test('rand.intn is memoised per (str, n) within an evaluation', (t) => {
  const ctx = makeCtx();
  const a = call('rand.intn', ['key', 100], ctx) as number;
  t.ok(Number.isInteger(a) && a >= 0 && a < 100);
  for (let i = 0; i < 100; i++) t.equal(call('rand.intn', ['key', 100], ctx), a);
  t.equal(call('rand.intn', ['key', -100], ctx), a, '|n| is the key');
  t.equal(call('rand.intn', ['x', 0], ctx), 0);
  t.throws(() => call('rand.intn', ['x', 1.5], ctx), { code: 'REGO_ERR_BUILTIN_TYPE' });
  t.end();
});

t.test('uuid.rfc4122: v4 format, memoised per key', (t) => {
  const ctx = makeCtx();
  const u = call('uuid.rfc4122', ['key'], ctx) as string;
  t.match(u, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  t.equal(call('uuid.rfc4122', ['key'], ctx), u);
  t.not(call('uuid.rfc4122', ['other'], ctx), u);
  t.end();
});

t.test('uuid.parse (cases/v1/uuid)', (t) => {
  for (const c of loadCases('uuid')) {
    if (!c.note.startsWith('uuid-parse/')) continue;
    const inp = c.input as { userid: string };
    const out = call('uuid.parse', [inp.userid]);
    t.same(out === undefined ? undefined : asJson(out), c.want_result?.[0]?.x, c.note);
  }
  t.equal(call('uuid.parse', ['not-a-uuid']), undefined);
  t.same(call('uuid.parse', ['URN:UUID:6ba7b810-9dad-11d1-80b4-00c04fd430c8']), {
    version: 1,
    variant: 'RFC4122',
    time: 886630433151182400n, // 1998-02-04T22:13:53.1511824Z, the well-known DNS namespace UUID
    nodeid: '00-c0-4f-d4-30-c8',
    macvariables: 'global:unicast',
    clocksequence: 180,
  });
  t.end();
});

t.test('opa.runtime exposes env; trace is true', (t) => {
  t.same(call('opa.runtime', [], makeCtx({ env: { A: '1' } })), { env: { A: '1' } });
  t.equal(call('trace', ['note']), true);
  t.throws(() => call('trace', [1]), { code: 'REGO_ERR_BUILTIN_TYPE' });
  t.end();
});

t.test('internal.print formats like OPA', (t) => {
  const ctx = makeCtx();
  call('internal.print', [[RSet.of(['hello']), RSet.of([1]), RSet.of([]), RSet.of([{ a: [true, null] }])]], ctx);
  t.same(ctx.printed, ['hello 1 <undefined> {"a": [true, null]}']);
  const ctx2 = makeCtx();
  call('internal.print', [[RSet.of(['x']), RSet.of([1, 2])]], ctx2);
  t.same(ctx2.printed, ['x 1', 'x 2'], 'cross product of values');
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
