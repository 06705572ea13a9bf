/**
 * The validated configuration, as the rest of the gateway sees it: every default filled in
 * (config/schema.ts and its fragments), `${ENV}` substituted, deep-frozen. Each stage factory
 * takes its section with the type declared here, so `tsc` checks every key a stage reads; the
 * key sets are checked against the schema fragments at compile time (schema-types.ts).
 */
import type { JWT_ALGORITHMS } from './tokens-schema.js';

export interface BreakerConfig {
  readonly enabled: boolean;
  readonly error_threshold_percentage: number;
  readonly volume_threshold: number;
  readonly reset_timeout_ms: number;
  readonly rolling_window_ms: number;
  readonly count_5xx: boolean;
}

export interface UpstreamConfig {
  readonly url: string;
  /** which HTTP/1.1 client talks to the upstream */
  readonly client: 'regate' | 'undici';
  readonly timeout_ms: number;
  readonly connect_timeout_ms: number;
  readonly body_timeout_ms: number;
  readonly pool: {
    readonly connections: number;
    readonly keepalive: boolean;
    readonly keepalive_timeout_ms: number;
    readonly queue_limit: number;
    readonly queue_timeout_ms: number;
  };
  readonly breaker: BreakerConfig;
  /** for https:// urls (config/tls-schema.ts) */
  readonly tls?: ClientTlsConfig;
}

/** `tls` of an upstream or token server: how regate connects out over TLS. */
export interface ClientTlsConfig {
  readonly ca_file?: string;
  readonly server_name?: string;
  readonly cert_file?: string;
  readonly key_file?: string;
  readonly passphrase?: string;
  readonly min_version: 'TLSv1.2' | 'TLSv1.3';
  readonly verify: boolean;
}

/** `listen.tls`: the HTTPS data listener. */
export interface ListenTlsConfig {
  readonly cert_file: string;
  readonly key_file: string;
  readonly passphrase?: string;
  readonly ca_file?: string;
  readonly client_auth: 'none' | 'optional' | 'required';
  readonly min_version: 'TLSv1.2' | 'TLSv1.3';
  readonly ciphers?: string;
  readonly sni: Readonly<Record<string, { readonly cert_file: string; readonly key_file: string }>>;
  readonly hsts?: { readonly max_age_s: number; readonly include_subdomains: boolean; readonly preload: boolean };
  readonly plain?: { readonly port: number; readonly mode: 'redirect' | 'serve'; readonly redirect_port?: number };
}

export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS' | 'TRACE' | 'CONNECT' | 'PROPFIND' | 'PROPPATCH' | 'MKCOL' | 'COPY' | 'MOVE' | 'LOCK' | 'UNLOCK' | 'REPORT' | 'SEARCH' | 'QUERY';

export interface LimitsConfig {
  readonly max_body_bytes: number;
  readonly max_header_bytes: number;
  readonly body_timeout_ms: number;
  readonly body_min_bytes_per_s: number;
  readonly buffer_body_bytes: number;
}

/** `routes[].limits`: overrides of `limits`, plus the route's own concurrency cap. */
export interface RouteLimitsConfig extends Partial<LimitsConfig> {
  readonly max_concurrent?: number;
}

/** `security`: the trust boundary's settings (README "Security model"). */
export interface SecurityConfig {
  readonly identity_headers: readonly string[];
  readonly identity_headers_visible_to_policy: boolean;
  readonly remove_response_headers: readonly string[];
  readonly allow_encoded_slashes: boolean;
  readonly allow_query_semicolons: boolean;
  readonly chunked_request_bodies: boolean;
  /** the routes' default `match.case_sensitive` (applied by the loader) */
  readonly case_sensitive_paths: boolean;
}

export interface RouteConfig {
  readonly id: string;
  /** `case_sensitive`: set on every route by the loader (its own, or `security.case_sensitive_paths`); absent = true */
  readonly match: { readonly path?: string; readonly path_prefix?: string; readonly host?: string; readonly methods?: readonly HttpMethod[]; readonly case_sensitive?: boolean };
  readonly upstream: string;
  readonly auth: 'none' | 'jwt' | 'introspection';
  readonly policy?: string;
  readonly strip_prefix: boolean;
  readonly limits?: RouteLimitsConfig;
  readonly cors?: CorsConfig;
  /** JWE bodies on this route (README "Payload encryption") */
  readonly payload_encryption: 'required' | 'optional' | 'off';
}

/** `credentials.<name>`: `type` plus that type's fields (mapping/credentials validates them). */
export interface CredentialConfig {
  readonly type: string;
  readonly [field: string]: unknown;
}

/** One `policies.bundles` entry (schema.ts bundleServiceSchema). */
export interface BundleServiceConfig {
  readonly url: string;
  readonly polling: { readonly min_delay_s: number; readonly max_delay_s: number; readonly long_polling_timeout_s: number };
  readonly credentials?: {
    readonly bearer?: string;
    readonly client_tls?: { readonly cert_file: string; readonly key_file: string; readonly ca_file?: string };
    /** OAuth 2.0 client credentials (authz/bundle-credentials.ts) */
    readonly oauth2?: { readonly token_url: string; readonly client_id: string; readonly client_secret: string; readonly scopes?: readonly string[]; readonly grant_type: 'client_credentials' };
  };
  readonly tls?: { readonly ca_file?: string };
  readonly signing?: { readonly keyid?: string; readonly public_key_file?: string; readonly secret?: string; readonly algorithm: string; readonly scope?: string; readonly exclude_files?: readonly string[] };
}

export interface GatewayConfig {
  readonly listen: { readonly host: string; readonly port: number; readonly workers: 'auto' | number; readonly drain_timeout_ms: number; readonly trust_forwarded: boolean; readonly tls?: ListenTlsConfig };
  readonly admin: { readonly enabled: boolean; readonly host: string; readonly port: number };
  readonly limits: LimitsConfig;
  readonly security: SecurityConfig;
  readonly log: { readonly level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'; readonly access: boolean };
  readonly upstreams: Readonly<Record<string, UpstreamConfig>>;
  readonly credentials: Readonly<Record<string, CredentialConfig>>;
  readonly tokens: TokensConfig;
  readonly policies?: {
    readonly dir?: string;
    readonly bundle?: string;
    readonly bundles?: Readonly<Record<string, BundleServiceConfig>>;
    readonly persist_dir: string;
    readonly status?: { readonly url: string; readonly timeout_ms: number };
    readonly engine: 'wasm' | 'js';
    readonly rego_version: 'v0' | 'v1';
    readonly eval_budget_ms: number;
    readonly http_send?: { readonly allow_hosts: readonly string[]; readonly max_timeout_ms: number };
  };
  readonly redis: RedisConfig;
  readonly events: EventsConfig;
  readonly ratelimit: RateLimitConfig;
  readonly payload_encryption?: PayloadEncryptionConfig;
  readonly telemetry: TelemetryConfig;
  readonly decision_logs: DecisionLogsConfig;
  readonly routes: readonly RouteConfig[];
  /** where the config came from (for messages), and its directory (relative paths resolve from it) */
  readonly source: { readonly file: string; readonly dir: string; readonly sections: readonly string[] };
}

export type JwtAlgorithm = (typeof JWT_ALGORITHMS)[number];

/** `tokens.jwt` (tokens-schema.ts) after defaults. */
export interface JwtConfig {
  readonly jwks_uri?: string;
  readonly keys?: readonly Readonly<Record<string, unknown>>[];
  readonly issuer: string;
  readonly audience: string | readonly string[];
  readonly algorithms: readonly JwtAlgorithm[];
  readonly typ?: string;
  readonly required_claims: readonly string[];
  readonly clock_tolerance_s: number;
  readonly jwks_cooldown_ms: number;
  readonly jwks_cache_max_age_ms: number;
  readonly jwks_timeout_ms: number;
  readonly cache_max_entries: number;
  readonly negative_ttl_s: number;
  readonly retry_after_s: number;
  /** TLS towards an https jwks_uri */
  readonly tls?: ClientTlsConfig;
}

/** `tokens.introspection.breaker`: the token server's circuit breaker. */
export interface TokenBreakerConfig {
  readonly timeout_ms: number;
  readonly error_threshold_percentage: number;
  readonly volume_threshold: number;
  readonly reset_timeout_ms: number;
  readonly rolling_count_timeout_ms: number;
}

/** `tokens.introspection` after defaults. */
export interface IntrospectionConfig {
  readonly endpoint: string;
  readonly client_id: string;
  readonly client_secret?: string;
  readonly auth_method: 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt' | 'tls_client_auth';
  readonly private_key?: Readonly<Record<string, unknown>>;
  readonly assertion_audience?: string;
  readonly issuer?: string;
  readonly audience?: string;
  readonly token_type_hint: string;
  readonly max_ttl_s: number;
  readonly negative_ttl_s: number;
  readonly stale_if_error_s: number;
  readonly cache_max_entries: number;
  readonly connections: number;
  readonly breaker: TokenBreakerConfig;
  /** TLS towards an https endpoint (tls_client_auth: its client certificate authenticates) */
  readonly tls?: ClientTlsConfig;
}

/** `tokens` after defaults: the authenticate stage's section (authn/). */
export interface TokensConfig {
  readonly realm: string;
  readonly max_token_bytes: number;
  readonly query_token_routes: readonly string[];
  readonly jwt?: JwtConfig;
  readonly introspection?: IntrospectionConfig;
  readonly revocation: RevocationConfig;
}

/** `tokens.revocation` after defaults (README "Token revocation"). */
export interface RevocationConfig {
  readonly enabled: boolean;
  readonly on_redis_unavailable: 'fail_open' | 'fail_closed';
  readonly max_entries: number;
  readonly heartbeat_ms: number;
}

/** `redis` after defaults (events-schema.ts): the connection events/ and ratelimit/ share. */
export interface RedisConfig {
  readonly url: string;
  readonly prefix: string;
  readonly connect_timeout_ms: number;
  readonly command_timeout_ms: number;
}

export type MaskRule = string | { readonly path: string; readonly value?: unknown };

/** `events` after defaults: the event emitter's section (events/). */
export interface EventsConfig {
  readonly enabled: boolean;
  readonly spool_dir: string;
  readonly spool_max_bytes: number;
  readonly spool_fsync_ms: number;
  readonly queues: { readonly audit: string; readonly ratelimit: string };
  readonly batch_size: number;
  readonly flush_ms: number;
  readonly max_buffered: number;
  readonly max_inflight: number;
  readonly replay_interval_ms: number;
  readonly job_attempts: number;
  readonly job_backoff_ms: number;
  readonly keep_completed_s: number;
  readonly keep_failed: number;
  readonly mask: readonly MaskRule[];
  readonly mask_headers: readonly string[];
  readonly labels: Readonly<Record<string, string>>;
}

/** One bucket of `ratelimit.routes.<id>`. */
export interface BucketConfig {
  readonly key: string;
  readonly limit: number;
  readonly window_s: number;
}

/** `ratelimit` after defaults (ratelimit-schema.ts): the rate-limit stage's section (ratelimit/). */
export interface RateLimitConfig {
  readonly enabled: boolean;
  readonly key_prefix: string;
  readonly timeout_ms: number;
  readonly on_unavailable: 'local' | 'open' | 'closed';
  readonly backoff_ms: number;
  readonly local_share: number;
  readonly leases: { readonly enabled: boolean; readonly min_limit: number; readonly fraction: number; readonly max_tokens: number; readonly ttl_ms: number };
  readonly max_tracked_keys: number;
  readonly summaries: boolean;
  readonly routes: Readonly<Record<string, readonly BucketConfig[]>>;
}

/** `telemetry` after defaults (telemetry-schema.ts): tracing is on when `otlp_endpoint` is set. */
export interface TelemetryConfig {
  readonly otlp_endpoint?: string;
  readonly sample_ratio: number;
  readonly service_name: string;
  readonly export_timeout_ms: number;
}

/** `decision_logs` after defaults (decision-logs-schema.ts): the audit events' sinks. */
export interface DecisionLogsConfig {
  readonly bullmq: boolean;
  readonly console: boolean;
  readonly service?: DecisionLogServiceConfig;
  readonly resource: string;
  readonly reporting: { readonly upload_size_limit_bytes: number; readonly min_delay_seconds: number; readonly max_delay_seconds: number };
  readonly nd_builtin_cache: boolean;
}

/** `decision_logs.service`: OPA's service entry, inline. */
export interface DecisionLogServiceConfig {
  readonly url: string;
  readonly credentials?: { readonly bearer?: { readonly token?: string; readonly token_path?: string; readonly scheme: string } };
  readonly tls?: ClientTlsConfig;
  readonly timeout_ms: number;
  readonly spool_dir?: string;
  readonly spool_max_bytes: number;
  readonly max_buffered: number;
}

/** The sections a stage factory takes whole, by name (config/load.ts `resolveConfigSection`). */
export interface ConfigSections {
  readonly tokens: TokensConfig;
  readonly redis: RedisConfig;
  readonly events: EventsConfig;
  readonly ratelimit: RateLimitConfig;
  readonly telemetry: TelemetryConfig;
  readonly decision_logs: DecisionLogsConfig;
}

/** `routes[].cors` (config/cors-schema.ts, shared/cors-rules.ts). */
export interface CorsConfig {
  readonly allow_origins: readonly string[];
  readonly allow_methods: readonly string[];
  readonly allow_headers: readonly string[];
  readonly expose_headers: readonly string[];
  readonly allow_credentials: boolean;
  readonly max_age_s: number;
}

/** One key of `payload_encryption.keys`: a PEM or private JWK, from a file or the environment. */
export interface PayloadKeyConfig {
  readonly kid: string;
  readonly private_key_file?: string;
  readonly private_key_env?: string;
}

/** `payload_encryption` (payload-schema.ts) after defaults. */
export interface PayloadEncryptionConfig {
  readonly keys: readonly PayloadKeyConfig[];
  readonly jwks_path: string;
  readonly jwks_max_age_s: number;
  readonly replay_window_s: number;
  readonly replay_cache_entries: number;
  readonly max_request_bytes: number;
  readonly max_response_bytes: number;
  readonly oversize: 'refuse' | 'pass';
  readonly use_redis: boolean;
  readonly sessions: { readonly enabled: boolean; readonly ttl_s: number; readonly cache_entries: number };
}
