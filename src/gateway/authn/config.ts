/**
 * The rules of the `tokens` section that a JSON schema cannot express (between fields). The
 * section itself arrives validated, completed and frozen from the config loader
 * (config/tokens-schema.ts has its defaults); this only refuses the unsafe combinations.
 */
import type { TokensConfig } from '../config/types.js';

const HMAC = /^HS/;

/**
 * Throws a TypeError naming the key when a `tokens` section combines fields unsafely: misuse,
 * found at construction (HACKING.md "Errors").
 *
 * @example
 * checkTokensConfig(resolveConfigSection('tokens', { jwt: { jwks_uri: 'https://idp/jwks', issuer: 'https://idp', audience: 'api', algorithms: ['HS256'] } }));
 * // TypeError: tokens.jwt.algorithms: HMAC algorithms require static `oct` keys only and no asymmetric algorithm
 */
export function checkTokensConfig(cfg: TokensConfig): void {
  const jwt = cfg.jwt;
  if (jwt) {
    const hmac = jwt.algorithms.filter((a) => HMAC.test(a));
    // RFC 8725 §3.1/§2.1: a verifier that accepts HMAC next to public keys can be fed a token
    // "signed" with the public key as the HMAC secret. HMAC is only allowed with static `oct`
    // keys, and then nothing else is.
    if (hmac.length > 0) {
      const allOct = jwt.keys !== undefined && jwt.keys.every((k) => k['kty'] === 'oct');
      if (!allOct || hmac.length !== jwt.algorithms.length) {
        throw new TypeError('tokens.jwt.algorithms: HMAC algorithms require static `oct` keys only and no asymmetric algorithm');
      }
    } else if (jwt.keys?.some((k) => k['kty'] === 'oct')) {
      throw new TypeError('tokens.jwt.keys: symmetric (oct) keys need HMAC algorithms');
    }
    if (jwt.keys?.some((k) => 'd' in k || ('k' in k && k['kty'] !== 'oct'))) {
      throw new TypeError('tokens.jwt.keys: private key material does not belong in the gateway config');
    }
  }
  const intro = cfg.introspection;
  if (intro) {
    if (intro.auth_method === 'private_key_jwt' && (!intro.private_key || typeof intro.private_key['d'] !== 'string')) {
      throw new TypeError('tokens.introspection.private_key: a private JWK is required for auth_method private_key_jwt');
    }
    if (intro.auth_method !== 'private_key_jwt' && !intro.client_secret) {
      throw new TypeError(`tokens.introspection.client_secret: required for auth_method ${intro.auth_method}`);
    }
    const url = new URL(intro.endpoint); // throws TypeError on an invalid URL, naming it
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new TypeError('tokens.introspection.endpoint: must be an http(s) URL');
    }
  }
}
