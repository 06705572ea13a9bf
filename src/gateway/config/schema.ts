/**
 * The one JSON schema for regate.yaml, with every default in one place (fastify's
 * initial-config-validation: validate once at start-up, fill defaults, freeze).
 *
 * The `tokens`, `redis`/`events` and `ratelimit` sections are used by one or two stages each;
 * their fragments sit in their own files here (tokens-schema.ts, events-schema.ts,
 * ratelimit-schema.ts) and their types in types.ts, so that a stage imports config types only.
 */
import { tokensSchema } from './tokens-schema.js';
import { eventsSchema, redisSchema } from './events-schema.js';
import { rateLimitSchema } from './ratelimit-schema.js';
import { clientTlsSchema, listenTlsSchema } from './tls-schema.js';
import { corsSchema } from './cors-schema.js';
import { payloadEncryptionSchema } from './payload-schema.js';
import { telemetrySchema } from './telemetry-schema.js';
import { decisionLogsSchema } from './decision-logs-schema.js';
import { section } from './schema-section.js';

const port = { type: 'integer', minimum: 0, maximum: 65535 } as const;
const host = { type: 'string', minLength: 1 } as const;

/** One entry of `policies.bundles` (DESIGN "Policy bundles and telemetry"; OPA's bundle plugin config). */
const bundleServiceSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['url'],
  properties: {
    url: { type: 'string', pattern: '^https?://' },
    polling: section({
      // OPA's defaults (60/120 s) are for a fleet; these are the DESIGN example's
      min_delay_s: { type: 'number', minimum: 0, default: 10 },
      max_delay_s: { type: 'number', minimum: 0, default: 20 },
      // > 0: ask the server to hold the request until a new revision (`Prefer: wait=N`)
      long_polling_timeout_s: { type: 'integer', minimum: 0, default: 0 },
    }),
    credentials: {
      type: 'object',
      additionalProperties: false,
      maxProperties: 1,
      properties: {
        bearer: { type: 'string', minLength: 1 },
        client_tls: { type: 'object', additionalProperties: false, required: ['cert_file', 'key_file'], properties: { cert_file: { type: 'string' }, key_file: { type: 'string' }, ca_file: { type: 'string' } } },
        oauth2: {
          type: 'object',
          additionalProperties: false,
          required: ['token_url', 'client_id', 'client_secret'],
          properties: {
            token_url: { type: 'string', pattern: '^https?://' },
            client_id: { type: 'string', minLength: 1 },
            client_secret: { type: 'string', minLength: 1 },
            scopes: { type: 'array', items: { type: 'string', minLength: 1 } },
            // OPA's key, so its configs load; its other grant (jwt_bearer) is not implemented
            grant_type: { type: 'string', enum: ['client_credentials'], default: 'client_credentials' },
          },
        },
      },
    },
    // CA of the bundle server when it is not in Node's store
    tls: { type: 'object', additionalProperties: false, properties: { ca_file: { type: 'string' } } },
    signing: {
      type: 'object',
      additionalProperties: false,
      properties: {
        keyid: { type: 'string', minLength: 1 },
        public_key_file: { type: 'string', minLength: 1 },
        /** HS* bundles: the shared secret (use ${ENV}) */
        secret: { type: 'string', minLength: 1 },
        algorithm: { type: 'string', enum: ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'HS256', 'HS384', 'HS512'], default: 'RS256' },
        scope: { type: 'string' },
        exclude_files: { type: 'array', items: { type: 'string', minLength: 1 } },
      },
    },
  },
} as const;

export const breakerSchema = section({
  enabled: { type: 'boolean', default: true },
  /** percentage of failed calls in the rolling window that opens the breaker */
  error_threshold_percentage: { type: 'number', exclusiveMinimum: 0, maximum: 100, default: 50 },
  /** fewest calls in the window before the percentage counts (avoids opening on one failure) */
  volume_threshold: { type: 'integer', minimum: 0, default: 5 },
  /** how long the breaker stays open before letting one trial call through (half-open) */
  reset_timeout_ms: { type: 'integer', minimum: 1, default: 10000 },
  rolling_window_ms: { type: 'integer', minimum: 100, default: 10000 },
  /** count upstream 5xx answers as failures too (connect errors and timeouts always count) */
  count_5xx: { type: 'boolean', default: false },
});

export const upstreamSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['url'],
  properties: {
    // http(s)://host[:port] only; checked with a readable message by config/tls-check.ts
    url: { type: 'string', minLength: 1 },
    tls: clientTlsSchema,
    /** HTTP/1.1 client for this upstream: regate's own (proxy/h1-pool.ts) or undici's Pool */
    client: { type: 'string', enum: ['regate', 'undici'], default: 'regate' },
    timeout_ms: { type: 'integer', minimum: 1, default: 30000 },
    connect_timeout_ms: { type: 'integer', minimum: 1, default: 5000 },
    /** idle time between body chunks of a streamed response before the upstream call is cut */
    body_timeout_ms: { type: 'integer', minimum: 0, default: 300000 },
    pool: section({
      connections: { type: 'integer', minimum: 1, default: 128 },
      keepalive: { type: 'boolean', default: true },
      keepalive_timeout_ms: { type: 'integer', minimum: 1, default: 4000 },
      /** calls waiting for a connection beyond `connections`; more are refused with 503 at once */
      queue_limit: { type: 'integer', minimum: 0, default: 1024 },
      /** longest wait for a connection before a 503 with Retry-After */
      queue_timeout_ms: { type: 'integer', minimum: 1, default: 2000 },
    }),
    breaker: breakerSchema,
  },
} as const;

const methods = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'TRACE', 'CONNECT', 'PROPFIND', 'PROPPATCH', 'MKCOL', 'COPY', 'MOVE', 'LOCK', 'UNLOCK', 'REPORT', 'SEARCH', 'QUERY'] as const;

export const routeSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'match', 'upstream'],
  properties: {
    id: { type: 'string', pattern: '^[A-Za-z0-9_.:-]+$' },
    match: {
      type: 'object',
      additionalProperties: false,
      properties: {
        path: { type: 'string', pattern: '^/' },
        path_prefix: { type: 'string', pattern: '^/' },
        host: { type: 'string', minLength: 1 },
        methods: { type: 'array', minItems: 1, uniqueItems: true, items: { type: 'string', enum: methods } },
        /**
         * false: `path`/`path_prefix` match in any ASCII case (`/ADMIN/x` meets `/admin`), for a
         * backend that routes case-insensitively; absent: `security.case_sensitive_paths`
         * (the loader writes it in)
         */
        case_sensitive: { type: 'boolean' },
      },
      oneOf: [{ required: ['path'] }, { required: ['path_prefix'] }],
    },
    upstream: { type: 'string', minLength: 1 },
    auth: { type: 'string', enum: ['none', 'jwt', 'introspection'], default: 'none' },
    policy: { type: 'string', minLength: 1 },
    /** remove the matched prefix before forwarding (`/api/x` with prefix `/api` → `/x`) */
    strip_prefix: { type: 'boolean', default: false },
    /** per-route overrides of `limits` */
    limits: { $ref: '#/$defs/limits' },
    /** browser cross-origin access (shared/cors-rules.ts): preflights answered by the gateway */
    cors: corsSchema,
    /** JWE request/response bodies (README "Payload encryption"); needs the payload_encryption section */
    payload_encryption: { type: 'string', enum: ['required', 'optional', 'off'], default: 'off' },
  },
} as const;

export const configSchema = {
  $id: 'regate.yaml',
  type: 'object',
  additionalProperties: false,
  required: ['upstreams', 'routes'],
  $defs: {
    limits: {
      type: 'object',
      additionalProperties: false,
      properties: {
        max_body_bytes: { type: 'integer', minimum: 0 },
        max_header_bytes: { type: 'integer', minimum: 256, maximum: 65536 },
        body_timeout_ms: { type: 'integer', minimum: 0 },
        body_min_bytes_per_s: { type: 'integer', minimum: 0 },
        buffer_body_bytes: { type: 'integer', minimum: 0, maximum: 16 * 1024 * 1024 },
        /** requests of this route in flight at once, across its upstream calls; beyond it 503 (0 = no limit) */
        max_concurrent: { type: 'integer', minimum: 0 },
      },
    },
  },
  properties: {
    listen: section({
      host: { ...host, default: '0.0.0.0' },
      port: { ...port, default: 8080 },
      workers: { anyOf: [{ const: 'auto' }, { type: 'integer', minimum: 1, maximum: 256 }], default: 1 },
      /** how long SIGTERM waits for in-flight requests before closing them */
      drain_timeout_ms: { type: 'integer', minimum: 0, default: 10000 },
      /** trust an incoming X-Forwarded-For/Forwarded chain and append to it (behind a trusted LB) */
      trust_forwarded: { type: 'boolean', default: false },
      tls: listenTlsSchema,
    }),
    admin: section({
      enabled: { type: 'boolean', default: true },
      host: { ...host, default: '127.0.0.1' },
      port: { ...port, default: 9901 },
    }),
    limits: section({
      max_body_bytes: { type: 'integer', minimum: 0, default: 10 * 1024 * 1024 },
      max_header_bytes: { type: 'integer', minimum: 256, maximum: 65536, default: 16 * 1024 },
      /** longest wait between two pieces of a request body (nginx's client_body_timeout); 0 = none */
      body_timeout_ms: { type: 'integer', minimum: 0, default: 10000 },
      /**
       * slowest accepted request-body rate once `body_timeout_ms` has passed since the body began
       * (a client trickling a byte a second never trips the idle timeout alone); 0 = none
       */
      body_min_bytes_per_s: { type: 'integer', minimum: 0, default: 1024 },
      /**
       * bodies up to this size are read whole before an upstream connection is taken
       * (nginx's proxy_request_buffering): a slow client then holds no pooled connection
       */
      buffer_body_bytes: { type: 'integer', minimum: 0, maximum: 16 * 1024 * 1024, default: 64 * 1024 },
    }),
    security: section({
      /**
       * request headers removed from every client request before anything reads it, on top of
       * the built-in identity list (server/edge-rules.ts) and every header a credential sets
       */
      identity_headers: { type: 'array', default: [], items: { type: 'string', pattern: '^[!#$%&\'*+.^_`|~0-9A-Za-z-]+\\*?$' } },
      /** show the removed identity headers to the policy in input.request.headers (never upstream) */
      identity_headers_visible_to_policy: { type: 'boolean', default: false },
      /** upstream response headers never relayed to clients */
      remove_response_headers: { type: 'array', default: ['server', 'x-powered-by'], items: { type: 'string', pattern: '^[!#$%&\'*+.^_`|~0-9A-Za-z-]+$' } },
      /** pass `%2f` in paths through (servers disagree on whether it separates segments) */
      allow_encoded_slashes: { type: 'boolean', default: false },
      /**
       * pass a raw `;` in the query through; refused by default because backends disagree on
       * whether it separates parameters (Rack 2, PHP `arg_separator.input`, old Python/Go) while
       * the policy's `input.request.query` splits on `&` only (server/client-head.ts)
       */
      allow_query_semicolons: { type: 'boolean', default: false },
      /**
       * accept chunked request bodies; false answers them 411 Length Required. uWS decodes
       * chunked framing leniently (README "Security model"): behind an intermediary that shares
       * one connection between clients, refusing it removes that parser from the path.
       */
      chunked_request_bodies: { type: 'boolean', default: true },
      /**
       * every route's `match.case_sensitive` unless it sets its own; false where the backends
       * read `/ADMIN` as `/admin` (IIS, ASP.NET, `_ci` collations: shared/path-case.ts)
       */
      case_sensitive_paths: { type: 'boolean', default: true },
    }),
    log: section({
      level: { type: 'string', enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], default: 'info' },
      /** one line per request at info level (off: only errors are logged) */
      access: { type: 'boolean', default: false },
    }),
    upstreams: { type: 'object', minProperties: 1, additionalProperties: upstreamSchema, propertyNames: { pattern: '^[A-Za-z0-9_.-]+$' } },
    credentials: {
      type: 'object',
      default: {},
      // each credential type's own fields are checked by mapping/credentials at start-up
      additionalProperties: { type: 'object', required: ['type'], properties: { type: { type: 'string', minLength: 1 } } },
    },
    tokens: tokensSchema,
    policies: {
      type: 'object',
      additionalProperties: false,
      properties: {
        dir: { type: 'string', minLength: 1 },
        /** a bundle built by `opa build -t wasm|plan` (bundle.tar.gz), or a bare policy.wasm / plan JSON; instead of `dir` */
        bundle: { type: 'string', minLength: 1 },
        /** OPA bundles downloaded from a bundle service (README "Policy bundles"); with or without dir/bundle */
        bundles: { type: 'object', additionalProperties: bundleServiceSchema, propertyNames: { pattern: '^[A-Za-z0-9_.-]+$' } },
        /** where the last good download of each bundle is kept (a restart serves it while the service is down) */
        persist_dir: { type: 'string', minLength: 1, default: './var/bundles' },
        /** OPA's status API: a POST of the bundles' state after each activation or failure */
        status: { type: 'object', additionalProperties: false, required: ['url'], properties: { url: { type: 'string', pattern: '^https?://' }, timeout_ms: { type: 'integer', minimum: 1, default: 5000 } } },
        // js is the default: same semantics on OPA's corpus, ~1 µs per decision against ~20 µs through opa-wasm
        engine: { type: 'string', enum: ['wasm', 'js'], default: 'js' },
        // The Rego dialect of the policies (OPA 1.x's default is v1; v0 is `opa run --v0-compatible`).
        // A bundle's .manifest rego_version / file_rego_versions wins for the files it names.
        rego_version: { type: 'string', enum: ['v0', 'v1'], default: 'v1' },
        // Wall-clock budget of one decision (README "Evaluation budget"): past it the request is
        // denied (403 GW_ERR_POLICY_BUDGET). Decisions take µs; 100 ms is 10^4–10^5 times that,
        // far under the route timeouts, and bounds how long one request can hold a worker.
        // A policy that may call http.send gets http_send.max_timeout_ms on top.
        eval_budget_ms: { type: 'integer', minimum: 1, maximum: 60000, default: 100 },
        // http.send blocks the evaluating worker for the whole call (Rego evaluation is
        // synchronous), so a policy may only call it when this is set, and only these hosts
        http_send: {
          type: 'object',
          additionalProperties: false,
          required: ['allow_hosts'],
          properties: {
            allow_hosts: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } },
            max_timeout_ms: { type: 'integer', minimum: 1, default: 1000 },
          },
        },
      },
      not: { required: ['dir', 'bundle'] },
    },
    redis: redisSchema,
    events: eventsSchema,
    ratelimit: rateLimitSchema,
    payload_encryption: payloadEncryptionSchema,
    telemetry: telemetrySchema,
    decision_logs: decisionLogsSchema,
    routes: { type: 'array', minItems: 1, items: routeSchema },
  },
} as const;
