/**
 * OPA's type checker tests (v1/ast/check_test.go), case by case as Rego policies through
 * regate's compiler: what OPA refuses is refused here with its message, and what it accepts
 * compiles. The cases OPA writes against its type environment directly (inferred variable
 * types) are checked by their effect: a variable of the inferred type given to a builtin that
 * does not take it.
 */
import t from 'tap';
import { compileToPlan, CompileErrors, type SchemaSet } from '../../../src/policy/compiler/index.js';

function errs(files: Record<string, string>, opts: Parameters<typeof compileToPlan>[1] = {}): string[] {
  try {
    compileToPlan(Object.entries(files).map(([file, text]) => ({ file, text })), opts);
  } catch (e) {
    if (e instanceof CompileErrors) return e.errors.map((x) => `${x.opaCode}@${x.location?.file}:${x.location?.line}: ${x.message}`);
    throw e;
  }
  return [];
}

/** A body of OPA's CheckBody tests as the body of a rule, one expression a line (from line 3). */
const body = (query: string): string[] => errs({ 'm.rego': `package test\n\np if {\n${query.split('; ').map((e) => `\t${e}`).join('\n')}\n}\n` });
const first = (xs: string[]): string[] => xs.map((x) => x.split('\n')[0]!);

t.test('TestCheckInference: inferred variable types, by what they refuse', async (t) => {
  const refused = [
    'x = 1; upper(x)',
    'plus(1, 2, x); upper(x)',
    'plus(1, 2, x); plus(x, 2, y); upper(y)',
    'obj = {}; arr = []; arr[j] = v2; upper(j)',
    'x = {{{}: 1}: 1}; upper(x)',
    'x = {1, 2}; y = {{"foo", 1}, x}; upper(y)',
    'a = [1, "foo", 3]; x = [i | a[_] = i]; upper(x)',
    'a = [{"a": null, "b": {"foo": {"c": {1}}, "bar": {"c": {"hello"}}}}]; x = a[i].b[j].c[k]; upper(i)',
  ];
  for (const q of refused) t.match(first(body(q)), [/^rego_type_error@m\.rego:\d+: upper: invalid argument\(s\)$/], q);
  const accepted = [
    '[1, "2", x] = data.foo; upper(x)',
    '{"1": "2", "2": x} = data.foo; upper(x)',
    'x = {1, 2}; y = {{"foo", 1}, x}',
    '{"a", 1, 2} = {1, 2, 3}',
    'obj = {}; arr = []; st = set(); obj[i] = v1; arr[j] = v2; st[v3]; obj = {"foo": "bar"}; arr = [1]; st = {1, 2, 3}',
    'obj = {}; obj.foo = x; obj[i].foo = y',
    'a = [1, {"foo": [{"bar": null}, -1, {"bar": true}]}, 3]; x = a[1].foo[_].bar',
    'a = [[], {}]; a[_][i]',
    'a = [["foo"], 0, {"bar": "baz"}, 2]; b = [0, 1, 2, 3]; a[b[_]][k] = v',
    'x = [[1], ["foo"]]; x[_] = [y]; upper(y)',
    'x = {[1], ["foo"]}; x[[y]]',
    'x = {"a": [1], "b": ["foo"]}; x[_] = [y]',
  ];
  for (const q of accepted) t.same(body(q), [], q);
});

t.test('TestCheckInferenceRules and TestCheckAnnotationInference: rule types, by what they refuse', async (t) => {
  const rules = {
    'a.rego': 'package a\ntrivial = true if { true }\ncomplete = [{"foo": x}] if { x = 1 }\npartialset contains {"foo": x} if { y = "bar"; x = y }',
    'b.rego': 'package b\ntrivial_ref = x if { x = data.a.trivial }\ntransitive_ref = [x] if { y = data.b.trivial_ref; x = y }',
    'c.rego': 'package c\nelse_kw = null if { false } else = 100 if { true } else = "foo" if { true }',
    'it.rego': 'package iteration\narr = [[1], ["two"], {"x": true}, ["four"]] if { true }\nvalues contains x if { data.iteration.arr[_][_] = x }',
    'r.rego': 'package ref_rule_single\np.q.r if { true }',
  };
  const use = (q: string): string[] => first(errs({ ...rules, 'z.rego': `package z\nr if { ${q} }` }));
  for (const q of ['upper(data.a.trivial)', 'upper(data.a.complete[0].foo)', 'upper(data.a.partialset)', 'upper(data.b.trivial_ref)', 'upper(data.b.transitive_ref)', 'upper(data.iteration.values)', 'upper(data.ref_rule_single.p.q.r)']) {
    t.same(use(q), ['rego_type_error@z.rego:2: upper: invalid argument(s)'], q);
  }
  // any<null, number, string> has a member count takes (OPA's unifies on a union: any member)
  for (const q of ['abs(data.a.complete[0].foo)', 'count(data.c.else_kw)', 'upper(data.c.else_kw)']) t.same(use(q), [], q);
  const inferred = 'package test\n\n# METADATA\n# scope: rule\n# schemas:\n# - input: schema.foo\np = x if { input = x }\n\nq = p\nr if upper(q)\n';
  t.same(first(errs({ 'test.rego': inferred }, { schemas: { named: new Map([['schema.foo', { type: 'number' }]]) } })), ['rego_type_error@test.rego:10: upper: invalid argument(s)']);
});

t.test('TestCheckErrorSuppression and TestCheckBadCardinality: one error each', async (t) => {
  t.same(first(body('arr = [1, 2, 3]; arr[0].deadbeef = 1')), ['rego_type_error@m.rego:5: undefined ref: arr[0].deadbeef']);
  t.same(first(body('_ = [true | count(1)]')), ['rego_type_error@m.rego:4: count: invalid argument(s)']);
  t.same(first(body('plus(1)')), ['rego_type_error@m.rego:4: plus: arity mismatch']);
  t.same(first(body('plus(1, 2, 3, 4)')), ['rego_type_error@m.rego:4: plus: arity mismatch']);
});

t.test('TestCheckMatchErrors: each a single match error', async (t) => {
  const queries = [
    'null = true', 'true = null', '1 = null', '"hello" = null', '[1, 2, 3] = null', '[1, 2, 3] = [1, 2, "3"]', '[1, 2] = [1, 2, 3]',
    '{"a": 1, "b": 2} = null', '{"a": 1, "b": "2"} = {"a": 1, "b": 2}', '{"a": 1} = {"a": 1, "b": "2"}', '{1, 2, 3} = null',
  ];
  for (const q of queries) t.same(first(body(q)), ['rego_type_error@m.rego:4: match error'], q);
  t.same(body('x = ["str", 1]; x[_] = null'), ['rego_type_error@m.rego:5: match error\n\tleft  : any<number, string>\n\tright : null']);
});

t.test('RewriteEquals: an expression `a == b` is type-checked as `a = b`', async (t) => {
  t.same(body('x := 1; x == "a"'), ['rego_type_error@m.rego:5: match error\n\tleft  : number\n\tright : string']);
  t.same(first(body('count(input.xs) == "0"')), ['rego_type_error@m.rego:4: match error']);
  t.same(body('input.a == input.b; 1 != "a"; x := 1 == "a"'), [], 'unknown operands, !=, and == used as a value');
  // OPA's TestInlinedSchemaAnnotationIgnoredByCache: each rule its own inline schema
  const inline = 'package test\n\n# METADATA\n# schemas:\n#   - input.x: {"type": "boolean"}\np if {\n\tinput.x == 42\n}\n\n# METADATA\n# schemas:\n#   - input.x: {"type": "object"}\nq if {\n\tinput.x == "foo"\n}\n';
  t.same(errs({ 'policy.rego': inline }), [
    'rego_type_error@policy.rego:7: match error\n\tleft  : boolean\n\tright : number',
    'rego_type_error@policy.rego:14: match error\n\tleft  : object[any: any]\n\tright : string',
  ]);
});

t.test('TestCheckBuiltinErrors: each a single invalid argument(s)', async (t) => {
  const queries = ['plus(true, 1, x)', 'x = [null]; plus(x[0], 1, y)', 'sum([null | true], x)', 'sum([1, 2, "3", 4], x)', 'contains([1, 2, 3], "x")', 'sum({"a": 1, "b": 2}, x)', 'sum({1, 2, "3", 4}, x)'];
  for (const q of queries) t.match(first(body(q)), [/^rego_type_error@m\.rego:\d: \w+: invalid argument\(s\)$/], q);
  t.same(body('plus(true, 1, x)'), ['rego_type_error@m.rego:4: plus: invalid argument(s)\n\thave: (boolean, number, ???)\n\twant: (x: number, y: number, z: number)']);
  t.same(first(errs({ 'm.rego': 'package test\np = "foo"\nz if plus(data.test.p, data.coffee, 0)' })), ['rego_type_error@m.rego:3: plus: invalid argument(s)']);
});

t.test('TestCheckRefErrUnsupported and TestCheckRefErrInvalid (local values)', async (t) => {
  t.same(body('arr = [[1, 2], [3, 4]]; arr[1][0].deadbeef'), ['rego_type_error@m.rego:5: undefined ref: arr[1][0].deadbeef\n\tarr[1][0].deadbeef\n\t^^^^^^^^^\n\thave: number']);
  t.same(body('arr = [[1, 2], [3], [4]]; arr[0].dead.beef = x'), ['rego_type_error@m.rego:5: undefined ref: arr[0].dead.beef\n\tarr[0].dead.beef\n\t       ^\n\t       have: "dead"\n\t       want (type): number']);
  t.same(body('arr = [{"a": 1, "c": 3}, {"b": 2}]; arr[0].b'), ['rego_type_error@m.rego:5: undefined ref: arr[0].b\n\tarr[0].b\n\t       ^\n\t       have: "b"\n\t       want (one of): ["a" "c"]']);
  t.same(first(body('a = [1, 2, 3]; a[{}] = b')), ['rego_type_error@m.rego:5: undefined ref: a[_]']);
  // TestRewrittenVarsInErrors: the variables as written
  t.same(first(body('foo := [[1]]; bar := "bar"; foo[0][bar]')), ['rego_type_error@m.rego:6: undefined ref: foo[0][bar]']);
  const env = 'package test\np if { true }\nq = {"foo": 1, "bar": 2} if { true }\n';
  t.same(first(errs({ 'm.rego': env, 'z.rego': 'package z\nz if { arr = [1]; data.test.q[arr[0]] }' })), ['rego_type_error@z.rego:2: undefined ref: data.test.q[_]']);
  t.same(first(errs({ 'm.rego': env, 'z.rego': 'package z\nz if data.test.q[[1, 2]]' })), ['rego_type_error@z.rego:2: undefined ref: data.test.q[_]']);
  t.same(first(errs({ 'm.rego': env, 'z.rego': 'package z\nz if data.test.p.x' })), ['rego_type_error@z.rego:2: undefined ref: data.test.p.x']);
});

t.test('TestFunctionsTypeInference and TestCheckValidErrors', async (t) => {
  const base = 'package base\nfoo([a, b]) = y if { split(a, b, y) }\nbar(x) = y if { count(x, y) }\nbaz([x, y]) = z if { sprintf("%s%s", [x, y], z) }\n';
  const fn = (text: string): string[] => first(errs({ 'base.rego': base, 'm.rego': `package test\n${text}` }));
  t.same(fn('fn(_) = y if { data.base.foo(["hello", 5], y) }'), ['rego_type_error@m.rego:2: data.base.foo: invalid argument(s)']);
  t.same(fn('fn(_) = y if { data.base.foo(["hello", "ll"], y) }'), []);
  t.same(fn('fn(_) = y if { data.base.baz([5, ["foo", "bar", true]], y) }'), []);
  t.same(fn('fn(x) = y if { y = [x] }\nf(x) = y if { {"k": x} = y }'), []);
  const two = 'package test\nb if {\n\ta(1)\n}\na(x) if {\n\tmax("foo")\n}\nm if {\n\t1 / "foo"\n}\nn if {\n\tm\n}\n';
  t.same(first(errs({ 'm.rego': two })), ['rego_type_error@m.rego:6: max: invalid argument(s)', 'rego_type_error@m.rego:9: div: invalid argument(s)'], 'errors in a function and a rule, none where they are used');
  t.same(first(errs({ 'm.rego': 'package test\nx := {"a": 1}\ny if z\nz if {\n\tx[1] == 1\n}\n' })), ['rego_type_error@m.rego:5: undefined ref: data.test.x[1]']);
});

const ISCHEMA = { type: 'object', required: ['user', 'operation'], properties: { user: { type: 'string' }, operation: { type: 'string' } }, additionalProperties: true };
const ISCHEMA2 = { type: 'object', required: ['operation'], properties: { operation: { type: 'string' } }, additionalProperties: true };
const strings = { type: 'array', additionalItems: false, items: { type: 'string' } };
const DSCHEMA = { type: 'object', required: ['alice', 'bob'], properties: { alice: strings, bob: strings }, additionalProperties: true };
// named as a --schema directory names its files (acl-schema.json is schema.acl-schema); the policies write schema["acl-schema"]
const SCHEMAS: SchemaSet = {
  named: new Map<string, unknown>([
    ['schema.number', { type: 'number' }],
    ['schema.string', { type: 'string' }],
    ['schema.input', ISCHEMA],
    ['schema.whocan-input-schema', ISCHEMA2],
    ['schema.acl-schema', DSCHEMA],
  ]),
};

// [note, modules (test1.rego, test2.rego, …), what the error must contain ('' for none)]
const ANNOTATION_CASES: [string, string[], string][] = [
  ["data and input annotations", ["\npackage policy\n\nimport data.acl\nimport input\n\ndefault allow = false\n\n# METADATA\n# scope: rule\n# schemas:\n#   - input: schema[\"input\"]\n#   - data.acl: schema[\"acl-schema\"]\nallow {\n\t\taccess = data.acl[input.user]\n\t\taccess[_] == input.operation\n}"], ""],
  ["correct data override", ["\npackage policy\n\nimport data.acl\nimport input\n\ndefault allow = false\n\n# METADATA\n# scope: rule\n# schemas:\n#   - input: schema[\"input\"]\n#   - input: schema[\"whocan-input-schema\"]\n#   - data.acl: schema[\"acl-schema\"]\nwhocan[user] {\n\t\taccess = acl[user]\n\t\taccess[_] == input.operation\n}"], ""],
  ["incorrect data override", ["\npackage policy\n\nimport data.acl\nimport input\n\ndefault allow = false\n\n# METADATA\n# scope: rule\n# schemas:\n#   - input: schema[\"input\"]\n#   - input: schema[\"whocan-input-schema\"]\n#   - data.acl: schema[\"acl-schema\"]\nallow {\n\taccess = data.acl[input.user]\n\taccess[_] == input.operation\n}"], "undefined ref: input.user"],
  ["missing schema", ["\npackage policy\n\nimport data.acl\nimport input\n\ndefault allow = false\n\n# METADATA\n# scope: rule\n# schemas:\n#   - input: schema.missing\nwhocan[user] {\n\t\taccess = acl[user]\n\t\taccess[_] == input.operation\n}"], "undefined schema: schema.missing"],
  ["overriding ref len>1 not existing", ["\npackage policy\n\nimport data.acl\nimport input\n\ndefault allow = false\n\n# METADATA\n# scope: rule\n# schemas:\n#   - input: schema[\"input\"]\n#   - data.acl: schema[\"acl-schema\"]\n#   - input.apple.orange: schema[\"input\"]\nallow {\n\t\taccess = data.acl[input.user]\n\t\taccess[_] == input.operation\n\t\tinput.apple.banana\n}"], "undefined ref: input.apple.banana"],
  ["overriding ref len>1 existing prefix", ["\npackage policy\n\nimport data.acl\nimport input\n\ndefault allow = false\n\n# METADATA\n# scope: rule\n# schemas:\n#   - input: schema[\"input\"]\n#   - data.acl: schema[\"acl-schema\"]\n#   - input.apple.orange: schema[\"input\"]\n#   - input.apple.orange.banana: schema[\"acl-schema\"]\nallow {\n\t\taccess = data.acl[input.user]\n\t\taccess[_] == input.operation\n\t\tinput.apple.orange.banana\n}"], ""],
  ["overriding ref len>1 existing prefix type error", ["\npackage policy\n\nimport data.acl\nimport input\n\ndefault allow = false\n\n# METADATA\n# scope: rule\n# schemas:\n#   - input: schema[\"input\"]\n#   - input.apple.orange: schema[\"input\"]\n#   - input.apple.orange.banana: schema[\"acl-schema\"]\nallow {\n\t\taccess = data.acl[input.user]\n\t\taccess[_] == input.operation\n\t\tinput.apple.orange.banana.fruit\n}"], "undefined ref: input.apple.orange.banana.fruit"],
  ["overriding ref len>1 existing ref", ["\npackage policy\n\nimport data.acl\nimport input\n\ndefault allow = false\n\n# METADATA\n# scope: rule\n# schemas:\n#   - input: schema[\"input\"]\n#   - input.apple.orange: schema[\"input\"]\n#   - input.apple.orange: schema[\"acl-schema\"]\nallow {\n\t\taccess = data.acl[input.user]\n\t\taccess[_] == input.operation\n\t\tinput.apple.orange.bob\n\t\tinput.apple.orange.user\n}"], "undefined ref: input.apple.orange.user"],
  ["overriding ref of size one", ["\npackage policy\n\nimport data.acl\nimport input\n\ndefault allow = false\n\n# METADATA\n# scope: rule\n# schemas:\n#   - input: schema[\"input\"]\n#   - input: schema[\"acl-schema\"]\nallow {\n\t\taccess = data.acl[input.user]\n}"], "undefined ref: input.user"],
  ["overriding annotation with brackets", ["\npackage policy\n\nimport data.acl\nimport input\n\ndefault allow = false\n\n# METADATA\n# scope: rule\n# schemas:\n#   - input: schema[\"input\"]\n#   - input.apple[\"orange\"]: schema[\"input\"]\nallow {\n\t\taccess = data.acl[input.user]\n\t\tinput.apple.orange.fruit\n}"], "undefined ref: input.apple.orange.fruit"],
  ["overriding strict", ["\npackage policy\n\nimport data.acl\nimport input\n\n# METADATA\n# scope: rule\n# schemas:\n#   - input.request.object: schema[\"acl-schema\"]\ndeny[msg] {\n\tmsg := 1\n\tinput.request.kind.kind == \"Pod\"\n\timage := input.request.object.spec.typo.containers[_].image\n\tnot startswith(image, \"hooli.com/\")\n}"], "undefined ref: input.request.object.spec.typo"],
  ["data annotation but no input schema", ["\npackage policy\n\nimport data.acl\nimport input\n\ndefault allow = false\n\n# METADATA\n# scope: rule\n# schemas:\n#   -  data.acl: schema[\"acl-schema\"]\nallow {\n\t\taccess = data.acl[input.user]\n\t\taccess[_] == input.operation\n\t\tinput.apple.orange.banana\n}"], ""],
  ["data schema does not overly restrict", ["\npackage policy\n\nimport data.acl\nimport input\n\n# METADATA\n# scope: rule\n# schemas:\n#   - data.acl: schema[\"acl-schema\"]\ndeny[msg] {\n\tmsg := 1\n\tinput.request.kind.kinds == \"Pod\"\n\timage := input.request.object.spec.containers[_].image\n\tnot startswith(image, \"hooli.com/\")\n\tdata.blah\n}"], ""],
  ["defer annotation other rule base", ["\npackage policy\n\nimport data.acl\nimport input\n\ndefault allow = false\n\n# METADATA\n# scope: rule\n# schemas:\n#   - input: schema[\"acl-schema\"]\nallow {\n\t\tinput.alice\n}\n\ndeny[msg] {\n\tmsg := 1\n\tinput.foo\n}"], ""],
  ["defer annotation other rule", ["\npackage policy\n\nimport data.acl\nimport input\n\n# METADATA\n# scope: rule\n# schemas:\n#   - input: schema[\"input\"]\n#   - input.apple.banana: schema[\"input\"]\ndeny[msg] {\n\tmsg := 1\n\tinput.apple.banana\n}\n\ndeny1[msg] {\n\tmsg := 1\n\tinput.apple.banana.foo\n}"], ""],
  ["overriding ref with data prefix", ["\npackage policy\n\nimport data.acl\nimport input\n\ndefault allow = false\n\n# METADATA\n# scope: rule\n# schemas:\n#   - data.acl: schema[\"acl-schema\"]\n#   - data.acl.foo: schema[\"input\"]\nallow {\n\t\taccess = data.acl[input.user]\n\t\taccess[_] == input.operation\n\t\tinput.apple.orange.banana\n\t\tdata.acl.foo.blah\n}"], "data.acl.foo.blah"],
  ["data annotation type error", ["\npackage policy\n\nimport data.acl\nimport input\n\ndefault allow = false\n\n# METADATA\n# scope: rule\n# schemas:\n#   - input: schema[\"input\"]\n#   - data.acl: schema[\"acl-schema\"]\nallow {\n\t\taccess = data.acl[input.user]\n\t\taccess[_] == input.operation\n\t\tdata.acl.foo\n}"], "data.acl.foo"],
  ["more than one rule with metadata", ["\npackage policy\n\nimport data.acl\nimport input\n\ndefault allow = false\n\n# METADATA\n# scope: rule\n# schemas:\n#   - input: schema[\"input\"]\n#   - data.acl: schema[\"acl-schema\"]\nallow {\n\t\taccess = data.acl[input.user]\n\t\taccess[_] == input.operation\n}\n\n# METADATA for whocan rule\n# scope: rule\n# schemas:\n#   - input: schema[\"whocan-input-schema\"]\n#   - data.acl: schema[\"acl-schema\"]\nwhocan[user] {\n\t\taccess = acl[user]\n\t\taccess[_] == input.operation\n}"], ""],
  ["more than one rule with metadata type error", ["\npackage policy\n\nimport data.acl\nimport input\n\ndefault allow = false\n\n# METADATA\n# scope: rule\n# schemas:\n#   - input: schema[\"input\"]\n#   - data.acl: schema[\"acl-schema\"]\nallow {\n\t\taccess = data.acl[input.user]\n\t\taccess[_] == input.operation\n\t\tdata.foo\n\t\tdata.acl.foo\n}\n\n# METADATA for whocan rule\n# scope: rule\n# schemas:\n#   - input: schema[\"whocan-input-schema\"]\n#   - data.acl: schema[\"acl-schema\"]\nwhocan[user] {\n\t\taccess = acl[user]\n\t\taccess[_] == input.operation.foo\n\n}"], "undefined ref"],
  ["document scope", ["package test\n# METADATA\n# scope: document\n# schemas:\n# - input.foo: schema.number\np { input.foo = 7 }\n\np { input.foo = [] }"], "test1.rego:8: match error"],
  ["rule scope overrides document scope", ["package test\n\n# METADATA\n# scope: document\n# schemas:\n# - input.foo: schema.number\np { input.foo = 7 }\n\n# METADATA\n# scope: rule\n# schemas:\n# - input.foo: schema.string\np { input.foo = \"str\" }"], ""],
  ["rule scope merges with document scope", ["package test\n\n# METADATA\n# scope: document\n# schemas:\n# - input.bar: schema.number\np { input.bar = 7 }\n\n# METADATA\n# scope: rule\n# schemas:\n# - input.foo: schema.string\np {\n\tinput.foo = \"str\"\n\tinput.bar = \"str\"\n}"], "test1.rego:15: match error"],
  ["document scope conflict", ["package test\n\n# METADATA\n# scope: document\n# schemas:\n# - input.foo: schema.number\np { input.foo = 7 }\n\n# METADATA\n# scope: document\n# schemas:\n# - input.foo: schema.string\np { input.foo = \"str\" }"], "test1.rego:9: document annotation redeclared: test1.rego:3"],
  ["package scope in other module", ["# METADATA\n# scope: package\n# schemas:\n# - input.foo: schema.number\npackage test", "package test\n\np { input.foo = 7 }"], ""],
  ["package scope in other module type conflict", ["# METADATA\n# scope: package\n# schemas:\n# - input.foo: schema.string\npackage test", "package test\n\np { input.foo = 7 }"], "test2.rego:3: match error"],
  ["package scope conflict", ["# METADATA\n# scope: package\n# schemas:\n# - input.foo: schema.string\npackage test", "# METADATA\n# scope: package\n# schemas:\n# - input.foo: schema.number\npackage test\n\np { input.foo = 7 }"], "test2.rego:1: package annotation redeclared: test1.rego:1"],
  ["subpackages scope", ["# METADATA\n# scope: subpackages\n# schemas:\n# - input: schema.number\npackage test\n\np { input = \"str\" }"], "test1.rego:7: match error"],
  ["document scope overrides subpackages scope", ["# METADATA\n# scope: subpackages\n# schemas:\n# - input: schema.number\npackage test\n\n# METADATA\n# scope: document\n# schemas:\n# - input: schema.string\np { input = \"str\" }"], ""],
  ["rule overrides subpackages and finds error", ["# METADATA\n# scope: subpackages\n# schemas:\n# - input: schema.string\npackage test\n\n# METADATA\n# scope: rule\n# schemas:\n# - input: schema.number\np { input = \"str\" }"], "test1.rego:11: match error"],
  ["package scope", ["# METADATA\n# scope: package\n# schemas:\n# - input: schema.string\npackage test\n\np { input = 7 }"], "test1.rego:7: match error"],
  ["rule scope overrides package scope", ["# METADATA\n# scope: package\n# schemas:\n# - input: schema.string\npackage test\n\n# METADATA\n# scope: rule\n# schemas:\n# - input: schema.number\np { input = 7 }"], ""],
  ["inline definition", ["package test\n\n# METADATA\n# scope: rule\n# schemas:\n# - input: {\"type\": \"string\"}\np { input = 7 }"], "test1.rego:7: match error"],
  ["document scope is unordered", ["package test\n\np { input = 7 }\n\n# METADATA\n# scope: document\n# schemas:\n# - input: schema.string\np { input = \"foo\" }"], "test1.rego:3: match error"],
];

t.test('TestCheckAnnotationRules: schemas from METADATA, scope by scope (v0 modules)', async (t) => {
  for (const [note, mods, want] of ANNOTATION_CASES) {
    const got = errs(Object.fromEntries(mods.map((m, i) => [`test${i + 1}.rego`, m])), { schemas: SCHEMAS, regoVersion: 'v0' });
    if (want === '') t.same(got, [], note);
    else t.ok(got.length > 0 && got.every((e) => e.replace(/^rego_type_error@/, '').replace(/^(\S+:\d+): /, '$1: rego_type_error: ').includes(want.replace(/^(\S+:\d+): /, '$1: rego_type_error: '))), `${note}: ${got.join(' | ')}`);
  }
});
