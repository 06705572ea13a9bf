/**
 * Resolves the `tokens` section: validates it against the schema fragment (schema.ts), applies
 * its defaults, checks the cross-field rules a JSON schema cannot express, and freezes it.
 * The config loader may already have applied the schema; running it twice is harmless because
 * defaults only fill what is absent.
 */
import { Ajv } from 'ajv';
import { tokensSchema, type TokensConfig } from './schema.js';

const ajv = new Ajv({ useDefaults: true, allErrors: true, strict: false });
const validateTokens = ajv.compile(tokensSchema);

const HMAC = /^HS/;

/**
 * Validates and completes a `tokens` section. Misuse (an invalid section) is a TypeError that names
 * the key, because it happens at construction (HACKING.md "Errors").
 *
 * @example
 * const cfg = resolveTokensConfig({ jwt: { jwks_uri: 'https://idp/jwks', issuer: 'https://idp', audience: 'api' } });
 * cfg.jwt?.algorithms; // ['RS256', 'ES256']
 */
export function resolveTokensConfig(raw: unknown): Readonly<TokensConfig> {
  const copy: unknown = structuredClone(raw ?? {});
  if (!validateTokens(copy)) {
    const e = validateTokens.errors?.[0];
    throw new TypeError(`tokens${e?.instancePath.replaceAll('/', '.') ?? ''}: ${e?.message ?? 'invalid'}`);
  }
  const cfg = copy as TokensConfig;
  const jwt = cfg.jwt;
  if (jwt) {
    const hmac = jwt.algorithms.filter((a) => HMAC.test(a));
    // RFC 8725 §3.1/§2.1: a verifier that accepts HMAC next to public keys can be fed a token
    // "signed" with the public key as the HMAC secret. HMAC is only allowed with static `oct`
    // keys, and then nothing else is.
    if (hmac.length > 0) {
      const allOct = jwt.keys !== undefined && jwt.keys.every((k) => k.kty === 'oct');
      if (!allOct || hmac.length !== jwt.algorithms.length) {
        throw new TypeError('tokens.jwt.algorithms: HMAC algorithms require static `oct` keys only and no asymmetric algorithm');
      }
    } else if (jwt.keys?.some((k) => k.kty === 'oct')) {
      throw new TypeError('tokens.jwt.keys: symmetric (oct) keys need HMAC algorithms');
    }
    if (jwt.keys?.some((k) => 'd' in k || ('k' in k && k.kty !== 'oct'))) {
      throw new TypeError('tokens.jwt.keys: private key material does not belong in the gateway config');
    }
  }
  const intro = cfg.introspection;
  if (intro) {
    if (intro.auth_method === 'private_key_jwt' && (!intro.private_key || typeof intro.private_key.d !== 'string')) {
      throw new TypeError('tokens.introspection.private_key: a private JWK is required for auth_method private_key_jwt');
    }
    if (intro.auth_method === 'tls_client_auth' && (intro.tls?.cert_file === undefined || !intro.endpoint.startsWith('https:'))) {
      throw new TypeError('tokens.introspection.tls: auth_method tls_client_auth needs an https endpoint and tls.cert_file/key_file (RFC 8705 §2)');
    }
    if (intro.auth_method !== 'private_key_jwt' && intro.auth_method !== 'tls_client_auth' && !intro.client_secret) {
      throw new TypeError(`tokens.introspection.client_secret: required for auth_method ${intro.auth_method}`);
    }
    const url = new URL(intro.endpoint); // throws TypeError on an invalid URL, naming it
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new TypeError('tokens.introspection.endpoint: must be an http(s) URL');
    }
  }
  return deepFreeze(cfg);
}

function deepFreeze<T>(v: T): T {
  if (v && typeof v === 'object' && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v)) deepFreeze(x);
  }
  return v;
}
