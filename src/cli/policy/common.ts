/**
 * What every `regate policy` subcommand shares: `--version`, `--help`, the compile options
 * `--v0-compatible` selects, and printing an error once, located, without a stack trace.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { CompileErrors, RegoError, parseGoYaml, type BuiltinRegistry, type CompileOptions, type SchemaSet } from '../../policy/index.js';
import { defaultRegistry } from '../../policy/builtins/index.js';
import { CapabilitiesError, languageCapabilities, registryWithCapabilities } from '../../policy/builtins/capabilities.js';
import type { DialectOptions, RegoVersion } from '../../policy/parse-dialect.js';
import { describeFlags, UsageError, type FlagSpec, type ParsedArgs } from './args.js';

export interface Subcommand {
  readonly name: string;
  /** one line: `test [flags] <path>...` */
  readonly synopsis: string;
  readonly description: string;
  readonly flags: readonly FlagSpec[];
  run(a: ParsedArgs): Promise<number>;
}

export function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return `regate ${pkg.version}\nRego version: v1 (OPA 1.x compatible; --v0-compatible reads v0)\n`;
}

export function helpOf(c: Subcommand): string {
  return `usage: regate policy ${c.synopsis}\n\n${c.description}\n\nflags:\n${describeFlags(c.flags)}\n`;
}

/**
 * The compile options of the flags. `--v0-compatible` asks the front end for the Rego v0 dialect
 * through the `regoVersion` compile option (added on branch rego-fidelity).
 */
export function compileOptionsOf(a: ParsedArgs): Partial<CompileOptions> {
  const schema = a.one('schema');
  const regoVersion = regoVersionOf(a);
  const caps = capabilitiesOf(a);
  return {
    ...(regoVersion !== undefined ? { regoVersion } : {}),
    ...(schema === undefined ? {} : { schemas: loadSchemas(schema) }),
    ...(caps === undefined ? {} : { capabilities: languageCapabilities(caps) }),
  };
}

/** `--capabilities` of check, eval, test and build (as opa's; a file, not a version name). */
export const CAPABILITIES_FLAG: FlagSpec = {
  name: 'capabilities',
  valued: true,
  help: 'an OPA capabilities JSON file: the complete set of builtins the policies may call (others are `undefined function`); those regate lacks compile and raise "unsupported built-in" when called (mock them with `with`); its future_keywords and features (rego_v1, rego_v1_import) limit what the parser reads, as opa',
};

/**
 * Why a version name is refused: OPA embeds capabilities/vX.Y.Z.json of every release and
 * `--capabilities v0.50.0` reads that; regate ships no OPA release's list, and treating one it
 * does not have as its own set would pass policies that OPA version refuses.
 */
function versionNameRefused(name: string): UsageError {
  return new UsageError(
    `--capabilities ${name}: capabilities by OPA version name are not built into regate; give the file: \`opa capabilities --version ${name} > caps.json\`, or capabilities/${name}.json of OPA's repository (\`regate policy capabilities\` prints regate's own set)`,
  );
}

/** The `--capabilities` file's text, checked to be a capabilities document; undefined without the flag. */
export function capabilitiesOf(a: ParsedArgs): string | undefined {
  const path = a.one('capabilities');
  if (path === undefined) return undefined;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const missing = (e as NodeJS.ErrnoException).code === 'ENOENT';
    // As opa: a value that names no file is read as a version name (cmd/capabilities.go).
    if (missing && /^v?\d+\.\d+\.\d+/.test(path)) throw versionNameRefused(path);
    throw new UsageError(`--capabilities ${path}: ${missing ? 'no such file' : (e as Error).message}`);
  }
  try {
    registryWithCapabilities(text, defaultRegistry);
    languageCapabilities(text);
  } catch (e) {
    if (e instanceof CapabilitiesError) throw new UsageError(`--capabilities ${path}: ${e.message}`);
    throw e;
  }
  return text;
}

/** The builtins a command compiles and evaluates with: regate's, or exactly those `--capabilities` declares. */
export function builtinsOf(a: ParsedArgs): BuiltinRegistry {
  const caps = capabilitiesOf(a);
  return caps === undefined ? defaultRegistry : registryWithCapabilities(caps, defaultRegistry);
}

/** `--schema` / `-s` of check, eval and test (as opa's). */
export const SCHEMA_FLAG: FlagSpec = {
  name: 'schema',
  short: 's',
  valued: true,
  help: 'a JSON Schema file for input, or a directory of schemas (a/b.json is schema.a.b; input.json types input)',
};

/**
 * `--schema`: a file is the schema of `input`; in a directory every .json/.yaml file is named
 * `schema.<path with dots>` for `# METADATA` `schemas:` entries, and `input.json` at its top
 * also types `input` everywhere.
 */
export function loadSchemas(path: string): SchemaSet {
  const read = (file: string): unknown => {
    const text = readFileSync(file, 'utf8');
    try {
      return file.endsWith('.yaml') || file.endsWith('.yml') ? parseGoYaml(text) : (JSON.parse(text) as unknown);
    } catch (e) {
      throw new RegoError('REGO_ERR_FILE', `${file}: not a JSON Schema document: ${(e as Error).message}`);
    }
  };
  if (!statSync(path).isDirectory()) return { input: read(path), named: new Map() };
  const named = new Map<string, unknown>();
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const full = join(dir, name);
      if (statSync(full).isDirectory()) walk(full);
      else if (/\.(json|ya?ml)$/.test(name)) named.set(`schema.${relative(path, full).replace(/\.(json|ya?ml)$/, '').split(/[\\/]/).join('.')}`, read(full));
    }
  };
  walk(path);
  const input = named.get('schema.input');
  return input === undefined ? { named } : { input, named };
}

/**
 * The dialect the flags select, as opa's commands choose it (cmd/check.go regoVersion):
 * `--v0-v1` (OPA's RegoV0CompatV1: v0 syntax under v1's checks) over `--v0-compatible` (v0)
 * over the default, v1. Undefined for v1.
 */
export function regoVersionOf(a: ParsedArgs): RegoVersion | undefined {
  if (a.bool('v0-v1') || a.bool('rego-v1')) return 'v0v1';
  return a.bool('v0-compatible') ? 'v0' : undefined;
}

/** `--v0-v1` of check (opa check --v0-v1), and `--rego-v1`, its name before OPA 1.0 that opa still takes. */
export const V0_V1_FLAGS: readonly FlagSpec[] = [
  { name: 'v0-v1', help: 'check for Rego v0 and v1 compatibility: the policies must read the same as v0 and v1 (import rego.v1 or future.keywords; if, contains)' },
  { name: 'rego-v1', help: 'the same as --v0-v1 (its name before OPA 1.0)' },
];

/** The same choice for the commands' own parsing (policy/parse-dialect.ts). */
export function dialectOf(a: ParsedArgs): DialectOptions {
  const regoVersion = regoVersionOf(a);
  return regoVersion !== undefined ? { regoVersion } : {};
}

/** One error as the user should see it: each compile error once, `file:line:col` first. */
export function renderError(e: unknown): string {
  if (e instanceof CompileErrors) return e.errors.map((x) => x.render()).join('\n');
  if (e instanceof RegoError) return e.render();
  if (e instanceof UsageError) return e.message;
  if (e instanceof Error) {
    const code = (e as NodeJS.ErrnoException).code;
    const path = (e as NodeJS.ErrnoException).path;
    if (typeof code === 'string' && typeof path === 'string') return `${path}: ${code === 'ENOENT' ? 'no such file or directory' : code === 'EISDIR' ? 'is a directory' : code === 'ENOTDIR' ? 'not a directory' : e.message}`;
    return e.message;
  }
  return String(e);
}
