/**
 * The worker thread `runTests` evaluates tests in. Evaluation is synchronous, so a test that runs
 * past `--timeout` can only be stopped by terminating its thread; the runner then starts a new
 * worker for the remaining tests. Messages: `init` (compile once), `run` (one test), replies
 * `ready` / `result` / `failed` (compile error).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { compileToPlan } from '../compiler/index.js';
import { createJsEvaluator } from '../backend/js/index.js';
import type { PlanEvaluator } from '../backend/evaluator.js';
import { createTraceRecorder, type TraceRecorder } from '../backend/trace.js';
import { defaultRegistry } from '../builtins/index.js';
import { registryWithCapabilities } from '../builtins/capabilities.js';
import { RegoError } from '../errors.js';
import { CompileErrors } from '../compiler/compile-error.js';
import { isObject, objectEntries, objectGet, parseJson, RSet, stringifyJson, type Value } from '../value/index.js';
import type { BenchResult, CaseResult, WorkerError, WorkerErrorItem, WorkerInit, WorkerReply, WorkerRun } from './worker-protocol.js';

const init = workerData as WorkerInit;
const port = parentPort!;

function itemOf(e: RegoError): WorkerErrorItem {
  return { code: e.code, ...(e.opaCode ? { opaCode: e.opaCode } : {}), message: e.message, ...(e.location ? { location: { ...e.location } } : {}) };
}

function errorOf(e: unknown): WorkerError {
  if (e instanceof CompileErrors) return { code: e.code, ...(e.opaCode ? { opaCode: e.opaCode } : {}), message: e.errors.map((x) => x.render()).join('\n'), items: e.errors.map(itemOf) };
  if (e instanceof RegoError) return { code: e.code, ...(e.opaCode ? { opaCode: e.opaCode } : {}), message: e.render(), items: [itemOf(e)] };
  return { code: 'REGO_ERR_BUILTIN_INTERNAL', message: e instanceof Error ? e.message : String(e) };
}

type Evaluator = PlanEvaluator;
let ev: Evaluator | undefined;
/** with traceFailuresOnly: the traced evaluator failing tests run again on, made at the first */
let traced: (() => Evaluator) | undefined;
try {
  const builtins = init.capabilities !== undefined ? registryWithCapabilities(init.capabilities, defaultRegistry) : defaultRegistry;
  const plan = compileToPlan(init.modules, { entrypoints: init.entrypoints, ...(init.compileOptions ?? {}), builtins });
  if (init.target === 'wasm') {
    // `opa test --target wasm` (OPA's runner passes rego.Target to each test's evaluation): the
    // same plans, compiled to WebAssembly; loaded lazily, as binaryen is large.
    const { createWasmEvaluator } = await import('../backend/wasm/index.js');
    ev = await createWasmEvaluator(plan, { data: parseJson(init.dataJson), builtins });
  } else {
    // Only a traced run gets the generated trace hooks (backend/trace.ts): the others run as before.
    const failuresOnly = init.trace === true && init.traceFailuresOnly === true;
    ev = createJsEvaluator(plan, { data: parseJson(init.dataJson), coverage: init.coverage, builtins, ...(init.trace === true && !failuresOnly ? { trace: true } : {}) });
    if (failuresOnly) {
      let made: Evaluator | undefined;
      traced = () => (made ??= createJsEvaluator(plan, { data: parseJson(init.dataJson), builtins, trace: true }));
    }
  }
  port.postMessage({ type: 'ready' } satisfies WorkerReply);
} catch (e) {
  // With no listener on the port the thread ends once this message is out.
  port.postMessage({ type: 'failed', error: errorOf(e) } satisfies WorkerReply);
}

if (ev !== undefined) port.on('message', (msg: WorkerRun) => runOne(ev!, msg));

/** A case's name as OPA's termToString: a string as it is, anything else as JSON. */
function caseName(k: Value): string {
  return typeof k === 'string' ? k : stringifyJson(k);
}

const byName = (a: CaseResult, b: CaseResult) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/**
 * The cases of a parameterized test's object, sorted by name (runner.go subResult): `true` passes,
 * an object holds further cases (a head `test_x[a][b]`), any other value fails.
 */
function casesOf(o: Value): CaseResult[] {
  if (!isObject(o)) return [];
  return objectEntries(o)
    .map(([k, v]): CaseResult => (isObject(v) ? { name: caseName(k), fail: casesOf(v).some(failed), cases: casesOf(v) } : { name: caseName(k), fail: v !== true }))
    .sort(byName);
}

function failed(c: CaseResult): boolean {
  return c.fail || (c.cases ?? []).some(failed);
}

/** runner.go SubResultMap.Update: a bound case the object lacks is failed, and so is each key on its path. */
function addFailed(cases: CaseResult[], path: readonly string[]): CaseResult[] {
  const [name, ...rest] = path;
  if (name === undefined) return cases;
  const at = cases.find((c) => c.name === name);
  if (rest.length === 0) return at !== undefined ? cases : [...cases, { name, fail: true }].sort(byName);
  const sub = addFailed(at?.cases ?? [], rest);
  const node: CaseResult = { name, fail: at?.fail === true || sub.some(failed), cases: sub };
  return [...cases.filter((c) => c !== at), node].sort(byName);
}

function evaluateOne(ev: Evaluator, entrypoint: string, print: (m: string) => void, tracer?: TraceRecorder): Value | undefined {
  const rows = ev.evaluate(entrypoint, undefined, { print, ...(tracer !== undefined ? { tracer } : {}) });
  const first = rows[0];
  return first !== undefined && isObject(first) ? objectGet(first, 'result') : undefined;
}

function runOne(ev: Evaluator, msg: WorkerRun): void {
  const output: string[] = [];
  const start = process.hrtime.bigint();
  let status: 'pass' | 'fail' | 'error' = 'fail';
  let error: ReturnType<typeof errorOf> | undefined;
  let cases: CaseResult[] | undefined;
  // recorded now unless only a failure's trace is wanted (then the test runs again traced below)
  let recorder: TraceRecorder | undefined = init.trace === true && traced === undefined ? createTraceRecorder() : undefined;
  const at = { file: '<query>', line: 1, col: 1 };
  try {
    recorder?.enterQuery(at, msg.query ?? msg.entrypoint);
    // the cases bound before the body could fail (OPA records them with internal.test_case)
    const bound = msg.casesEntrypoint !== undefined ? evaluateOne(ev, msg.casesEntrypoint, () => {}) : undefined;
    const v = evaluateOne(ev, msg.entrypoint, (m) => output.push(m), recorder);
    if (msg.parameterized === true && v !== undefined && isObject(v)) {
      // runner.go runTest: a partial object's keys are its cases; one bound but missing failed
      cases = casesOf(v);
      // the WASM back end returns a set as its JSON, an array
      const paths = bound instanceof RSet ? [...bound] : Array.isArray(bound) ? bound : [];
      for (const path of paths) if (Array.isArray(path)) cases = addFailed(cases, path.map(caseName));
      status = cases.some(failed) ? 'fail' : 'pass';
    } else {
      // runner.go runTest: a test passes when its value is the boolean true; undefined, false or
      // anything else (a v0 partial set `test_x[y] { … }`) fails
      status = v === true ? 'pass' : 'fail';
    }
    // OPA's query `data.p.test_x = _` succeeds for a defined value, false included (the plan's
    // own hooks record its Fail when the test is undefined)
    if (v !== undefined) recorder?.exitQuery(at, msg.query ?? msg.entrypoint);
  } catch (e) {
    status = 'error';
    error = errorOf(e);
  }
  const durationNs = Number(process.hrtime.bigint() - start);
  if (traced !== undefined && status === 'fail') recorder = traceAgain(traced(), msg, at);
  const bench = init.bench === true && status === 'pass' ? benchmark(ev, msg.entrypoint, init.benchTimeMs ?? 1000) : undefined;
  const cov = init.coverage ? ev.coverage?.() : undefined;
  port.postMessage({
    type: 'result',
    index: msg.index,
    status,
    durationNs,
    output,
    ...(error ? { error } : {}),
    ...(cases !== undefined && cases.length > 0 ? { cases } : {}),
    ...(recorder !== undefined ? { trace: recorder.events } : {}),
    ...(bench !== undefined ? { bench } : {}),
    ...(cov ? { coverage: { executable: [...cov.executable].map(([f, s]) => [f, [...s]]), covered: [...cov.covered].map(([f, s]) => [f, [...s]]) } } : {}),
  } satisfies WorkerReply);
}

/**
 * A failed test's trace: the test run again on the traced evaluator, its prints dropped (the
 * first run's are reported). An error on this run ends the trace where it happened.
 */
function traceAgain(evTraced: Evaluator, msg: WorkerRun, at: { file: string; line: number; col: number }): TraceRecorder {
  const recorder = createTraceRecorder();
  recorder.enterQuery(at, msg.query ?? msg.entrypoint);
  try {
    if (evaluateOne(evTraced, msg.entrypoint, () => {}, recorder) !== undefined) recorder.exitQuery(at, msg.query ?? msg.entrypoint);
  } catch {
    // the first run did not raise; a second that does (time, randomness) keeps what it recorded
  }
  return recorder;
}

/** Go's testing roundUp: the next 1, 2, 3, 5 × 10^k at or above n. */
function roundUp(n: number): number {
  let base = 1;
  while (base * 10 <= n) base *= 10;
  for (const m of [1, 2, 3, 5]) if (n <= m * base) return m * base;
  return 10 * base;
}

/**
 * `opa test --bench` (tester.Runner.RunBenchmarks → testing.Benchmark): the test's query run
 * b.N times, N grown as Go's B.launch grows it (predicted from the last round, at most 100×,
 * rounded up to 1-2-3-5) until a round takes `benchTimeMs`. print() is off, as OPA compiles
 * benchmarks without print statements.
 */
function benchmark(ev: Evaluator, entrypoint: string, benchTimeMs: number): BenchResult {
  const goalNs = benchTimeMs * 1e6;
  const quiet = { print: () => {} };
  let n = 1;
  let totalNs = 0;
  for (;;) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) ev.evaluate(entrypoint, undefined, quiet);
    totalNs = Number(process.hrtime.bigint() - t0);
    if (totalNs >= goalNs || n >= 1e9) return { n, totalNs };
    const prev = n;
    const predicted = totalNs > 0 ? Math.ceil((goalNs * 1.2 * prev) / totalNs) : prev * 100;
    n = roundUp(Math.max(Math.min(predicted, prev * 100), prev + 1));
  }
}
