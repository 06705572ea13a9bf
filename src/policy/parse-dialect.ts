/**
 * `parseModule` in a chosen Rego dialect, for the tools that parse modules themselves (test
 * discovery, coverage, fmt, check --strict, build's entrypoint check) so that they read a file
 * as the compiler does under `--v0-compatible`.
 *
 * The `regoVersion` parse option comes with the v0 dialect work (branch rego-fidelity); until
 * it is on main, parseModule takes two arguments and ignores the third, so everything parses
 * as v1. Nothing else needs to change when it lands.
 *
 * @example parseModuleIn('package p\np { true }', 'p.rego', { regoVersion: 'v0' });
 */
import { parseModule } from './syntax/index.js';
import type { Module } from './syntax/ast.js';

export type RegoVersion = 'v0' | 'v1';

export interface DialectOptions {
  regoVersion?: RegoVersion;
}

export const parseModuleIn = parseModule as (text: string, file: string, opts?: DialectOptions) => Module;
