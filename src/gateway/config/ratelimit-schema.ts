/**
 * JSON schema fragment for the `ratelimit` section of regate.yaml (the rate-limit stage's, in
 * ratelimit/). schema.ts composes the fragments; the loader applies them once and the stage
 * receives `RateLimitConfig` (types.ts): defaults live here and nowhere else.
 *
 * Example:
 * ```yaml
 * ratelimit:
 *   on_unavailable: local          # local | open | closed
 *   local_share: 0.25              # each instance's share of a limit while Redis is away
 *   routes:
 *     car-insurance: [{ key: "client:{client_id}", limit: 1000, window_s: 60 }]
 *     "*":           [{ key: "ip:{remote_addr}", limit: 100, window_s: 1 }]
 * ```
 * Bucket keys of route defaults may use `{sub}`, `{client_id}`, `{remote_addr}`, `{route}`; a
 * placeholder with no value (no token) yields `-`.
 */
import { section } from './schema-section.js';

const bucket = {
  type: 'object',
  additionalProperties: false,
  required: ['key', 'limit', 'window_s'],
  properties: {
    key: { type: 'string', minLength: 1, maxLength: 512 },
    limit: { type: 'integer', minimum: 1 },
    window_s: { type: 'number', exclusiveMinimum: 0, maximum: 31536000 },
  },
} as const;

export const rateLimitSchema = section({
  enabled: { type: 'boolean', default: true },
  /** Redis key prefix; hash-tagged so that one script call may touch several buckets on Cluster. */
  key_prefix: { type: 'string', minLength: 1, default: '{regate}:rl:' },
  /** A check that takes longer fails over to `on_unavailable` (never a hang). */
  timeout_ms: { type: 'integer', minimum: 1, maximum: 10000, default: 100 },
  on_unavailable: { enum: ['local', 'open', 'closed'], default: 'local' },
  /**
   * After a failed or timed-out check, skip Redis for this long (then one check probes it): a
   * paused Redis would otherwise cost every request `timeout_ms` before its fallback.
   */
  backoff_ms: { type: 'integer', minimum: 0, maximum: 60000, default: 1000 },
  /** Fraction of each limit one instance admits on its own while Redis is away (≈ 1 / instances). */
  local_share: { type: 'number', exclusiveMinimum: 0, maximum: 1, default: 0.5 },
  leases: section({
    enabled: { type: 'boolean', default: true },
    /** Only buckets at least this large are leased (small limits need exact global counting). */
    min_limit: { type: 'integer', minimum: 2, default: 50 },
    /** Tokens asked for per lease, as a fraction of the limit… */
    fraction: { type: 'number', exclusiveMinimum: 0, maximum: 1, default: 0.05 },
    /** …capped at this many. */
    max_tokens: { type: 'integer', minimum: 2, default: 100 },
    /** Unused leased tokens are returned to Redis after this long. */
    ttl_ms: { type: 'integer', minimum: 1, maximum: 60000, default: 250 },
  }),
  /** Keys tracked for per-window summary events; the oldest is summarised early beyond it. */
  max_tracked_keys: { type: 'integer', minimum: 1, default: 10000 },
  summaries: { type: 'boolean', default: true },
  /** Route defaults by route id; `*` applies to every route. Applied before the decision's buckets. */
  routes: { type: 'object', additionalProperties: { type: 'array', items: bucket }, default: {} },
});
