/**
 * rand.intn, uuid.*, opa.runtime, trace, internal.print, test.sleep — values from OPA's cases
 * (cases/v1/uuid, rand) and OPA's documented behaviour.
 */
import t from 'tap';
import { RSet, stringifyJson } from '../../../../src/policy/value/index.js';
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

// OPA's set and object MarshalJSON write members in ast.Compare order (sortedKeys), a set
// without duplicates; a number keeps its literal text (json.Number).
t.test('rego.parse_module: set and object literals in ast.Compare order, numbers as written', (t) => {
  const m = asJson(call('rego.parse_module', ['x.rego', 'package a\np := {"s", [2], 1, null, x, {"b": 1.0, "a": 2}, true, 1.0, input.y}\n']) as never) as {
    rules: { head: { value: { value: { type: string; value: unknown }[] } } }[];
  };
  const members = m.rules[0]?.head.value.value ?? [];
  t.same(
    members.map((x) => x.type),
    ['null', 'boolean', 'number', 'string', 'var', 'ref', 'array', 'object'],
  );
  t.same(members[7]?.value, [
    [{ type: 'string', value: 'a' }, { type: 'number', value: 2 }],
    [{ type: 'string', value: 'b' }, { type: 'number', value: 1 }],
  ]);
  const text = stringifyJson(call('rego.parse_module', ['x.rego', 'package a\np := [1.0, 1e3]\n']) as never);
  t.match(text, /"value":1\.0\}/);
  t.match(text, /"value":1e3\}/);
  t.end();
});

// ast.Module.Comments (json:"comments,omitempty") holds every comment; ast.Comment has no JSON
// tags: {"Location": {file,row,col}, "Text": base64 of the bytes after '#'}.
t.test('rego.parse_module: comments as OPA marshals ast.Comment', (t) => {
  const m = asJson(call('rego.parse_module', ['p.rego', 'package a\n\n# héllo\np := 1 # tail\n']) as never) as { comments: unknown[] };
  t.same(m.comments, [
    { Location: { file: 'p.rego', row: 3, col: 1 }, Text: Buffer.from(' héllo').toString('base64') },
    { Location: { file: 'p.rego', row: 4, col: 8 }, Text: Buffer.from(' tail').toString('base64') },
  ]);
  const none = asJson(call('rego.parse_module', ['p.rego', 'package a\np := 1\n']) as never) as Record<string, unknown>;
  t.notOk('comments' in none);
  t.end();
});

// A parse error is OPA's ast.Errors text: "1 error occurred: file:row: rego_parse_error: msg" and
// the ParserErrorDetail lines (source line, caret).
t.test('rego.parse_module: a parse error reads as ast.Errors', (t) => {
  try {
    call('rego.parse_module', ['x.rego', 'packagez']);
    t.fail('expected an error');
  } catch (e) {
    t.equal((e as { code?: string }).code, 'REGO_ERR_BUILTIN');
    t.match((e as Error).message, /^rego\.parse_module: 1 error occurred: x\.rego:1: rego_parse_error: package expected\n\tpackagez\n\t\^$/);
  }
  t.end();
});
