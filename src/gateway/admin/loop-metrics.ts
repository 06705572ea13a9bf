/**
 * Event-loop delay of one gateway worker thread. prom-client's default metrics (run.ts) measure
 * the main thread's loop; with `listen.workers` > 1 the requests run on the workers' loops, so
 * each worker reports its own, labelled by worker index (the admin listener keeps the labels
 * apart when it merges the workers' registries).
 *
 * Example:
 * ```ts
 * const stop = createLoopMetrics(registry, 2); // in worker 2
 * stop();                                      // on close
 * ```
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Gauge, type Registry } from 'prom-client';

/** Registers `regate_worker_eventloop_delay_seconds{worker,quantile}`; returns what stops the sampler. */
export function createLoopMetrics(registry: Registry, worker: number): () => void {
  // 10 ms resolution, as prom-client's own event-loop lag metrics sample
  const h = monitorEventLoopDelay({ resolution: 10 });
  h.enable();
  const w = String(worker);
  new Gauge({
    name: 'regate_worker_eventloop_delay_seconds',
    help: 'Event-loop delay of a gateway worker thread since the last scrape (quantile 0.5, 0.99, 1 = max)',
    labelNames: ['worker', 'quantile'] as const,
    registers: [registry],
    collect() {
      this.set({ worker: w, quantile: '0.5' }, h.percentile(50) / 1e9);
      this.set({ worker: w, quantile: '0.99' }, h.percentile(99) / 1e9);
      this.set({ worker: w, quantile: '1' }, h.max / 1e9);
      h.reset(); // per scrape interval, so a stall shows once and then ages out
    },
  });
  return () => h.disable();
}
