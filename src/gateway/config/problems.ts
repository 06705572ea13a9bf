/**
 * Every mistake of one config file, reported at once.
 *
 * An operator who fixes one mistake per start-up attempt pays a deploy round-trip per mistake;
 * so the loader collects what YAML parsing, `${ENV}` substitution, the schema (Ajv with
 * `allErrors`) and the cross-checks find, and throws one `InvalidConfigError` listing them all
 * in file order. It is a `ConfigError` (code `GW_ERR_CONFIG`) whose `key`/`line` are the first
 * problem's, so callers that show one error keep working.
 *
 * @example
 *   try { loadConfigFile('regate.yaml') } catch (e) {
 *     if (e instanceof InvalidConfigError) for (const p of e.problems) console.error(p.message);
 *   }
 */
import type { ErrorObject } from 'ajv';
import { ConfigError } from '../errors.js';

export type Segment = string | number;

export class InvalidConfigError extends ConfigError {
  constructor(readonly problems: readonly ConfigError[]) {
    const first = problems[0];
    if (first === undefined) throw new TypeError('InvalidConfigError needs at least one problem');
    super(first.message, first.key, first.line, first.file);
    this.name = 'ConfigError';
    // ConfigError formats one "file:line: key: problem"; the list is one such line per problem.
    this.message = problems.map((p) => p.message).join('\n');
  }
}

/** `['routes', 0, 'match']` → `routes[0].match` */
export function formatKeyPath(path: readonly Segment[]): string {
  let out = '';
  for (const s of path) out += typeof s === 'number' ? `[${s}]` : out === '' ? s : `.${s}`;
  return out === '' ? '(root)' : out;
}

/**
 * Collects problems of one file; `locate` maps a key path to its line.
 * @example const list = createProblemList('regate.yaml', locate); list.add('is required', ['routes']); list.throwIfAny();
 */
export function createProblemList(file: string, locate: (path: readonly Segment[]) => number | undefined) {
  const problems: ConfigError[] = [];
  const paths: string[] = [];
  return {
    add(message: string, path: readonly Segment[], line: number | undefined = locate(path)): void {
      const key = formatKeyPath(path);
      if (problems.some((p) => p.key === key && p.message.endsWith(`: ${message}`))) return;
      problems.push(new ConfigError(message, key, line, file));
      paths.push(key);
    },
    /** Whether a problem was already reported at `path` or above it (a later stage then says nothing more there). */
    covers(path: readonly Segment[]): boolean {
      const key = formatKeyPath(path);
      return paths.some((p) => p === '(root)' || key === p || key.startsWith(p + '.') || key.startsWith(p + '['));
    },
    get size(): number {
      return problems.length;
    },
    throwIfAny(): void {
      if (problems.length === 0) return;
      // file order; problems without a line (rare) last, in the order found
      const sorted = problems.map((p, i) => ({ p, i })).sort((a, b) => (a.p.line ?? Infinity) - (b.p.line ?? Infinity) || a.i - b.i);
      throw new InvalidConfigError(sorted.map((x) => x.p));
    },
  };
}
export type ProblemList = ReturnType<typeof createProblemList>;

export function pointerToPath(pointer: string): Segment[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

/** The key an error is about: for an unknown or missing key, that key below the object. */
export function errorPath(err: ErrorObject): Segment[] {
  const path = pointerToPath(err.instancePath);
  if (err.keyword === 'additionalProperties') return [...path, String(err.params.additionalProperty)];
  if (err.keyword === 'required') return [...path, String(err.params.missingProperty)];
  return path;
}

const isCombinator = (e: ErrorObject) => e.keyword === 'oneOf' || e.keyword === 'anyOf';

/**
 * One error per mistake from Ajv's `allErrors` output. A failed `oneOf`/`anyOf` comes with the
 * failures of each of its branches; of those we keep one: a failure deeper than the combinator
 * (a real mistake inside the chosen form) if there is one, else the combinator itself, whose
 * message names the allowed forms. Everything else is a mistake of its own.
 */
export function selectSchemaErrors(errors: readonly ErrorObject[]): ErrorObject[] {
  const combinators = errors.filter(isCombinator);
  const owner = (e: ErrorObject): ErrorObject | undefined =>
    combinators.find((c) => c !== e && e.schemaPath.startsWith(c.schemaPath + '/') && (e.instancePath === c.instancePath || e.instancePath.startsWith(c.instancePath + '/')));
  const out: ErrorObject[] = [];
  for (const e of errors) {
    if (owner(e) !== undefined) continue; // reported through its combinator below
    if (!isCombinator(e)) {
      out.push(e);
      continue;
    }
    const depth = pointerToPath(e.instancePath).length;
    const inner = errors.filter((s) => owner(s) === e && !isCombinator(s) && errorPath(s).length > depth && s.keyword !== 'required');
    const deepest = inner.reduce<ErrorObject | undefined>((a, b) => (a === undefined || errorPath(b).length > errorPath(a).length ? b : a), undefined);
    out.push(deepest ?? e);
  }
  return out;
}

/** The words for one schema error (its key and line are reported beside them). */
export function describeSchemaError(err: ErrorObject): string {
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
    case 'not':
      return err.instancePath === '/policies' ? 'set dir or bundle, not both' : (err.message ?? 'is not allowed');
    default:
      return err.message ?? err.keyword;
  }
}
