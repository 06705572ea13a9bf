/**
 * graphql.* builtins (OPA topdown/graphql.go). Results are gqlparser's AST as OPA returns it:
 * Go's JSON field names, with `Position`, nulls and empty arrays/objects pruned away.
 *
 * Parsing and schema validation follow gqlparser (graphql-parser.ts, graphql-schema.ts);
 * executable-document validation uses graphql-js's `validate`, whose rules gqlparser ported.
 */
import { GraphQLSchema, buildASTSchema, parse as gqlJsParse, specifiedScalarTypes, validate as gqlJsValidate, type DocumentNode } from 'graphql';
import { BuiltinError, BuiltinTypeError } from '../../errors.js';
import { isObject, toJs, typeName as regoTypeName, type PlainObject, type RObject, type Value } from '../../value/index.js';
import type { BuiltinDef } from '../registry.js';
import { GraphqlSyntaxError } from './graphql-lexer.js';
import { parseGraphqlQuery, parseGraphqlSchema, type GqlJson, type GqlNode } from './graphql-parser.js';
import { GqlShapeError, normalizeGqlDocument } from './graphql-shape.js';
import { arr, GraphqlSchemaError, printQueryDocument, printSchemaSdl, validateGraphqlSchema, type ValidatedSchema } from './graphql-schema.js';

/** OPA's pruneIrrelevantGraphQLASTNodes: drop Position, nulls and (recursively) empty arrays/objects. */
function prune(x: GqlJson): Value {
  if (Array.isArray(x)) {
    const out: Value[] = [];
    for (const e of x) {
      if (e === null) continue;
      if (typeof e === 'object') {
        const p = prune(e);
        if (Array.isArray(p) ? p.length > 0 : Object.keys(p as PlainObject).length > 0) out.push(p);
      } else out.push(e);
    }
    return out;
  }
  if (x !== null && typeof x === 'object') {
    const out: PlainObject = {};
    for (const [k, v] of Object.entries(x)) {
      if (k === 'Position' || v === null || v === undefined) continue;
      if (typeof v === 'object') {
        const p = prune(v);
        if (Array.isArray(p) ? p.length > 0 : Object.keys(p as PlainObject).length > 0) out[k] = p;
      } else out[k] = v;
    }
    return out;
  }
  return x;
}

/** An AST given as an object, read the way OPA's json round-trip into gqlparser structs reads it. */
function fromObject(name: string, v: PlainObject | RObject, kind: 'query' | 'schema'): GqlNode {
  try {
    return normalizeGqlDocument(toJs(v) as GqlNode, kind);
  } catch (e) {
    if (e instanceof GqlShapeError) throw new BuiltinError(name, e.message);
    throw e;
  }
}

function syntaxError(name: string, e: unknown): never {
  if (e instanceof GraphqlSyntaxError) throw new BuiltinError(name, `${e.message} in GraphQL string at location ${e.line}:${e.col}`);
  throw e;
}

interface Doc {
  ast: GqlNode;
  /** Source text, when the document came as a string (keeps graphql-js error locations exact). */
  text: string | undefined;
}

function queryDoc(name: string, v: Value, typeErr: boolean): Doc {
  if (typeof v === 'string') {
    try {
      return { ast: parseGraphqlQuery(v), text: v };
    } catch (e) {
      return syntaxError(name, e);
    }
  }
  if (isObject(v)) return { ast: fromObject(name, v, 'query'), text: undefined };
  if (typeErr) throw new BuiltinTypeError(name, `operand 1 must be one of {object, string} but got ${regoTypeName(v)}`);
  throw new BuiltinError(name, 'invalid query');
}

function schemaDoc(name: string, v: Value, typeErr: boolean): GqlNode {
  if (typeof v === 'string') {
    try {
      return parseGraphqlSchema(v);
    } catch (e) {
      return syntaxError(name, e);
    }
  }
  if (isObject(v)) return fromObject(name, v, 'schema');
  if (typeErr) throw new BuiltinTypeError(name, `operand 2 must be one of {object, string} but got ${regoTypeName(v)}`);
  throw new BuiltinError(name, 'invalid schema');
}

function convertSchema(name: string, doc: GqlNode): ValidatedSchema {
  try {
    return validateGraphqlSchema(doc);
  } catch (e) {
    if (e instanceof GraphqlSchemaError) throw new BuiltinError(name, `Error in gqlparser SchemaDocument to Schema conversion: ${e.message}`);
    throw e;
  }
}

// graphql-js schemas by their SDL text: building one costs milliseconds and policies validate
// every request against the same schema. Bounded so varying schemas cannot grow memory.
const SCHEMA_CACHE_MAX = 32;
const jsSchemaCache = new Map<string, GraphQLSchema>();

const jsSchemaBySchema = new WeakMap<ValidatedSchema, GraphQLSchema>();

function jsSchema(name: string, schema: ValidatedSchema): GraphQLSchema {
  const known = jsSchemaBySchema.get(schema);
  if (known) return known;
  const sdl = printSchemaSdl(schema);
  let js = jsSchemaCache.get(sdl);
  if (js) {
    jsSchemaBySchema.set(schema, js);
    return js;
  }
  try {
    js = withBuiltinScalars(buildASTSchema(gqlJsParse(sdl), { assumeValid: true, assumeValidSDL: true }));
  } catch (e) {
    throw new BuiltinError(name, `Error in gqlparser SchemaDocument to Schema conversion: ${(e as Error).message}`);
  }
  if (jsSchemaCache.size >= SCHEMA_CACHE_MAX) jsSchemaCache.delete(jsSchemaCache.keys().next().value as string);
  jsSchemaCache.set(sdl, js);
  jsSchemaBySchema.set(schema, js);
  return js;
}

/**
 * gqlparser loads every schema after its prelude, so Int, Float, String, Boolean and ID exist
 * even when no field uses them (`query Q($n: Int)` against a schema without Int fields); a
 * graphql-js schema only holds the types its SDL reaches, so the unused ones are added.
 */
function withBuiltinScalars(js: GraphQLSchema): GraphQLSchema {
  const cfg = js.toConfig();
  const missing = specifiedScalarTypes.filter((t) => js.getType(t.name) === undefined);
  return missing.length === 0 ? js : new GraphQLSchema({ ...cfg, types: [...cfg.types, ...missing], assumeValid: true });
}

/** Validates an executable document against a validated schema; throws BuiltinError on the first violation. */
function validateQuery(name: string, schema: ValidatedSchema, q: Doc): void {
  // An empty document has nothing to validate (graphql-js cannot even parse it).
  if (arr(q.ast.Operations).length === 0 && arr(q.ast.Fragments).length === 0) return;
  // gqlparser's KnownRootType rule; graphql-js leaves operations on a missing root unchecked.
  for (const op of arr(q.ast.Operations)) {
    const kind = typeof op.Operation === 'string' && op.Operation !== '' ? op.Operation : 'query';
    if (schema[kind as 'query' | 'mutation' | 'subscription'] === undefined) {
      const pos = op.Position as { line?: number; col?: number } | null | undefined;
      const at = pos && typeof pos.line === 'number' ? ` in GraphQL string at location ${pos.line}:${pos.col ?? 1}` : '';
      throw new BuiltinError(name, `Schema does not support operation type "${kind}"${at}`);
    }
  }
  let doc: DocumentNode;
  try {
    doc = gqlJsParse(q.text ?? printQueryDocument(q.ast), { noLocation: false });
  } catch {
    // gqlparser accepted something graphql-js's parser does not (e.g. fragment variables): print it canonically.
    try {
      doc = gqlJsParse(printQueryDocument(q.ast), { allowLegacyFragmentVariables: true });
    } catch (e) {
      throw new BuiltinError(name, `invalid query: ${(e as Error).message}`);
    }
  }
  const js = jsSchema(name, schema);
  const errors = gqlJsValidate(js, doc);
  const first = errors[0];
  if (first) {
    const loc = first.locations?.[0];
    const msg = first.message.replace(/\.$/, '');
    throw new BuiltinError(name, loc ? `${msg} in GraphQL string at location ${loc.line}:${loc.column}` : msg);
  }
}

// Parsed + validated schemas by source text (same reasoning as jsSchemaCache). The cached
// documents are never mutated: validation copies what it extends.
const parsedSchemaCache = new Map<string, { doc: GqlNode; schema: ValidatedSchema }>();

function schemaOf(name: string, v: Value, typeErr: boolean): { doc: GqlNode; schema: ValidatedSchema } {
  if (typeof v === 'string') {
    const hit = parsedSchemaCache.get(v);
    if (hit) return hit;
  }
  const doc = schemaDoc(name, v, typeErr);
  const entry = { doc, schema: convertSchema(name, doc) };
  if (typeof v === 'string') {
    if (parsedSchemaCache.size >= SCHEMA_CACHE_MAX) parsedSchemaCache.delete(parsedSchemaCache.keys().next().value as string);
    parsedSchemaCache.set(v, entry);
  }
  return entry;
}

/** Parses and validates both documents; the pruned ASTs only when the caller returns them. */
function parseBoth(name: string, args: readonly Value[], typeErr: boolean): [Value, Value] {
  const q = queryDoc(name, args[0] as Value, typeErr);
  const { doc, schema } = schemaOf(name, args[1] as Value, typeErr);
  validateQuery(name, schema, q);
  return [prune(q.ast), prune(doc)];
}

function checkBoth(name: string, args: readonly Value[]): void {
  const q = queryDoc(name, args[0] as Value, false);
  validateQuery(name, schemaOf(name, args[1] as Value, false).schema, q);
}

/** Runs `f`, mapping any builtin failure to `fallback` (the *_is_valid / parse_and_verify contract). */
function orElse<T extends Value>(f: () => T, fallback: T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof BuiltinError || e instanceof BuiltinTypeError) return fallback;
    throw e;
  }
}

function stringArg(name: string, v: Value): string {
  if (typeof v !== 'string') throw new BuiltinTypeError(name, `operand 1 must be string but got ${regoTypeName(v)}`);
  return v;
}

export const graphqlBuiltins: BuiltinDef[] = [
  {
    name: 'graphql.parse_query',
    arity: 1,
    impl: ([q]) => {
      try {
        return prune(parseGraphqlQuery(stringArg('graphql.parse_query', q as Value)));
      } catch (e) {
        return syntaxError('graphql.parse_query', e);
      }
    },
  },
  {
    name: 'graphql.parse_schema',
    arity: 1,
    impl: ([s]) => {
      try {
        return prune(parseGraphqlSchema(stringArg('graphql.parse_schema', s as Value)));
      } catch (e) {
        return syntaxError('graphql.parse_schema', e);
      }
    },
  },
  {
    name: 'graphql.parse',
    arity: 2,
    impl: (args) => parseBoth('graphql.parse', args, true),
  },
  {
    name: 'graphql.parse_and_verify',
    arity: 2,
    impl: (args) =>
      orElse((): Value[] => {
        const [q, s] = parseBoth('graphql.parse_and_verify', args, false);
        return [true, q, s];
      }, [false, {}, {}]),
  },
  {
    name: 'graphql.is_valid',
    arity: 2,
    impl: (args) => orElse(() => (checkBoth('graphql.is_valid', args), true), false),
  },
  {
    name: 'graphql.schema_is_valid',
    arity: 1,
    impl: ([s]) =>
      orElse(() => {
        schemaOf('graphql.schema_is_valid', s as Value, false);
        return true;
      }, false),
  },
];
