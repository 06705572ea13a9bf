/**
 * Loads regate.yaml: parse (keeping line information), substitute `${ENV}`, validate against
 * the one schema (filling defaults), cross-check names, deep-freeze. Every problem is a
 * ConfigError naming the key path (`routes[1].upstream`) and the file line.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { LineCounter, parseDocument, isMap, isSeq, isPair, isScalar, type Document, type Node } from 'yaml';
import AjvModule, { type ErrorObject } from 'ajv';
import { ConfigError } from '../errors.js';
import { configSchema } from './schema.js';
import { MissingEnvError, substituteEnv } from './env.js';
import type { GatewayConfig } from './types.js';

// ajv ships CJS with `exports.default`; under NodeNext the default import is the module object.
const Ajv = ((AjvModule as unknown as { default?: typeof AjvModule }).default ?? AjvModule) as unknown as typeof AjvModule.default;

type Segment = string | number;

export interface LoadConfigOptions {
  /** environment for `${VAR}` substitution (default process.env) */
  env?: Record<string, string | undefined>;
  /** file name used in messages when `text` is given */
  file?: string;
}

/** Where a key sits in the source file; kept beside the frozen config for later checks. */
const locators = new WeakMap<object, (path: readonly Segment[]) => number | undefined>();

/**
 * The 1-based line of a key in the file a config was loaded from, for checks made after
 * loading (e.g. "route auth needs a stage that is not installed").
 * @example lineOfKey(cfg, ['routes', 0, 'auth']) // → 14
 */
export function lineOfKey(config: GatewayConfig, path: readonly Segment[]): number | undefined {
  return locators.get(config)?.(path);
}

/** `['routes', 0, 'match']` → `routes[0].match` */
export function formatKeyPath(path: readonly Segment[]): string {
  let out = '';
  for (const s of path) out += typeof s === 'number' ? `[${s}]` : out === '' ? s : `.${s}`;
  return out === '' ? '(root)' : out;
}

/**
 * Reads and validates a config file.
 * @example const config = loadConfigFile('regate.yaml'); config.routes[0].upstream
 */
export function loadConfigFile(file: string, opts: LoadConfigOptions = {}): GatewayConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read the config file (${(err as NodeJS.ErrnoException).code ?? String(err)})`, '(file)', undefined, file);
  }
  return loadConfigText(text, { ...opts, file });
}

/** Validates config text; `opts.file` names it in messages and anchors relative paths. */
export function loadConfigText(text: string, opts: LoadConfigOptions = {}): GatewayConfig {
  const file = opts.file ?? 'regate.yaml';
  const env = opts.env ?? process.env;
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const lineAt = (offset: number | undefined): number | undefined => (offset === undefined ? undefined : lineCounter.linePos(offset).line);
  const locate = (path: readonly Segment[]): number | undefined => lineAt(findRange(doc, path));

  const first = doc.errors[0];
  if (first) throw new ConfigError(`invalid YAML: ${first.message.split('\n')[0]}`, '(yaml)', lineAt(first.pos[0]), file);

  const raw: unknown = doc.toJS({ maxAliasCount: 100 }) ?? {};
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ConfigError('the document must be a mapping', '(root)', 1, file);
  substituteTree(raw, [], env, (msg, path) => new ConfigError(msg, formatKeyPath(path), locate(path), file));

  // Which sections the file itself declares (before defaults fill the rest): optional stages
  // such as events and rate limits only start when their section was written down.
  const sections = Object.keys(raw);
  const validate = getValidator();
  if (!validate(raw)) {
    const err = pickError(validate.errors ?? []);
    const path = [...pointerToPath(err.instancePath), ...extraSegment(err)];
    throw new ConfigError(describe(err), formatKeyPath(path), locate(path), file);
  }
  const cfg = raw as Record<string, unknown> & Omit<GatewayConfig, 'source'>;
  crossCheck(cfg, (msg, path) => new ConfigError(msg, formatKeyPath(path), locate(path), file));

  const absFile = resolve(file);
  const config = deepFreeze({ ...cfg, source: { file: absFile, dir: dirname(absFile), sections } }) as GatewayConfig;
  locators.set(config, locate);
  return config;
}

let validator: ReturnType<InstanceType<typeof Ajv>['compile']> | undefined;
function getValidator() {
  // useDefaults fills `default`s in place: the schema is the one home of every default.
  // strict: false because the stage fragments may use annotations we do not know.
  // coerceTypes: `${PORT}` substitutes a string; "8080" where an integer belongs is meant as one.
  validator ??= new Ajv({ allErrors: true, useDefaults: true, coerceTypes: true, strict: false }).compile(configSchema);
  return validator;
}

function crossCheck(cfg: Omit<GatewayConfig, 'source'>, fail: (msg: string, path: Segment[]) => ConfigError): void {
  const seen = new Map<string, number>();
  cfg.routes.forEach((route, i) => {
    const prev = seen.get(route.id);
    if (prev !== undefined) throw fail(`duplicate route id ${JSON.stringify(route.id)} (also routes[${prev}])`, ['routes', i, 'id']);
    seen.set(route.id, i);
    if (!Object.hasOwn(cfg.upstreams, route.upstream)) {
      throw fail(`names upstream ${JSON.stringify(route.upstream)}, which is not declared under upstreams (declared: ${Object.keys(cfg.upstreams).join(', ')})`, ['routes', i, 'upstream']);
    }
    if (route.auth !== 'none' && (cfg.tokens === undefined || !Object.hasOwn(cfg.tokens, route.auth))) {
      throw fail(`auth: ${route.auth} needs a tokens.${route.auth} section`, ['routes', i, 'auth']);
    }
    if (route.policy !== undefined && cfg.policies?.dir === undefined && cfg.policies?.bundle === undefined) throw fail('a policy entrypoint needs policies.dir or policies.bundle', ['routes', i, 'policy']);
  });
}

/** Replaces `${VAR}` in every string value, in place. */
function substituteTree(node: unknown, path: Segment[], env: Record<string, string | undefined>, fail: (msg: string, path: Segment[]) => ConfigError): unknown {
  if (typeof node === 'string') {
    try {
      return substituteEnv(node, env);
    } catch (err) {
      if (err instanceof MissingEnvError) throw fail(err.message, path);
      throw err;
    }
  }
  if (Array.isArray(node)) {
    for (let i = 0; i < node.length; i++) node[i] = substituteTree(node[i], [...path, i], env, fail);
  } else if (typeof node === 'object' && node !== null) {
    const obj = node as Record<string, unknown>;
    for (const k of Object.keys(obj)) obj[k] = substituteTree(obj[k], [...path, k], env, fail);
  }
  return node;
}

/** Start offset of the deepest node on `path` (a map key's own position when it exists). */
function findRange(doc: Document, path: readonly Segment[]): number | undefined {
  let node: unknown = doc.contents;
  let best: number | undefined = (node as Node | null)?.range?.[0];
  for (const seg of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg));
      if (!pair) break;
      best = (pair.key as Node).range?.[0] ?? best;
      node = pair.value;
    } else if (isSeq(node) && typeof seg === 'number') {
      node = node.items[seg];
      best = (node as Node | undefined)?.range?.[0] ?? best;
    } else break;
  }
  return best;
}

function pointerToPath(pointer: string): Segment[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

function extraSegment(err: ErrorObject): Segment[] {
  if (err.keyword === 'additionalProperties') return [String(err.params.additionalProperty)];
  if (err.keyword === 'required') return [String(err.params.missingProperty)];
  return [];
}

/** The error a person should fix first: the deepest one, preferring concrete keywords over oneOf/anyOf. */
function pickError(errors: ErrorObject[]): ErrorObject {
  const score = (e: ErrorObject) => pointerToPath(e.instancePath).length * 10 + (e.keyword === 'oneOf' || e.keyword === 'anyOf' ? 0 : 1);
  const ours = errors.filter((e) => !(e.keyword === 'required' && errors.some((o) => o.keyword === 'oneOf' && o.instancePath === e.instancePath)));
  return (ours.length ? ours : errors).reduce((a, b) => (score(b) > score(a) ? b : a));
}

function describe(err: ErrorObject): string {
  switch (err.keyword) {
    case 'additionalProperties':
      return 'unknown key';
    case 'required':
      return 'is required';
    case 'oneOf':
      return err.instancePath.endsWith('/match') ? 'needs exactly one of path, path_prefix' : 'must match exactly one allowed form';
    case 'enum':
      return `must be one of ${(err.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'anyOf':
      return err.instancePath.endsWith('/workers') ? 'must be "auto" or a positive integer' : 'has none of the allowed forms';
    default:
      return err.message ?? err.keyword;
  }
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
