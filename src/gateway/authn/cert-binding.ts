/**
 * RFC 8705 §3: certificate-bound access tokens. A token whose claims (JWT, or the introspection
 * response, §3.2) carry `cnf` with `x5t#S256` may only be used over a mutual-TLS connection whose
 * client certificate has that SHA-256 thumbprint; anything else is a 401 with
 * `error="invalid_token"` (§3.1).
 *
 * The certificate is the one the listener's TLS handshake verified (`listen.tls.client_auth:
 * optional|required`, server/mtls-terminator.ts), handed to authn as `ctx.tls`. Without one —
 * another listener, or `optional` with no certificate sent — `presented` is undefined and a
 * bound token is refused: failing closed is what §3 asks of a resource server that cannot
 * verify the binding; honouring the token without the check would make the binding worthless.
 *
 * @example
 * certificateBindingHolds({ cnf: { 'x5t#S256': 'bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2' } }, undefined) // false
 * certificateBindingHolds({ sub: 'u1' }, undefined) // true: not bound
 */
import { timingSafeEqual } from 'node:crypto';

/** The `x5t#S256` a token is bound to, or null when it is not certificate-bound. */
export function boundThumbprint(claims: Readonly<Record<string, unknown>>): string | null {
  const cnf = claims.cnf;
  if (cnf === null || typeof cnf !== 'object' || Array.isArray(cnf)) return null;
  const x5t = (cnf as Record<string, unknown>)['x5t#S256'];
  // a present but malformed binding is still a binding: it can never match, so it is refused
  return x5t === undefined ? null : typeof x5t === 'string' ? x5t : '';
}

/**
 * @param presented base64url SHA-256 of the verified client certificate's DER, when the
 *   connection had one
 */
export function certificateBindingHolds(claims: Readonly<Record<string, unknown>>, presented: string | undefined): boolean {
  const bound = boundThumbprint(claims);
  if (bound === null) return true;
  if (presented === undefined || bound.length === 0) return false;
  const a = Buffer.from(bound);
  const b = Buffer.from(presented);
  return a.length === b.length && timingSafeEqual(a, b);
}
