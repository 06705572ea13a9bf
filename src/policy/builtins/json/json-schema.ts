/**
 * JSON Schema for json.verify_schema / json.match_schema. OPA uses gojsonschema (drafts 4, 6,
 * 7); we validate with ajv (draft-07 vocabulary, draft-04 `exclusiveMinimum: true` style
 * rewritten) and shape results like gojsonschema: `{error, type, field, desc}` with its type
 * names (`invalid_type`, `required`, …) and descriptions.
 */
import { Ajv, type CodeOptions, type ErrorObject, type ValidateFunction } from 'ajv';
import { toJs } from '../../value/index.js';
import type { Value } from '../../value/index.js';
import { LruCache } from '../shared/regex-cache.js';
import { compileGoRegexp } from '../shared/re2.js';
import { parseDecimal } from '../shared/decimal.js';
import { keepClosestBranches } from './schema-branches.js';
import { GOJSONSCHEMA_FORMATS } from './schema-formats.js';

export class SchemaError extends Error {}

const PRIMITIVES = ['array', 'boolean', 'integer', 'number', 'null', 'object', 'string'];

/**
 * `pattern` and `patternProperties` as gojsonschema has them: Go's regexp (RE2 syntax), and so
 * linear-time — with ajv's default `new RegExp(pattern, 'u')` a schema's pattern backtracked.
 * ajv keys compiled patterns by `toString()`, so each object names its own pattern.
 */
const goRegExp: NonNullable<CodeOptions['regExp']> = Object.assign(
  (pattern: string) => {
    const re = compileGoRegexp(pattern);
    return { test: (s: string) => re.matchString(s), toString: () => pattern };
  },
  { code: 'regate-go-regexp' },
);

// Formats are checked as gojsonschema checks them (schema-formats.ts); an unknown one passes.
const ajv = new Ajv({ allErrors: true, strict: false, logger: false, validateFormats: true, formats: GOJSONSCHEMA_FORMATS, code: { regExp: goRegExp } });
const compiled = new LruCache<ValidateFunction | SchemaError>(128);

/**
 * gojsonschema tests multipleOf on exact rationals (big.Rat of the numbers' decimal text), so
 * 0.3 is a multiple of 0.1; ajv divides doubles (0.3 / 0.1 = 2.9999999999999996) and refuses it.
 */
function isMultipleOf(x: number, m: number): boolean {
  const a = parseDecimal(String(x));
  const b = parseDecimal(String(m));
  if (a === undefined || b === undefined || b.num === 0n) return true;
  return (a.num * b.den) % (a.den * b.num) === 0n;
}

ajv.removeKeyword('multipleOf');
ajv.addKeyword({
  keyword: 'multipleOf',
  type: 'number',
  schemaType: 'number',
  validate: function multipleOf(schema: number, data: number): boolean {
    const ok = isMultipleOf(data, schema);
    // Reported like ajv's own keyword, so describe() words it as gojsonschema does.
    (multipleOf as { errors?: Partial<ErrorObject>[] }).errors = ok ? [] : [{ keyword: 'multipleOf', params: { multipleOf: schema } }];
    return ok;
  },
});

/** Keywords whose value is data, not a schema. */
const VALUE_KEYWORDS = new Set(['enum', 'const', 'default', 'examples']);

/**
 * Keywords whose value maps names to schemas: a name there ("type", "$schema", "enum") is a
 * property or definition, not a keyword.
 */
const SCHEMA_MAP_KEYWORDS = new Set(['properties', 'patternProperties', 'definitions', '$defs', 'dependencies']);

function prepareSchemaMap(m: Record<string, unknown>): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const [name, schema] of Object.entries(m)) o[name] = prepare(schema);
  return o;
}

/**
 * gojsonschema checks `type` values itself; reproduce its message for unknown ones and rewrite
 * draft-04 keywords into the draft-07 forms ajv knows.
 */
function prepare(s: unknown): unknown {
  if (Array.isArray(s)) return s.map(prepare);
  if (s === null || typeof s !== 'object') return s;
  const o: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(s as Record<string, unknown>)) {
    if (k === '$schema') continue;
    if (VALUE_KEYWORDS.has(k)) o[k] = v;
    else if (SCHEMA_MAP_KEYWORDS.has(k) && v !== null && typeof v === 'object' && !Array.isArray(v)) o[k] = prepareSchemaMap(v as Record<string, unknown>);
    else o[k] = prepare(v);
  }
  const t = o.type;
  for (const x of Array.isArray(t) ? t : t === undefined ? [] : [t]) {
    if (typeof x !== 'string' || !PRIMITIVES.includes(x)) {
      throw new SchemaError(`has a primitive type that is NOT VALID -- given: /${String(x)}/ Expected valid values are:[${PRIMITIVES.join(' ')}]`);
    }
  }
  for (const [ex, bound] of [['exclusiveMinimum', 'minimum'], ['exclusiveMaximum', 'maximum']] as const) {
    if (typeof o[ex] === 'boolean') {
      if (o[ex] === true && typeof o[bound] === 'number') {
        o[ex] = o[bound];
        delete o[bound];
      } else delete o[ex];
    }
  }
  if (typeof o.id === 'string' && o.$id === undefined) {
    o.$id = o.id;
    delete o.id;
  }
  return o;
}

export function compileSchema(schema: Value): ValidateFunction {
  const js = toJs(schema);
  const key = JSON.stringify(js, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  let f = compiled.get(key);
  if (f === undefined) {
    try {
      f = ajv.compile(prepare(js) as object);
    } catch (e) {
      f = e instanceof SchemaError ? e : new SchemaError((e as Error).message);
    }
    compiled.set(key, f);
  }
  if (f instanceof SchemaError) throw f;
  return f;
}

/**
 * gojsonschema's Field(): the instance path joined with dots, the document itself "(Root)" (the
 * root context name of OPA's copy, internal/gojsonschema, e.g. "(Root): Array must have at
 * least 1 items").
 */
function fieldOf(e: ErrorObject): string {
  const parts = e.instancePath.split('/').slice(1).map((p) => p.replaceAll('~1', '/').replaceAll('~0', '~'));
  return parts.length === 0 ? ROOT_FIELD : parts.join('.');
}

const ROOT_FIELD = '(Root)';

/** JSON text with sorted keys and numbers as float64: gojsonschema's marshalWithoutNumber, which decides equal items. */
function canonicalJson(v: unknown): string {
  if (typeof v === 'number' || typeof v === 'bigint') return String(Number(v));
  if (Array.isArray(v)) return '[' + v.map(canonicalJson).join(',') + ']';
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return '{' + Object.keys(o).sort().map((k) => JSON.stringify(k) + ':' + canonicalJson(o[k])).join(',') + '}';
  }
  return JSON.stringify(v);
}

/**
 * Every repeated item of an array as gojsonschema reports them (validateArray): one error per
 * item equal to an earlier one, naming the index of its latest earlier occurrence and its own —
 * ajv stops at the first pair and counts from the end.
 */
function duplicatePairs(items: readonly unknown[]): [number, number][] {
  const seen = new Map<string, number>();
  const pairs: [number, number][] = [];
  items.forEach((item, j) => {
    const key = canonicalJson(item);
    const i = seen.get(key);
    if (i !== undefined) pairs.push([i, j]);
    seen.set(key, j);
  });
  return pairs;
}

function typeOfJson(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number' || typeof v === 'bigint') return Number.isInteger(Number(v)) ? 'integer' : 'number';
  return typeof v;
}

/** The value at an ajv instancePath (a JSON pointer). */
function valueAt(data: unknown, path: string): unknown {
  let cur: unknown = data;
  for (const raw of path.split('/').slice(1)) {
    const seg = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    cur = cur !== null && typeof cur === 'object' ? (cur as Record<string, unknown>)[seg] : undefined;
  }
  return cur;
}

/** gojsonschema's {type, description} for an ajv error. */
function describe(e: ErrorObject, data: unknown): { type: string; desc: string; field: string } {
  const p = e.params as Record<string, unknown>;
  const field = fieldOf(e);
  const at = (path: string): unknown => valueAt(data, path);
  switch (e.keyword) {
    case 'type': {
      // gojsonschema's jsonSchemaType.String(): one type by name, several as `[string,integer]`.
      const types = String(p.type).split(',');
      const expected = types.length > 1 ? `[${types.join(',')}]` : types[0];
      return { type: 'invalid_type', desc: `Invalid type. Expected: ${expected}, given: ${typeOfJson(at(e.instancePath))}`, field };
    }
    case 'required':
      // reported on the object that lacks the property (gojsonschema validateObject's context)
      return { type: 'required', desc: `${String(p.missingProperty)} is required`, field };
    case 'enum':
      return { type: 'enum', desc: `${field} must be one of the following: ${(p.allowedValues as unknown[]).map((x) => JSON.stringify(x)).join(', ')}`, field };
    case 'const':
      return { type: 'const', desc: `${field} does not match: ${JSON.stringify(p.allowedValue)}`, field };
    case 'minimum':
      return { type: 'number_gte', desc: `Must be greater than or equal to ${String(p.limit)}`, field };
    case 'maximum':
      return { type: 'number_lte', desc: `Must be less than or equal to ${String(p.limit)}`, field };
    case 'exclusiveMinimum':
      return { type: 'number_gt', desc: `Must be greater than ${String(p.limit)}`, field };
    case 'exclusiveMaximum':
      return { type: 'number_lt', desc: `Must be less than ${String(p.limit)}`, field };
    case 'multipleOf':
      return { type: 'multiple_of', desc: `Must be a multiple of ${String(p.multipleOf)}`, field };
    case 'minLength':
      return { type: 'string_gte', desc: `String length must be greater than or equal to ${String(p.limit)}`, field };
    case 'maxLength':
      return { type: 'string_lte', desc: `String length must be less than or equal to ${String(p.limit)}`, field };
    case 'pattern':
      return { type: 'pattern', desc: `Does not match pattern '${String(p.pattern)}'`, field };
    case 'format':
      return { type: 'format', desc: `Does not match format '${String(p.format)}'`, field };
    case 'minItems':
      return { type: 'array_min_items', desc: `Array must have at least ${String(p.limit)} items`, field };
    case 'maxItems':
      return { type: 'array_max_items', desc: `Array must have at most ${String(p.limit)} items`, field };
    case 'minProperties':
      return { type: 'array_min_properties', desc: `Must have at least ${String(p.limit)} properties`, field };
    case 'maxProperties':
      return { type: 'array_max_properties', desc: `Must have at most ${String(p.limit)} properties`, field };
    case 'additionalProperties':
      return { type: 'additional_property_not_allowed', desc: `Additional property ${String(p.additionalProperty)} is not allowed`, field };
    case 'oneOf':
      return { type: 'number_one_of', desc: 'Must validate one and only one schema (oneOf)', field };
    case 'anyOf':
      return { type: 'number_any_of', desc: 'Must validate at least one schema (anyOf)', field };
    case 'allOf':
      return { type: 'number_all_of', desc: 'Must validate all the schemas (allOf)', field };
    case 'not':
      return { type: 'number_not', desc: 'Must not validate the schema (not)', field };
    case 'dependencies':
    case 'dependentRequired':
      return { type: 'missing_dependency', desc: `Has a dependency on ${String(p.deps)}`, field };
    case 'contains':
      return { type: 'contains', desc: 'At least one of the items must match', field };
    case 'additionalItems':
      return { type: 'array_no_additional_items', desc: 'No additional items allowed on array', field };
    case 'propertyNames':
      return { type: 'invalid_property_name', desc: `Property name of "${String(p.propertyName)}" does not match`, field };
    case 'false schema':
      return { type: 'false', desc: 'False always fails validation', field };
    case 'if':
      return p.failingKeyword === 'else'
        ? { type: 'condition_else', desc: 'Must validate "else" as "if" was not valid', field }
        : { type: 'condition_then', desc: 'Must validate "then" as "if" was valid', field };
    default:
      return { type: e.keyword, desc: e.message ?? e.keyword, field };
  }
}

/** Keywords whose failure gojsonschema reports before the errors of the subschema it ran. */
const PARENT_KEYWORDS = new Set(['contains', 'propertyNames', 'if']);

/**
 * ajv lists a keyword's own error after the errors of its subschema; gojsonschema adds the
 * keyword's error first and then merges the subschema's (`contains` — of its first item only —,
 * `propertyNames`, `if`/`then`/`else`), so such an error moves in front of the run it caused.
 * (`anyOf`/`oneOf` are settled by keepClosestBranches.)
 */
function parentsFirst(errors: readonly ErrorObject[]): ErrorObject[] {
  const out = [...errors];
  for (let k = 0; k < out.length; k++) {
    const e = out[k] as ErrorObject;
    if (!PARENT_KEYWORDS.has(e.keyword)) continue;
    const base = e.keyword === 'if' ? e.schemaPath.slice(0, -'/if'.length) : e.schemaPath;
    const prefixes = e.keyword === 'if' ? [`${base}/then/`, `${base}/else/`] : [`${base}/`];
    let j = k;
    while (j > 0 && prefixes.some((pre) => (out[j - 1] as ErrorObject).schemaPath.startsWith(pre))) j--;
    if (j === k) continue;
    out.splice(k, 1);
    out.splice(j, 0, e);
    if (e.keyword === 'contains') {
      // gojsonschema merges the errors of one item only: the best-scoring, on ties the first.
      const first = (out[j + 1] as ErrorObject).instancePath.slice(e.instancePath.length).split('/')[1];
      const item = `${e.instancePath}/${first}`;
      const run = out.slice(j + 1, k + 1);
      const kept = run.filter((c) => c.instancePath === item || c.instancePath.startsWith(`${item}/`));
      out.splice(j + 1, run.length, ...kept);
      k = j + kept.length;
    }
  }
  return out;
}

/** gojsonschema's `allOf` error after the last error of each failed allOf's branches (ajv reports none). */
function withAllOfErrors(errors: ErrorObject[]): ErrorObject[] {
  const out: ErrorObject[] = [];
  for (let i = 0; i < errors.length; i++) {
    const e = errors[i] as ErrorObject;
    out.push(e);
    const m = /^(.*)\/allOf\/\d+\//.exec(e.schemaPath);
    if (m === null) continue;
    const allOfPath = `${m[1]}/allOf`;
    const next = errors[i + 1];
    if (next !== undefined && next.schemaPath.startsWith(`${allOfPath}/`)) continue;
    // The allOf applies where its shallowest branch error points (a `required` error: exactly).
    let at = e.instancePath;
    for (let j = i; j >= 0 && (errors[j] as ErrorObject).schemaPath.startsWith(`${allOfPath}/`); j--) {
      const p = (errors[j] as ErrorObject).instancePath;
      if (p.length < at.length) at = p;
    }
    out.push({ keyword: 'allOf', instancePath: at, schemaPath: allOfPath, params: {} });
  }
  return out;
}

/** Validates `doc`; the error list is empty when it matches. */
export function validateDocument(validate: ValidateFunction, doc: Value): { ok: boolean; errors: { error: string; type: string; field: string; desc: string }[] } {
  const data = toJs(doc);
  const ok = validate(data) as boolean;
  const errors: { error: string; type: string; field: string; desc: string }[] = [];
  for (const e of withAllOfErrors(parentsFirst(keepClosestBranches(validate.errors ?? [])))) {
    if (e.keyword === 'uniqueItems') {
      const items = valueAt(data, e.instancePath);
      const field = fieldOf(e);
      for (const [i, j] of Array.isArray(items) ? duplicatePairs(items) : []) {
        const desc = `array items[${i},${j}] must be unique`;
        errors.push({ error: `${field}: ${desc}`, type: 'unique', field, desc });
      }
      continue;
    }
    const d = describe(e, data);
    errors.push({ error: `${d.field}: ${d.desc}`, type: d.type, field: d.field, desc: d.desc });
  }
  return { ok, errors };
}
