/**
 * `regate policy check [--strict] <path>...` — `opa check`: parses and compiles the policies
 * (test files included) and prints every error, `file:line:col` first. `--strict` adds OPA's
 * strict-mode checks (policy/lint/strict-checks.ts).
 * Exit code: 0 no error, 1 errors.
 */
import { RegoError, compileToPlan } from '../../policy/index.js';
import { parseSourceIn } from '../../policy/parse-dialect.js';
import { rulePaths } from '../../policy/entrypoints.js';
import type { Module, Rule } from '../../policy/syntax/ast.js';

function allRules(mods: readonly Module[]): Rule[] {
  return mods.flatMap((m) => m.rules);
}
import { strictErrors } from '../../policy/lint/strict-checks.js';
import { UsageError, type ParsedArgs } from './args.js';
import { compileOptionsOf, dialectOf, renderError, SCHEMA_FLAG, type Subcommand } from './common.js';
import { loadPaths } from './load-paths.js';

export const checkCommand: Subcommand = {
  name: 'check',
  synopsis: 'check [flags] <path>...',
  description: 'Parses and compiles policies and reports every error, like `opa check`.\nExit code: 0 no error, 1 errors.',
  flags: [{ name: 'strict', short: 'S', help: 'also refuse unused imports and assignments, duplicate imports and deprecated builtins' }, SCHEMA_FLAG],
  async run(a: ParsedArgs): Promise<number> {
    if (a.positional.length === 0) throw new UsageError('check needs at least one <path>');
    // As `opa check`, which loads only .rego files: data files are neither read nor refused.
    const { modules } = await loadPaths(a.positional, { includeTests: true, regoOnly: true });
    const errors: string[] = [];
    try {
      compileToPlan(modules, { ...compileOptionsOf(a) });
      // Type and arity errors surface when a rule is planned: plan every rule (functions are
      // planned where a rule calls them).
      const parsed = modules.map((m) => parseSourceIn(m, dialectOf(a)));
      const rules = allRules(parsed);
      const entrypoints = [...new Set(rulePaths(parsed).filter((_, i) => !rules[i]?.args).map((p) => p.join('/')))];
      if (entrypoints.length > 0) compileToPlan(modules, { entrypoints, ...compileOptionsOf(a) });
    } catch (e) {
      if (!(e instanceof RegoError)) throw e;
      errors.push(renderError(e));
    }
    if (errors.length === 0 && a.bool('strict')) {
      for (const m of modules) for (const x of strictErrors(parseSourceIn(m, dialectOf(a)), m.text)) errors.push(x.render());
    }
    if (errors.length > 0) {
      process.stderr.write(errors.join('\n') + '\n');
      return 1;
    }
    return 0;
  },
};
