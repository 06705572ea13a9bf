/**
 * The validated configuration, as the rest of the gateway sees it: every default filled in
 * (config/schema.ts), `${ENV}` substituted, deep-frozen. Sections owned by other stages
 * (`tokens`, `redis`, `events`, `ratelimit`) stay `unknown`-shaped here; their stage factories
 * read them with their own types.
 */
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
  readonly chunked_request_bodies: boolean;
}

export interface RouteConfig {
  readonly id: string;
  readonly match: { readonly path?: string; readonly path_prefix?: string; readonly host?: string; readonly methods?: readonly HttpMethod[] };
  readonly upstream: string;
  readonly auth: 'none' | 'jwt' | 'introspection';
  readonly policy?: string;
  readonly strip_prefix: boolean;
  readonly limits?: RouteLimitsConfig;
}

/** `credentials.<name>`: `type` plus that type's fields (mapping/credentials validates them). */
export interface CredentialConfig {
  readonly type: string;
  readonly [field: string]: unknown;
}

export interface GatewayConfig {
  readonly listen: { readonly host: string; readonly port: number; readonly workers: 'auto' | number; readonly drain_timeout_ms: number; readonly trust_forwarded: boolean };
  readonly admin: { readonly enabled: boolean; readonly host: string; readonly port: number };
  readonly limits: LimitsConfig;
  readonly security: SecurityConfig;
  readonly log: { readonly level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'; readonly access: boolean };
  readonly upstreams: Readonly<Record<string, UpstreamConfig>>;
  readonly credentials: Readonly<Record<string, CredentialConfig>>;
  readonly tokens?: Readonly<Record<string, unknown>>;
  readonly policies?: {
    readonly dir?: string;
    readonly bundle?: string;
    readonly engine: 'wasm' | 'js';
    readonly rego_version: 'v0' | 'v1';
    readonly eval_budget_ms: number;
    readonly http_send?: { readonly allow_hosts: readonly string[]; readonly max_timeout_ms: number };
  };
  readonly redis?: Readonly<Record<string, unknown>>;
  readonly events?: Readonly<Record<string, unknown>>;
  readonly ratelimit?: Readonly<Record<string, unknown>>;
  readonly routes: readonly RouteConfig[];
  /** where the config came from (for messages), and its directory (relative paths resolve from it) */
  readonly source: { readonly file: string; readonly dir: string; readonly sections: readonly string[] };
}
