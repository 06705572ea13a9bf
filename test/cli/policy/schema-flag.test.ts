/**
 * `--schema` / `-s` on `regate policy check|eval|test` (as opa's): a file types input, a
 * directory names its schemas `schema.<path>` for METADATA `schemas:` entries.
 */
import t from 'tap';
import { join } from 'node:path';
import { loadSchemas } from '../../../src/cli/policy/common.js';
import { regate } from '../run-regate.js';
import { policyDir } from './files.js';

const INPUT = JSON.stringify({ type: 'object', properties: { user: { type: 'string' } } });

t.test('a file is the input schema; a directory names every schema', async (t) => {
  const dir = policyDir(t, { 'one.json': INPUT, 'schemas/input.json': INPUT, 'schemas/k8s/pod.yaml': 'type: object\nproperties:\n  kind:\n    type: string\n' });
  t.same(loadSchemas(join(dir, 'one.json')), { input: JSON.parse(INPUT), named: new Map() });
  const set = loadSchemas(join(dir, 'schemas'));
  t.same([...set.named.keys()], ['schema.input', 'schema.k8s.pod']);
  t.same(set.input, JSON.parse(INPUT), 'input.json at the top types input');
  t.same(set.named.get('schema.k8s.pod'), { type: 'object', properties: { kind: { type: 'string' } } });
});

t.test('policy check -s refuses a ref the schema does not have, and passes without it', async (t) => {
  const dir = policyDir(t, { 'input.json': INPUT, 'p.rego': 'package p\n\nallow if input.usr == "alice"\n' });
  const bad = regate(['policy', 'check', '-s', join(dir, 'input.json'), join(dir, 'p.rego')]);
  t.equal(bad.code, 1);
  t.match(bad.stderr, /^1 error occurred: .*p\.rego:3:10: rego_type_error: undefined ref: input\.usr\n\tinput\.usr\n\t {6}\^\n\t {6}have: "usr"\n\t {6}want \(one of\): \["user"\]/);
  t.equal(regate(['policy', 'check', join(dir, 'p.rego')]).code, 0, 'no schema, no type for input');
});
