/**
 * Which CPUs each bench process runs on: the proxy under test alone on the last CPU, everything
 * else (upstream, load generator, Redis, token server) on the others, so that the proxy competes
 * only with itself and the split is the same from run to run. Without taskset or with one CPU
 * nothing is pinned.
 */
import { availableParallelism } from 'node:os';
import { hasCommand } from './system-tool.js';

export interface CpuPlan {
  pinned: boolean;
  /** taskset list for the proxy under test, e.g. "1"; null when not pinned */
  proxyCpu: string | null;
  /** taskset list for the upstream and the load generator, e.g. "0"; null when not pinned */
  loadCpus: string | null;
  /** how many CPUs the load side may use (all of them when not pinned, less the proxy's one) */
  loadCpuCount: number;
  ncpu: number;
}

/**
 * @example
 * const plan = planCpus();
 * await spawnPinned(plan.proxyCpu, nginxBin, args, null);
 */
export function planCpus(): CpuPlan {
  const ncpu = availableParallelism();
  const pinned = ncpu > 1 && hasCommand('taskset', ['-V']);
  return {
    pinned,
    proxyCpu: pinned ? String(ncpu - 1) : null,
    loadCpus: pinned ? Array.from({ length: ncpu - 1 }, (_, i) => i).join(',') : null,
    loadCpuCount: Math.max(1, ncpu - 1),
    ncpu,
  };
}
