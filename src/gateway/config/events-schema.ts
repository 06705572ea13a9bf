/**
 * JSON schema fragments for the `redis` and `events` sections of regate.yaml (used by events/ and
 * ratelimit/). schema.ts composes the fragments; the loader applies them once and the stages
 * receive `RedisConfig` / `EventsConfig` (types.ts): defaults live here and nowhere else.
 *
 * Example:
 * ```yaml
 * redis:  { url: "redis://127.0.0.1:6379", prefix: regate }
 * events: { spool_dir: ./var/spool, batch_size: 500, flush_ms: 20,
 *           mask: ["/input/token/claims/email", { path: "/input/request/headers/x-user", value: "***" }] }
 * ```
 */
import { section } from './schema-section.js';

/**
 * `redis.url` accepts `redis://`, `rediss://`, `redis+cluster://h1:p1,h2:p2` (Redis Cluster) and
 * `redis+sentinel://[:pass@]h1:p1,h2:p2/<master-name>[/db]` (Sentinel); see shared/redis-connection.ts.
 */
export const redisSchema = section({
  url: { type: 'string', minLength: 1, default: 'redis://127.0.0.1:6379' },
  /** BullMQ key prefix. On Cluster an un-tagged prefix is wrapped in `{}` so a queue's keys share a slot. */
  prefix: { type: 'string', minLength: 1, pattern: '^[^:\\s]+$', default: 'regate' },
  connect_timeout_ms: { type: 'integer', minimum: 10, maximum: 60000, default: 2000 },
  /** Producer commands fail after this long (a paused or stuck Redis must not hold batches). */
  command_timeout_ms: { type: 'integer', minimum: 10, maximum: 60000, default: 1000 },
});

const maskRule = {
  oneOf: [
    { type: 'string', pattern: '^/input(/|$)' },
    {
      type: 'object',
      additionalProperties: false,
      required: ['path'],
      properties: { path: { type: 'string', pattern: '^/input(/|$)' }, value: {} },
    },
  ],
} as const;

export const eventsSchema = section({
  enabled: { type: 'boolean', default: true },
  spool_dir: { type: 'string', minLength: 1, default: './var/spool' },
  /** Disk spool size cap across all spool files of this directory; beyond it events are dropped. */
  spool_max_bytes: { type: 'integer', minimum: 1024, default: 1073741824 },
  spool_fsync_ms: { type: 'integer', minimum: 1, maximum: 60000, default: 200 },
  queues: section({
    audit: { type: 'string', minLength: 1, pattern: '^[^:\\s]+$', default: 'audit' },
    ratelimit: { type: 'string', minLength: 1, pattern: '^[^:\\s]+$', default: 'ratelimit' },
  }),
  batch_size: { type: 'integer', minimum: 1, maximum: 10000, default: 500 },
  flush_ms: { type: 'integer', minimum: 1, maximum: 10000, default: 20 },
  /** Events held in memory (sealed batches awaiting Redis included) before overflow goes to the spool. */
  max_buffered: { type: 'integer', minimum: 1, default: 20000 },
  /** Batches sent concurrently; more go to the spool rather than piling up on a slow Redis. */
  max_inflight: { type: 'integer', minimum: 1, maximum: 1024, default: 32 },
  /** How often a non-empty spool is retried while Redis is away. */
  replay_interval_ms: { type: 'integer', minimum: 10, maximum: 600000, default: 1000 },
  job_attempts: { type: 'integer', minimum: 1, maximum: 100, default: 5 },
  job_backoff_ms: { type: 'integer', minimum: 1, default: 1000 },
  /**
   * Completed jobs kept this long (0 = removed at once). While kept, a batch re-sent after an
   * ambiguous timeout (Redis paused, executed late) has the same job id and is not added twice,
   * so fewer duplicates reach consumers — at the cost of Redis memory for the window.
   */
  keep_completed_s: { type: 'integer', minimum: 0, default: 0 },
  /** Failed jobs kept for inspection (bounded so a broken consumer cannot fill Redis). */
  keep_failed: { type: 'integer', minimum: 0, default: 1000 },
  /** Extra masking on top of the built-in header erasure: a JSON pointer erases, {path, value} upserts (OPA semantics). */
  mask: { type: 'array', items: maskRule, default: [] },
  /** Request headers erased from `input.request.headers`, and query parameters from `input.request.query` (substring match on the name, lower-cased, `_` read as `-`). */
  mask_headers: {
    type: 'array',
    items: { type: 'string', minLength: 1 },
    default: ['authorization', 'cookie', 'api-key', 'apikey', 'token', 'secret', 'password', 'credential', 'session'],
  },
  labels: { type: 'object', additionalProperties: { type: 'string' }, default: {} },
});
