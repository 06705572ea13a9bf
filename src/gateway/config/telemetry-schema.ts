/**
 * JSON schema fragment for the `telemetry` section of regate.yaml (DESIGN.md "Policy bundles and
 * telemetry"): OpenTelemetry traces exported over OTLP/HTTP. Off unless `otlp_endpoint` is set;
 * when off the telemetry module is never loaded (pipeline/stages.ts) and a request costs one
 * null check (server/gateway.ts).
 *
 * Example:
 * ```yaml
 * telemetry: { otlp_endpoint: "http://otel-collector:4318", sample_ratio: 0.01, service_name: regate }
 * ```
 */
import { section } from './schema-section.js';

export const telemetrySchema = section({
  /**
   * The collector's OTLP/HTTP base URL; spans go to `<base>/v1/traces` (as
   * OTEL_EXPORTER_OTLP_ENDPOINT), or to the URL as given when it already ends in `/v1/traces`.
   */
  otlp_endpoint: { type: 'string', pattern: '^https?://[^/?#]+(/[^?#]*)?$' },
  /**
   * Share of traces the gateway starts that it records (decided once per request, before any span
   * is built: telemetry/request-spans.ts); a request
   * whose `traceparent` carries a decision follows it (parent-based), so a sampled client
   * trace stays whole.
   */
  sample_ratio: { type: 'number', minimum: 0, maximum: 1, default: 1 },
  /** `service.name` of the resource */
  service_name: { type: 'string', minLength: 1, default: 'regate' },
  /** longest wait for the exporter on shutdown, so a dead collector cannot hold a drain */
  export_timeout_ms: { type: 'integer', minimum: 1, maximum: 60000, default: 5000 },
});
