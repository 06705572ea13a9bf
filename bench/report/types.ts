/** The shape of `bench/results/<date>.json`, shared by the suite runner and the report writers. */
export interface ScenarioRow {
  /** stable scenario id: direct, nginx, regate-passthrough, regate-full, regate-introspection, node-peer */
  name: string;
  label: string;
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
  /** the proxy process tree's CPU time per request (µs), from /proc — less contention-sensitive than latency */
  cpuUsPerReq?: number | null;
}

export interface SuiteResult {
  date: string;
  mode: 'quick' | 'full' | 'smoke';
  machine: { cpu: string; cpus: number; loadavg1: number; node: string; platform: string };
  settings: { connections: number; duration_s: number | null; amount: number | null; warmup_s: number; pinned: boolean; proxy_cpu: string | null; load_cpus: string | null };
  notes: string[];
  rows: ScenarioRow[];
}
