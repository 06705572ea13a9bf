/**
 * Per-request metrics whose hot-path update is a plain number write, published at scrape time.
 *
 * A labelled prom-client child still validates and hashes its label set on every `inc` and
 * `observe` (prom-client 15: `labels()` only pre-binds the object), and a histogram looks its
 * bucket up by a float-keyed property. On the request path that was ~2–3 µs per request for the
 * request counter and duration histogram. Here a series is a cell the caller holds on to:
 *
 * - counters: `cell.n++`; the prom-client Counter's `collect` hook (run before every scrape,
 *   text or JSON) adds the increments since the last scrape with the public `inc(labels, d)`, so
 *   names, help, labels, series order (first increment) and worker aggregation are prom-client's
 *   (after a `registry.resetMetrics()` series keep their first-ever order; the gateway never resets);
 * - histograms: a Registry metric of its own that keeps bucket counts, sum and count per series
 *   and renders exactly what prom-client's Histogram renders for the same observations (text
 *   and `getMetricsAsJSON`, checked against prom-client in test/gateway/shared/deferred-metrics.test.ts).
 *
 * @example
 * const requests = createDeferredCounter({ name: 'x_total', help: 'x', labelNames: ['route'], registers: [registry] });
 * const cell = requests.cell({ route: 'api' });
 * cell.n++;
 * const duration = createDeferredHistogram({ name: 'x_seconds', help: 'x', labelName: 'route', buckets: [0.001, 0.01], registry });
 * duration.series('api').observe(0.0042);
 */
import { Counter, type CounterConfiguration, type LabelValues, type Registry } from 'prom-client';

export interface CounterCell {
  /** the series' total so far; add to it (never subtract) */
  n: number;
}

export interface DeferredCounter<T extends string> {
  readonly counter: Counter<T>;
  /** the cell of one label set; the same labels give the same cell */
  cell(labels: LabelValues<T>): CounterCell;
}

interface CounterSeries extends CounterCell {
  labels: LabelValues<string>;
  flushed: number;
}

export function createDeferredCounter<T extends string>(cfg: Omit<CounterConfiguration<T>, 'collect'>): DeferredCounter<T> {
  const series: CounterSeries[] = [];
  const byKey = new Map<string, CounterSeries>();
  const counter: Counter<T> = new Counter<T>({
    ...cfg,
    collect() {
      for (const s of series) {
        const d = s.n - s.flushed;
        if (d > 0) {
          counter.inc(s.labels as LabelValues<T>, d);
          s.flushed = s.n;
        }
      }
    },
  });
  const names = [...(cfg.labelNames ?? [])];
  return {
    counter,
    cell(labels) {
      const key = names.map((n) => String((labels as Record<string, unknown>)[n])).join('\u0000');
      let s = byKey.get(key);
      if (!s) {
        s = { labels: { ...labels }, n: 0, flushed: 0 };
        byKey.set(key, s);
        series.push(s);
      }
      return s;
    },
  };
}

export interface HistogramSeries {
  observe(value: number): void;
}

export interface DeferredHistogram {
  readonly name: string;
  /** the series of one value of the histogram's single label */
  series(labelValue: string): HistogramSeries;
}

export interface DeferredHistogramConfig {
  name: string;
  help: string;
  /** one label (the gateway's durations are per route) */
  labelName: string;
  /** upper bounds, ascending */
  buckets: readonly number[];
  registry: Registry;
}

/** What prom-client's registry reads of a metric (the shape Histogram#get/getForPromString return). */
interface ExportedValue {
  labels: Record<string, string | number>;
  sharedLabels?: Record<string, string>;
  value: number;
  metricName: string;
  exemplar?: null;
}

class Series implements HistogramSeries {
  /** per-bucket counts, not cumulative; index = first bound the value fits under */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;
  active = false;

  constructor(
    readonly owner: Histogram,
    /** `{ [labelName]: value }`, one object per series (prom-client caches its text by identity) */
    readonly labels: Record<string, string>,
  ) {
    this.counts = new Float64Array(owner.bounds.length);
  }

  observe(value: number): void {
    const bounds = this.owner.bounds;
    let i = 0;
    while (i < bounds.length && !(value <= (bounds[i] as number))) i++;
    if (i < bounds.length) (this.counts[i] as number)++;
    this.sum += value;
    this.count++;
    if (!this.active) {
      // prom-client lists a series from its first observation on
      this.active = true;
      this.owner.active.push(this);
    }
  }
}

class Histogram implements DeferredHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  readonly bounds: Float64Array;
  readonly active: Series[] = [];
  private readonly byValue = new Map<string, Series>();

  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelName: string,
    buckets: readonly number[],
  ) {
    for (let i = 1; i < buckets.length; i++) if (!((buckets[i] as number) > (buckets[i - 1] as number))) throw new TypeError('buckets must be ascending');
    this.bounds = Float64Array.from(buckets);
  }

  series(labelValue: string): HistogramSeries {
    let s = this.byValue.get(labelValue);
    if (!s) this.byValue.set(labelValue, (s = new Series(this, { [this.labelName]: labelValue })));
    return s;
  }

  /** Registry#metrics (text): label `le` in `labels`, the series' label in `sharedLabels`. */
  async getForPromString(): Promise<{ name: string; help: string; type: string; values: ExportedValue[]; aggregator: string }> {
    const values: ExportedValue[] = [];
    const bucketName = `${this.name}_bucket`;
    for (const s of this.active) {
      let acc = 0;
      for (let i = 0; i < this.bounds.length; i++) {
        acc += s.counts[i] as number;
        values.push({ labels: { le: this.bounds[i] as number }, sharedLabels: s.labels, value: acc, metricName: bucketName, exemplar: null });
      }
      values.push({ labels: { le: '+Inf' }, sharedLabels: s.labels, value: s.count, metricName: bucketName, exemplar: null });
      values.push({ labels: {}, sharedLabels: s.labels, value: s.sum, metricName: `${this.name}_sum`, exemplar: undefined as unknown as null });
      values.push({ labels: {}, sharedLabels: s.labels, value: s.count, metricName: `${this.name}_count`, exemplar: undefined as unknown as null });
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }

  /** Registry#getMetricsAsJSON (and so worker aggregation): labels merged, as prom-client's `get`. */
  async get(): Promise<{ name: string; help: string; type: string; values: ExportedValue[]; aggregator: string }> {
    const data = await this.getForPromString();
    data.values = data.values.map(({ sharedLabels, labels, ...rest }) => ({ ...rest, labels: { ...labels, ...sharedLabels } }));
    return data;
  }

  reset(): void {
    for (const s of this.active) {
      s.counts.fill(0);
      s.sum = 0;
      s.count = 0;
      s.active = false;
    }
    this.active.length = 0;
  }
}

export function createDeferredHistogram(cfg: DeferredHistogramConfig): DeferredHistogram {
  const h = new Histogram(cfg.name, cfg.help, cfg.labelName, cfg.buckets);
  // A Registry takes any object with name/get/reset (prom-client's own metrics register this way).
  (cfg.registry as unknown as { registerMetric(m: unknown): void }).registerMetric(h);
  return h;
}
