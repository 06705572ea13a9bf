/** Messages between `runTests` and its worker thread (test-worker.ts). */
import type { ModuleSource } from '../index.js';
import type { TraceEvent } from '../backend/trace.js';

export interface WorkerInit {
  modules: ModuleSource[];
  /** the data document as JSON text (Rego values do not survive structured cloning) */
  dataJson: string;
  entrypoints: string[];
  coverage: boolean;
  /** passed to compileToPlan as is (e.g. `{ regoVersion: 'v0' }`) */
  compileOptions?: Record<string, unknown>;
  /** OPA capabilities JSON: the worker compiles with exactly the builtins it declares (functions do not cross threads) */
  capabilities?: string;
  /** record each test's evaluation trace (`opa test -v` / `--explain`) */
  trace?: boolean;
  /** with `trace`: run each test untraced, and a failing one again traced (only its trace is sent) */
  traceFailuresOnly?: boolean;
  /** the back end the tests run on (`opa test --target`); default the JS one */
  target?: 'rego' | 'wasm';
  /** benchmark each passing test (`opa test --bench`): run it again until `benchTimeMs` is spent */
  bench?: boolean;
  benchTimeMs?: number;
}

export interface WorkerRun {
  index: number;
  entrypoint: string;
  /** with `trace`: the query the trace opens with (`data.p.test_x = _`, as OPA's runner queries the rule) */
  query?: string;
  /** a parameterized test: its object's keys are its cases */
  parameterized?: boolean;
  /** the helper plan listing the cases bound before the body can fail (discover-tests.ts) */
  casesEntrypoint?: string;
}

/** One case of a parameterized test (OPA's tester.SubResult): a leaf, or the cases under a key. */
export interface CaseResult {
  name: string;
  fail: boolean;
  cases?: CaseResult[];
}

/** One error as the worker raised it, for the caller to print in its own format (OPA's). */
export interface WorkerErrorItem {
  code: string;
  opaCode?: string;
  /** the message alone */
  message: string;
  location?: { file: string; line: number; col: number; text?: string };
}

export interface WorkerError {
  code: string;
  opaCode?: string;
  /** rendered `file:line:col: CODE: message` */
  message: string;
  /** each error on its own (a compilation's several), unrendered */
  items?: WorkerErrorItem[];
}

export type SerializedCoverage = { executable: [string, number[]][]; covered: [string, number[]][] };

export type WorkerReply =
  | { type: 'ready' }
  | { type: 'failed'; error: WorkerError }
  | { type: 'result'; index: number; status: 'pass' | 'fail' | 'error'; durationNs: number; output: string[]; error?: WorkerError; coverage?: SerializedCoverage; trace?: TraceEvent[]; bench?: BenchResult; cases?: CaseResult[] };

/** Go's testing.BenchmarkResult, the part regate measures: iterations and their total time. */
export interface BenchResult {
  n: number;
  totalNs: number;
}
