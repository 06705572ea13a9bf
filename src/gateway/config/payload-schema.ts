/**
 * JSON schema fragment for the `payload_encryption` section of regate.yaml (issue #18; DESIGN.md
 * "Payload encryption"): the gateway's JWE keys, where their JWKS is published, and the bounds
 * on what an encrypted exchange may cost. payload/ receives it as `PayloadEncryptionConfig`
 * (types.ts); defaults live here and nowhere else.
 *
 * Example:
 * ```yaml
 * payload_encryption:
 *   keys: [ { kid: enc-2, private_key_file: ./keys/enc-2.pem }, { kid: enc-1, private_key_env: ENC_1_PEM } ]
 *   jwks_path: /.well-known/regate/jwks.json
 *   replay_window_s: 300
 * ```
 */
import { section } from './schema-section.js';

export const payloadKeySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['kid'],
  properties: {
    kid: { type: 'string', pattern: '^[A-Za-z0-9_.:-]{1,64}$' },
    /** a PKCS#8/SEC1/PKCS#1 PEM private key, or a private JWK (JSON), read at start-up */
    private_key_file: { type: 'string', minLength: 1 },
    /** the name of an environment variable holding the PEM or the JWK */
    private_key_env: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$' },
  },
  oneOf: [{ required: ['private_key_file'] }, { required: ['private_key_env'] }],
} as const;

export const payloadEncryptionSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['keys'],
  properties: {
    /** the first key is advertised first and used by clients; the others still decrypt (rotation) */
    keys: { type: 'array', minItems: 1, maxItems: 16, items: payloadKeySchema },
    /** where the data listener serves the public keys (use: enc) */
    jwks_path: { type: 'string', pattern: '^/[\\x21-\\x7e]*$', default: '/.well-known/regate/jwks.json' },
    /** Cache-Control max-age of the JWKS: how long a client may keep a key set before a rotation shows */
    jwks_max_age_s: { type: 'integer', minimum: 0, maximum: 86400, default: 300 },
    /** a JWE's `iat` must be this close to now, and its `jti` is refused again within it */
    replay_window_s: { type: 'integer', minimum: 1, maximum: 86400, default: 300 },
    /** `jti`s remembered locally (an LRU; Redis, when configured, is shared across instances) */
    replay_cache_entries: { type: 'integer', minimum: 100, maximum: 10_000_000, default: 100_000 },
    /** largest compact JWE accepted as a request body (bytes); a bigger one is refused 413 */
    max_request_bytes: { type: 'integer', minimum: 64, maximum: 64 * 1024 * 1024, default: 1024 * 1024 },
    /** largest upstream answer that is encrypted (bytes); what happens past it: `oversize` */
    max_response_bytes: { type: 'integer', minimum: 0, maximum: 64 * 1024 * 1024, default: 1024 * 1024 },
    /** refuse: a larger answer becomes 502 GW_ERR_PAYLOAD_RESPONSE_TOO_LARGE; pass: it is relayed unencrypted */
    oversize: { type: 'string', enum: ['refuse', 'pass'], default: 'refuse' },
    /** use Redis (the `redis` section) for the jti set and the sessions, so instances share them */
    use_redis: { type: 'boolean', default: true },
    sessions: section({
      enabled: { type: 'boolean', default: true },
      /** a session key's lifetime; it also ends when the token it is bound to changes */
      ttl_s: { type: 'integer', minimum: 10, maximum: 86400, default: 3600 },
      /** session keys kept decoded in memory per instance */
      cache_entries: { type: 'integer', minimum: 10, maximum: 1_000_000, default: 10_000 },
    }),
  },
} as const;
