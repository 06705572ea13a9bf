/**
 * What counts as a credential in a request, wherever the client put it — so that no bearer
 * token is ever stored: not in the policy input, the audit events, the logs or the metrics
 * (DESIGN.md "The trust boundary"). The authenticate stage reads the token from where RFC 6750
 * allows (the Authorization header; `access_token` in the query on routes that opt in); every
 * record of the request passes its fields through these tests first.
 *
 * - header names that carry credentials by definition: `authorization`, `proxy-authorization`;
 * - any header value that reads as credentials in an HTTP authentication scheme
 *   (`Bearer …`, `Basic …`, `DPoP …`, … RFC 9110 §11.4) or holds a JWS/JWE compact
 *   serialisation (`eyJ….….`: a JOSE header is a JSON object, so base64url starts `eyJ`),
 *   e.g. a token a client sends in `X-Access-Token` or inside a cookie;
 * - query parameters named `access_token` (RFC 6750 §2.3; decoded, in any case) on every route,
 *   whatever the outcome, and any parameter whose value holds a JWS/JWE.
 *
 * @example
 * looksLikeCredential('Bearer abc.def') // true
 * looksLikeCredential('ios')            // false
 */
const SECRET_HEADER_NAMES: ReadonlySet<string> = new Set(['authorization', 'proxy-authorization']);
const SECRET_QUERY_NAMES: ReadonlySet<string> = new Set(['access_token']);
/**
 * credentials = auth-scheme 1*SP ( token68 / #auth-param ) (RFC 9110 §11.4), for the schemes that
 * carry secrets. The whole value must have that shape, and a token68 at least 12 characters, so
 * that ordinary values which merely begin with such a word (`basic plan`) stay visible.
 */
const SCHEME = /^[ \t]*(?:(?:bearer|basic|dpop|token|negotiate|ntlm|gnap)[ \t]+[A-Za-z0-9\-._~+/]{12,}=*|(?:digest|aws4-hmac-sha256|hoba|mutual|vapid)[ \t]+[A-Za-z0-9!#$%&'*+.^_`|~-]+=.*)[ \t]*$/i;
/** a JWS (3 parts) or JWE (5 parts) compact serialisation */
const JOSE = /eyJ[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*/;

export function isSecretHeaderName(name: string): boolean {
  return SECRET_HEADER_NAMES.has(name);
}

/** A value that holds credentials, whatever the field it came in. */
export function looksLikeCredential(value: string): boolean {
  // the shortest credential the scheme test accepts is 17 characters; most values are shorter
  // or do not start with a scheme's first letter, and skip the regex
  if (value.length < 17) return false;
  if (value.includes('eyJ') && JOSE.test(value)) return true;
  return SCHEME_FIRST.has(value.charCodeAt(0) | 0x20) && SCHEME.test(value);
}

/** first letters (lower-cased) of the schemes below, and SP/HTAB (| 0x20 keeps them) */
const SCHEME_FIRST = new Set([...'bdtnghmva'].map((c) => c.charCodeAt(0)).concat([0x20, 0x29]));

/** Is this (header name, value) a credential that must not be recorded? */
export function isSecretHeader(name: string, value: string): boolean {
  return SECRET_HEADER_NAMES.has(name) || looksLikeCredential(value);
}

/** Is this query parameter a credential that must not be recorded? */
export function isSecretQueryParam(name: string, value: string): boolean {
  // in any case: the authenticate stage reads `ACCESS_TOKEN` as the token too (authn/bearer.ts)
  return SECRET_QUERY_NAMES.has(name.toLowerCase()) || (value.includes('eyJ') && JOSE.test(value));
}
