/**
 * Which CPUs each bench process runs on: the proxy under test alone on the last CPU(s),
 * everything else (upstream, load generator, Redis, token server) on the others, so that the
 * proxy competes only with itself and the split is the same from run to run. Without taskset or
 * with one CPU nothing is pinned.
 *
 * A proxy with several workers (bench/scaling.ts) gets as many CPUs of its own as there are
 * CPUs left after one for the load. When the machine has fewer than workers + 1 CPUs (2 workers
 * on 2 CPUs) the proxy and the load cannot be kept apart: the proxy then gets every CPU and the
 * load keeps the first one, so the load side has the same CPU as in the one-worker plan and the
 * extra workers take what the load leaves of it (`shared` says so).
 */
import { availableParallelism } from 'node:os';
import { hasCommand } from './system-tool.js';

export interface CpuPlan {
  pinned: boolean;
  /** taskset list for the proxy under test, e.g. "1" or "0,1"; null when not pinned */
  proxyCpu: string | null;
  /** taskset list for the upstream and the load generator, e.g. "0"; null when not pinned */
  loadCpus: string | null;
  /** how many CPUs the load side may use (all of them when not pinned, less the proxy's when pinned) */
  loadCpuCount: number;
  /** true when the proxy's CPUs include load CPUs (more workers than CPUs left for them) */
  shared: boolean;
  ncpu: number;
}

/** What the plan depends on: the CPU count and whether taskset runs. */
export interface CpuHost {
  ncpu: number;
  taskset: boolean;
}

/** This machine: its CPUs and taskset. */
export function detectCpuHost(): CpuHost {
  return { ncpu: availableParallelism(), taskset: hasCommand('taskset', ['-V']) };
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i).join(',');

/**
 * The plan for a proxy of `proxyWorkers` workers (default 1, the suite's).
 * @example
 * const plan = planCpus();
 * await spawnPinned(plan.proxyCpu, nginxBin, args, null);
 * planCpus(2, { ncpu: 2, taskset: true }); // { proxyCpu: '0,1', loadCpus: '0', shared: true, … }
 * planCpus(2, { ncpu: 4, taskset: true }); // { proxyCpu: '2,3', loadCpus: '0,1', shared: false, … }
 */
export function planCpus(proxyWorkers = 1, host: CpuHost = detectCpuHost()): CpuPlan {
  if (!Number.isInteger(proxyWorkers) || proxyWorkers < 1) throw new TypeError(`planCpus: proxyWorkers ${proxyWorkers} is not a positive integer`);
  const { ncpu } = host;
  const pinned = ncpu > 1 && host.taskset;
  // the load keeps at least one CPU; the proxy takes the rest, up to one per worker
  const loadCount = Math.max(1, ncpu - proxyWorkers);
  const proxyFrom = ncpu - Math.min(proxyWorkers, ncpu);
  return {
    pinned,
    proxyCpu: pinned ? range(proxyFrom, ncpu) : null,
    loadCpus: pinned ? range(0, loadCount) : null,
    loadCpuCount: Math.max(1, ncpu - proxyWorkers),
    shared: pinned && proxyFrom < loadCount,
    ncpu,
  };
}
