/** The shape of `bench/results/<date>.json`, shared by the suite runner and the report writers. */
/** What one load run of one row measured: shared by the suite's rows and the scaling bench's (report/scaling.ts). */
export interface LoadRunRow {
  status: 'ok' | 'skipped' | 'failed';
  /** why a row was skipped or failed (always set for those) */
  reason?: string;
  rps?: number;
  /** latency percentiles in ms */
  p50?: number;
  p99?: number;
  requests?: number;
  errors?: number;
  non2xx?: number;
}

export interface ScenarioRow extends LoadRunRow {
  /** stable scenario id: direct, nginx, regate-passthrough, regate-full, regate-introspection, node-peer */
  name: string;
  label: string;
  /** the proxy process tree's CPU time per request (µs), from /proc — less contention-sensitive than latency */
  cpuUsPerReq?: number | null;
  /** the load generator's own CPU time per request (µs, its process start-up included) */
  generatorCpuUsPerReq?: number | null;
}

/** The load generator of a run: autocannon (default) or wrk (`--generator wrk`). */
export interface GeneratorInfo {
  name: 'autocannon' | 'wrk';
  version: string;
  /** wrk threads (autocannon: 1, one event loop) */
  threads: number;
}

export interface SuiteResult {
  date: string;
  mode: 'quick' | 'full' | 'smoke';
  machine: { cpu: string; cpus: number; loadavg1: number; node: string; platform: string };
  settings: {
    /** absent in reports written before wrk was supported: those ran autocannon */
    generator?: GeneratorInfo;
    connections: number;
    duration_s: number | null;
    amount: number | null;
    warmup_s: number;
    pinned: boolean;
    proxy_cpu: string | null;
    load_cpus: string | null;
  };
  notes: string[];
  /** one run: the rows measured; a repeated run (`repeat`): per-field medians over its rounds */
  rows: ScenarioRow[];
  /** only when the scenarios ran more than once (`--repeat N`, N > 1) */
  repeat?: RepeatInfo;
}

/** The median and the range of one quantity over the rounds where it was measured. */
export interface Spread {
  median: number;
  min: number;
  max: number;
  /** how many rounds gave a value */
  n: number;
}

/** One scenario over the rounds of a repeated run. */
export interface RowSpread {
  name: string;
  label: string;
  /** rounds in which the scenario ran (status ok), of `rounds` */
  ok: number;
  rounds: number;
  rps: Spread | null;
  p99: Spread | null;
  cpuUsPerReq: Spread | null;
  /** rps ÷ the nginx row's rps of the same round */
  vsNginx: Spread | null;
  /** rps ÷ the rps of the HAProxy row doing the same job, same round */
  vsHaproxy: Spread | null;
  /** summed over the rounds */
  errors: number;
  non2xx: number;
  /** the reasons of rounds that did not run (skipped or failed), distinct */
  problems: string[];
}

export interface RepeatInfo {
  n: number;
  /** every round ran each selected scenario once, in the declared order */
  order: 'round-robin';
  /** the rows of each round, as measured */
  rounds: ScenarioRow[][];
  spread: RowSpread[];
}
