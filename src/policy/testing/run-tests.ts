/**
 * Runs the tests of a set of modules like `opa test`: discovery (discover-tests.ts), one
 * compilation, then each test on its own in a worker thread with a per-test deadline. A test
 * that runs past it is an error (eval_cancel_error, as OPA's cancelled context) and its thread
 * is terminated; the remaining tests go on in a new one.
 *
 * @example
 *   const r = await runTests({ modules, data: {}, timeoutMs: 5000 });
 *   r.results.filter((x) => x.status === 'fail').map((x) => x.test.fullName);
 */
import { Worker } from 'node:worker_threads';
import { RegoError } from '../errors.js';
import { CompileErrors } from '../compiler/compile-error.js';
import { REGO_ERROR_CODES, isOpaErrorCode, type RegoErrorCode } from '../error-codes.js';
import { stringifyJson, type Value } from '../value/index.js';
import type { ModuleSource } from '../index.js';
import { discoverTests, DUP_SUFFIX, type TestCase } from './discover-tests.js';
import { compileModules } from './compile-modules.js';
import type { TraceEvent } from '../backend/trace.js';
import type { BenchResult, CaseResult, SerializedCoverage, WorkerError, WorkerErrorItem, WorkerInit, WorkerReply, WorkerRun } from './worker-protocol.js';

export interface TestResult {
  test: TestCase;
  status: 'pass' | 'fail' | 'error' | 'skip';
  durationNs: number;
  /** `print` output, one entry per call */
  output: string[];
  error?: WorkerError;
  /** with `trace`: the evaluation's events (backend/trace.ts), unfiltered */
  trace?: TraceEvent[];
  /** a parameterized test's cases (OPA's sub_results), sorted by name */
  cases?: CaseResult[];
  /** with `bench`, a passing test's benchmark */
  bench?: BenchResult;
}

export interface RunTestsOptions {
  modules: readonly ModuleSource[];
  data: Value;
  /** keep only tests whose full name (`data.pkg.test_x`) this matches (`opa test --run`) */
  filter?: RegExp;
  /** per test; default 5 s as `opa test` */
  timeoutMs?: number;
  coverage?: boolean;
  compileOptions?: Record<string, unknown>;
  /** an OPA capabilities document (JSON text): exactly the builtins the tests may call (builtins/capabilities.ts) */
  capabilities?: string;
  /** record each test's evaluation trace (`opa test -v`, `--explain`) */
  trace?: boolean;
  /**
   * with `trace`: whose traces are kept. `all` (default): every test runs traced. `failures`:
   * every test runs untraced and one that fails runs again traced — the pretty report prints
   * failures' traces only (OPA's PrettyReporter), and a suite whose passing tests make millions
   * of events no longer holds them all (a rerun of a test reading time or randomness may differ).
   */
  traceTests?: 'all' | 'failures';
  /**
   * with `trace`: applied to each test's trace as its result arrives (before the next test
   * runs), so only what will be reported is held — e.g. `opa test -v`'s lineage filter
   */
  traceFilter?: (events: TraceEvent[]) => TraceEvent[];
  /**
   * `opa test --target`: `rego` (default) runs the tests on the JS back end, `wasm` compiles the
   * tests to WebAssembly and runs them there (no traces or coverage on that back end)
   */
  target?: 'rego' | 'wasm';
  /** benchmark each passing test for about `benchTimeMs` (default 1 s, Go's -benchtime) */
  bench?: boolean;
  benchTimeMs?: number;
}

export interface TestRun {
  results: TestResult[];
  /**
   * the modules as compiled (discovery renames further definitions on their line): the text a
   * trace event's line and column point into
   */
  compiled?: ModuleSource[];
  /** with `coverage`: lines with statements and lines evaluated, by file */
  coverage?: { executable: Map<string, Set<number>>; covered: Map<string, Set<number>> };
}

/** An error the worker raised and rendered (a compile error: every message, once, located). */
export class RenderedError extends RegoError {
  private readonly text: string;

  constructor(e: WorkerError) {
    super(e.code in REGO_ERROR_CODES ? (e.code as RegoErrorCode) : 'REGO_ERR_COMPILE', e.message, e.opaCode !== undefined && isOpaErrorCode(e.opaCode) ? { opaCode: e.opaCode } : {});
    this.text = e.message;
  }

  override render(): string {
    return this.text;
  }
}

/** A worker's error as a RegoError again, with its location (a code the registry lacks is a compile error). */
export function regoErrorOf(x: WorkerErrorItem): RegoError {
  const code = x.code in REGO_ERROR_CODES ? (x.code as RegoErrorCode) : 'REGO_ERR_COMPILE';
  return new RegoError(code, x.message, { ...(x.opaCode !== undefined && isOpaErrorCode(x.opaCode) ? { opaCode: x.opaCode } : {}), ...(x.location ? { location: x.location } : {}) });
}

/** The worker thread running test-worker; from the sources (tests, under tsx) via a bootstrap. */
function startWorker(init: WorkerInit): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./test-worker.js', import.meta.url), { workerData: init });
  // A worker does not inherit tsx's loader hooks (Node 20): register them in it, then load the .ts.
  // REGATE_TS_LOADER: the test suite's own loader (test/helpers/ts-loader.mjs sets it), lighter than tsx
  const loader = process.env['REGATE_TS_LOADER'];
  const api = import.meta.resolve('tsx/esm/api');
  const entry = new URL('./test-worker.ts', import.meta.url).href;
  const register = loader !== undefined ? `await import(${JSON.stringify(loader)});` : `const { register } = await import(${JSON.stringify(api)}); register();`;
  const code = `${register} await import(${JSON.stringify(entry)});`;
  // execArgv: []: the bootstrap brings what the worker needs; the parent's preloads (under tap:
  // tsx again, tap's mock and processinfo hooks, source maps) tripled the CPU of every start.
  return new Worker(new URL('data:text/javascript,' + encodeURIComponent(code)), { workerData: init, execArgv: [] });
}

class TestWorker {
  private readonly worker: Worker;
  private pending: ((r: WorkerReply | { type: 'exit' }) => void) | undefined;
  private readonly queue: (WorkerReply | { type: 'exit' })[] = [];

  constructor(init: WorkerInit) {
    this.worker = startWorker(init);
    const deliver = (m: WorkerReply | { type: 'exit' }) => {
      const p = this.pending;
      this.pending = undefined;
      if (p) p(m);
      else this.queue.push(m);
    };
    this.worker.on('message', deliver);
    this.worker.on('error', (e) => deliver({ type: 'failed', error: { code: 'REGO_ERR_BUILTIN_INTERNAL', message: e instanceof Error ? e.message : String(e) } }));
    this.worker.on('exit', () => deliver({ type: 'exit' }));
  }

  /** The next reply, or `undefined` after `timeoutMs`. */
  next(timeoutMs: number): Promise<WorkerReply | { type: 'exit' } | undefined> {
    const q = this.queue.shift();
    if (q) return Promise.resolve(q);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending = undefined;
        resolve(undefined);
      }, timeoutMs);
      this.pending = (m) => {
        clearTimeout(timer);
        resolve(m);
      };
    });
  }

  post(index: number, test: TestCase, query?: string): void {
    const { entrypoint, parameterized, casesEntrypoint } = test;
    this.worker.postMessage({ index, entrypoint, ...(query !== undefined ? { query } : {}), ...(parameterized === true ? { parameterized } : {}), ...(casesEntrypoint !== undefined ? { casesEntrypoint } : {}) } satisfies WorkerRun);
  }

  async stop(): Promise<void> {
    await this.worker.terminate();
  }
}

function merge(into: NonNullable<TestRun['coverage']>, c: SerializedCoverage, lineCounts: ReadonlyMap<string, number>): void {
  for (const [key, list] of [['executable', c.executable], ['covered', c.covered]] as const) {
    for (const [file, rows] of list) {
      const set = into[key].get(file) ?? into[key].set(file, new Set()).get(file)!;
      // lines past the file's own are the case-listing helpers discovery appended: not the user's
      const max = lineCounts.get(file) ?? Infinity;
      for (const r of rows) if (r <= max) set.add(r);
    }
  }
}

/**
 * A trace event of a further definition names the rule as OPA's runner renamed it
 * (rewriteDuplicateTestNames: `data.p["test_x#01"]`), not by the name discovery gave it in the
 * source (`test_x__regate_def1`).
 */
function unrenamed(e: TraceEvent): TraceEvent {
  if (!e.text.includes(DUP_SUFFIX)) return e;
  const re = new RegExp(`\\.([A-Za-z_][A-Za-z0-9_]*)${DUP_SUFFIX}(\\d+)(?=$|[.[\\s])`, 'g');
  return { ...e, text: e.text.replace(re, (_, name: string, n: string) => `[${JSON.stringify(`${name}#${n.padStart(2, '0')}`)}]`) };
}

export async function runTests(opts: RunTestsOptions): Promise<TestRun> {
  const dialect = opts.compileOptions?.['regoVersion'] === 'v0' ? { regoVersion: 'v0' as const } : {};
  const { modules, tests } = discoverTests(opts.modules, dialect);
  const lineCounts = new Map(opts.modules.map((m) => [m.file, m.text.split('\n').length]));
  // The case-listing helpers are text cut from test bodies: should one not compile (a body
  // whose binding order the compiler reorders), that file's tests run without them, reporting
  // the cases that passed or failed on their value, rather than the policy failing to compile.
  let current = { modules, tests };
  const dropped = new Set<string>();
  let noHelpers = false;
  const selected = opts.filter ? tests.filter((t) => opts.filter!.test(t.fullName)) : tests;
  const results: TestResult[] = selected.map((test) => ({ test, status: 'skip', durationNs: 0, output: [] }));
  const toRun = selected.map((t, i) => [t, i] as const).filter(([t]) => !t.skip);
  const coverage = opts.coverage ? { executable: new Map<string, Set<number>>(), covered: new Map<string, Set<number>>() } : undefined;
  if (toRun.length === 0) {
    // OPA compiles every module before it runs (or finds) any test: errors are errors even then
    compileModules(opts);
    return { results, ...(coverage ? { coverage } : {}) };
  }

  const timeoutMs = opts.timeoutMs ?? 5000;
  const wanted = new Set(toRun.map(([t]) => t.fullName));
  const entrypointsOf = (list: readonly TestCase[]) => list.filter((t) => wanted.has(t.fullName)).flatMap((t) => (t.casesEntrypoint !== undefined ? [t.entrypoint, t.casesEntrypoint] : [t.entrypoint]));
  const init: WorkerInit = {
    modules,
    dataJson: stringifyJson(opts.data),
    entrypoints: entrypointsOf(tests),
    coverage: opts.coverage === true,
    ...(opts.compileOptions ? { compileOptions: opts.compileOptions } : {}),
    ...(opts.capabilities !== undefined ? { capabilities: opts.capabilities } : {}),
    ...(opts.trace === true ? { trace: true } : {}),
    ...(opts.trace === true && opts.traceTests === 'failures' ? { traceFailuresOnly: true } : {}),
    ...(opts.target === 'wasm' ? { target: 'wasm' as const } : {}),
    ...(opts.bench === true ? { bench: true, benchTimeMs: opts.benchTimeMs ?? 1000 } : {}),
  };
  let worker: TestWorker | undefined;
  try {
    for (const [test, i] of toRun) {
      if (!worker) {
        worker = new TestWorker(init);
        // Compilation has no deadline of its own: a policy that does not compile is reported as such.
        let r = await worker.next(2 ** 31 - 1);
        while (r?.type === 'failed' && !noHelpers && current.tests.some((t) => t.casesEntrypoint !== undefined)) {
          // errors past a file's own lines are in its helpers: drop those, or all when none is
          const files = (r.error.items ?? []).flatMap((x) => (x.location !== undefined && x.location.line > (lineCounts.get(x.location.file) ?? Infinity) ? [x.location.file] : []));
          if (files.length === 0 || files.every((f) => dropped.has(f))) noHelpers = true;
          for (const f of files) dropped.add(f);
          current = discoverTests(opts.modules, dialect, (f) => !noHelpers && !dropped.has(f));
          await worker.stop();
          init.modules = current.modules;
          init.entrypoints = entrypointsOf(current.tests);
          worker = new TestWorker(init);
          r = await worker.next(2 ** 31 - 1);
        }
        if (r?.type === 'failed') throw r.error.items !== undefined && r.error.items.length > 0 ? new CompileErrors(r.error.items.map(regoErrorOf)) : new RenderedError(r.error);
        if (r?.type !== 'ready') throw new RegoError('REGO_ERR_BUILTIN_INTERNAL', 'the test worker stopped before it was ready');
      }
      // OPA's runner queries the test's rule, `data.p.test_x`, captured as `= _` in its trace
      worker.post(i, current.tests.find((x) => x.fullName === test.fullName) ?? test, opts.trace === true ? `${test.query} = _` : undefined);
      const r = await worker.next(timeoutMs);
      const slot = results[i]!;
      if (r?.type === 'result') {
        slot.status = r.status;
        slot.durationNs = r.durationNs;
        slot.output = r.output;
        if (r.error) slot.error = r.error;
        if (r.trace) slot.trace = opts.traceFilter !== undefined ? opts.traceFilter(r.trace.map(unrenamed)) : r.trace.map(unrenamed);
        if (r.cases) slot.cases = r.cases;
        if (r.bench) slot.bench = r.bench;
        if (coverage && r.coverage) merge(coverage, r.coverage, lineCounts);
        continue;
      }
      slot.status = 'error';
      slot.durationNs = timeoutMs * 1e6;
      slot.error =
        r === undefined
          ? {
              code: 'REGO_ERR_TIMEOUT',
              opaCode: 'eval_cancel_error',
              message: `${test.file}:${test.line}:${test.col}: REGO_ERR_TIMEOUT: test ran longer than ${timeoutMs}ms`,
              items: [{ code: 'REGO_ERR_TIMEOUT', opaCode: 'eval_cancel_error', message: `test ran longer than ${timeoutMs}ms`, location: { file: test.file, line: test.line, col: test.col } }],
            }
          : { code: 'REGO_ERR_BUILTIN_INTERNAL', message: r.type === 'failed' ? r.error.message : 'the test worker stopped' };
      await worker.stop();
      worker = undefined;
    }
  } finally {
    await worker?.stop();
  }
  return { results, compiled: current.modules, ...(coverage ? { coverage } : {}) };
}
