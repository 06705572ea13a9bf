/** json.filter / json.remove / json.patch / JSON Schema. */
import t from 'tap';
import { call, j, set, throwsCode } from '../helpers.js';

t.test('json.filter', (t) => {
  t.equal(j(call('json.filter', { a: { b: { c: 7, d: 8 } }, e: 9 }, ['a/b/c', 'e'])), '{"a":{"b":{"c":7}},"e":9}');
  t.equal(j(call('json.filter', { a: [{ b: 7, c: 8 }, { d: 9 }] }, set('a/0/b', 'a/1'))), '{"a":[{"b":7},{"d":9}]}');
  t.equal(j(call('json.filter', { a: { b: 7 } }, set('a', 'a/b'))), '{"a":{"b":7}}');
  t.equal(j(call('json.filter', { a: { b: { c: 7, d: 8, x: 0 } }, e: 9 }, set('a/b/d', ['a', 'b', 'c']))), '{"a":{"b":{"c":7,"d":8}}}');
  t.equal(j(call('json.filter', { 'a/b': 1, 'x~y': 2 }, ['a~1b', 'x~0y'])), '{"a/b":1,"x~y":2}');
  t.equal(j(call('json.filter', { a: 7 }, set())), '{}');
  t.end();
});

t.test('json.remove', (t) => {
  t.equal(j(call('json.remove', { a: { b: { c: 7, d: 8 } }, e: 9 }, set('a/b/c', 'e'))), '{"a":{"b":{"d":8}}}');
  t.equal(j(call('json.remove', { a: [{ b: 7, c: 8 }, { d: 9 }] }, set('a/0/b', 'a/1'))), '{"a":[{"c":8}]}');
  t.equal(j(call('json.remove', { a: { b: 7 }, c: 1 }, set('a', 'a/b'))), '{"c":1}');
  t.equal(j(call('json.remove', { a: 7 }, set())), '{"a":7}');
  throwsCode(t, () => call('json.remove', [], set()), 'REGO_ERR_BUILTIN_TYPE', 'json.remove: operand 1 must be object but got array');
  throwsCode(t, () => call('json.remove', {}, 1), 'REGO_ERR_BUILTIN_TYPE', 'json.remove: operand 2 must be one of {set, array} but got number');
  throwsCode(t, () => call('json.remove', {}, [1]), 'REGO_ERR_BUILTIN_TYPE', 'json.remove: operand 2 must be one of {set, array} containing string paths or array of path segments but got number');
  t.end();
});

t.test('json.patch (RFC 6902)', (t) => {
  const doc = { a: { b: [1, 2] }, s: set('x') };
  t.equal(j(call('json.patch', doc, [{ op: 'add', path: '/a/b/-', value: 3 }])), '{"a":{"b":[1,2,3]},"s":["x"]}');
  t.equal(j(call('json.patch', doc, [{ op: 'add', path: '/a/b/0', value: 0 }])), '{"a":{"b":[0,1,2]},"s":["x"]}');
  t.equal(j(call('json.patch', doc, [{ op: 'remove', path: '/a/b/1' }])), '{"a":{"b":[1]},"s":["x"]}');
  t.equal(j(call('json.patch', doc, [{ op: 'replace', path: '/a', value: 5 }])), '{"a":5,"s":["x"]}');
  t.equal(j(call('json.patch', doc, [{ op: 'move', from: '/a/b', path: '/c' }])), '{"a":{},"c":[1,2],"s":["x"]}');
  t.equal(j(call('json.patch', doc, [{ op: 'copy', from: '/a/b/0', path: '/a/z' }])), '{"a":{"b":[1,2],"z":1},"s":["x"]}');
  t.equal(j(call('json.patch', doc, [{ op: 'add', path: '/s/y', value: 'y' }])), '{"a":{"b":[1,2]},"s":["x","y"]}');
  t.equal(j(call('json.patch', doc, [{ op: 'test', path: '/a/b/0', value: 1 }])), '{"a":{"b":[1,2]},"s":["x"]}');
  t.equal(j(call('json.patch', 1, [{ op: 'add', path: '', value: 2 }])), '2');
  t.equal(call('json.patch', doc, [{ op: 'test', path: '/a/b/0', value: 9 }]), undefined);
  t.equal(call('json.patch', [1, 2, 3], [{ op: 'add', path: '1.2', value: 'foo' }]), undefined);
  t.equal(call('json.patch', doc, [{ op: 'remove', path: '/nope' }]), undefined);
  t.equal(call('json.patch', doc, [{ op: 'frobnicate', path: '/a' }]), undefined);
  // issue #16 (cause 5): an empty path is the whole document; replace swaps it, remove cannot
  t.equal(j(call('json.patch', doc, [{ op: 'replace', path: '', value: { n: 1 } }])), '{"n":1}');
  t.equal(j(call('json.patch', doc, [{ op: 'replace', path: [], value: [] }, { op: 'add', path: '/-', value: 1 }])), '[1]');
  t.equal(j(call('json.patch', doc, [{ op: 'test', path: '', value: doc }])), '{"a":{"b":[1,2]},"s":["x"]}');
  t.equal(call('json.patch', doc, [{ op: 'remove', path: '' }]), undefined);
  // array indexes as OPA's edittree toIndex reads them: strconv.ParseInt ("+1" is 1, "-0" is 0),
  // then no leading zero; "-" only appends
  t.equal(j(call('json.patch', [1, 2, 3], [{ op: 'add', path: '/+1', value: 9 }])), '[1,9,2,3]');
  t.equal(j(call('json.patch', [1, 2, 3], [{ op: 'remove', path: '/-0' }])), '[2,3]');
  t.equal(j(call('json.patch', [1, 2, 3], [{ op: 'replace', path: '/+2', value: 0 }])), '[1,2,0]');
  t.equal(j(call('json.patch', [1, 2, 3], [{ op: 'test', path: '/+0', value: 1 }])), '[1,2,3]');
  t.equal(j(call('json.patch', [1, 2, 3], [{ op: 'add', path: '/+01', value: 9 }])), '[1,9,2,3]');
  t.equal(call('json.patch', [1, 2, 3], [{ op: 'add', path: '/01', value: 9 }]), undefined);
  t.equal(call('json.patch', [1, 2, 3], [{ op: 'add', path: '/00', value: 9 }]), undefined);
  t.equal(call('json.patch', [1, 2, 3], [{ op: 'add', path: '/-1', value: 9 }]), undefined);
  t.equal(call('json.patch', [1, 2, 3], [{ op: 'remove', path: '/-' }]), undefined);
  t.equal(call('json.patch', [1, 2, 3], [{ op: 'add', path: '/ 1', value: 9 }]), undefined);
  t.equal(call('json.patch', [1, 2, 3], [{ op: 'add', path: '/99999999999999999999', value: 9 }]), undefined);
  t.equal(j(call('json.patch', [1, 2, 3], [{ op: 'add', path: [3], value: 9 }])), '[1,2,3,9]');
  // a set member is its own key: adding under another key fails (edittree Insert)
  t.equal(call('json.patch', doc, [{ op: 'add', path: '/s/y', value: 'z' }]), undefined);
  t.equal(j(call('json.patch', set(1), [{ op: 'add', path: [2], value: 2 }])), '[1,2]');
  t.end();
});

t.test('JSON Schema: verify and match like gojsonschema', (t) => {
  t.equal(j(call('json.verify_schema', '{"type": "boolean"}')), '[true,null]');
  t.equal(j(call('json.verify_schema', { type: 'unknown_type' })), '[false,"jsonschema: has a primitive type that is NOT VALID -- given: /unknown_type/ Expected valid values are:[array boolean integer number null object string]"]');
  const schema = { properties: { id: { type: 'integer' } }, required: ['id'] };
  t.equal(j(call('json.match_schema', { id: 5 }, schema)), '[true,[]]');
  t.equal(j(call('json.match_schema', '{"id": 5}', JSON.stringify(schema))), '[true,[]]');
  t.equal(
    j(call('json.match_schema', { id: 'foo' }, schema)),
    '[false,[{"desc":"Invalid type. Expected: integer, given: string","error":"id: Invalid type. Expected: integer, given: string","field":"id","type":"invalid_type"}]]',
  );
  const missing = call('json.match_schema', {}, schema);
  t.match(j(missing), /"type":"required"/);
  // draft-04 boolean exclusiveMinimum is understood
  const d4 = { $schema: 'http://json-schema.org/draft-04/schema#', properties: { n: { minimum: 5, exclusiveMinimum: true } } };
  t.match(j(call('json.match_schema', { n: 5 }, d4)), /^\[false,\[\{"desc":"Must be greater than 5"/);
  t.equal(j(call('json.match_schema', { n: 6 }, d4)), '[true,[]]');
  throwsCode(t, () => call('json.match_schema', 5, {}), 'REGO_ERR_BUILTIN', 'wrong type, expected string or object');
  t.end();
});

t.test('JSON Schema errors name fields and duplicates as gojsonschema (OPA) does', (t) => {
  const errs = (doc: unknown, schema: unknown): unknown => JSON.parse(j(call('json.match_schema', doc, schema)) as string)[1];
  // the document itself is the field "(Root)"; a missing property is reported on the object holding it
  t.same(errs({}, { required: ['id'] }), [{ desc: 'id is required', error: '(Root): id is required', field: '(Root)', type: 'required' }]);
  t.same(errs({ a: {} }, { properties: { a: { required: ['id'] } } }), [{ desc: 'id is required', error: 'a: id is required', field: 'a', type: 'required' }]);
  t.same(errs('[]', { type: 'array', minItems: 1 }), [{ desc: 'Array must have at least 1 items', error: '(Root): Array must have at least 1 items', field: '(Root)', type: 'array_min_items' }]);
  // every repeated item, as (index of its previous occurrence, its index), in document order
  t.same(
    (errs('[1, "a", "a", {"k": [2, 1.0]}, "a", {"k": [2, 1]}]', { uniqueItems: true }) as { error: string }[]).map((e) => e.error),
    ['(Root): array items[1,2] must be unique', '(Root): array items[2,4] must be unique', '(Root): array items[3,5] must be unique'],
  );
  // a failed anyOf/oneOf: its own error, then only the errors of the branch that came closest
  // (gojsonschema's score: a branch whose type does not fit ranks last; ties go to the first)
  const messages = (doc: string, schema: unknown): string[] => (errs(doc, schema) as { error: string }[]).map((e) => e.error);
  const branches = {
    items: {
      anyOf: [
        { type: 'object', properties: { value: { type: 'string' }, expires_on: { type: 'string' } }, required: ['value'] },
        { type: 'string' },
      ],
    },
  };
  // (sorted: gojsonschema walks a schema's properties in Go map order, so siblings come in any order)
  t.same(messages('[["spam"], {"expires_on": "x"}, {"value": 0, "expires_on": 1}, "ok"]', branches).sort(), [
    '0: Must validate at least one schema (anyOf)',
    '0: Invalid type. Expected: object, given: array',
    '1: Must validate at least one schema (anyOf)',
    '1: value is required',
    '2: Must validate at least one schema (anyOf)',
    '2.value: Invalid type. Expected: string, given: integer',
    '2.expires_on: Invalid type. Expected: string, given: integer',
  ].sort());
  t.same(messages('[3, [], "x"]', { items: { oneOf: [{ type: 'string' }, { type: 'array', minItems: 1 }] } }), [
    '0: Must validate one and only one schema (oneOf)',
    '0: Invalid type. Expected: string, given: integer',
    '1: Must validate one and only one schema (oneOf)',
    '1: Array must have at least 1 items',
  ]);
  // a property named like a keyword ("type", "enum") is a name in properties/definitions, not a keyword
  const named = { properties: { type: { type: 'string' }, enum: { type: 'integer' } }, definitions: { type: { type: 'boolean' } } };
  t.equal(j(call('json.verify_schema', named)), '[true,null]');
  t.same(messages('{"type": 5, "enum": 1}', named), ['type: Invalid type. Expected: string, given: integer']);
  // formats are checked as gojsonschema does (Go's time.Parse layouts, net.ParseIP, …); unknown ones pass
  const fmt = (format: string, value: string): unknown => (call('json.match_schema', { v: value }, { properties: { v: { format } } }) as unknown[])[0];
  t.equal(fmt('date-time', '2024-01-02T03:04:05Z'), true);
  t.equal(fmt('date-time', '2024-01-02T03:04:05.123+01:00'), true);
  t.equal(fmt('date-time', '2024-01-02'), true); // gojsonschema also takes a bare date or time
  t.equal(fmt('date-time', 'not-a-date'), false);
  t.equal(fmt('date-time', '2024-02-30T00:00:00Z'), false);
  t.equal(fmt('date', '2024-01-02T03:04:05Z'), false);
  t.equal(fmt('time', '03:04:05'), true);
  t.equal(fmt('ipv4', '10.0.0.1'), true);
  t.equal(fmt('ipv4', '::1'), false);
  t.equal(fmt('ipv6', '::1'), true);
  t.equal(fmt('hostname', 'a-b.example.com'), true);
  t.equal(fmt('hostname', '-a.example.com'), false);
  t.equal(fmt('uuid', 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11'), true);
  t.equal(fmt('uri', 'https://example.com/x?y#z'), true);
  t.equal(fmt('uri', '/relative/path'), false);
  t.equal(fmt('uri-reference', '/relative/path'), true);
  t.equal(fmt('regex', '(unclosed'), false);
  t.equal(fmt('json-pointer', '/a/~1b'), true);
  t.equal(fmt('json-pointer', 'a'), false);
  t.equal(fmt('no-such-format', 'anything'), true);
  t.same(messages('{"v": "not-a-date"}', { properties: { v: { format: 'date-time' } } }), ["v: Does not match format 'date-time'"]);
  // an array document is validated as it is (OPA 1.x's loader takes arrays)
  t.same(j(call('json.match_schema', [1, 'a'], { type: 'array', items: { type: 'integer' } })), '[false,[{"desc":"Invalid type. Expected: integer, given: string","error":"1: Invalid type. Expected: integer, given: string","field":"1","type":"invalid_type"}]]');
  // verify_schema answers [false, reason] for an operand that is no schema at all
  t.equal(j(call('json.verify_schema', ['something'])), '[false,"jsonschema: wrong type, expected string or object"]');
  t.equal(j(call('json.verify_schema', '{"a": ')), '[false,"jsonschema: invalid JSON string"]');
  throwsCode(t, () => call('json.match_schema', {}, { properties: { id: { type: 'unknown' } } }), 'REGO_ERR_BUILTIN', 'json.match_schema: has a primitive type that is NOT VALID -- given: /unknown/');
  t.end();
});

// OPA astValueToJSONSchemaLoader: a string must be valid JSON ("invalid JSON string"), objects and
// arrays are loaded, anything else is "wrong type…". verify_schema reports these in its result.
t.test('JSON Schema: operand failures worded as OPA', (t) => {
  t.equal(j(call('json.verify_schema', 5)), '[false,"jsonschema: wrong type, expected string or object"]');
  t.equal(j(call('json.verify_schema', '{"type": ')), '[false,"jsonschema: invalid JSON string"]');
  throwsCode(t, () => call('json.match_schema', {}, '{'), 'REGO_ERR_BUILTIN', 'json.match_schema: invalid JSON string');
  throwsCode(t, () => call('json.match_schema', null, {}), 'REGO_ERR_BUILTIN', 'json.match_schema: wrong type, expected string or object');
  t.equal(j(call('json.match_schema', [1, 2], { type: 'array' })), '[true,[]]');
  t.end();
});

// gojsonschema checks `format` (format_checkers.go): a string that fails is a `format` error;
// non-strings and unknown formats pass.
t.test('json.match_schema: gojsonschema format checks', (t) => {
  const check = (format: string, x: unknown): boolean => (call('json.match_schema', { x }, { properties: { x: { format } } }) as [boolean, unknown])[0];
  t.equal(check('email', 'a@b.co'), true);
  t.equal(check('email', 'John <a@b.co>'), true);
  t.equal(check('email', 'not-an-email'), false);
  t.equal(check('ipv4', '10.0.0.1'), true);
  t.equal(check('ipv4', '::1'), false);
  t.equal(check('ipv6', '::1'), true);
  t.equal(check('date-time', '2024-02-05T12:00:00Z'), true);
  t.equal(check('date-time', '2024-02-30T12:00:00Z'), false);
  t.equal(check('date', '2023-02-29'), false);
  t.equal(check('uri', '/relative'), false);
  t.equal(check('uri-reference', '/relative'), true);
  t.equal(check('hostname', '-bad.com'), false);
  t.equal(check('uuid', '6BA7B810-9DAD-11D1-80B4-00C04FD430C8'), true);
  t.equal(check('regex', 'a(b'), false);
  t.equal(check('unknown-format', 'anything'), true);
  t.equal(check('email', 5), true);
  t.equal(
    j(call('json.match_schema', { x: 'nope' }, { properties: { x: { format: 'uuid' } } })),
    '[false,[{"desc":"Does not match format \'uuid\'","error":"x: Does not match format \'uuid\'","field":"x","type":"format"}]]',
  );
  t.end();
});

// gojsonschema's own words for contains / additionalItems / propertyNames / false schemas /
// if-then-else, and its order: the keyword's error first, then the errors it merges (for
// `contains`, those of the first best item only).
t.test('json.match_schema: gojsonschema wording and order for subschema keywords', (t) => {
  const types = (doc: unknown, schema: unknown): string[] =>
    ((call('json.match_schema', doc, schema) as [boolean, { type: string }[]])[1]).map((e) => e.type);
  t.same(types([1, 2], { contains: { type: 'string' } }), ['contains', 'invalid_type']);
  t.same(types([1, 2, 3], { items: [{ type: 'integer' }], additionalItems: false }), ['array_no_additional_items']);
  t.same(types({ ab: 1 }, { propertyNames: { maxLength: 1 } }), ['invalid_property_name', 'string_lte']);
  t.same(types({ a: 1 }, { properties: { a: false } }), ['false']);
  t.same(types({ a: 1 }, { if: { properties: { a: { const: 1 } } }, then: { required: ['b'] } }), ['condition_then', 'required']);
  t.same(types({ a: 2 }, { if: { properties: { a: { const: 1 } } }, then: { required: ['b'] }, else: { required: ['c'] } }), ['condition_else', 'required']);
  const [, errs] = call('json.match_schema', { ab: 1 }, { propertyNames: { maxLength: 1 } }) as [boolean, { desc: string }[]];
  t.equal(errs[0]?.desc, 'Property name of "ab" does not match');
  t.end();
});

// anyOf/oneOf: gojsonschema reports the keyword first, then only its best branch's errors
// (ties: the first branch); allOf: the branches' errors, then number_all_of.
t.test('json.match_schema: anyOf / oneOf / allOf as gojsonschema', (t) => {
  const types = (doc: unknown, schema: unknown): string[] =>
    ((call('json.match_schema', doc, schema) as [boolean, { type: string }[]])[1]).map((e) => e.type);
  t.same(types({ a: 1 }, { oneOf: [{ required: ['b'] }, { required: ['c', 'd'] }] }), ['number_one_of', 'required']);
  t.same(types({ x: 'ab' }, { properties: { x: { anyOf: [{ type: 'integer' }, { type: 'string', minLength: 3 }] } } }), ['number_any_of', 'string_gte']);
  t.same(types({ a: 1 }, { allOf: [{ required: ['b'] }, { properties: { a: { type: 'string' } } }] }), ['required', 'invalid_type', 'number_all_of']);
  t.end();
});

// gojsonschema names several allowed types as a list: "Expected: [string,integer]".
t.test('json.match_schema: several expected types are listed as gojsonschema does', (t) => {
  const [, errs] = call('json.match_schema', { x: true }, { properties: { x: { type: ['string', 'integer'] } } }) as [boolean, { desc: string }[]];
  t.equal(errs[0]?.desc, 'Invalid type. Expected: [string,integer], given: boolean');
  t.end();
});

// gojsonschema adds a required error in the context of the object that lacks the property
// (errors.go newError keeps the context; OPA's copy names the document "(Root)"), not under
// the missing property's own name.
t.test('json.match_schema: a missing property is reported on its object', (t) => {
  t.equal(
    j(call('json.match_schema', {}, { required: ['b'] })),
    '[false,[{"desc":"b is required","error":"(Root): b is required","field":"(Root)","type":"required"}]]',
  );
  t.equal(
    j(call('json.match_schema', { a: {} }, { properties: { a: { required: ['b'] } } })),
    '[false,[{"desc":"b is required","error":"a: b is required","field":"a","type":"required"}]]',
  );
  t.end();
});

// gojsonschema divides big.Rat values of the numbers' decimal text: 0.3 is a multiple of 0.1.
t.test('json.match_schema: multipleOf on exact decimals', (t) => {
  const ok = (x: number, m: number): boolean => (call('json.match_schema', { x }, { properties: { x: { multipleOf: m } } }) as [boolean, unknown])[0];
  t.equal(ok(0.3, 0.1), true);
  t.equal(ok(1.15, 0.05), true);
  t.equal(ok(1.16, 0.05), false);
  t.equal(ok(10, 3), false);
  t.end();
});

t.test("json.patch applies operations through OPA's edit tree: an array element no operation put there is read from the original array", (t) => {
  // add then test of the same path sees the added value
  t.equal(j(call('json.patch', { a: [1, 2] }, [{ op: 'add', path: '/a/1', value: 'x' }, { op: 'test', path: '/a/1', value: 'x' }])), '{"a":[1,"x",2]}');
  t.equal(j(call('json.patch', {}, [{ op: 'add', path: '/b', value: { c: [1] } }, { op: 'test', path: '/b/c/0', value: 1 }])), '{"b":{"c":[1]}}');
  // a test past an insertion reads the original array at the current index, and leaves that element there
  t.equal(j(call('json.patch', { a: [1, 2] }, [{ op: 'add', path: '/a/0', value: 'x' }, { op: 'test', path: '/a/1', value: 2 }])), '{"a":["x",2,2]}');
  t.equal(call('json.patch', { a: [1, 2] }, [{ op: 'add', path: '/a/0', value: 'x' }, { op: 'test', path: '/a/1', value: 1 }]), undefined);
  // the same for the parent of a deeper path after a removal
  t.equal(j(call('json.patch', [[1], [2]], [{ op: 'remove', path: '/0' }, { op: 'add', path: '/0/0', value: 9 }])), '[[9,1]]');
  // and for copy's from
  t.equal(j(call('json.patch', [1, 2, 3], [{ op: 'remove', path: '/0' }, { op: 'copy', from: '/0', path: '/-' }])), '[1,3,1]');
  // objects have stable keys: in-order application
  t.equal(j(call('json.patch', { a: 1 }, [{ op: 'replace', path: '/a', value: 2 }, { op: 'test', path: '/a', value: 2 }, { op: 'move', from: '/a', path: '/b' }])), '{"b":2}');
  t.equal(call('json.patch', { a: 1 }, [{ op: 'remove', path: '/a' }, { op: 'test', path: '/a', value: 1 }]), undefined, 'a removed key is gone');
  t.end();
});
