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
import type { GatewayConfig } from '../config/types.js';
import { createRequestSpans, type RequestSpans } from './request-spans.js';
import { createTracing } from './tracer.js';

export { tracesUrlOf } from './tracer.js';

export interface Telemetry extends RequestSpans {
  readonly tracesUrl: string;
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

export function createTelemetry(config: Pick<GatewayConfig, 'telemetry' | 'upstreams'>): Telemetry | null {
  const t = config.telemetry;
  if (t.otlp_endpoint === undefined) return null;
  const tracing = createTracing({ ...t, otlp_endpoint: t.otlp_endpoint });
  const spans = createRequestSpans(tracing.tracer, config.upstreams);
  return { ...spans, tracesUrl: tracing.tracesUrl, flush: tracing.flush, shutdown: tracing.shutdown };
}
