// The deferred counter and histogram must publish exactly what prom-client's own Counter and
// Histogram publish for the same updates: text, JSON and the multi-worker aggregation.
import t from 'tap';
import { AggregatorRegistry, Counter, Histogram, Registry } from 'prom-client';
import { createDeferredCounter, createDeferredHistogram } from '../../../src/gateway/shared/deferred-metrics.js';

const BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10];
// durations below, between and above the bounds, and on a bound
const VALUES = [0.0001, 0.0005, 0.0007, 0.003, 0.004, 0.02, 0.3, 0.3, 2, 11, 42, 0.000123456789];

function pair() {
  const ref = new Registry();
  const ours = new Registry();
  const refCounter = new Counter({ name: 'x_requests_total', help: 'requests', labelNames: ['route', 'method', 'status'], registers: [ref] });
  const refHist = new Histogram({ name: 'x_duration_seconds', help: 'duration "quoted" \\ help', labelNames: ['route'], buckets: BUCKETS, registers: [ref] });
  const counter = createDeferredCounter({ name: 'x_requests_total', help: 'requests', labelNames: ['route', 'method', 'status'] as const, registers: [ours] });
  const hist = createDeferredHistogram({ name: 'x_duration_seconds', help: 'duration "quoted" \\ help', labelName: 'route', buckets: BUCKETS, registry: ours });
  const record = (route: string, method: string, status: number, seconds: number) => {
    refCounter.labels(route, method, String(status)).inc();
    refHist.labels(route).observe(seconds);
    counter.cell({ route, method, status: String(status) }).n++;
    hist.series(route).observe(seconds);
  };
  return { ref, ours, record };
}

function drive(record: (route: string, method: string, status: number, seconds: number) => void, salt: number): void {
  VALUES.forEach((v, i) => {
    record(i % 3 === 0 ? 'api' : 'we"ird\\route\n', i % 2 ? 'GET' : 'POST', i % 4 === 0 ? 404 : 200, v * salt);
  });
}

t.test('text and JSON match prom-client', async (t) => {
  const { ref, ours, record } = pair();
  t.equal(await ours.metrics(), await ref.metrics(), 'nothing recorded yet');
  drive(record, 1);
  t.equal(await ours.metrics(), await ref.metrics());
  t.same(await ours.getMetricsAsJSON(), await ref.getMetricsAsJSON());
  // scrapes in between do not double-count
  drive(record, 3);
  t.equal(await ours.metrics(), await ref.metrics());
  t.equal(await ours.metrics(), await ref.metrics(), 'a second scrape changes nothing');
  t.same(await ours.getMetricsAsJSON(), await ref.getMetricsAsJSON());
});

t.test('reset, then new observations, as prom-client', async (t) => {
  const { ref, ours, record } = pair();
  drive(record, 1);
  await ours.metrics();
  ref.resetMetrics();
  ours.resetMetrics();
  t.equal(await ours.metrics(), await ref.metrics(), 'empty after reset');
  record('late', 'DELETE', 204, 0.002);
  drive(record, 2);
  // Same series and values; after a reset the counter lists its series in first-use order
  // rather than first-use-since-reset order (the gateway never resets its registry).
  const lines = (text: string) => text.split('\n').sort();
  t.same(lines(await ours.metrics()), lines(await ref.metrics()));
});

t.test('worker aggregation (AggregatorRegistry) matches', async (t) => {
  const a = pair();
  const b = pair();
  drive(a.record, 1);
  drive(b.record, 5);
  const aggregate = AggregatorRegistry as unknown as { aggregate(list: unknown[][]): Registry };
  const refAgg = aggregate.aggregate([await a.ref.getMetricsAsJSON(), await b.ref.getMetricsAsJSON()]);
  const ourAgg = aggregate.aggregate([await a.ours.getMetricsAsJSON(), await b.ours.getMetricsAsJSON()]);
  t.equal(await ourAgg.metrics(), await refAgg.metrics());
});

t.test('misuse', async (t) => {
  t.throws(() => createDeferredHistogram({ name: 'y', help: 'y', labelName: 'r', buckets: [1, 0.5], registry: new Registry() }), TypeError);
  const reg = new Registry();
  const c = createDeferredCounter({ name: 'z_total', help: 'z', labelNames: ['a'] as const, registers: [reg] });
  t.equal(c.cell({ a: 'x' }), c.cell({ a: 'x' }), 'same labels, same cell');
});
