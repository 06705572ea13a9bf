/**
 * Client authentication for calls to the token server (RFC 7662 §2.1 requires the protected
 * resource to authenticate; the methods are OAuth's: RFC 6749 §2.3.1 and RFC 7523 §2.2).
 */
import { randomUUID } from 'node:crypto';
import { importJWK, SignJWT, type JWK } from 'jose';
import type { IntrospectionConfig } from '../config/types.js';

export interface ClientAuthParts {
  headers: Record<string, string>;
  /** form fields to add to the request body */
  fields: Record<string, string>;
}

/** A function that returns the credentials for one call (private_key_jwt signs a fresh assertion). */
export type ClientAuthenticator = () => ClientAuthParts | Promise<ClientAuthParts>;

// RFC 6749 §2.3.1: id and secret are form-urlencoded before they are joined for Basic auth, so a
// ':' or non-ASCII character in either survives the trip.
function formEncode(s: string): string {
  return encodeURIComponent(s).replace(/%20/g, '+');
}

function defaultAlg(jwk: Record<string, unknown>): string {
  if (typeof jwk.alg === 'string') return jwk.alg;
  if (jwk.kty === 'RSA') return 'RS256';
  if (jwk.kty === 'EC') return jwk.crv === 'P-384' ? 'ES384' : jwk.crv === 'P-521' ? 'ES512' : 'ES256';
  if (jwk.kty === 'OKP') return 'EdDSA';
  throw new TypeError('tokens.introspection.private_key: unsupported key type');
}

/**
 * @example
 * const auth = createClientAuthenticator(cfg.introspection);
 * const { headers, fields } = await auth();
 */
export function createClientAuthenticator(cfg: IntrospectionConfig): ClientAuthenticator {
  switch (cfg.auth_method) {
    case 'client_secret_basic': {
      const value = 'Basic ' + Buffer.from(`${formEncode(cfg.client_id)}:${formEncode(cfg.client_secret ?? '')}`).toString('base64');
      const parts: ClientAuthParts = { headers: { authorization: value }, fields: {} };
      return () => parts;
    }
    case 'client_secret_post': {
      const parts: ClientAuthParts = { headers: {}, fields: { client_id: cfg.client_id, client_secret: cfg.client_secret ?? '' } };
      return () => parts;
    }
    case 'private_key_jwt': {
      const jwk = cfg.private_key as JWK;
      const alg = defaultAlg(jwk);
      const keyPromise = importJWK(jwk, alg);
      keyPromise.catch(() => undefined); // surfaced on first use
      // RFC 7523 §3: iss = sub = client_id; aud identifies the server; jti single-use; short exp.
      const aud = cfg.assertion_audience ?? cfg.endpoint;
      return async () => {
        const key = await keyPromise;
        const assertion = await new SignJWT({})
          .setProtectedHeader({ alg, ...(typeof jwk.kid === 'string' ? { kid: jwk.kid } : {}) })
          .setIssuer(cfg.client_id)
          .setSubject(cfg.client_id)
          .setAudience(aud)
          .setJti(randomUUID())
          .setIssuedAt()
          .setExpirationTime('60s')
          .sign(key);
        return {
          headers: {},
          fields: {
            client_id: cfg.client_id,
            client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
            client_assertion: assertion,
          },
        };
      };
    }
  }
}
