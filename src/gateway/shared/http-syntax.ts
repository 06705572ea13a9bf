/**
 * The HTTP/1.1 grammar regate holds every field to before it is used or sent upstream
 * (RFC 9110 §5 fields, RFC 9112 §3 request line, RFC 3986 §3.2.2 host). One module, so the edge
 * (server/client-head.ts), the policy decision check (authz/decision.ts) and the upstream head
 * writers (proxy/) agree on what is valid.
 *
 * Encoding: regate writes every request head upstream as UTF-8. uWS hands the client's header
 * values to JS already decoded from UTF-8, so encoding them back as UTF-8 gives the upstream the
 * client's own bytes. Writing them as latin1 (one byte per UTF-16 code unit) would keep only the
 * low byte of U+010D/U+010A — CR and LF — which is how request smuggling got through before.
 * Where uWS could not decode the client's bytes it substituted U+FFFD: the original bytes are
 * lost, so such values are refused rather than forwarded changed.
 */

declare const checked: unique symbol;
/** A string that passed one of the checks below; code further in never re-encodes it. */
export type Checked<Kind extends string> = string & { readonly [checked]: Kind };
/** RFC 9110 §5.1 field-name (a token), lower-case as uWS delivers it. */
export type FieldName = Checked<'field-name'>;
/** RFC 9110 §5.5 field-value whose UTF-8 encoding is exactly the bytes the client sent. */
export type FieldValue = Checked<'field-value'>;
/** RFC 9112 §3.2.1 origin-form path (ASCII, percent-encoded), checked by `checkPath` too. */
export type OriginPath = Checked<'origin-path'>;
/** RFC 3986 §3.4 query, without the '?' (ASCII). */
export type QueryText = Checked<'query'>;
/** RFC 9110 §7.2 Host: RFC 3986 host [":" port]. */
export type HostText = Checked<'host'>;

/** RFC 9110 §5.6.2 `token`. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/**
 * What a client's field value may not hold: C0 controls other than HTAB, DEL (RFC 9110 §5.5
 * field-vchar/obs-text excludes them) and U+FFFD (uWS's stand-in for bytes that were not valid
 * UTF-8, see above). Code points from U+0080 up are obs-text bytes in UTF-8: allowed.
 * Written as "only allowed characters, start to end": V8 runs an anchored class loop about twice
 * as fast as the unanchored search for a bad one (0.56 vs 1.07 µs on an 850-byte bearer
 * token, bench/validation.ts), and every request's Authorization value passes through it.
 */
const CLIENT_VALUE = /^[^\x00-\x08\x0a-\x1f\x7f\ufffd]*$/;
/** The same for values regate itself produces (policy decisions, credentials): U+FFFD is fine there, lone surrogates are not. */
const BAD_OWN_VALUE = /[\x00-\x08\x0a-\x1f\x7f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
/**
 * Values that are visible ASCII, SP and HTAB only: nothing BAD_OWN_VALUE looks for can be in them.
 * Every field of every upstream request head passes `isOwnFieldValue` (h1-connection.ts), and
 * almost all are plain ASCII; an anchored class loop answers those without the search above,
 * which tries three alternatives (two with lookaround) at every position.
 */
const PLAIN_ASCII_VALUE = /^[\t\x20-\x7e]*$/;
/**
 * RFC 3986 path characters (pchar and "/"), plus `|`, `^`, `[`, `]`, which browsers send
 * unencoded in paths (the WHATWG path percent-encode set leaves them) and strict parsers such as
 * llhttp accept. Never: space, `"`, `<`, `>`, `\`, `` ` ``, `{`, `}`, `#`, controls, non-ASCII.
 */
const PATH_CHARS = /^\/[A-Za-z0-9\-._~!$&'()*+,;=:@/%|^[\]]*$/;
/**
 * PATH_CHARS by code unit below 128 (0: not a path character; every code unit from 128 up is not
 * one either): for the scanners that make more than one check per character in one pass
 * (shared/path-check.ts), where the regex and its call cost more than the loop. 2 marks the
 * characters those scanners look at (`/`, `.`, `%`, `;`); test/gateway/shared/http-syntax.test.ts
 * checks that the table and PATH_CHARS agree on every code unit.
 */
export const PATH_CHAR_CLASS: Readonly<Uint8Array> = pathCharClass("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_~!$&'()*+,=:@|^[]", '/.%;');

function pathCharClass(plain: string, marked: string): Uint8Array {
  const t = new Uint8Array(128);
  for (let i = 0; i < plain.length; i++) t[plain.charCodeAt(i)] = 1;
  for (let i = 0; i < marked.length; i++) t[marked.charCodeAt(i)] = 2;
  return t;
}
/** Query: visible ASCII but `#` (browsers leave many sub-delims and brackets unencoded here). */
const QUERY_CHARS = /^[\x21\x22\x24-\x7e]*$/;
/**
 * RFC 3986 §3.2.2 IP-literal, or a reg-name as DNS names it: labels of unreserved / sub-delims
 * characters, one dot between two, one optional trailing (root) dot; then RFC 3986 §3.2.3 port.
 * Stricter than RFC 3986's reg-name in two ways, both to keep one host from having two spellings
 * that the router and a backend reading X-Forwarded-Host would tell apart: no percent-encoding
 * (`admin%2eexample.com`: no client sends it, some backends decode it) and no empty label
 * (`admin.example.com..`). The router ignores the root dot (routing/router.ts).
 */
const HOST = /^(?:\[[0-9A-Fa-f:.]+\]|(?:[A-Za-z0-9\-_~!$&'()*+,;=]+(?:\.[A-Za-z0-9\-_~!$&'()*+,;=]+)*\.?)?)(?::[0-9]{0,5})?$/;

/**
 * Request methods regate forwards: the IANA HTTP Method Registry's entries that llhttp — the
 * parser of Node's http server, a common upstream — also accepts. Anything else is answered 501
 * (RFC 9110 §9.1). CONNECT and TRACE are in the list but refused unless a route names them.
 */
export const KNOWN_METHODS: ReadonlySet<string> = new Set([
  'GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH', 'TRACE', 'CONNECT',
  'ACL', 'BIND', 'CHECKOUT', 'COPY', 'LINK', 'LOCK', 'MERGE', 'MKACTIVITY', 'MKCALENDAR', 'MKCOL',
  'MOVE', 'PROPFIND', 'PROPPATCH', 'QUERY', 'REBIND', 'REPORT', 'SEARCH', 'UNBIND', 'UNCHECKOUT',
  'UNLINK', 'UNLOCK', 'UPDATE',
]);

/**
 * Field names already seen valid: the same few names come with every request, so most skip
 * the regex. Bounded, so a stream of new names only stops being cached.
 */
const GOOD_NAMES = new Set<string>();
const MAX_GOOD_NAMES = 1024;

export function isFieldName(name: string): name is FieldName {
  if (GOOD_NAMES.has(name)) return true;
  if (name.length === 0 || name.length > 256 || !TOKEN.test(name)) return false;
  if (GOOD_NAMES.size < MAX_GOOD_NAMES) GOOD_NAMES.add(name);
  return true;
}

/** A client's field value (see CLIENT_VALUE). */
export function isClientFieldValue(value: string): value is FieldValue {
  return CLIENT_VALUE.test(value);
}

/** A field value regate produced (a policy's header, a credential): same rule, UTF-8 on the wire. */
export function isOwnFieldValue(value: string): value is FieldValue {
  return PLAIN_ASCII_VALUE.test(value) || !BAD_OWN_VALUE.test(value);
}

export function isToken(s: string): boolean {
  return TOKEN.test(s);
}

/** The path part of an origin-form target, by character class only (see `checkPath` for meaning). */
export function isOriginPathSyntax(path: string): boolean {
  return PATH_CHARS.test(path);
}

export function isQuerySyntax(query: string): query is QueryText {
  return QUERY_CHARS.test(query);
}

export function isHost(host: string): host is HostText {
  return host.length <= 1024 && HOST.test(host);
}
