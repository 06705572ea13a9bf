/**
 * The authenticate stage's rejections, with the RFC 6750 §3 challenge each one carries.
 * Clients get the code and the challenge; the reason (jose's message, the token server's answer)
 * is the `cause`, which only the logs see.
 */
import { errors } from 'jose';
import { GatewayError, type GatewayErrorCode } from '../errors.js';

export type TokenRejectionCode = Extract<GatewayErrorCode, `GW_ERR_TOKEN_${string}`>;

/**
 * Builds the GatewayError for a token rejection.
 *
 * @example
 * throw createTokenError('GW_ERR_TOKEN_EXPIRED', 'regate', err);
 * // 401, WWW-Authenticate: Bearer realm="regate", error="invalid_token"
 */
export function createTokenError(code: TokenRejectionCode, realm: string, cause?: unknown, retryAfterS = 1): GatewayError {
  const headers: Record<string, string> = {};
  switch (code) {
    case 'GW_ERR_TOKEN_MISSING':
      // §3.1: no error code when the request carried no credentials at all.
      headers['www-authenticate'] = `Bearer realm="${realm}"`;
      break;
    case 'GW_ERR_TOKEN_MALFORMED':
      headers['www-authenticate'] = `Bearer realm="${realm}", error="invalid_request"`;
      break;
    case 'GW_ERR_TOKEN_SERVER_UNAVAILABLE':
    case 'GW_ERR_TOKEN_REVOCATION_UNAVAILABLE':
      // An outage is not the caller's fault: no challenge, a retry hint instead (RFC 9110 §10.2.3).
      headers['retry-after'] = String(Math.max(1, Math.ceil(retryAfterS)));
      break;
    default:
      headers['www-authenticate'] = `Bearer realm="${realm}", error="invalid_token"`;
  }
  return new GatewayError(code, { headers, cause });
}

/**
 * Maps a jose failure to a token rejection, or null when the failure is the key source's
 * (JWKS unreachable, timed out, not 200, not JSON): that is an outage, never a 401.
 */
export function classifyJoseError(err: unknown): TokenRejectionCode | null {
  if (err instanceof errors.JWTExpired) return 'GW_ERR_TOKEN_EXPIRED';
  if (err instanceof errors.JWKSTimeout || err instanceof errors.JWKSInvalid) return null;
  if (err instanceof errors.JOSEError) {
    // Plain JOSEError is what jose throws for a non-200 or non-JSON JWKS response.
    return err.code === 'ERR_JOSE_GENERIC' ? null : 'GW_ERR_TOKEN_INVALID';
  }
  return null; // fetch's TypeError (connection refused, DNS) and anything unforeseen
}
