/**
 * Header rules for one proxy hop.
 *
 * - Hop-by-hop fields (RFC 9110 §7.6.1) are dropped in both directions, including every field
 *   the `Connection` header names; `Proxy-Connection` and `Keep-Alive` too (RFC 9112 §C.2.2
 *   legacy), `Proxy-Authorization`/`Proxy-Authenticate` (they belong to the hop, RFC 9110 §11.7).
 * - `Expect` is dropped: the gateway reads the body itself, and undici refuses the field.
 * - `Proxy` is dropped from requests (httpoxy, see CGI_HAZARDS).
 * - Upstream `Date`, `Content-Length` and `uWebSockets` are dropped from responses because uWS
 *   writes its own (checked on uWS v20.30: it always appends `Date` and `uWebSockets: 20`, and
 *   writes `Content-Length` from tryEnd/endWithoutBody), so the client never sees them twice.
 */

import { headerAliasOf } from '../shared/header-alias.js';

/** Request-side fields a proxy hop never forwards. */
const HOP_BY_HOP = new Set(['connection', 'proxy-connection', 'keep-alive', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'proxy-authorization', 'proxy-authenticate']);

/**
 * `Proxy` is no HTTP field at all, but CGI turns it into the `HTTP_PROXY` variable, which most
 * HTTP client libraries read as their outbound proxy: a client's `Proxy: http://attacker` made a
 * CGI/PHP/Go-CGI backend send its own outgoing calls (with their credentials) through the
 * attacker ("httpoxy", CVE-2016-5385 and siblings). Proxies drop it (nginx, Apache, HAProxy
 * advisories); so does this hop.
 */
const CGI_HAZARDS = ['proxy'];

/** Fields the gateway sets itself on the upstream request. */
const REPLACED_UPSTREAM = new Set(['host', 'expect', 'x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'forwarded', 'x-request-id']);

/** Fields uWS writes itself on the client response. */
const UWS_WRITES = new Set(['date', 'content-length', 'uwebsockets']);

/** Request fields never forwarded as the client sent them: one lookup per field instead of two. */
const NOT_FORWARDED_REQUEST: ReadonlySet<string> = new Set([...HOP_BY_HOP, ...REPLACED_UPSTREAM, ...CGI_HAZARDS]);

/**
 * The response fields a proxy never forwards on one route, as one set: hop-by-hop, the ones uWS
 * writes itself, the gateway's own `x-request-id`, and `hidden` (`security.remove_response_headers`,
 * and on a CORS route the CORS fields). One lookup per field of every upstream answer, where the
 * three tests and a comparison were four.
 * @example const drop = responseFieldsDropped(['server', 'x-powered-by']); if (!drop.has(name) && …) forward(name);
 */
export function responseFieldsDropped(hidden: Iterable<string>): ReadonlySet<string> {
  return new Set([...HOP_BY_HOP, ...UWS_WRITES, 'x-request-id', ...hidden]);
}

/** Lower-case names listed in a Connection header value (`close, X-Foo` → {close, x-foo}). */
export function connectionTokens(value: string | undefined): Set<string> | null {
  if (!value) return null;
  const out = new Set<string>();
  for (const t of value.split(',')) {
    const v = t.trim().toLowerCase();
    if (v) out.add(v);
  }
  return out;
}

/**
 * Does this request field travel upstream? (`named` = tokens of the request's Connection header)
 * A name that a CGI-style backend reads as one of the fields the gateway sets or drops
 * (`x_request_id`, `x_forwarded_host`: shared/header-alias.ts) does not either.
 */
export function isForwardedRequestHeader(name: string, named: Set<string> | null): boolean {
  if (NOT_FORWARDED_REQUEST.has(name) || (named !== null && named.has(name))) return false;
  const alias = headerAliasOf(name);
  return alias === null || !NOT_FORWARDED_REQUEST.has(alias);
}

/** Is this one of the fields the gateway itself sets on the upstream request (Host, forwarding, x-request-id)? */
export function isGatewaySetRequestHeader(name: string): boolean {
  return REPLACED_UPSTREAM.has(name);
}

export interface ForwardingInfo {
  remoteAddr: string;
  host: string;
  scheme: 'http' | 'https';
  /** incoming X-Forwarded-For / Forwarded, only when `listen.trust_forwarded` is set */
  priorXff?: string;
  priorForwarded?: string;
}

/**
 * Appends `X-Forwarded-For/-Proto/-Host` and `Forwarded` (RFC 7239) to a flat header list.
 * @example pushForwardingHeaders(list, { remoteAddr: '203.0.113.9', host: 'api.example', scheme: 'http' })
 */
export function pushForwardingHeaders(list: string[], f: ForwardingInfo): void {
  list.push('x-forwarded-for', f.priorXff ? `${f.priorXff}, ${f.remoteAddr}` : f.remoteAddr);
  list.push('x-forwarded-proto', f.scheme);
  if (f.host) list.push('x-forwarded-host', f.host);
  const element = forwardedElement(f.remoteAddr, f.scheme, f.host);
  list.push('forwarded', f.priorForwarded ? `${f.priorForwarded}, ${element}` : element);
}

/**
 * The RFC 7239 element for one client. Consecutive requests mostly come from the same client
 * and Host (keep-alive), so the last one is kept: building it (a regex test and a quoting
 * replace on the host) cost ~0.5 µs per request.
 */
let lastElement = { addr: '', scheme: '', host: '', value: '' };
function forwardedElement(addr: string, scheme: string, host: string): string {
  const l = lastElement;
  if (l.addr === addr && l.host === host && l.scheme === scheme && l.value !== '') return l.value;
  const value = `for=${forwardedNode(addr)};proto=${scheme}${host ? `;host=${quoteIfNeeded(host)}` : ''}`;
  lastElement = { addr, scheme, host, value };
  return value;
}

/** RFC 7239 §6: IPv6 nodes are bracketed and the whole value quoted. */
function forwardedNode(addr: string): string {
  return addr.includes(':') ? `"[${addr}]"` : addr;
}

/** RFC 7239 §4: values outside `token` syntax are quoted strings (a host:port has a colon). */
function quoteIfNeeded(v: string): string {
  return /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(v) ? v : `"${v.replace(/["\\]/g, '\\$&')}"`;
}
