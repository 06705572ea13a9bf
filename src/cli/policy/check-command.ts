/**
 * `regate policy check [--strict] <path>...` — `opa check`: parses and compiles the policies
 * (test files included; `-b` reads each path as a bundle) and prints every error as OPA does,
 * on stderr: `N error(s) occurred: …` (`--format pretty`, the default) or `{"errors": […]}`
 * (`--format json`). `--strict` adds OPA's strict-mode checks (policy/lint/strict-checks.ts);
 * `--v0-v1` reads the files as v0 under v1's checks (OPA's RegoV0CompatV1).
 * Exit code: 0 no error, 1 errors.
 */
import { compileToPlan, type BuiltinRegistry, type ModuleSource } from '../../policy/index.js';
import { parseSourceIn } from '../../policy/parse-dialect.js';
import { rulePaths } from '../../policy/entrypoints.js';
import { strictErrors } from '../../policy/lint/strict-checks.js';
import { UsageError, type ParsedArgs } from './args.js';
import { builtinsOf, CAPABILITIES_FLAG, compileOptionsOf, dialectOf, regoVersionOf, SCHEMA_FLAG, V0_V1_FLAGS, type Subcommand } from './common.js';
import { loadBundle, loadPaths } from './load-paths.js';
import { formatErrorsJson, formatErrorsText, limitErrors, MAX_ERRORS_FLAG, maxErrorsOf, toOutputErrors, type OutputError } from './opa-errors.js';

async function load(a: ParsedArgs): Promise<ModuleSource[]> {
  // As `opa check`, which loads only .rego files: data files are neither read nor refused.
  const regoVersion = regoVersionOf(a);
  if (!a.bool('bundle')) return (await loadPaths(a.positional, { includeTests: true, regoOnly: true, ignore: a.all('ignore'), ...(regoVersion !== undefined ? { regoVersion } : {}) })).modules;
  const modules: ModuleSource[] = [];
  for (const p of a.positional) modules.push(...(await loadBundle(p, { includeTests: true })).modules);
  return modules;
}

/** Every error of the policies: compile errors, then (only when they compile) strict-mode ones. */
function check(a: ParsedArgs, modules: ModuleSource[], builtins: BuiltinRegistry): OutputError[] {
  try {
    compileToPlan(modules, { ...compileOptionsOf(a), builtins });
    // Type and arity errors surface when a rule is planned: plan every rule (functions are
    // planned where a rule calls them).
    const parsed = modules.map((m) => parseSourceIn(m, dialectOf(a)));
    const rules = parsed.flatMap((m) => m.rules);
    const entrypoints = [...new Set(rulePaths(parsed).filter((_, i) => !rules[i]?.args).map((p) => p.join('/')))];
    if (entrypoints.length > 0) compileToPlan(modules, { entrypoints, ...compileOptionsOf(a), builtins });
  } catch (e) {
    return toOutputErrors(e);
  }
  if (!a.bool('strict')) return [];
  return modules.flatMap((m) => strictErrors(parseSourceIn(m, dialectOf(a)), m.text)).flatMap((x) => toOutputErrors(x));
}

export const checkCommand: Subcommand = {
  name: 'check',
  synopsis: 'check [flags] <path>...',
  description: 'Parses and compiles policies and reports every error, like `opa check`.\nExit code: 0 no error, 1 errors.',
  flags: [
    { name: 'strict', short: 'S', help: 'also refuse unused imports and assignments, duplicate imports and deprecated builtins' },
    { name: 'format', short: 'f', valued: true, help: 'pretty (default) or json: how errors are printed' },
    { name: 'bundle', short: 'b', help: 'read each path as a bundle (a directory or a .tar.gz)' },
    { name: 'ignore', valued: true, csv: true, help: 'skip files and directories whose name matches this pattern (repeatable)' },
    MAX_ERRORS_FLAG,
    SCHEMA_FLAG,
    CAPABILITIES_FLAG,
    ...V0_V1_FLAGS,
  ],
  async run(a: ParsedArgs): Promise<number> {
    if (a.positional.length === 0) throw new UsageError('check needs at least one <path>');
    const format = a.one('format') ?? 'pretty';
    if (format !== 'pretty' && format !== 'json') throw new UsageError(`--format must be pretty or json, not ${format}`);
    const max = maxErrorsOf(a.one('max-errors'));
    const builtins = builtinsOf(a);
    let errors: OutputError[];
    try {
      errors = check(a, await load(a), builtins);
    } catch (e) {
      if (e instanceof UsageError) throw e;
      errors = toOutputErrors(e);
    }
    if (errors.length === 0) return 0;
    errors = limitErrors(errors, max);
    process.stderr.write(format === 'json' ? formatErrorsJson(errors) : formatErrorsText(errors) + '\n');
    return 1;
  },
};
