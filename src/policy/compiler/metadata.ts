/**
 * `rego.metadata.chain()` and `rego.metadata.rule()`: like OPA's compiler, the calls are
 * replaced at compile time by constants built from the METADATA annotations of the rule being
 * planned, its document, its package and the `subpackages` scopes of enclosing packages.
 */
import { parse as parseYaml, type ScalarTag } from 'yaml';
import type { Local } from '../ir/types.js';
import type { Annotation } from '../syntax/ast.js';
import { createCompileError } from './compile-error.js';
import type { Planner } from './planner.js';
import type { RuleGroup, RuleInfo } from './rule-index.js';
import { planNumber } from './plan-term.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/**
 * yaml.v3 decoding a scalar into interface{} (ast/parser.go's metadataParser): YAML 1.2's core
 * schema — `yes`, `on`, `N` are strings, timestamps stay strings — except that an integer is read
 * by strconv.ParseInt(s, 0, 64), so the YAML 1.1 octal `0755` is 493.
 */
const V3_LEGACY_OCTAL: ScalarTag = {
  tag: 'tag:yaml.org,2002:int',
  default: true,
  test: /^[-+]?0[0-7]+$/,
  resolve: (s: string) => (s.startsWith('-') ? -1 : 1) * parseInt(s.replace(/^[-+]/, ''), 8),
};

function parseV3(text: string): unknown {
  return parseYaml(text, { schema: 'core', customTags: (tags) => [V3_LEGACY_OCTAL, ...(tags as ScalarTag[])] });
}

/** A ref's text as Ref.toArray writes it: `input.x["y"]` → ["input", "x", "y"], `a[0]` → ["a", "0"]. */
function refToArray(ref: string): string[] {
  const out: string[] = [];
  const re = /^([A-Za-z_][A-Za-z0-9_]*)|\.([A-Za-z_][A-Za-z0-9_]*)|\[\s*("(?:[^"\\]|\\.)*"|[^\]]*?)\s*\]/g;
  for (const m of ref.matchAll(re)) {
    const part = m[1] ?? m[2] ?? m[3] ?? '';
    out.push(part.startsWith('"') ? (JSON.parse(part) as string) : part);
  }
  return out;
}

const isObj = (x: unknown): x is Record<string, unknown> => x !== null && typeof x === 'object' && !Array.isArray(x);
const trimmed = (o: Record<string, unknown>, k: string): string => (typeof o[k] === 'string' ? (o[k] as string).trim() : '');

/** parseAuthorString: the fields joined by one space, a last field in <…> the email. */
function authorOf(a: unknown): { [k: string]: Json } {
  let name = '';
  let email = '';
  if (typeof a === 'string') {
    const parts = a.split(/\s+/).filter((x) => x !== '');
    const last = parts[parts.length - 1] ?? '';
    if (last.length >= 2 && last.startsWith('<') && last.endsWith('>')) {
      email = last.slice(1, -1);
      parts.pop();
    }
    name = parts.join(' ');
  } else if (isObj(a)) {
    name = trimmed(a, 'name');
    email = trimmed(a, 'email');
  }
  return { ...(name ? { name } : {}), ...(email ? { email } : {}) };
}

/**
 * One METADATA block as OPA's Annotations.toObject builds it: the fields rawAnnotation knows,
 * each only when set (an empty title, `entrypoint: false`, empty lists and an empty `custom` are
 * left out, as are keys OPA does not read), authors and related resources reduced to their
 * fields, schemas as {path, schema | definition} with refs as string arrays.
 */
function normalize(pl: Planner, a: Annotation, defaultScope: string): { [k: string]: Json } {
  let doc: unknown;
  try {
    doc = parseV3(a.yaml) ?? {};
  } catch {
    pl.errors.push(createCompileError('REGO_ERR_COMPILE', 'invalid METADATA YAML', a.span));
    doc = {};
  }
  const raw = isObj(doc) ? doc : {};
  const out: { [k: string]: Json } = { scope: typeof raw.scope === 'string' && raw.scope !== '' ? raw.scope : defaultScope };
  if (typeof raw.title === 'string' && raw.title !== '') out.title = raw.title;
  if (raw.entrypoint === true) out.entrypoint = true;
  if (typeof raw.description === 'string' && raw.description !== '') out.description = raw.description;
  if (Array.isArray(raw.organizations) && raw.organizations.length > 0) out.organizations = raw.organizations.map((x) => String(x));
  if (Array.isArray(raw.related_resources) && raw.related_resources.length > 0) {
    out.related_resources = raw.related_resources.map((x) => {
      if (!isObj(x)) return { ref: String(x) };
      const description = trimmed(x, 'description');
      return { ref: trimmed(x, 'ref'), ...(description ? { description } : {}) };
    });
  }
  if (Array.isArray(raw.authors) && raw.authors.length > 0) out.authors = raw.authors.map(authorOf);
  if (Array.isArray(raw.schemas) && raw.schemas.length > 0) {
    out.schemas = raw.schemas.filter(isObj).map((entry): Json => {
      const [path, v] = Object.entries(entry)[0] ?? ['', null];
      return typeof v === 'string' ? { path: refToArray(path), schema: refToArray(v) } : { path: refToArray(path), definition: v as Json };
    });
  }
  if (isObj(raw.custom) && Object.keys(raw.custom).length > 0) out.custom = raw.custom as Json;
  return out;
}

export function metadataChain(pl: Planner, ri: RuleInfo, g: RuleGroup): Json {
  const chain: Json[] = [];
  const own = ri.rule.annotations.find((a) => (a.scope ?? 'rule') === 'rule');
  chain.push(own ? { annotations: normalize(pl, own, 'rule'), path: g.path } : { path: g.path });
  for (const r of [...g.rules, ...g.defaults]) {
    for (const a of r.rule.annotations) if (a.scope === 'document') chain.push({ annotations: normalize(pl, a, 'document'), path: g.path });
  }
  const pkg = ri.module.mod.package;
  for (let n = pkg.length; n >= 1; n--) {
    const prefix = pkg.slice(0, n);
    for (const m of pl.index.modules) {
      if (m.mod.package.join('.') !== prefix.join('.')) continue;
      for (const a of m.mod.annotations) {
        const scope = a.scope ?? 'package';
        if ((n === pkg.length && scope === 'package') || scope === 'subpackages') chain.push({ annotations: normalize(pl, a, 'package'), path: prefix });
      }
    }
  }
  return chain;
}

export function metadataRule(pl: Planner, ri: RuleInfo): Json {
  const own = ri.rule.annotations.find((a) => (a.scope ?? 'rule') === 'rule' || a.scope === 'document');
  return own ? normalize(pl, own, own.scope ?? 'rule') : {};
}

/** Emits statements building the constant `v`. */
export function planJson(pl: Planner, v: Json): Local {
  const l = pl.local();
  if (v === null) pl.emit('MakeNullStmt', { target: l });
  else if (typeof v === 'boolean') pl.emit('AssignVarStmt', { source: { type: 'bool', value: v }, target: l });
  else if (typeof v === 'number') return planNumber(pl, String(v));
  else if (typeof v === 'string') pl.emit('AssignVarStmt', { source: pl.str(v), target: l });
  else if (Array.isArray(v)) {
    const items = v.map((x) => planJson(pl, x));
    pl.emit('MakeArrayStmt', { capacity: items.length, target: l });
    for (const x of items) pl.emit('ArrayAppendStmt', { array: l, value: { type: 'local', value: x } });
  } else {
    const entries = Object.entries(v).map(([k, x]) => [k, planJson(pl, x)] as const);
    pl.emit('MakeObjectStmt', { target: l });
    for (const [k, x] of entries) pl.emit('ObjectInsertStmt', { object: l, key: pl.str(k), value: { type: 'local', value: x } });
  }
  return l;
}
