/**
 * Loads regate.yaml: parse (keeping line information), substitute `${ENV}`, validate against
 * the one schema (filling defaults), cross-check names, deep-freeze. Every problem is a
 * ConfigError naming the key path (`routes[1].upstream`) and the file line; all problems of a
 * file are reported at once, as one InvalidConfigError (config/problems.ts).
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { LineCounter, parseDocument, isMap, isSeq, isPair, isScalar, type Document, type Node } from 'yaml';
import AjvModule from 'ajv';
import { ConfigError } from '../errors.js';
import { configSchema } from './schema.js';
import { MissingEnvError, substituteEnv } from './env.js';
import { createProblemList, describeSchemaError, errorPath, formatKeyPath, InvalidConfigError, selectSchemaErrors, type ProblemList, type Segment } from './problems.js';
import type { ConfigSections, GatewayConfig } from './types.js';
import { absolutiseTlsPaths, checkTls } from './tls-check.js';
import { checkCors } from './cors-schema.js';

export { formatKeyPath, InvalidConfigError };

// ajv ships CJS with `exports.default`; under NodeNext the default import is the module object.
const Ajv = ((AjvModule as unknown as { default?: typeof AjvModule }).default ?? AjvModule) as unknown as typeof AjvModule.default;

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

  const problems = createProblemList(file, locate);
  // A YAML syntax error leaves no reliable document to check further: report those alone.
  for (const e of doc.errors) problems.add(`invalid YAML: ${e.message.split('\n')[0]}`, ['(yaml)'], lineAt(e.pos[0]));
  problems.throwIfAny();

  const raw: unknown = doc.toJS({ maxAliasCount: 100 }) ?? {};
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ConfigError('the document must be a mapping', '(root)', 1, file);
  substituteTree(raw, [], env, problems);

  // Which sections the file itself declares (before defaults fill the rest): optional stages
  // such as events and rate limits only start when their section was written down.
  const sections = Object.keys(raw);
  const validate = getValidator();
  if (!validate(raw)) {
    for (const err of selectSchemaErrors(validate.errors ?? [])) {
      const path = errorPath(err);
      // a value whose ${VAR} could not be substituted was already reported
      if (!problems.covers(path)) problems.add(describeSchemaError(err), path);
    }
  }
  const cfg = raw as Record<string, unknown> & Omit<GatewayConfig, 'source'>;
  crossCheck(cfg, problems);
  applyPathCase(cfg, problems);
  checkCors(cfg.routes, problems);
  const absFile = resolve(file);
  checkTls(cfg, dirname(absFile), problems);
  problems.throwIfAny();
  absolutiseTlsPaths(cfg, dirname(absFile));

  const config = deepFreeze({ ...cfg, source: { file: absFile, dir: dirname(absFile), sections } }) as GatewayConfig;
  locators.set(config, locate);
  return config;
}

/**
 * One section of regate.yaml, validated and completed by the same schema fragment the loader
 * applies, then deep-frozen: for code that builds one stage without a whole file (tests, benches).
 * An invalid section is a ConfigError naming the key, as in a file.
 * @example const rl = resolveConfigSection('ratelimit', { on_unavailable: 'open' }); rl.timeout_ms // 100
 */
export function resolveConfigSection<K extends keyof ConfigSections>(name: K, raw: unknown): ConfigSections[K] {
  const copy: unknown = structuredClone(raw ?? {});
  const validate = (sectionValidators[name] ??= getAjv().compile(configSchema.properties[name]));
  if (!validate(copy)) {
    const err = selectSchemaErrors(validate.errors ?? [])[0];
    throw new ConfigError(err ? describeSchemaError(err) : 'invalid', formatKeyPath([name, ...(err ? errorPath(err) : [])]));
  }
  return deepFreeze(copy as ConfigSections[K]);
}

type Validator = ReturnType<InstanceType<typeof Ajv>['compile']>;
let ajv: InstanceType<typeof Ajv> | undefined;
let validator: Validator | undefined;
const sectionValidators: { [K in keyof ConfigSections]?: Validator } = {};
function getAjv() {
  // useDefaults fills `default`s in place: the schema is the one home of every default.
  // strict: false because the stage fragments may use annotations we do not know.
  // coerceTypes: `${PORT}` substitutes a string; "8080" where an integer belongs is meant as one.
  return (ajv ??= new Ajv({ allErrors: true, useDefaults: true, coerceTypes: true, strict: false }));
}
function getValidator() {
  return (validator ??= getAjv().compile(configSchema));
}

/**
 * Checks between sections (names a route uses must be declared). It also runs when the schema
 * found mistakes, so it reads the unvalidated shape defensively and skips what is already reported.
 */
function crossCheck(cfg: Omit<GatewayConfig, 'source'>, problems: ProblemList): void {
  const fail = (msg: string, path: Segment[]) => {
    if (!problems.covers(path)) problems.add(msg, path);
  };
  const upstreams = isPlainObject(cfg.upstreams) ? cfg.upstreams : undefined;
  const tokens: unknown = cfg.tokens;
  const seen = new Map<string, number>();
  (Array.isArray(cfg.routes) ? cfg.routes : []).forEach((route: unknown, i) => {
    if (!isPlainObject(route)) return;
    const r = route as Record<string, unknown>;
    if (typeof r.id === 'string') {
      const prev = seen.get(r.id);
      if (prev !== undefined) fail(`duplicate route id ${JSON.stringify(r.id)} (also routes[${prev}])`, ['routes', i, 'id']);
      else seen.set(r.id, i);
    }
    if (upstreams !== undefined && typeof r.upstream === 'string' && !Object.hasOwn(upstreams, r.upstream)) {
      fail(`names upstream ${JSON.stringify(r.upstream)}, which is not declared under upstreams (declared: ${Object.keys(upstreams).join(', ')})`, ['routes', i, 'upstream']);
    }
    if (typeof r.auth === 'string' && r.auth !== 'none' && !(isPlainObject(tokens) && Object.hasOwn(tokens, r.auth))) {
      fail(`auth: ${r.auth} needs a tokens.${r.auth} section`, ['routes', i, 'auth']);
    }
    const policies = isPlainObject(cfg.policies) ? (cfg.policies as Record<string, unknown>) : undefined;
    if (r.policy !== undefined && policies?.dir === undefined && policies?.bundle === undefined && policies?.bundles === undefined) fail('a policy entrypoint needs policies.dir, policies.bundle or policies.bundles', ['routes', i, 'policy']);
  });
  const reporting = isPlainObject(cfg.decision_logs) && isPlainObject(cfg.decision_logs.reporting) ? cfg.decision_logs.reporting : undefined;
  if (reporting && typeof reporting.min_delay_seconds === 'number' && typeof reporting.max_delay_seconds === 'number' && reporting.max_delay_seconds < reporting.min_delay_seconds) {
    fail(`must be at least min_delay_seconds (${reporting.min_delay_seconds})`, ['decision_logs', 'reporting', 'max_delay_seconds']);
  }
}

/**
 * Writes `security.case_sensitive_paths` into each route that does not set `match.case_sensitive`
 * (so the router and the path rules read one value per route), and refuses a case-insensitive
 * route whose path has a character outside ASCII: only ASCII letters fold (shared/path-case.ts),
 * and a client sends such a character percent-encoded, so the route could never match it.
 */
function applyPathCase(cfg: Omit<GatewayConfig, 'source'>, problems: ProblemList): void {
  const security: unknown = cfg.security;
  const fallback = isPlainObject(security) && typeof security.case_sensitive_paths === 'boolean' ? security.case_sensitive_paths : true;
  (Array.isArray(cfg.routes) ? cfg.routes : []).forEach((route: unknown, i) => {
    if (!isPlainObject(route) || !isPlainObject(route.match)) return;
    const match = route.match;
    if (match.case_sensitive === undefined) match.case_sensitive = fallback;
    if (match.case_sensitive !== false) return;
    for (const key of ['path', 'path_prefix'] as const) {
      const p = match[key];
      const path: Segment[] = ['routes', i, 'match', key];
      // eslint-disable-next-line no-control-regex
      if (typeof p === 'string' && /[^\x00-\x7f]/.test(p) && !problems.covers(path)) {
        problems.add('a case-insensitive route folds ASCII letters only: write a character outside ASCII percent-encoded (UTF-8), as clients send it', path);
      }
    }
  });
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Replaces `${VAR}` in every string value, in place; a variable that is not set is a problem of its key. */
function substituteTree(node: unknown, path: Segment[], env: Record<string, string | undefined>, problems: ProblemList): unknown {
  if (typeof node === 'string') {
    try {
      return substituteEnv(node, env);
    } catch (err) {
      if (err instanceof MissingEnvError) {
        problems.add(err.message, path);
        return node;
      }
      throw err;
    }
  }
  if (Array.isArray(node)) {
    for (let i = 0; i < node.length; i++) node[i] = substituteTree(node[i], [...path, i], env, problems);
  } else if (typeof node === 'object' && node !== null) {
    const obj = node as Record<string, unknown>;
    for (const k of Object.keys(obj)) obj[k] = substituteTree(obj[k], [...path, k], env, problems);
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

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
