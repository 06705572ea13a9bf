/**
 * graphql.* against OPA's conformance cases (cases/v1/graphql): the module patterns these
 * cases use are recognised and the builtin called directly with the same operands.
 */
import t from 'tap';
import { RegoError } from '../../../../src/policy/errors.js';
import { equal, fromJs, type Value } from '../../../../src/policy/value/index.js';
import { call, loadCases, regoLiteral, type Case } from '../corpus-helpers.js';

const cases = loadCases('graphql');

function run(c: Case, f: () => Value | undefined): { value?: Value | undefined; error?: RegoError } {
  try {
    return { value: f() };
  } catch (e) {
    if (e instanceof RegoError) return { error: e };
    throw e;
  }
}

/** Operand named `name`: a literal, `name := graphql.parse_x(...)`, or `name_ast`. */
function operand(mod: string, base: 'schema' | 'query', callText: string): unknown {
  const astVar = `${base}_ast`;
  if (callText.includes(astVar)) {
    const lit = regoLiteral(mod, astVar);
    if (lit !== undefined) return lit;
    const m = new RegExp(`${astVar} := graphql\\.parse_${base}\\(\`([^\`]*)\`\\)`).exec(mod);
    return m ? call(`graphql.parse_${base}`, [m[1]]) : undefined;
  }
  if (callText.includes(`graphql.parse_schema(${base})`)) return call('graphql.parse_schema', [regoLiteral(mod, base)]);
  return regoLiteral(mod, base);
}

let checked = 0;
for (const c of cases) {
  const mod = c.modules?.[0] ?? '';
  const want = c.want_result?.[0]?.x;
  const body = mod.slice(mod.search(/^p (if|:=)/m));
  const m = /graphql\.(parse_query|parse_schema|schema_is_valid|is_valid|parse_and_verify|parse)\(/.exec(body);
  if (!m) continue;
  const fn = `graphql.${m[1]}`;
  t.test(c.note, (t) => {
    checked++;
    let args: unknown[];
    if (fn === 'graphql.parse_query' || fn === 'graphql.parse_schema') {
      const inline = /graphql\.parse_(?:query|schema)\(`([^`]*)`\)/.exec(body);
      const lit = inline ? inline[1] : body.includes('parse_query("{hero {name}}")') ? '{hero {name}}' : regoLiteral(mod, 'gql');
      args = [lit];
    } else if (fn === 'graphql.schema_is_valid') {
      args = [operand(mod, 'schema', body)];
    } else {
      args = [operand(mod, 'query', body), operand(mod, 'schema', body)];
    }
    const r = run(c, () => call(fn, args));
    if (c.want_error !== undefined) {
      t.equal(r.error?.opaCode, c.want_error_code ?? 'eval_builtin_error');
      t.equal(r.error?.message, c.want_error);
      return t.end();
    }
    t.equal(r.error, undefined, 'no error');
    const v = r.value;
    if (body.includes('== ast')) {
      t.ok(v !== undefined && equal(v, fromJs(regoLiteral(mod, 'ast'))), 'AST matches');
    } else if (fn === 'graphql.parse_and_verify') {
      const arr = v as Value[];
      const valid = arr[0] === true;
      t.equal(valid, !/not valid/.test(body), 'validity');
      const qAst = regoLiteral(mod, 'q_ast');
      if (valid && qAst !== undefined) t.ok(equal(arr[1] as Value, fromJs(qAst)), 'query AST');
    } else if (fn === 'graphql.parse') {
      const qAst = regoLiteral(mod, 'q_ast');
      if (qAst !== undefined) t.ok(equal((v as Value[])[0] as Value, fromJs(qAst)), 'query AST');
      else t.ok(Array.isArray(v));
    } else if (fn === 'graphql.is_valid' || fn === 'graphql.schema_is_valid') {
      const negated = new RegExp(`not ${fn.replace('.', '\\.')}`).test(body);
      const expect = typeof want === 'boolean' && !/x :?= /.test(body) ? (negated ? !want : want) : want;
      t.equal(v, expect, 'validity');
    } else {
      t.equal(want, true);
      t.not(v, undefined);
    }
    t.end();
  });
}

t.test('recognised most cases', (t) => {
  t.ok(cases.length >= 140);
  t.end();
});
t.teardown(() => {
  if (checked < 130) throw new Error(`only ${checked} graphql cases recognised`);
});

t.test('operations need their root type (gqlparser KnownRootType)', (t) => {
  const schema = 'type Query { a: Int }';
  t.equal(call('graphql.is_valid', ['{ a }', schema]), true);
  t.equal(call('graphql.is_valid', ['mutation { a }', schema]), false);
  t.throws(() => call('graphql.parse', ['mutation { a }', schema]), { code: 'REGO_ERR_BUILTIN' });
  t.equal(call('graphql.is_valid', ['{ b }', schema]), false, 'unknown field');
  t.equal(call('graphql.schema_is_valid', ['type Query { a: Int } extend type Query { b: String }']), true);
  t.equal(call('graphql.schema_is_valid', ['type Query { a: Int } extend interface Query { b: String }']), false, 'extension kind mismatch');
  t.end();
});

t.test('AST objects are read like OPA reads them (JSON into gqlparser structs)', (t) => {
  // Default-decoded structs match keys case-insensitively …
  const lower = { definitions: [{ kind: 'OBJECT', name: 'Query', fields: [{ name: 'a', type: { namedtype: 'Int' } }] }] };
  t.equal(call('graphql.schema_is_valid', [lower]), true);
  // … wrong JSON types are unmarshalling errors …
  t.equal(call('graphql.schema_is_valid', [{ Definitions: 5 }]), false);
  t.throws(() => call('graphql.parse', [{ Operations: 'x' }, 'type Query { a: Int }']), { code: 'REGO_ERR_BUILTIN' });
  // … and missing fields come back with Go's zero values after the round trip.
  const [q] = call('graphql.parse', [{ Operations: [{ Operation: 'query', SelectionSet: [{ Name: 'a', Alias: 'a' }] }] }, 'type Query { a: Int }']) as unknown[];
  t.same(q, { Operations: [{ Name: '', Operation: 'query', SelectionSet: [{ Alias: 'a', Name: 'a' }] }] });
  // Selections decode as Field first, so an inline fragment object loses its type condition.
  const parsed = call('graphql.parse_query', ['{ ... on Query { a } }']);
  t.equal(call('graphql.is_valid', [parsed, 'type Query { a: Int }']), false);
  t.equal(call('graphql.is_valid', ['{ ... on Query { a } }', 'type Query { a: Int }']), true);
  t.end();
});

// gqlparser loads every schema after its prelude: Int/Float/… are known types even when the
// schema's own fields never use them, so a variable of such a type is judged by where it is used.
t.test('graphql: the built-in scalars exist in every schema', (t) => {
  const schema = 'type Query { user(id: ID!): User } type User { id: ID!, name: String }';
  t.throws(() => call('graphql.parse', ['query Q($x: Int) { user(id: $x) { name } }', schema]), {
    code: 'REGO_ERR_BUILTIN',
    message: /Variable "\$x" of type "Int" used in position expecting type "ID!"/,
  });
  t.end();
});
