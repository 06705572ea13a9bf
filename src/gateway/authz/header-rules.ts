/**
 * What a policy may and may not do to headers. A decision is untrusted input to the proxy: a
 * header value with CR/LF would split the upstream request (request smuggling), a `Host` or
 * `Content-Length` override would re-target or desynchronise it, and hop-by-hop headers belong
 * to one connection only (RFC 9110 §7.6.1).
 */

/** RFC 9110 §5.6.2 `token` characters. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** Field values: visible ASCII/obs-text, space and tab; never CR, LF or NUL (RFC 9110 §5.5). */
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/** Headers a decision may never set or remove on the upstream request. */
export const PROTECTED_REQUEST_HEADERS: ReadonlySet<string> = new Set([
  'host', 'content-length', 'transfer-encoding', 'connection', 'keep-alive', 'proxy-connection',
  'te', 'trailer', 'upgrade', 'proxy-authorization', 'proxy-authenticate', 'expect',
  // CGI's HTTP_PROXY: a backend's outbound proxy (httpoxy, proxy/headers.ts)
  'proxy',
  // identity the gateway itself vouches for: set by the gateway, never by policy text
  'x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto', 'forwarded', 'x-request-id',
]);

/** Headers a decision may never set on the client response. */
export const PROTECTED_RESPONSE_HEADERS: ReadonlySet<string> = new Set([
  'content-length', 'transfer-encoding', 'connection', 'keep-alive', 'trailer', 'upgrade', 'date', 'set-cookie',
]);

export function isValidHeaderName(name: string): boolean {
  return name.length > 0 && name.length <= 256 && TOKEN.test(name);
}

export function isValidHeaderValue(value: string): boolean {
  return value.length <= 8192 && FIELD_VALUE.test(value);
}
