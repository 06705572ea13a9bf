/**
 * `parseModule` in a chosen Rego dialect, for the tools that parse modules themselves (test
 * discovery, coverage, fmt, check --strict, build's entrypoint check) so that they read a file
 * as the compiler does under `--v0-compatible`.
 *
 * @example parseModuleIn('package p\np { true }', 'p.rego', { regoVersion: 'v0' });
 */
import { parseModule } from './syntax/index.js';
import type { Module } from './syntax/ast.js';

import type { RegoVersion } from './syntax/index.js';

export type { RegoVersion };

export interface DialectOptions {
  regoVersion?: RegoVersion;
}

export function parseModuleIn(text: string, file: string, opts: DialectOptions = {}): Module {
  return parseModule(text, file, opts.regoVersion !== undefined ? { regoVersion: opts.regoVersion } : {});
}

/** A module source in its own dialect (a bundle manifest's) or else the one the command selects. */
export function parseSourceIn(m: { file: string; text: string; regoVersion?: RegoVersion }, opts: DialectOptions = {}): Module {
  const v = m.regoVersion ?? opts.regoVersion;
  return parseModule(m.text, m.file, v !== undefined ? { regoVersion: v } : {});
}
