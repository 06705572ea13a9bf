/**
 * JSON Schema → static type, as OPA's type checker reads a schema (ast/compile.go,
 * schemaParser): `type` boolean/string/integer/number/object/array; an object with
 * `properties` is closed — only those keys exist, whatever `additionalProperties` says — and
 * one without is any object; `items` types an array's members; `anyOf` is a union, `allOf`
 * merges objects; `$ref` is followed inside the same document (`#/definitions/…`,
 * `#/$defs/…`). Anything else is `any`, so a schema never refuses more than OPA's would.
 *
 * Schemas reach the checker from `--schema` (`-s`) and from `# METADATA` `schemas:` entries
 * (`- input: schema.name` or an inline schema) on the rule or its package.
 *
 * @example
 *   schemaType({ type: 'object', properties: { user: { type: 'string' } } });
 *   // { k: 'object', props: { user: { k: 'string' } } }
 */
import { parseGoYaml } from '../value/index.js';
import type { Annotation } from '../syntax/ast.js';
import { ANY, arr, B, N, OBJ, S, type Ty } from './static-type.js';

/** Schemas by name: `schema.a.b` for the file a/b.json of a `--schema` directory; `input` types input everywhere. */
export interface SchemaSet {
  input?: unknown;
  named: ReadonlyMap<string, unknown>;
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
const isObj = (x: unknown): x is { [k: string]: Json } => typeof x === 'object' && x !== null && !Array.isArray(x);

export function schemaType(schema: unknown, root: unknown = schema, seen: ReadonlySet<string> = new Set()): Ty {
  if (!isObj(schema)) return ANY;
  const ref = schema.$ref;
  if (typeof ref === 'string') {
    // a reference cycle (a tree type) is left open: OPA types its inner levels loosely too
    if (seen.has(ref)) return ANY;
    const target = resolvePointer(root, ref);
    return target === undefined ? ANY : schemaType(target, root, new Set([...seen, ref]));
  }
  if (Array.isArray(schema.anyOf)) {
    const tys = schema.anyOf.map((s) => schemaType(s, root, seen));
    const first = JSON.stringify(tys[0]);
    return tys.length > 0 && tys.every((t) => JSON.stringify(t) === first) ? tys[0]! : ANY;
  }
  if (Array.isArray(schema.allOf)) {
    const tys = schema.allOf.map((s) => schemaType(s, root, seen));
    if (!tys.every((t) => t.k === 'object' && t.props !== undefined)) return ANY;
    const props: Record<string, Ty> = {};
    for (const t of tys) Object.assign(props, (t as { props: Record<string, Ty> }).props);
    return { k: 'object', props };
  }
  let type = schema.type;
  if (Array.isArray(type)) type = type.length === 1 ? type[0] : undefined;
  if (type === undefined && isObj(schema.properties)) type = 'object';
  if (type === undefined && schema.items !== undefined) type = 'array';
  switch (type) {
    case 'boolean':
      return B;
    case 'string':
      return S;
    case 'integer':
    case 'number':
      return N;
    case 'object': {
      if (!isObj(schema.properties) || Object.keys(schema.properties).length === 0) return OBJ;
      const props: Record<string, Ty> = {};
      for (const [k, v] of Object.entries(schema.properties)) props[k] = schemaType(v, root, seen);
      return { k: 'object', props };
    }
    case 'array': {
      const items = schema.items;
      if (Array.isArray(items)) {
        const tys = items.map((s) => schemaType(s, root, seen));
        const first = JSON.stringify(tys[0]);
        return arr(tys.length > 0 && tys.every((t) => JSON.stringify(t) === first) ? tys[0]! : ANY);
      }
      return arr(items === undefined ? ANY : schemaType(items, root, seen));
    }
    default:
      return ANY;
  }
}

/** `#/definitions/a` → that part of the document (JSON pointer, `~0`/`~1` unescaped). */
function resolvePointer(root: unknown, ref: string): unknown {
  if (!ref.startsWith('#')) return undefined;
  let cur: unknown = root;
  for (const raw of ref.slice(1).split('/').filter((p) => p !== '')) {
    const key = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    if (!isObj(cur) && !Array.isArray(cur)) return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

/** A `schemas:` entry: the path it types (`input`, `input.x`) and the schema it gives. */
export interface SchemaAnnotation {
  path: string[];
  schema: unknown;
}

/**
 * The `schemas:` entries of METADATA blocks that type `input` (OPA also types `data` paths;
 * those are left to evaluation here). A named schema the set lacks types nothing.
 */
export function schemaAnnotations(annotations: readonly Annotation[], set: SchemaSet | undefined): SchemaAnnotation[] {
  const out: SchemaAnnotation[] = [];
  for (const a of annotations) {
    let doc: unknown;
    try {
      doc = parseGoYaml(a.yaml);
    } catch {
      continue; // reported by the metadata stage
    }
    if (!isObj(doc) || !Array.isArray(doc.schemas)) continue;
    for (const entry of doc.schemas) {
      if (!isObj(entry)) continue;
      for (const [path, value] of Object.entries(entry)) {
        const names = path.split('.');
        if (names[0] !== 'input') continue;
        const schema = typeof value === 'string' ? set?.named.get(value) : value;
        if (schema !== undefined) out.push({ path: names, schema });
      }
    }
  }
  return out;
}

/** `base` with the type at `path` (below input) replaced by `t`, opening objects on the way as OPA's override does. */
export function overrideAt(base: Ty, path: readonly string[], t: Ty): Ty {
  if (path.length === 0) return t;
  const [k, ...rest] = path as [string, ...string[]];
  if (base.k !== 'object' || base.props === undefined) return { k: 'object', props: { [k]: overrideAt(ANY, rest, t) }, open: true };
  return { ...base, props: { ...base.props, [k]: overrideAt(base.props[k] ?? ANY, rest, t) } };
}
