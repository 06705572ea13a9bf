/**
 * The gateway's Prometheus metrics (prom-client), registered on the registry the caller owns.
 *
 * With `listen.workers` > 1 every worker thread has its own registry; the admin listener in the
 * main thread asks each worker for `getMetricsAsJSON()` and merges them with prom-client's
 * AggregatorRegistry (counters and histograms summed; gauges summed too, except the breaker
 * and build gauges, which are per-worker facts and therefore carry a `worker` label).
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { UwsBuild } from '../server/uws-loader.js';
import type { BreakerState } from '../proxy/upstream.js';

export interface GatewayMetrics {
  requests: Counter<'route' | 'method' | 'status'>;
  duration: Histogram<'route'>;
  inflight: Gauge;
  breaker: Gauge<'upstream' | 'state' | 'worker'>;
  setBreaker(upstream: string, state: BreakerState): void;
}

const BREAKER_STATES: BreakerState[] = ['closed', 'open', 'half_open', 'disabled'];

/**
 * @example const metrics = createGatewayMetrics(new Registry(), build, 0);
 */
export function createGatewayMetrics(registry: Registry, build: UwsBuild, worker: number, version: string): GatewayMetrics {
  const requests = new Counter({
    name: 'regate_requests_total',
    help: 'Requests answered, by route id ("-" when no route matched), method and status',
    labelNames: ['route', 'method', 'status'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'regate_request_duration_seconds',
    help: 'Time from request head to the end of the response',
    labelNames: ['route'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
    registers: [registry],
  });
  const inflight = new Gauge({ name: 'regate_requests_in_flight', help: 'Requests being answered now', registers: [registry] });
  const breaker = new Gauge({
    name: 'regate_upstream_breaker_state',
    help: 'Upstream circuit breaker state (1 for the current state)',
    labelNames: ['upstream', 'state', 'worker'] as const,
    registers: [registry],
    aggregator: 'max',
  });
  const buildInfo = new Gauge({
    name: 'regate_build_info',
    help: 'Build of regate and of the uWebSockets.js binary that runs',
    labelNames: ['version', 'node', 'uws_package', 'uws_version', 'uws_binary', 'worker'] as const,
    registers: [registry],
    aggregator: 'max',
  });
  buildInfo.set({ version, node: process.version, uws_package: build.package, uws_version: build.version, uws_binary: build.binary, worker: String(worker) }, 1);
  const w = String(worker);
  return {
    requests,
    duration,
    inflight,
    breaker,
    setBreaker(upstream, state) {
      for (const s of BREAKER_STATES) breaker.set({ upstream, state: s, worker: w }, s === state ? 1 : 0);
    },
  };
}
