/**
 * The load side of every bench: one generator-agnostic run (`runLoad`) and the measurement the
 * suites repeat per scenario (`measureLoad`: warm-up, then a run bracketed by the proxy's CPU
 * time from /proc). The generator is autocannon (default) or wrk; either runs in its own process
 * pinned to the load CPUs, without pipelining, with the same connections and duration.
 */
import { autocannonVersion, runAutocannon } from './autocannon.js';
import { cpuSeconds, perRequestUs, type Proc } from './procs.js';
import { findOrInstallTool, WRK } from './system-tool.js';
import { runWrk, wrkThreads } from './wrk.js';

export const GENERATORS = ['autocannon', 'wrk'] as const;
export type GeneratorName = (typeof GENERATORS)[number];

/** A generator ready to run: which one, its version, and (wrk) its binary and thread count. */
export type Generator = { name: 'autocannon'; version: string; threads: 1 } | { name: 'wrk'; version: string; bin: string; threads: number };

export interface LoadOptions {
  generator: Generator;
  connections: number;
  /** seconds; null when `amount` is set */
  duration: number | null;
  /** a fixed number of requests (autocannon only); null for a timed run */
  amount: number | null;
  headers: Record<string, string>;
  /**
   * A header whose value changes per request, cycling through `values` (e.g. 256 bearer tokens,
   * so concurrent cache misses rarely share one token-server call).
   */
  headerCycle?: { name: string; values: string[] };
  /** taskset CPU list for the generator; null: not pinned */
  cpus: string | null;
  /** autocannon only: seconds before a request counts as an error (autocannon's default: 10) */
  timeoutS?: number;
  /** autocannon only: a client certificate to present over https (PEM files; wrk has no option for one) */
  clientCert?: { cert: string; key: string };
}

export interface LoadResult {
  rps: number;
  p50: number; // ms
  p99: number; // ms
  requests: number;
  /** socket errors and timeouts */
  errors: number;
  non2xx: number;
  /** the generator's own CPU per request, µs (autocannon: during the run only; wrk: its whole process); null when unknown */
  generatorCpuUsPerReq: number | null;
}

/**
 * The generator `name` for `connections` on `loadCpuCount` CPUs; wrk is found or installed
 * (apt-get, as root) here, and `{ reason }` says why it cannot run.
 * @example
 * const g = resolveGenerator('wrk', 32, plan.loadCpuCount, log);
 * if ('reason' in g) … // every scenario skipped with g.reason
 */
export function resolveGenerator(name: GeneratorName, connections: number, loadCpuCount: number, log: (line: string) => void): Generator | { reason: string } {
  if (name === 'autocannon') return { name, version: autocannonVersion(), threads: 1 };
  const found = findOrInstallTool(WRK, log);
  if ('reason' in found) return { reason: `--generator wrk: ${found.reason}` };
  return { name, version: found.version, bin: found.bin, threads: wrkThreads(connections, loadCpuCount) };
}

/**
 * One run of the generator against `url`.
 * @example
 * const r = await runLoad(url, { generator, connections: 32, duration: 6, amount: null, headers: {}, cpus: '0' });
 */
export function runLoad(url: string, o: LoadOptions): Promise<LoadResult> {
  return o.generator.name === 'wrk' ? runWrk(o.generator.bin, url, { ...o, threads: o.generator.threads }) : runAutocannon(url, o);
}

/**
 * A warm-up run of `warmup` seconds (JIT, pools, token caches; skipped when 0), then the measured
 * run, with `proc`'s process-tree CPU time (from /proc, so load from other processes on the
 * machine does not inflate it the way it inflates latency) spread over the measured requests.
 * `groups` (the upstream, Redis, …) are measured the same way, each into `groupCpuUsPerReq`
 * under its name; without `groups` the result has no such field.
 * @example
 * const row = await measureLoad(url, { …load, warmup: 1, proc: gw.proc });
 * row.cpuUsPerReq; // the proxy's CPU µs per request
 * const s = await measureLoad(url, { …load, warmup: 1, proc: gw.proc, groups: { upstream: up.proc } });
 * s.groupCpuUsPerReq?.upstream; // the upstream's CPU µs per request
 */
export async function measureLoad(
  url: string,
  o: LoadOptions & { warmup: number; proc: Proc | null; groups?: Record<string, Proc> },
): Promise<LoadResult & { cpuUsPerReq: number | null; groupCpuUsPerReq?: Record<string, number | null> }> {
  if (o.warmup > 0) await runLoad(url, { ...o, duration: o.warmup, amount: null });
  const pid = o.proc?.child.pid;
  const groups = Object.entries(o.groups ?? {});
  const read = () => groups.map(([, p]) => (p.child.pid ? cpuSeconds(p.child.pid) : NaN));
  const g0 = read();
  const cpu0 = pid ? cpuSeconds(pid) : NaN;
  const r = await runLoad(url, o);
  const cpu1 = pid ? cpuSeconds(pid) : NaN;
  const g1 = read();
  const out = { ...r, cpuUsPerReq: perRequestUs(cpu1 - cpu0, r.requests) };
  if (!o.groups) return out;
  return { ...out, groupCpuUsPerReq: Object.fromEntries(groups.map(([name], i) => [name, perRequestUs(g1[i]! - g0[i]!, r.requests)])) };
}
