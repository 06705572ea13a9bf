/**
 * `regate policy test <path>...` — `opa test`: runs every `test_*` rule of the .rego files and
 * directories given (data files included; `-b` reads each path as a bundle), one evaluation per
 * test definition, in the order of the files' names.
 *
 * Output as `opa test` (tester/reporter.go): pretty (the tests that did not pass, by file, then
 * the counts; `-v` lists every test with its print() output, after a FAILURES section) or
 * `--format json` (OPA's tester.Result array); `--coverage` prints OPA's coverage report instead,
 * and `--threshold` fails it below a percentage.
 * Exit code: 0 all passed; 2 a test failed, raised an error or was skipped (`todo_`; 0 with
 * `--exit-zero-on-skipped`), or coverage is below `--threshold`; 1 the policies did not load or
 * compile, a test did not pass under `--coverage`, or `--fail-on-empty` found no test.
 */
import { buildCoverageReport, type CoverageReport } from '../../policy/testing/coverage-report.js';
import { regoErrorOf, runTests, type TestResult } from '../../policy/testing/run-tests.js';
import type { CaseResult } from '../../policy/testing/worker-protocol.js';
import type { ModuleSource, Value } from '../../policy/index.js';
import { mergeData } from '../../policy/index.js';
import { parseDurationMs, UsageError, type ParsedArgs } from './args.js';
import { CAPABILITIES_FLAG, capabilitiesOf, compileOptionsOf, dialectOf, SCHEMA_FLAG, type Subcommand } from './common.js';
import { loadBundle, loadPaths } from './load-paths.js';
import { expressionAt, formatTracePretty, traceJson } from './eval-explain.js';
import { filterLineage, filterTrace, type TraceEvent } from '../../policy/backend/trace.js';
import { formatErrorLine, formatErrorsText, goJson, limitErrors, MAX_ERRORS_FLAG, maxErrorsOf, toOutputErrors } from './opa-errors.js';

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

/** OPA's Result.String(): `data.p.test_x: PASS (1.2ms)`, a skipped test without its duration. */
function line(r: TestResult): string {
  return `${r.test.fullName}: ${label(r)}${r.status === 'skip' ? '' : ` (${formatGoDuration(r.durationNs)})`}`;
}

/** A test's error as OPA's topdown.Error prints: `file:row:col: code: message`. */
function errorLine(r: TestResult): string | undefined {
  if (!r.error) return undefined;
  const items = r.error.items;
  if (items === undefined || items.length === 0) return r.error.message;
  return items.map((i) => toOutputErrors(regoErrorOf(i)).map(formatErrorLine).join('\n')).join('\n');
}

/** print() output, trimmed and indented by two, between blank lines. */
function output(r: TestResult): string {
  if (r.output.length === 0) return '';
  const text = r.output.join('\n').trim();
  return '\n' + text.split('\n').map((l) => `  ${l}`).join('\n') + '\n\n';
}

/** The explain modes of `opa test --explain` (cmd/test.go). */
const TEST_EXPLAIN_MODES = ['fails', 'full', 'notes', 'debug'] as const;
type TestExplainMode = (typeof TEST_EXPLAIN_MODES)[number];

/**
 * A test's trace as `opa test` keeps it (cmd/test.go filterTrace): with `-v` alone the Notes
 * and Fails with the Enter events that led to them, with `--explain` that mode's lineage filter.
 */
export function testTrace(events: readonly TraceEvent[], explain: TestExplainMode | undefined): TraceEvent[] {
  if (explain === undefined) return filterLineage(events, (e) => e.op === 'Note' || e.op === 'Fail');
  return filterTrace(events, explain);
}

/** The query OPA's runner evaluates for a test, as its trace shows it. */
function testQuery(r: TestResult): string {
  return `${r.test.query} = _`;
}

/** Every line of `text` indented by two spaces (OPA's indentingWriter). */
function indent(text: string): string {
  return text.replace(/^(?=.)/gm, '  ');
}

/** Each case and its depth, depth first in name order (OPA's SubResultMap.Iter). */
function walkCases(cases: readonly CaseResult[], depth = 0, path: string[] = []): { c: CaseResult; depth: number; path: string[] }[] {
  return cases.flatMap((c) => [{ c, depth, path: [...path, c.name] }, ...walkCases(c.cases ?? [], depth + 1, [...path, c.name])]);
}

/** A parameterized test's cases under its line (reporter.go): the failed ones, or all with -v. */
function caseLines(r: TestResult, verbose: boolean): string {
  return walkCases(r.cases ?? [])
    .filter(({ c }) => c.fail || verbose)
    .map(({ c, depth }) => `  ${'  '.repeat(depth)}${c.name}: ${c.fail ? 'FAIL' : 'PASS'}\n`)
    .join('');
}

/** Go's testing prettyPrint of a benchmark metric: ten places before the point, small numbers to four figures. */
export function goMetric(x: number, unit: string): string {
  const y = Math.abs(x);
  const [w, d] = y === 0 || y >= 999.95 ? [10, 0] : y >= 99.995 ? [12, 1] : y >= 9.9995 ? [13, 2] : y >= 0.99995 ? [14, 3] : y >= 0.099995 ? [15, 4] : y >= 0.0099995 ? [16, 5] : y >= 0.00099995 ? [17, 6] : [18, 7];
  return `${x.toFixed(d).padStart(w)} ${unit}`;
}

/**
 * A benchmarked test as OPA's PrettyReporter.fmtBenchmark prints it: the name, a tab, Go's
 * BenchmarkResult.String() (`%8d` iterations, ns/op). `gobench` names it in Go's benchmark
 * format: data.p.test_x → BenchmarkDataPTestX.
 */
export function formatBenchLine(r: TestResult, gobench: boolean): string {
  const b = r.bench;
  if (b === undefined) return '';
  let name = r.test.fullName;
  if (gobench) name = 'Benchmark' + name.replaceAll('_', '.').split('.').map((p) => p.charAt(0).toUpperCase() + p.slice(1)).join('');
  const ns = b.totalNs / b.n;
  return `${name}\t${String(b.n).padStart(8)}${ns !== 0 ? `\t${goMetric(ns, 'ns/op')}` : ''}`;
}

/**
 * `opa test --var-values` (PrettyReporter.FailureLine, printFailure): under FAILURES, where the
 * test failed — the last Fail outside the test's own query — as `file:row:` and the expression.
 * (OPA draws the values of the expression's variables below it; regate's trace has no locals.)
 */
function failureLine(r: TestResult, sources: ReadonlyMap<string, string>): string {
  const e = [...(r.trace ?? [])].reverse().find((x) => x.op === 'Fail' && x.location.file !== '<query>');
  return e === undefined ? '\n' : `\n  ${e.location.file}:${e.location.line}:\n    ${expressionAt(sources, e.location)}\n\n`;
}

export interface PrettyOptions {
  /** `--bench`: a passing test shows its benchmark line */
  bench?: boolean;
  gobench?: boolean;
  /** `--var-values`: FAILURES shows where each failure happened */
  failureLine?: boolean;
  /** the raw traces of --var-values (the line is found before -v's filter) */
  rawTraces?: ReadonlyMap<TestResult, readonly TraceEvent[]>;
}

/** The pretty report, as OPA's PrettyReporter lays it out; `-v` prints each failure's trace under FAILURES. */
export function formatPretty(results: readonly TestResult[], verbose: boolean, sources: ReadonlyMap<string, string> = new Map(), opts: PrettyOptions = {}): string {
  let out = '';
  const fails = results.filter((r) => r.status === 'fail');
  if ((verbose || opts.failureLine === true) && fails.length > 0) {
    out += `FAILURES\n${RULE}\n`;
    // printFailure: a blank line, then the trace table (PrettyTraceWithLocation) indented by two
    for (const r of fails) {
      // a Fail in the test's own query (the test was undefined) shows that query
      const describe = (loc: TraceEvent['location']): string => (loc.file === '<query>' ? testQuery(r) : expressionAt(sources, loc));
      out += `${line(r)}\n`;
      if (verbose) out += `\n${r.trace !== undefined ? indent(formatTracePretty(r.trace, describe)) : ''}`;
      if (opts.failureLine === true) out += failureLine({ ...r, trace: [...(opts.rawTraces?.get(r) ?? r.trace ?? [])] }, sources);
      // reporter.go: after the test's trace, every failed case with the names that lead to it
      if (r.cases !== undefined) {
        out += '\n';
        for (const { c, path } of walkCases(r.cases)) if (c.fail && (c.cases ?? []).length === 0) out += path.map((n, d) => `${'  '.repeat(d + 1)}${n}: FAIL\n`).join('');
      }
      out += '\n';
    }
    out += `SUMMARY\n${RULE}\n`;
  }
  let file: string | undefined;
  let dirty = false;
  for (const r of results) {
    if (r.status === 'pass' && opts.bench === true) {
      dirty = true;
      out += formatBenchLine(r, opts.gobench === true) + '\n';
    } else if (verbose || r.status !== 'pass') {
      if (r.test.file !== file) {
        out += `${file === undefined ? '' : '\n'}${r.test.file}:\n`;
        file = r.test.file;
      }
      dirty = true;
      out += line(r) + '\n' + caseLines(r, verbose) + output(r);
    }
    const err = errorLine(r);
    if (err !== undefined) out += `  ${err}\n`;
  }
  if (dirty) out += `${RULE}\n`;
  // reporter.go: a parameterized test counts its leaf cases, each a pass or a fail
  const counts = { pass: 0, fail: 0, skip: 0, error: 0 };
  for (const r of results) {
    const leaves = walkCases(r.cases ?? []).filter(({ c }) => (c.cases ?? []).length === 0);
    if ((r.status === 'pass' || r.status === 'fail') && leaves.length > 0) for (const { c } of leaves) counts[c.fail ? 'fail' : 'pass']++;
    else counts[r.status]++;
  }
  const total = counts.pass + counts.fail + counts.skip + counts.error;
  for (const [s, name] of [['pass', 'PASS'], ['fail', 'FAIL'], ['skip', 'SKIPPED'], ['error', 'ERROR']] as const) {
    if (counts[s] > 0) out += `${name}: ${counts[s]}/${total}\n`;
  }
  return out;
}

/** A test's error as OPA marshals a topdown.Error: code, message, location. */
function errorJson(r: TestResult): Record<string, unknown> | undefined {
  if (!r.error) return undefined;
  const item = r.error.items?.[0];
  if (item === undefined) return { code: r.error.opaCode ?? r.error.code, message: r.error.message };
  const [x] = toOutputErrors(regoErrorOf(item));
  return { code: x?.code, message: x?.message, ...(x?.location ? { location: x.location } : {}) };
}

/** tester.SubResultMap as Go marshals it: keys sorted, `sub_results` and `fail` omitted when empty. */
function subResultsJson(cases: readonly CaseResult[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const c of cases) out[c.name] = { ...(c.cases !== undefined && c.cases.length > 0 ? { sub_results: subResultsJson(c.cases) } : {}), name: c.name, ...(c.fail ? { fail: true } : {}) };
  return out;
}

/** OPA's `opa test --format json`: an array of tester.Result, fields in its order. */
export function formatJson(results: readonly TestResult[]): string {
  const rows = results.map((r) => {
    const error = errorJson(r);
    return {
      location: { file: r.test.file, row: r.test.line, col: r.test.col },
      // --bench: Go's testing.BenchmarkResult as encoding/json writes it; regate measures the
      // iterations and their time, not allocations (0) nor OPA's per-stage timers (Extra)
      ...(r.bench !== undefined ? { benchmark_result: { N: r.bench.n, T: Math.round(r.bench.totalNs), Bytes: 0, MemAllocs: 0, MemBytes: 0, Extra: {} } } : {}),
      ...(r.cases !== undefined && r.cases.length > 0 ? { sub_results: subResultsJson(r.cases) } : {}),
      package: r.test.pkg,
      name: r.test.name,
      ...(r.status === 'fail' ? { fail: true } : {}),
      ...(error ? { error } : {}),
      ...(r.status === 'skip' ? { skip: true } : {}),
      duration: Math.round(r.durationNs),
      // tester.Result's Trace (omitempty): with -v or --explain, the filtered events
      ...(r.trace !== undefined && r.trace.length > 0 ? { trace: traceJson(r.trace) } : {}),
      // Go marshals []byte as base64, and OPA's Output is the print() bytes.
      ...(r.output.length > 0 ? { output: Buffer.from(r.output.map((l) => l + '\n').join('')).toString('base64') } : {}),
    };
  });
  return goJson(rows, 2) + '\n';
}

/** OPA's CoverageThresholdError text; with -v the lines no test reached. */
function thresholdError(report: CoverageReport, threshold: number, verbose: boolean): string {
  let s = `Code coverage threshold not met: got ${report.coverage.toFixed(2)} instead of ${threshold.toFixed(2)}`;
  if (verbose) {
    const files = Object.keys(report.files).sort();
    const lines = files.flatMap((f) => (report.files[f]?.not_covered ?? []).map((x) => (x.start.row === x.end.row ? `\n\t${f}:${x.start.row}` : `\n\t${f}:${x.start.row}-${x.end.row}`)));
    if (lines.length > 0) s += '\nLines not covered:' + lines.join('');
  }
  return s;
}

async function load(a: ParsedArgs): Promise<{ modules: ModuleSource[]; data: Value }> {
  if (!a.bool('bundle')) return loadPaths(a.positional, { includeTests: true, ignore: a.all('ignore'), ...(a.bool('v0-compatible') ? { regoVersion: 'v0' as const } : {}) });
  const modules: ModuleSource[] = [];
  let data: Value = {};
  for (const p of a.positional) {
    const b = await loadBundle(p, { includeTests: true });
    modules.push(...b.modules);
    data = mergeData(data, b.data, p);
  }
  return { modules, data };
}

export const testCommand: Subcommand = {
  name: 'test',
  synopsis: 'test [flags] <path>...',
  description:
    'Runs the test_* rules of the .rego files and directories given (data files included), like `opa test`.\n' +
    'Exit code: 0 all tests passed; 2 a test failed, raised an error or was skipped, or coverage is below --threshold; 1 the policies did not load.',
  flags: [
    { name: 'verbose', short: 'v', help: 'list every test, with its print() output' },
    { name: 'bundle', short: 'b', help: 'read each path as a bundle (a directory or a .tar.gz), as opa test -b' },
    SCHEMA_FLAG,
    CAPABILITIES_FLAG,
    { name: 'run', short: 'r', valued: true, help: 'run only tests whose name (data.pkg.test_x) matches this regular expression' },
    { name: 'format', short: 'f', valued: true, help: 'pretty (default), json, or gobench (with --bench: Go benchmark format)' },
    { name: 'coverage', short: 'c', help: 'print the coverage report (OPA JSON) instead of the results' },
    { name: 'threshold', valued: true, help: 'with coverage: exit 2 when it is below this percentage' },
    { name: 'exit-zero-on-skipped', short: 'z', help: 'skipped (todo_) tests do not make the exit code 2' },
    { name: 'fail-on-empty', help: 'exit 1 when no test ran' },
    // as opa (cmd/test.go, cmd/flags.go addTargetFlag): -t is --target; --timeout has no short form
    { name: 'timeout', valued: true, help: 'per-test deadline, a Go duration (default 5s)' },
    { name: 'target', short: 't', valued: true, help: 'rego (default: the JS back end) or wasm (the tests compiled to WebAssembly)' },
    { name: 'parallel', short: 'p', valued: true, help: 'accepted as opa\'s (a number of tests run at once); regate runs them one after another in a worker, with the same results' },
    { name: 'ignore', valued: true, csv: true, help: 'skip files and directories whose name matches this pattern (repeatable, e.g. \'*.yaml\')' },
    MAX_ERRORS_FLAG,
    { name: 'explain', valued: true, help: "fails, full, notes or debug: the tests' evaluation trace (implies -v; a subset of OPA's events: Enter, Exit, Fail, Note)" },
    { name: 'count', valued: true, help: 'run the tests this many times (default 1), stopping after a run that does not pass' },
    { name: 'bench', help: 'benchmark the passing tests: iterations and ns/op, as opa test --bench (-f gobench: Go benchmark format; -f json: benchmark_result with N and T)' },
    { name: 'benchmem', help: "accepted for opa (its default, also as --benchmem=false); regate prints no B/op or allocs/op: a JavaScript heap has no per-operation allocation count, and heap deltas mix in the garbage collector's work, so OPA's columns would be invented" },
    { name: 'watch', short: 'w', help: 'refused: opa test --watch re-runs on file changes; regate runs once (use a file watcher, e.g. `watchexec -e rego,json,yaml -- regate policy test …`)' },
    { name: 'var-values', help: 'under FAILURES, the file:row and expression where each failing test failed' },
  ],
  async run(a: ParsedArgs): Promise<number> {
    // opa test -w keeps running and re-tests on every change (fsnotify); regate's test command
    // runs once and exits, so a flag that would silently do nothing is refused instead
    if (a.bool('watch')) throw new UsageError('--watch is not supported: regate policy test runs once; re-run it from a file watcher instead');
    if (a.positional.length === 0) throw new UsageError('test needs at least one <path>');
    const format = a.one('format') ?? 'pretty';
    if (format !== 'pretty' && format !== 'json' && format !== 'gobench') throw new UsageError(`--format must be pretty, json or gobench, not ${format}`);
    const bench = a.bool('bench');
    // cmd/test.go opaTest: gobench without --bench is a message, and exit 0
    if (format === 'gobench' && !bench) {
      process.stderr.write('cannot use output format gobench without running benchmarks (--bench)\n');
      return 0;
    }
    const countText = a.one('count') ?? '1';
    const count = Number(countText);
    if (!Number.isInteger(count) || count < 0) throw new UsageError(`--count must be a whole number, not ${countText}`);
    const varValues = a.bool('var-values');
    let filter: RegExp | undefined;
    const run = a.one('run');
    if (run !== undefined) {
      try {
        filter = new RegExp(run);
      } catch (e) {
        throw new UsageError(`--run: ${(e as Error).message}`);
      }
    }
    const threshold = Number(a.one('threshold') ?? '0');
    if (!Number.isFinite(threshold) || threshold < 0 || threshold > 100) {
      process.stderr.write('Code coverage threshold must be between 0 and 100\n');
      return 1;
    }
    // OPA's default deadline is 30 s when benchmarking (compileAndSetupTests)
    const timeoutMs = parseDurationMs(a.one('timeout') ?? (bench ? '30s' : '5s'));
    const target = a.one('target') ?? 'rego';
    if (target !== 'rego' && target !== 'wasm') throw new UsageError(`invalid argument ${JSON.stringify(target)} for -t, --target: must be one of {rego,wasm}`);
    const parallel = a.one('parallel');
    if (parallel !== undefined && !/^\d+$/.test(parallel)) throw new UsageError(`invalid argument ${JSON.stringify(parallel)} for -p, --parallel: not a number`);
    const explainFlag = a.one('explain');
    if (explainFlag !== undefined && !(TEST_EXPLAIN_MODES as readonly string[]).includes(explainFlag)) throw new UsageError(`--explain must be one of ${TEST_EXPLAIN_MODES.join(', ')}, not ${explainFlag}`);
    const explain = explainFlag as TestExplainMode | undefined;
    // As opa (cmd/test.go): --explain turns on verbose reporting, and verbose records the traces.
    const verbose = a.bool('verbose') || explain !== undefined;
    const coverage = a.bool('coverage') || threshold > 0;
    if (coverage && target === 'wasm') throw new UsageError('--coverage needs --target rego: the WASM back end does not record lines');
    if (coverage && bench) {
      process.stderr.write('coverage reporting is not supported when benchmarking tests\n');
      return 1;
    }
    // OPA: EnableTracing(verbose || varValues); the WASM back end has no trace hooks: -v lists the
    // tests and their output, without traces
    const trace = (verbose || varValues) && !coverage && target === 'rego';
    const max = maxErrorsOf(a.one('max-errors'));
    const capabilities = capabilitiesOf(a);

    // cmd/test.go: each run reports on its own; a run that does not pass ends them (its exit code)
    for (let i = 0; i < count; i++) {
      const code = await runOnce(a, { format, bench, varValues, verbose, explain, coverage, trace, threshold, timeoutMs, max, capabilities, filter, target });
      if (code !== 0) return code;
    }
    return 0;
  },
};

interface RunSettings {
  format: string;
  bench: boolean;
  varValues: boolean;
  verbose: boolean;
  explain: TestExplainMode | undefined;
  coverage: boolean;
  trace: boolean;
  threshold: number;
  timeoutMs: number;
  max: number;
  capabilities: string | undefined;
  filter: RegExp | undefined;
  target: 'rego' | 'wasm';
}

/** One `opa test` run: load, compile, run, report; its exit code. */
async function runOnce(a: ParsedArgs, o: RunSettings): Promise<number> {
  const { format, bench, varValues, verbose, explain, coverage, trace, threshold, timeoutMs, max, capabilities, filter, target } = o;
  let result: Awaited<ReturnType<typeof runTests>>;
  let modules: ModuleSource[];
  try {
    const loaded = await load(a);
    // OPA runs the tests of its modules in the order of their names.
    modules = [...loaded.modules].sort((x, y) => (x.file < y.file ? -1 : x.file > y.file ? 1 : 0));
    // keep only the traces the report prints: the pretty one shows failures' traces (OPA's
    // PrettyReporter), the JSON one every test's, filtered (a suite's passing tests may make
    // millions of trace events: holding them all ran out of memory)
    const traced = !trace
      ? {}
      : format === 'json'
        ? { trace: true, traceFilter: (events: TraceEvent[]) => (verbose ? testTrace(events, explain) : []) }
        : { trace: true, traceTests: 'failures' as const };
    result = await runTests({ modules, data: loaded.data, timeoutMs, coverage, ...(filter ? { filter } : {}), compileOptions: compileOptionsOf(a), ...(capabilities !== undefined ? { capabilities } : {}), ...traced, ...(bench ? { bench: true } : {}), ...(target === 'wasm' ? { target } : {}) });
  } catch (e) {
    if (e instanceof UsageError) throw e;
    process.stderr.write(formatErrorsText(limitErrors(toOutputErrors(e), max)) + '\n');
    return 1;
  }
  const results = result.results;
  if (results.length === 0 && a.bool('fail-on-empty')) {
    if (format === 'json' && !coverage) process.stdout.write('[]\n');
    process.stderr.write('no tests were run\n');
    return 1;
  }
  if (coverage) {
    // OPA's JSONCoverageReporter: the first test that did not pass is the error, exit 1.
    const bad = results.find((r) => r.status !== 'pass');
    if (bad) {
      process.stderr.write((errorLine(bad) ?? line(bad)) + '\n');
      return 1;
    }
    const report = buildCoverageReport(result.coverage ?? { executable: new Map(), covered: new Map() }, modules, dialectOf(a));
    if (report.coverage < threshold) {
      process.stderr.write(thresholdError(report, threshold, verbose) + '\n');
      return 2;
    }
    process.stdout.write(goJson(report, 2) + '\n');
    return 0;
  }
  const rawTraces = new Map<TestResult, readonly TraceEvent[]>();
  for (const r of results) {
    // JSON: filtered as each result arrived (traceFilter)
    if (r.trace === undefined || format === 'json') continue;
    rawTraces.set(r, r.trace);
    // --var-values without -v: the trace serves the failure line only (OPA filters it to nothing)
    r.trace = verbose ? testTrace(r.trace, explain) : [];
  }
  // a trace's columns point into the text as compiled (a further definition renamed on its line)
  const sources = new Map((result.compiled ?? modules).map((m) => [m.file, m.text]));
  process.stdout.write(format === 'json' ? formatJson(results) : formatPretty(results, verbose, sources, { bench, gobench: format === 'gobench', failureLine: varValues, rawTraces }));
  const skipOk = a.bool('exit-zero-on-skipped');
  return results.some((r) => r.status === 'fail' || r.status === 'error' || (r.status === 'skip' && !skipOk)) ? 2 : 0;
}
