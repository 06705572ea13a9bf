/**
 * JSON schema fragment for the `tokens` section of regate.yaml (the authenticate stage's, in
 * authn/). schema.ts composes the fragments; the loader applies them once (Ajv `useDefaults`) and
 * the stage receives the result as `TokensConfig` (types.ts): defaults live here and nowhere else.
 *
 * @example
 * ```yaml
 * tokens:
 *   jwt:           { jwks_uri: "https://idp/jwks", issuer: "https://idp", audience: api, algorithms: [RS256, ES256] }
 *   introspection: { endpoint: "https://idp/introspect", client_id: gw, client_secret: "${GW_SECRET}" }
 * ```
 */
import { clientTlsSchema } from './tls-schema.js';
import { section } from './schema-section.js';

/** JWS algorithms a deployment may allow. `none` is not in the list on purpose (RFC 8725 §3.1). */
export const JWT_ALGORITHMS = [
  'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512',
  'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519',
  'HS256', 'HS384', 'HS512',
] as const;

const breakerSchema = section({
  /** per-call timeout counted as a failure by the breaker */
  timeout_ms: { type: 'integer', minimum: 1, default: 2000 },
  error_threshold_percentage: { type: 'number', exclusiveMinimum: 0, maximum: 100, default: 50 },
  /** failures needed in the rolling window before the breaker may open */
  volume_threshold: { type: 'integer', minimum: 0, default: 5 },
  /** how long the breaker stays open before one trial call (also the Retry-After value) */
  reset_timeout_ms: { type: 'integer', minimum: 1, default: 10000 },
  rolling_count_timeout_ms: { type: 'integer', minimum: 100, default: 10000 },
});

export const tokensSchema = section({
  /** `realm` of the WWW-Authenticate challenge (RFC 6750 §3) */
  realm: { type: 'string', minLength: 1, default: 'regate' },
  /** tokens longer than this are refused with 431 before any parsing or hashing */
  max_token_bytes: { type: 'integer', minimum: 64, maximum: 65536, default: 8192 },
  /** route ids that accept `access_token` in the query string (RFC 6750 §2.3; off by default) */
  query_token_routes: { type: 'array', items: { type: 'string' }, default: [] },
  /**
   * Revocation fan-out through Redis (README "Token revocation"): the `redis` section's
   * connection and prefix; every worker of every instance subscribes.
   */
  revocation: section({
    enabled: { type: 'boolean', default: false },
    /** fail_open: keep serving with the last known list; fail_closed: 503 GW_ERR_TOKEN_REVOCATION_UNAVAILABLE */
    on_redis_unavailable: { enum: ['fail_open', 'fail_closed'], default: 'fail_open' },
    /** entries each worker keeps (they leave when the token they name expires) */
    max_entries: { type: 'integer', minimum: 1, maximum: 10000000, default: 100000 },
    /** a PING on the subscriber connection this often; a missed answer counts as Redis away */
    heartbeat_ms: { type: 'integer', minimum: 100, maximum: 60000, default: 1000 },
  }),
  jwt: {
    type: 'object',
    additionalProperties: false,
    properties: {
      jwks_uri: { type: 'string', minLength: 1 },
      /** static keys (public JWKs) instead of `jwks_uri` */
      keys: { type: 'array', minItems: 1, items: { type: 'object', required: ['kty'] } },
      issuer: { type: 'string', minLength: 1 },
      audience: {
        anyOf: [{ type: 'string', minLength: 1 }, { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } }],
      },
      algorithms: {
        type: 'array', minItems: 1, uniqueItems: true,
        items: { enum: JWT_ALGORITHMS },
        default: ['RS256', 'ES256'],
      },
      /** e.g. `at+jwt` to require the RFC 9068 access-token profile */
      typ: { type: 'string', minLength: 1 },
      required_claims: { type: 'array', items: { type: 'string' }, default: ['exp'] },
      clock_tolerance_s: { type: 'integer', minimum: 0, maximum: 600, default: 30 },
      /** a missing `kid` triggers at most one JWKS refetch per cooldown (jose cooldownDuration) */
      jwks_cooldown_ms: { type: 'integer', minimum: 0, default: 30000 },
      jwks_cache_max_age_ms: { type: 'integer', minimum: 0, default: 600000 },
      jwks_timeout_ms: { type: 'integer', minimum: 1, default: 5000 },
      /** verified-claims cache (keyed by SHA-256 of the token; entries live until `exp`) */
      cache_max_entries: { type: 'integer', minimum: 0, default: 10000 },
      /** refused tokens are remembered this long, so a flood of one bad token costs one verify */
      negative_ttl_s: { type: 'integer', minimum: 0, default: 10 },
      /** Retry-After when the JWKS cannot be fetched */
      retry_after_s: { type: 'integer', minimum: 1, default: 5 },
      /** TLS towards an https jwks_uri: private CA, client certificate (config/tls-schema.ts) */
      tls: clientTlsSchema,
    },
    required: ['issuer', 'audience'],
    oneOf: [{ required: ['jwks_uri'] }, { required: ['keys'] }],
  },
  introspection: {
    type: 'object',
    additionalProperties: false,
    properties: {
      endpoint: { type: 'string', minLength: 1 },
      client_id: { type: 'string', minLength: 1 },
      client_secret: { type: 'string', minLength: 1 },
      /** RFC 7662 §2.1 leaves client authentication to the server; these are oidc-provider's */
      auth_method: {
        // tls_client_auth: RFC 8705 §2.1 — the client certificate of `tls` authenticates, no secret
        enum: ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'tls_client_auth'],
        default: 'client_secret_basic',
      },
      /** private JWK for `private_key_jwt` (RFC 7523 §2.2) */
      private_key: { type: 'object', required: ['kty'] },
      /** `aud` of the client assertion; defaults to the issuer when set, else the endpoint */
      assertion_audience: { type: 'string', minLength: 1 },
      /** when set, an active response must carry this `iss` (RFC 9701 / mix-up defence) */
      issuer: { type: 'string', minLength: 1 },
      /** when set, an active response's `aud` must contain it */
      audience: { type: 'string', minLength: 1 },
      token_type_hint: { type: 'string', default: 'access_token' },
      /** active results are cached until min(exp, now + max_ttl_s) */
      max_ttl_s: { type: 'integer', minimum: 0, default: 60 },
      /** inactive results are cached this long */
      negative_ttl_s: { type: 'integer', minimum: 0, default: 5 },
      /** serve cached active results this long past max_ttl (never past exp) when the server is away */
      stale_if_error_s: { type: 'integer', minimum: 0, default: 0 },
      cache_max_entries: { type: 'integer', minimum: 0, default: 10000 },
      /** keep-alive connections to the token server */
      connections: { type: 'integer', minimum: 1, maximum: 1024, default: 16 },
      breaker: breakerSchema,
      /** TLS towards an https endpoint: private CA, client certificate (config/tls-schema.ts) */
      tls: clientTlsSchema,
    },
    required: ['endpoint', 'client_id'],
  },
});
