/**
 * The OpenTelemetry tracer behind `telemetry:` (DESIGN.md): a tracer provider of its own (never
 * the global one, so an embedding application's OpenTelemetry setup is left alone), a
 * parent-based ratio sampler, and a batching OTLP/HTTP exporter (JSON over HTTP, which every
 * collector accepts on :4318).
 *
 * Example:
 * ```ts
 * const tracing = createTracing({ otlp_endpoint: 'http://127.0.0.1:4318', sample_ratio: 0.01, service_name: 'regate', export_timeout_ms: 5000 });
 * const span = tracing.tracer.startSpan('GET');
 * span.end();
 * await tracing.shutdown(); // exports what is buffered, within export_timeout_ms
 * ```
 */
import type { Tracer } from '@opentelemetry/api';
import { AlwaysOnSampler, BasicTracerProvider, BatchSpanProcessor, ParentBasedSampler, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import type { TelemetryConfig } from '../config/types.js';
import { REGATE_VERSION } from '../server/version.js';

export interface Tracing {
  readonly tracer: Tracer;
  /** the URL spans are posted to */
  readonly tracesUrl: string;
  /** exports what is buffered now (tests; `shutdown` does it when the gateway closes) */
  flush(): Promise<void>;
  /** flushes and stops; never waits longer than `export_timeout_ms` */
  shutdown(): Promise<void>;
}

/** `<base>/v1/traces`, as OTEL_EXPORTER_OTLP_ENDPOINT is read; a URL that names the path already is kept. */
export function tracesUrlOf(endpoint: string): string {
  return /\/v1\/traces\/?$/.test(endpoint) ? endpoint : `${endpoint.replace(/\/+$/, '')}/v1/traces`;
}

/** Told the outcome of each export batch (after the exporter's own retries), for metrics and logs. */
export type ExportListener = (ok: boolean, spans: number, error: Error | undefined) => void;

/** The exporter, reporting each batch's outcome: a collector that is away must show on /metrics. */
function reporting(inner: SpanExporter, listener: ExportListener): SpanExporter {
  return {
    export(spans: ReadableSpan[], done: (r: ExportResult) => void) {
      inner.export(spans, (r) => {
        listener(r.code === ExportResultCode.SUCCESS, spans.length, r.error);
        done(r);
      });
    },
    shutdown: () => inner.shutdown(),
    forceFlush: () => inner.forceFlush?.() ?? Promise.resolve(),
  };
}

export function createTracing(cfg: TelemetryConfig & { readonly otlp_endpoint: string }, onExport: ExportListener = () => undefined): Tracing {
  const tracesUrl = tracesUrlOf(cfg.otlp_endpoint);
  const timeout = cfg.export_timeout_ms;
  const exporter = reporting(new OTLPTraceExporter({ url: tracesUrl, timeoutMillis: timeout }), onExport);
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: cfg.service_name, [ATTR_SERVICE_VERSION]: REGATE_VERSION }),
    // Parent-based: a client that sampled its trace gets the gateway's spans in it whatever the
    // ratio (and one that did not, none); the ratio decides only for traces the gateway starts —
    // at the edge, before a span is started (request-spans.ts), so the root sampler here records
    // every root it is asked for.
    sampler: new ParentBasedSampler({ root: new AlwaysOnSampler() }),
    // The batch processor exports off the request path; at its queue bound (2048 spans) it
    // drops spans rather than holding memory while a collector is away.
    spanProcessors: [new BatchSpanProcessor(exporter, { exportTimeoutMillis: timeout, scheduledDelayMillis: 1000 })],
  });
  const tracer = provider.getTracer('regate', REGATE_VERSION);
  const bounded = (p: Promise<void>) =>
    Promise.race([p.catch(() => undefined), new Promise<void>((r) => setTimeout(r, timeout).unref())]);
  return {
    tracer,
    tracesUrl,
    flush: () => bounded(provider.forceFlush()),
    shutdown: () => bounded(provider.shutdown()),
  };
}
