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

/** A `schemas:` entry: the document it types (`input` or `data`), the path below it (`input.x` → ["x"]) and the schema. */
export interface SchemaAnnotation {
  root: 'input' | 'data';
  path: string[];
  schema: unknown;
}

/**
 * The keys of a ref written as text, `schema.a["b-c"].d` → ["schema", "a", "b-c", "d"] (only
 * identifiers and string keys; anything else is not a schema name or path here).
 */
export function parseRefText(text: string): string[] | undefined {
  const head = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text);
  if (head === null) return undefined;
  const out = [head[0]];
  let rest = text.slice(head[0].length);
  while (rest !== '') {
    const dot = /^\.([A-Za-z_][A-Za-z0-9_]*)/.exec(rest);
    const bracket = /^\[\s*("(?:[^"\\]|\\.)*")\s*\]/.exec(rest);
    if (dot !== null) out.push(dot[1]!);
    else if (bracket !== null) out.push(JSON.parse(bracket[1]!) as string);
    else return undefined;
    rest = rest.slice((dot ?? bracket)![0].length);
  }
  return out;
}

/** A schema set's name as keys: `schema.a.b` (a --schema directory's a/b.json, whatever its characters) or a ref text. */
const nameKeys = (name: string): string => JSON.stringify(parseRefText(name) ?? name.split('.'));

/**
 * The `schemas:` entries of METADATA blocks, in order. A named schema the set lacks is OPA's
 * `undefined schema: schema.x` (reported through `onMissing`, with the name as OPA prints the
 * ref) when there is a set at all; without one (no `--schema`) OPA skips the entry, and so does
 * this.
 */
export function schemaAnnotations(annotations: readonly Annotation[], set: SchemaSet | undefined, onMissing?: (name: string) => void): SchemaAnnotation[] {
  const out: SchemaAnnotation[] = [];
  let byKeys: Map<string, unknown> | undefined;
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
        const names = parseRefText(path.trim());
        const root = names?.[0];
        if (names === undefined || (root !== 'input' && root !== 'data')) continue;
        let schema: unknown = value;
        if (typeof value === 'string') {
          if (set === undefined) continue;
          byKeys ??= new Map([...set.named].map(([k, v]) => [nameKeys(k), v]));
          const keys = parseRefText(value.trim());
          schema = keys === undefined ? undefined : byKeys.get(JSON.stringify(keys));
          if (schema === undefined) {
            onMissing?.(keys === undefined ? value : showRef(keys));
            continue;
          }
        }
        out.push({ root, path: names.slice(1), schema });
      }
    }
  }
  return out;
}

/** A ref as OPA prints it: identifiers after dots, other keys in brackets. */
function showRef(keys: string[]): string {
  return keys.map((k, i) => (i === 0 ? k : /^[A-Za-z_][A-Za-z0-9_]*$/.test(k) ? `.${k}` : `[${JSON.stringify(k)}]`)).join('');
}

/**
 * `base` with the type at `path` (below input) replaced by `t`, as OPA's override does: through
 * a key the object has, its value is overridden in turn; a key it lacks is added as nested
 * objects that are as open as `base` (OPA's getObjectType passes the object's dynamic property
 * down), so under a closed schema `input.a.b: schema.x` makes `input.a` an object of `b` only;
 * where there is no object type yet, the new objects are open.
 */
export function overrideAt(base: Ty, path: readonly string[], t: Ty): Ty {
  if (path.length === 0) return t;
  const [k, ...rest] = path as [string, ...string[]];
  if (base.k !== 'object' || base.props === undefined) return { k: 'object', props: { [k]: nested(rest, t, true) }, open: true };
  const own = base.props[k];
  return { ...base, props: { ...base.props, [k]: own !== undefined ? overrideAt(own, rest, t) : nested(rest, t, base.open === true) } };
}

function nested(path: readonly string[], t: Ty, open: boolean): Ty {
  if (path.length === 0) return t;
  const props = { [path[0]!]: nested(path.slice(1), t, open) };
  return open ? { k: 'object', props, open: true } : { k: 'object', props };
}
