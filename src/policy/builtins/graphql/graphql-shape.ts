/**
 * gqlparser's AST struct layouts, used to read an AST given as a Rego object the way OPA does:
 * OPA marshals the object to JSON and unmarshals it into gqlparser's Go structs, so unknown keys
 * vanish, missing fields take Go zero values, keys match case-insensitively, and a value of the
 * wrong JSON type is an unmarshalling error.
 *
 * @example
 *   normalizeGqlDocument({ operations: [{ Name: 'q' }] }, 'query')
 *   // { Operations: [{ Operation: '', Name: 'q', VariableDefinitions: null, … }], Fragments: null, Position: null }
 *   // (QueryDocument uses the default decoder, so "operations" matches; OperationDefinition does not.)
 */
import type { GqlJson, GqlNode } from './graphql-parser.js';

export class GqlShapeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GqlShapeError';
  }
}

type FieldType = 'string' | 'bool' | 'int' | 'strings' | { list: string } | { ptr: string } | 'selections';
type Struct = Record<string, FieldType>;

const dirs: FieldType = { list: 'Directive' };
const STRUCTS: Record<string, Struct> = {
  QueryDocument: { Operations: { list: 'OperationDefinition' }, Fragments: { list: 'FragmentDefinition' } },
  OperationDefinition: { Operation: 'string', Name: 'string', VariableDefinitions: { list: 'VariableDefinition' }, Directives: dirs, SelectionSet: 'selections' },
  VariableDefinition: { Variable: 'string', Type: { ptr: 'Type' }, DefaultValue: { ptr: 'Value' }, Directives: dirs, Definition: { ptr: 'Definition' }, Used: 'bool' },
  Field: {
    Alias: 'string',
    Name: 'string',
    Arguments: { list: 'Argument' },
    Directives: dirs,
    SelectionSet: 'selections',
    Definition: { ptr: 'FieldDefinition' },
    ObjectDefinition: { ptr: 'Definition' },
  },
  Argument: { Name: 'string', Value: { ptr: 'Value' } },
  Value: {
    Raw: 'string',
    Children: { list: 'ChildValue' },
    Kind: 'int',
    Definition: { ptr: 'Definition' },
    VariableDefinition: { ptr: 'VariableDefinition' },
    ExpectedType: { ptr: 'Type' },
    ExpectedTypeHasDefault: 'bool',
  },
  ChildValue: { Name: 'string', Value: { ptr: 'Value' } },
  FragmentSpread: { Name: 'string', Directives: dirs, ObjectDefinition: { ptr: 'Definition' }, Definition: { ptr: 'FragmentDefinition' } },
  InlineFragment: { TypeCondition: 'string', Directives: dirs, SelectionSet: 'selections', ObjectDefinition: { ptr: 'Definition' } },
  FragmentDefinition: {
    Name: 'string',
    VariableDefinition: { list: 'VariableDefinition' },
    TypeCondition: 'string',
    Directives: dirs,
    SelectionSet: 'selections',
    Definition: { ptr: 'Definition' },
  },
  Directive: { Name: 'string', Arguments: { list: 'Argument' }, ParentDefinition: { ptr: 'Definition' }, Definition: { ptr: 'DirectiveDefinition' }, Location: 'string' },
  Type: { NamedType: 'string', Elem: { ptr: 'Type' }, NonNull: 'bool' },
  SchemaDocument: {
    Schema: { list: 'SchemaDefinition' },
    SchemaExtension: { list: 'SchemaDefinition' },
    Directives: { list: 'DirectiveDefinition' },
    Definitions: { list: 'Definition' },
    Extensions: { list: 'Definition' },
  },
  SchemaDefinition: { Description: 'string', Directives: dirs, OperationTypes: { list: 'OperationTypeDefinition' } },
  OperationTypeDefinition: { Operation: 'string', Type: 'string' },
  Definition: {
    Kind: 'string',
    Description: 'string',
    Name: 'string',
    Directives: dirs,
    Interfaces: 'strings',
    Fields: { list: 'FieldDefinition' },
    Types: 'strings',
    EnumValues: { list: 'EnumValueDefinition' },
    BuiltIn: 'bool',
  },
  FieldDefinition: { Description: 'string', Name: 'string', Arguments: { list: 'ArgumentDefinition' }, DefaultValue: { ptr: 'Value' }, Type: { ptr: 'Type' }, Directives: dirs },
  ArgumentDefinition: { Description: 'string', Name: 'string', DefaultValue: { ptr: 'Value' }, Type: { ptr: 'Type' }, Directives: dirs },
  EnumValueDefinition: { Description: 'string', Name: 'string', Directives: dirs },
  DirectiveDefinition: { Description: 'string', Name: 'string', Arguments: { list: 'ArgumentDefinition' }, Locations: 'strings', IsRepeatable: 'bool' },
};

const MAX_DEPTH = 256;

function isNode(x: unknown): x is GqlNode {
  return x !== null && typeof x === 'object' && !Array.isArray(x);
}

// Structs with gqlparser's hand-written UnmarshalJSON (ast/decode.go): keys match exactly.
// Every other struct goes through encoding/json's default decoder: case-insensitive keys.
const CUSTOM_DECODE = new Set(['Field', 'OperationDefinition', 'InlineFragment', 'FragmentDefinition']);

/**
 * gqlparser's UnmarshalSelectionSet: each element is decoded as a Field first, then a
 * FragmentSpread, then an InlineFragment, keeping the first that decodes without error and
 * dropping the element when none does. Field's decoder ignores unknown keys, so in practice
 * every object becomes a Field — an inline fragment given as an object loses its TypeCondition,
 * exactly as in OPA.
 */
function selections(v: GqlJson[], depth: number): GqlJson[] {
  const out: GqlJson[] = [];
  for (const e of v) {
    if (e !== null && !isNode(e)) continue;
    const o = e ?? {};
    for (const kind of ['Field', 'FragmentSpread', 'InlineFragment']) {
      try {
        out.push(shape(kind, o, depth + 1));
        break;
      } catch (err) {
        if (!(err instanceof GqlShapeError)) throw err;
      }
    }
  }
  return out;
}

function field(type: FieldType, v: GqlJson | undefined, path: string, depth: number): GqlJson {
  if (depth > MAX_DEPTH) throw new GqlShapeError('json: exceeded max depth');
  const bad = (want: string): never => {
    throw new GqlShapeError(`json: cannot unmarshal ${describe(v)} into Go struct field ${path} of type ${want}`);
  };
  if (v === undefined || v === null) {
    if (type === 'string') return '';
    if (type === 'bool') return false;
    if (type === 'int') return 0;
    return null;
  }
  if (type === 'string') return typeof v === 'string' ? v : bad('string');
  if (type === 'bool') return typeof v === 'boolean' ? v : bad('bool');
  if (type === 'int') return typeof v === 'number' && Number.isInteger(v) ? v : typeof v === 'bigint' ? Number(v) : bad('int');
  if (type === 'strings') {
    if (!Array.isArray(v)) return bad('[]string');
    return v.map((e) => (typeof e === 'string' ? e : bad('string')));
  }
  if (type === 'selections') {
    if (!Array.isArray(v)) return bad('ast.SelectionSet');
    return selections(v, depth);
  }
  if ('list' in type) {
    if (!Array.isArray(v)) return bad(`[]*ast.${type.list}`);
    return v.map((e) => (e === null ? null : isNode(e) ? shape(type.list, e, depth + 1) : bad(`ast.${type.list}`)));
  }
  return isNode(v) ? shape(type.ptr, v, depth + 1) : bad(`ast.${type.ptr}`);
}

function describe(v: GqlJson | undefined): string {
  if (Array.isArray(v)) return 'array';
  if (v === null || v === undefined) return 'null';
  return typeof v === 'object' ? 'object' : typeof v === 'boolean' ? 'bool' : typeof v;
}

function shape(struct: string, o: GqlNode, depth: number): GqlNode {
  const spec = STRUCTS[struct] as Struct;
  // Go's decoder matches keys case-insensitively; an exact match wins.
  const exact = CUSTOM_DECODE.has(struct);
  const byLower = new Map<string, GqlJson>();
  if (!exact) for (const [k, v] of Object.entries(o)) if (!byLower.has(k.toLowerCase())) byLower.set(k.toLowerCase(), v);
  const out: GqlNode = {};
  for (const [name, type] of Object.entries(spec)) {
    const v = Object.hasOwn(o, name) ? o[name] : byLower.get(name.toLowerCase());
    out[name] = field(type, v, `${struct}.${name}`, depth);
  }
  out.Position = null;
  return out;
}

/** Reads a query or schema document given as a (JSON-like) object into gqlparser's full shape; throws GqlShapeError. */
export function normalizeGqlDocument(o: GqlNode, kind: 'query' | 'schema'): GqlNode {
  return shape(kind === 'query' ? 'QueryDocument' : 'SchemaDocument', o, 0);
}
