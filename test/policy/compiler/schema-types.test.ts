/**
 * Schemas in the type checker (OPA's `--schema` and `# METADATA` `schemas:`): JSON Schema →
 * types, refs into input checked against them ("undefined ref: input.x.y" with OPA's detail),
 * schema types flowing into builtin operands, and nothing refused where the schema is open.
 */
import t from 'tap';
import { compileToPlan, CompileErrors, type SchemaSet } from '../../../src/policy/compiler/index.js';
import { schemaType } from '../../../src/policy/compiler/schema-types.js';

const INPUT = {
  type: 'object',
  properties: {
    user: { type: 'object', properties: { name: { type: 'string' }, age: { type: 'integer' } }, additionalProperties: true },
    roles: { type: 'array', items: { $ref: '#/definitions/role' } },
    meta: { type: 'object' },
  },
  definitions: { role: { type: 'string' } },
};

function errs(text: string, schemas?: SchemaSet): string[] {
  try {
    compileToPlan([{ file: 'm.rego', text }], schemas === undefined ? {} : { schemas });
  } catch (e) {
    if (e instanceof CompileErrors) return e.errors.map((x) => `${x.opaCode}@${x.location?.line}: ${x.message}`);
    throw e;
  }
  return [];
}

const global: SchemaSet = { input: INPUT, named: new Map() };

t.test('JSON Schema → types', async (t) => {
  t.same(schemaType({ type: 'integer' }), { k: 'number' });
  t.same(schemaType({ type: 'array', items: { type: 'string' } }), { k: 'array', of: { k: 'string' } });
  t.same(schemaType({ properties: { a: { type: 'boolean' } } }), { k: 'object', props: { a: { k: 'boolean' } } }, 'properties without type is an object');
  t.same(schemaType({ type: 'object' }), { k: 'object' }, 'no properties: any keys');
  t.same(schemaType(INPUT.properties.roles, INPUT), { k: 'array', of: { k: 'string' } }, '$ref inside the document');
  t.same(schemaType({ anyOf: [{ type: 'string' }, { type: 'number' }] }), { k: 'any' }, 'a mixed union is not narrowed');
  t.same(schemaType({ allOf: [{ properties: { a: { type: 'string' } } }, { properties: { b: { type: 'number' } } }] }), { k: 'object', props: { a: { k: 'string' }, b: { k: 'number' } } });
  t.same(schemaType({ $ref: '#' }, { $ref: '#' }), { k: 'any' }, 'a reference cycle stays open');
});

t.test('refs into input are checked against the schema', async (t) => {
  t.same(errs('package p\nallow if input.user.nmae == "x"', global), [
    'rego_type_error@2: undefined ref: input.user.nmae\n\tinput.user.nmae\n\t           ^\n\t           have: "nmae"\n\t           want (one of): ["age" "name"]',
  ]);
  t.same(errs('package p\nallow if input.user.name.first == "x"', global), ['rego_type_error@2: undefined ref: input.user.name.first\n\tinput.user.name.first\n\t^^^^^^^^^^^^^^^\n\thave: string']);
  t.same(errs('package p\nallow if count(input.user.age) > 1', global).map((e) => e.split('\n')[0]), ['rego_type_error@2: count: invalid argument(s)']);
  t.same(errs('package p\nallow if upper(input.roles[0]) == "A"', global), [], 'a member of an array of strings is a string');
  t.same(errs('package p\nallow if upper(input.roles) == "A"', global).map((e) => e.split('\n')[0]), ['rego_type_error@2: upper: invalid argument(s)'], 'the array is not');
  t.same(errs('package p\nallow if {\n\tinput.user.name == "x"\n\tinput.meta.anything\n\tsome r in input.roles\n\tstartswith(r, "a")\n}', global), [], 'known keys, an open object');
  t.same(errs('package p\nallow if input.user.nmae == "x"'), [], 'no schema: input is any');
  t.same(errs('package p\nallow if {\n\tinput := {"x": 1}\n\tinput.x == 1\n}', global).filter((e) => e.includes('undefined ref')), [], 'a local named input is not the document');
});

t.test('METADATA schemas: annotations on a rule and a package', async (t) => {
  const set: SchemaSet = { named: new Map([['schema.other', { type: 'object', properties: { a: { type: 'string' } } }]]) };
  const rule = 'package p\n\n# METADATA\n# schemas:\n#   - input: schema.other\nallow if input.b == 1\n\nfree if input.b == 1\n';
  t.same(errs(rule, set).map((e) => e.split('\n')[0]), ['rego_type_error@6: undefined ref: input.b'], 'only the annotated rule is typed');
  const inline = 'package p\n\n# METADATA\n# schemas:\n#   - input.x: {"type": "string"}\nallow if count(input.x.y) > 0\nok if input.other == 1\n';
  t.same(errs(inline, { named: new Map() }).map((e) => e.split('\n')[0]), ['rego_type_error@6: undefined ref: input.x.y'], 'an inline schema at a path below input; other keys stay open');
  const pkg = '# METADATA\n# scope: package\n# schemas:\n#   - input: schema.other\npackage p\n\nallow if input.b == 1\n';
  t.same(errs(pkg, set).map((e) => e.split('\n')[0]), ['rego_type_error@7: undefined ref: input.b'], 'a package-scoped schema types every rule');
  // OPA's processAnnotation: a name the schema set lacks is an error at the rule; without a set (no --schema) the entry is skipped
  t.same(errs(rule, { named: new Map() }), ['rego_type_error@6: undefined schema: schema.other']);
  t.same(errs(rule), [], 'no schema set: the named entry is skipped');
});
