/**
 * What the pipeline knows of a request's trace (W3C Trace Context), as telemetry/ fills it in.
 *
 * The stages and the proxy see only this: ids for logs and audit events, and the
 * `traceparent`/`tracestate` the upstream gets. The OpenTelemetry objects behind it (spans, the
 * tracer) stay in telemetry/, which is loaded only when `telemetry.otlp_endpoint` is set, so a
 * gateway without telemetry never loads the OpenTelemetry packages.
 */

export interface RequestTrace {
  /** 32 lower-case hex digits; '' when the request is not recorded and the client sent no trace */
  readonly traceId: string;
  /** the gateway's server span (16 hex digits); '' when the request is not recorded */
  readonly spanId: string;
  /**
   * `traceparent` and `tracestate` for the upstream request, flat `[name, value, …]`, naming the
   * gateway's upstream span; they replace the client's fields (never appended: two
   * `traceparent` fields make the upstream drop both, W3C Trace Context §3.2). null = the
   * request is not recorded, and the client's fields travel unchanged.
   */
  upstreamHeaders: readonly string[] | null;
}

/** Is this one of the W3C Trace Context request fields (lower-case name)? */
export function isTraceContextHeader(name: string): boolean {
  return name === 'traceparent' || name === 'tracestate';
}
