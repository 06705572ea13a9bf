/**
 * The event shapes that leave the gateway (DESIGN.md "Audit event" / "Queues"). Consumers import
 * these types from `src/consumer`; keep them stable.
 */

/** OPA decision-log event (docs "Decision Logs") plus the gateway's own `gateway` block. */
export interface AuditEvent {
  decision_id: string;
  /** the request's trace (W3C ids, hex), when telemetry recorded it or the client sent one */
  trace_id?: string;
  /** the gateway's server span of the request, when recorded */
  span_id?: string;
  /**
   * the request id (`x-request-id` or generated; the access log's `req_id`). OPA's is a number
   * counting its own HTTP requests; regate's names the request across gateway, upstream and logs.
   */
  req_id: string;
  /** RFC 3339 with nanoseconds, like OPA */
  timestamp: string;
  /** the entrypoint that decided, slash form (`gateway/decision`), '' when the route has no policy */
  path: string;
  input: unknown;
  result?: unknown;
  /** set when the policy failed (raised, ran out of budget, returned an invalid decision, none loaded) */
  error?: { code: string; message: string };
  requested_by: string;
  labels: Record<string, string>;
  bundles: Record<string, { revision: string }>;
  metrics: Record<string, number>;
  erased?: string[];
  masked?: string[];
  /**
   * with `decision_logs.nd_builtin_cache`: builtin name → (operands as JSON array text → result),
   * OPA's shape. Written by the encoder (audit-encoder.ts), not the object builder.
   */
  nd_builtin_cache?: Record<string, Record<string, unknown>>;
  gateway: {
    route: string;
    upstream: string | null;
    status: number;
    client_id: string | null;
    sub: string | null;
    remote_addr: string;
    latency_ns: number;
    rate_limited: boolean;
    degraded: boolean;
    /** the GatewayError code that ended the request, null on success */
    error: string | null;
    /** present when the body arrived as a JWE (README "Payload encryption"): key id, alg, session, encrypted answer */
    encryption?: { kid: string; alg: string; session: boolean; response: boolean };
  };
}

export type RateLimitEventType = 'limit_exceeded' | 'window_summary';

export interface RateLimitEvent {
  event_id: string;
  type: RateLimitEventType;
  key: string;
  limit: number;
  window_s: number;
  remaining: number;
  route: string | null;
  client_id: string | null;
  sub: string | null;
  /** the audit event of the request that hit the limit; null in summaries */
  decision_id: string | null;
  timestamp: string;
  /** window summaries only: counts seen by this instance in the window */
  allowed?: number;
  denied?: number;
  window_start?: string;
}

/** What a producer hands to `emitRateLimit`: the emitter fills `event_id` and `timestamp` when absent. */
export type RateLimitEventInput = Omit<RateLimitEvent, 'event_id' | 'timestamp'> & { event_id?: string; timestamp?: string };

/** `job.data` of every job on the audit and ratelimit queues: one job carries a batch. */
export interface EventBatch<E> {
  events: E[];
}
