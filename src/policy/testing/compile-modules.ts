/**
 * Compiles a test run's modules when no test is left to run (none defined, or none matching
 * `--run`). OPA's runner compiles every module before it looks for tests (tester/runner.go
 * setupTestRun), so `opa test` on policies that do not compile fails (exit 1) even then; the
 * runner here compiles in its worker only once a test is to run, and would otherwise pass them.
 *
 * As `policy check` does, every rule that is not a function is planned, so that type errors of
 * rules no test reaches are found too.
 *
 * @example
 *   compileModules({ modules, compileOptions: {} }); // throws CompileErrors: `var x is unsafe`
 */
import { compileToPlan, type ModuleSource } from '../index.js';
import { parseSourceIn } from '../parse-dialect.js';
import { rulePaths } from '../entrypoints.js';
import { defaultRegistry } from '../builtins/index.js';
import { registryWithCapabilities } from '../builtins/capabilities.js';

export function compileModules(opts: { modules: readonly ModuleSource[]; compileOptions?: Record<string, unknown>; capabilities?: string }): void {
  const builtins = opts.capabilities !== undefined ? registryWithCapabilities(opts.capabilities, defaultRegistry) : defaultRegistry;
  const options = { ...(opts.compileOptions ?? {}), builtins };
  const modules = [...opts.modules];
  compileToPlan(modules, options);
  const dialect = opts.compileOptions?.['regoVersion'] === 'v0' ? { regoVersion: 'v0' as const } : {};
  const parsed = modules.map((m) => parseSourceIn(m, dialect));
  const rules = parsed.flatMap((m) => m.rules);
  const entrypoints = [...new Set(rulePaths(parsed).filter((_, i) => !rules[i]?.args).map((p) => p.join('/')))];
  if (entrypoints.length > 0) compileToPlan(modules, { ...options, entrypoints });
}
