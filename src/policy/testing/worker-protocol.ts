/** Messages between `runTests` and its worker thread (test-worker.ts). */
import type { ModuleSource } from '../index.js';

export interface WorkerInit {
  modules: ModuleSource[];
  /** the data document as JSON text (Rego values do not survive structured cloning) */
  dataJson: string;
  entrypoints: string[];
  coverage: boolean;
  /** passed to compileToPlan as is (e.g. `{ regoVersion: 'v0' }`) */
  compileOptions?: Record<string, unknown>;
}

export interface WorkerRun {
  index: number;
  entrypoint: string;
}

export interface WorkerError {
  code: string;
  opaCode?: string;
  /** rendered `file:line:col: CODE: message` */
  message: string;
}

export type SerializedCoverage = { executable: [string, number[]][]; covered: [string, number[]][] };

export type WorkerReply =
  | { type: 'ready' }
  | { type: 'failed'; error: WorkerError }
  | { type: 'result'; index: number; status: 'pass' | 'fail' | 'error'; durationNs: number; output: string[]; error?: WorkerError; coverage?: SerializedCoverage };
