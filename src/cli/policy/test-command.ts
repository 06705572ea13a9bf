/**
 * `regate policy test <path>...` — `opa test`: runs every `test_*` rule of the .rego files and
 * directories given (data files included), one evaluation per test definition.
 *
 * Output as `opa test`: pretty (failures, then a summary; `-v` lists every test) or `--format
 * json` (OPA's tester.Result array); `--coverage` prints OPA's coverage report instead.
 * Exit code: 0 all passed, 2 a test failed or raised an error, 1 the policies did not load.
 */
import { buildCoverageReport } from '../../policy/testing/coverage-report.js';
import { runTests, type TestResult } from '../../policy/testing/run-tests.js';
import { parseDurationMs, UsageError, type ParsedArgs } from './args.js';
import { compileOptionsOf, dialectOf, type Subcommand } from './common.js';
import { loadPaths } from './load-paths.js';

/** Go's time.Duration.String() for a duration in nanoseconds (what OPA prints). */
export function formatGoDuration(ns: number): string {
  const n = Math.max(0, Math.round(ns));
  const trim = (x: number, digits: number) => x.toFixed(digits).replace(/\.?0+$/, '');
  if (n < 1_000) return `${n}ns`;
  if (n < 1_000_000) return `${trim(n / 1_000, 3)}µs`;
  if (n < 1_000_000_000) return `${trim(n / 1_000_000, 6)}ms`;
  return `${trim(n / 1_000_000_000, 9)}s`;
}

const RULE = '-'.repeat(80);

function label(r: TestResult): string {
  return r.status === 'pass' ? 'PASS' : r.status === 'fail' ? 'FAIL' : r.status === 'skip' ? 'SKIPPED' : 'ERROR';
}

function line(r: TestResult): string {
  let s = `${r.test.fullName}: ${label(r)}${r.status === 'skip' ? '' : ` (${formatGoDuration(r.durationNs)})`}\n`;
  if (r.error) s += r.error.message.split('\n').map((l) => `  ${l}\n`).join('');
  return s;
}

function output(r: TestResult): string {
  return r.output.length === 0 ? '' : r.output.map((l) => `  ${l}\n`).join('') + '\n';
}

/** The pretty report, as OPA's PrettyReporter lays it out. */
export function formatPretty(results: readonly TestResult[], verbose: boolean): string {
  let out = '';
  const bad = results.filter((r) => r.status === 'fail' || r.status === 'error');
  if (!verbose && bad.length > 0) {
    out += `FAILURES\n${RULE}\n`;
    for (const r of bad) out += line(r) + '\n' + output(r);
    out += `SUMMARY\n${RULE}\n`;
  }
  const listed = verbose ? results : results.filter((r) => r.status !== 'pass');
  let file: string | undefined;
  for (const r of listed) {
    if (r.test.file !== file) {
      out += `${file === undefined ? '' : '\n'}${r.test.file}:\n`;
      file = r.test.file;
    }
    out += line(r);
    if (verbose) out += output(r);
  }
  if (out !== '') out += `${RULE}\n`;
  const total = results.length;
  const count = (s: TestResult['status']) => results.filter((r) => r.status === s).length;
  for (const [s, name] of [['pass', 'PASS'], ['fail', 'FAIL'], ['skip', 'SKIPPED'], ['error', 'ERROR']] as const) {
    const n = count(s);
    if (n > 0) out += `${name}: ${n}/${total}\n`;
  }
  return out;
}

/** OPA's `opa test --format json`: an array of tester.Result. */
export function formatJson(results: readonly TestResult[]): string {
  const rows = results.map((r) => ({
    location: { file: r.test.file, row: r.test.line, col: r.test.col },
    package: r.test.pkg,
    name: r.test.name,
    ...(r.status === 'fail' ? { fail: true } : {}),
    ...(r.status === 'skip' ? { skip: true } : {}),
    ...(r.error ? { error: { code: r.error.opaCode ?? r.error.code, message: r.error.message } } : {}),
    duration: Math.round(r.durationNs),
    // Go marshals []byte as base64, and OPA's Output is the print() bytes.
    ...(r.output.length > 0 ? { output: Buffer.from(r.output.map((l) => l + '\n').join('')).toString('base64') } : {}),
  }));
  return JSON.stringify(rows, null, 2) + '\n';
}

export const testCommand: Subcommand = {
  name: 'test',
  synopsis: 'test [flags] <path>...',
  description: 'Runs the test_* rules of the .rego files and directories given (data.json/data.yaml files included), like `opa test`.\nExit code: 0 all tests passed, 2 a test failed or raised an error, 1 the policies did not load.',
  flags: [
    { name: 'verbose', short: 'v', help: 'list every test, with its print() output' },
    { name: 'run', short: 'r', valued: true, help: 'run only tests whose name (data.pkg.test_x) matches this regular expression' },
    { name: 'format', short: 'f', valued: true, help: 'pretty (default) or json' },
    { name: 'coverage', short: 'c', help: 'print the coverage report (OPA JSON) instead of the results' },
    { name: 'timeout', short: 't', valued: true, help: 'per-test deadline, a Go duration (default 5s)' },
    { name: 'ignore', valued: true, help: 'skip files and directories whose name matches this pattern (repeatable, e.g. \'*.yaml\')' },
    { name: 'explain', valued: true, help: 'fails (default): report the failed tests; regate prints no evaluation trace' },
  ],
  async run(a: ParsedArgs): Promise<number> {
    if (a.positional.length === 0) throw new UsageError('test needs at least one <path>');
    const format = a.one('format') ?? 'pretty';
    if (format !== 'pretty' && format !== 'json') throw new UsageError(`--format must be pretty or json, not ${format}`);
    let filter: RegExp | undefined;
    const run = a.one('run');
    if (run !== undefined) {
      try {
        filter = new RegExp(run);
      } catch (e) {
        throw new UsageError(`--run: ${(e as Error).message}`);
      }
    }
    const timeoutMs = parseDurationMs(a.one('timeout') ?? '5s');
    // OPA's other --explain modes (full, notes, debug) print an evaluation trace, which regate
    // does not record: refuse them rather than print something else under their name.
    const explain = a.one('explain') ?? 'fails';
    if (explain !== 'fails') throw new UsageError(`--explain ${explain}: only fails is supported (regate records no evaluation trace)`);
    const { modules, data } = await loadPaths(a.positional, { includeTests: true, ignore: a.all('ignore') });
    const coverage = a.bool('coverage');
    const result = await runTests({ modules, data, timeoutMs, coverage, ...(filter ? { filter } : {}), compileOptions: compileOptionsOf(a) });
    if (coverage && result.coverage) process.stdout.write(JSON.stringify(buildCoverageReport(result.coverage, modules, dialectOf(a)), null, 2) + '\n');
    else if (format === 'json') process.stdout.write(formatJson(result.results));
    else if (result.results.length === 0) process.stdout.write('no tests found\n');
    else process.stdout.write(formatPretty(result.results, a.bool('verbose')));
    return result.results.some((r) => r.status === 'fail' || r.status === 'error') ? 2 : 0;
  },
};
