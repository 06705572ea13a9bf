/**
 * OpenTelemetry for the gateway (README "Telemetry"): built from the `telemetry` section when it
 * names an `otlp_endpoint`, else not at all — pipeline/stages.ts imports this folder only then,
 * so a gateway without telemetry loads none of the OpenTelemetry packages and a request pays one
 * null check (server/gateway.ts) and one in the proxy (forward.ts).
 *
 * Example:
 * ```ts
 * const telemetry = createTelemetry(config);       // null when telemetry is off
 * const gw = createGateway({ config, logger, registry, stages, ...(telemetry ? { telemetry } : {}) });
 * ```
 */
import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import type { GatewayConfig } from '../config/types.js';
import { createRequestSpans, type RequestSpans } from './request-spans.js';
import { createTracing } from './tracer.js';

export { tracesUrlOf } from './tracer.js';

export interface Telemetry extends RequestSpans {
  readonly tracesUrl: string;
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

/**
 * `deps` (optional): where export outcomes go — `regate_telemetry_spans_exported_total{result}`
 * and a warning at most once a minute while exports fail (a collector that is away loses spans,
 * never requests).
 */
export function createTelemetry(config: Pick<GatewayConfig, 'telemetry' | 'upstreams'>, deps?: { logger: Logger; registry: Registry }): Telemetry | null {
  const t = config.telemetry;
  if (t.otlp_endpoint === undefined) return null;
  let onExport: ((ok: boolean, n: number, err: Error | undefined) => void) | undefined;
  if (deps !== undefined) {
    const exported = new Counter({
      name: 'regate_telemetry_spans_exported_total',
      help: 'Spans sent to the OTLP collector, by result (failure: lost after the exporter gave up)',
      labelNames: ['result'] as const,
      registers: [deps.registry],
    });
    exported.inc({ result: 'success' }, 0);
    exported.inc({ result: 'failure' }, 0);
    let lastWarn = 0;
    onExport = (ok, n, err) => {
      exported.inc({ result: ok ? 'success' : 'failure' }, n);
      if (!ok && Date.now() - lastWarn > 60_000) {
        lastWarn = Date.now();
        deps.logger.warn({ otlp_endpoint: t.otlp_endpoint, spans: n, error: err?.message }, 'telemetry: span export failed; spans are dropped until the collector answers');
      }
    };
  }
  const tracing = createTracing({ ...t, otlp_endpoint: t.otlp_endpoint }, onExport);
  const spans = createRequestSpans(tracing.tracer, config.upstreams, t.sample_ratio);
  return { ...spans, tracesUrl: tracing.tracesUrl, flush: tracing.flush, shutdown: tracing.shutdown };
}
