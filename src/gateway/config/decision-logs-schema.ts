/**
 * JSON schema fragment for the `decision_logs` section of regate.yaml: where the audit events
 * (OPA decision-log events plus `gateway`, DESIGN.md "Audit event") go. The names follow OPA's
 * own `decision_logs` configuration (docs "Configuration" → "Decision Logs"), so an operator who
 * ran OPA recognises them: `console`, `resource`, `reporting.*`, `nd_builtin_cache`. OPA names a
 * service from its `services` list; regate has one destination, so `service` holds the service
 * entry itself (url, credentials.bearer, tls).
 *
 * Example:
 * ```yaml
 * decision_logs:
 *   console: true                       # one JSON event per line on stdout
 *   bullmq: false                       # no BullMQ audit queue (rate-limit events keep their own)
 *   service: { url: "https://logs.internal", credentials: { bearer: { token: "${LOG_TOKEN}" } } }
 *   reporting: { min_delay_seconds: 5, max_delay_seconds: 10, upload_size_limit_bytes: 32768 }
 *   nd_builtin_cache: true
 * ```
 */
import { clientTlsSchema } from './tls-schema.js';
import { section } from './schema-section.js';

export const decisionLogsSchema = section({
  /** the BullMQ audit queue (events section); on by default, as before this section existed */
  bullmq: { type: 'boolean', default: true },
  /** OPA's `decision_logs.console`: each event as one JSON line on stdout */
  console: { type: 'boolean', default: false },
  /** OPA's HTTP upload: gzip JSON arrays POSTed to `<service.url><resource>` */
  service: {
    type: 'object',
    additionalProperties: false,
    required: ['url'],
    properties: {
      url: { type: 'string', pattern: '^https?://[^/?#@\\s]+(/[^?#\\s]*)?$' },
      credentials: {
        type: 'object',
        additionalProperties: false,
        properties: {
          bearer: {
            type: 'object',
            additionalProperties: false,
            properties: {
              /** the token itself (use `${ENV}`), or `token_path` (re-read per upload, so a rotated file is picked up) */
              token: { type: 'string', minLength: 1 },
              token_path: { type: 'string', minLength: 1 },
              scheme: { type: 'string', minLength: 1, pattern: '^[A-Za-z0-9!#$%&\'*+.^_`|~-]+$', default: 'Bearer' },
            },
            oneOf: [{ required: ['token'] }, { required: ['token_path'] }],
          },
        },
      },
      tls: clientTlsSchema,
      /** one upload's deadline; past it the upload counts as failed and is retried */
      timeout_ms: { type: 'integer', minimum: 1, maximum: 600000, default: 10000 },
      /** where unacknowledged events wait across restarts (default: `<events.spool_dir>/decision-logs`) */
      spool_dir: { type: 'string', minLength: 1 },
      /** spool cap; beyond it new events are dropped (counted, logged) and the spooled ones kept */
      spool_max_bytes: { type: 'integer', minimum: 1024, default: 1073741824 },
      /** events held in memory between uploads; more go to the spool at once */
      max_buffered: { type: 'integer', minimum: 1, default: 20000 },
    },
  },
  /** OPA's `decision_logs.resource`: the path under the service URL */
  resource: { type: 'string', pattern: '^/', default: '/logs' },
  reporting: section({
    /** gzip-compressed size of one upload (OPA's default 32 KiB); a larger single event is dropped */
    upload_size_limit_bytes: { type: 'integer', minimum: 128, maximum: 4294967296, default: 32768 },
    /** OPA's cadence: the next upload starts a random time in [min, max] after the last (fractions allowed here) */
    min_delay_seconds: { type: 'number', exclusiveMinimum: 0, default: 300 },
    max_delay_seconds: { type: 'number', exclusiveMinimum: 0, default: 600 },
  }),
  /** OPA's flag: record non-deterministic builtin results (time.now_ns, http.send, …) in each event */
  nd_builtin_cache: { type: 'boolean', default: false },
});
