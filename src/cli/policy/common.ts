/**
 * What every `regate policy` subcommand shares: `--version`, `--help`, the compile options
 * `--v0-compatible` selects, and printing an error once, located, without a stack trace.
 */
import { readFileSync } from 'node:fs';
import { CompileErrors, RegoError, type CompileOptions } from '../../policy/index.js';
import type { DialectOptions } from '../../policy/parse-dialect.js';
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
  return a.bool('v0-compatible') ? ({ regoVersion: 'v0' } as Partial<CompileOptions>) : {};
}

/** The same choice for the commands' own parsing (policy/parse-dialect.ts). */
export function dialectOf(a: ParsedArgs): DialectOptions {
  return a.bool('v0-compatible') ? { regoVersion: 'v0' } : {};
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
