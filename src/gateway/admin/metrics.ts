/**
 * The gateway's Prometheus metrics (prom-client), registered on the registry the caller owns.
 *
 * With `listen.workers` > 1 every worker thread has its own registry; the admin listener in the
 * main thread asks each worker for `getMetricsAsJSON()` and merges them with prom-client's
 * AggregatorRegistry (counters and histograms summed; gauges summed too, except the breaker
 * and build gauges, which are per-worker facts and therefore carry a `worker` label).
 *
 * The two per-request series (request count, duration) are deferred (shared/deferred-metrics.ts): the
 * request path adds to plain numbers held per route, published at scrape time.
 */
import { Gauge, type Registry } from 'prom-client';
import type { UwsBuild } from '../server/uws-loader.js';
import type { BreakerState } from '../proxy/upstream.js';
import { createDeferredCounter, createDeferredHistogram, type CounterCell, type HistogramSeries } from '../shared/deferred-metrics.js';

/** The request metrics of one route, looked up once per route and kept by the caller. */
export interface RouteStats {
  /** counts one answered request (`regate_requests_total`) */
  count(method: string, status: number): void;
  /** `regate_request_duration_seconds` of this route */
  readonly duration: HistogramSeries;
}

export interface GatewayMetrics {
  /** the stats of a route id ("-" when no route matched); the same id gives the same object */
  route(id: string): RouteStats;
  inflight: Gauge;
  breaker: Gauge<'upstream' | 'state' | 'worker'>;
  setBreaker(upstream: string, state: BreakerState): void;
}

const BREAKER_STATES: BreakerState[] = ['closed', 'open', 'half_open', 'disabled'];
// Methods are client-chosen tokens: unknown ones share one label so series stay bounded.
const KNOWN_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'TRACE', 'CONNECT'];
const METHOD_INDEX = new Map(KNOWN_METHODS.map((m, i) => [m, i]));
const OTHER = KNOWN_METHODS.length;

/**
 * @example const metrics = createGatewayMetrics(new Registry(), build, 0);
 */
export function createGatewayMetrics(registry: Registry, build: UwsBuild, worker: number, version: string): GatewayMetrics {
  const requests = createDeferredCounter({
    name: 'regate_requests_total',
    help: 'Requests answered, by route id ("-" when no route matched), method and status',
    labelNames: ['route', 'method', 'status'] as const,
    registers: [registry],
  });
  const duration = createDeferredHistogram({
    name: 'regate_request_duration_seconds',
    help: 'Time from request head to the end of the response',
    labelName: 'route',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
    registry,
  });
  const routes = new Map<string, RouteStats>();
  const routeStats = (route: string): RouteStats => {
    // status × 16 + method index: one number key per series, no string built per request
    const cells = new Map<number, CounterCell>();
    return {
      duration: duration.series(route),
      count(method, status) {
        const m = METHOD_INDEX.get(method) ?? OTHER;
        const key = status * 16 + m;
        let c = cells.get(key);
        if (!c) cells.set(key, (c = requests.cell({ route, method: KNOWN_METHODS[m] ?? 'OTHER', status: String(status) })));
        c.n++;
      },
    };
  };
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
    route(id) {
      let r = routes.get(id);
      if (!r) routes.set(id, (r = routeStats(id)));
      return r;
    },
    inflight,
    breaker,
    setBreaker(upstream, state) {
      for (const s of BREAKER_STATES) breaker.set({ upstream, state: s, worker: w }, s === state ? 1 : 0);
    },
  };
}
