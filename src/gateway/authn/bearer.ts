/**
 * Bearer token extraction (RFC 6750 §2). The Authorization header is the method; the query
 * parameter (§2.3) only on routes that opt in, because URLs end up in logs and caches. The form
 * body method (§2.2) is not supported: the gateway does not read bodies before authorizing.
 *
 * Extraction is split in two for the hot path. `extractBearerToken` does the O(1) checks (scheme,
 * presence, size). `assertB64Token` scans the token's characters (§2.1 `b64token`) and runs only
 * on a cache miss: a token found in the cache was scanned when it was first seen (same bytes, same
 * SHA-256), so a repeat request skips a scan that costs as much as the hash.
 */
import type { RequestContext } from '../pipeline/context.js';
import { createTokenError } from './token-errors.js';

// §2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;
const SCHEME_BEARER = /^bearer(?:\s|$)/i;
const SPACE = 32;

export interface BearerOptions {
  realm: string;
  maxTokenBytes: number;
  /** the route accepts `access_token` in the query string */
  allowQuery: boolean;
}

/**
 * Returns the bearer token of a request or throws the RFC 6750 rejection.
 * Missing → 401 GW_ERR_TOKEN_MISSING; malformed → 400 GW_ERR_TOKEN_MALFORMED; too large → 431.
 * The caller must `assertB64Token` before trusting the token's syntax (see above).
 *
 * @example
 * const token = extractBearerToken(ctx, { realm: 'regate', maxTokenBytes: 8192, allowQuery: false });
 */
export function extractBearerToken(ctx: Pick<RequestContext, 'headers' | 'rawQuery'>, opts: BearerOptions): string {
  const header = ctx.headers.authorization;
  // Cheap test first: the query is only parsed when it can hold a token at all.
  if (ctx.rawQuery.length > 0 && mayNameAccessToken(ctx.rawQuery)) {
    const queryToken = readQueryToken(ctx.rawQuery);
    if (queryToken !== undefined) {
      // §2: clients MUST NOT use more than one method; routes that did not opt in refuse the method.
      if (!opts.allowQuery || header !== undefined) throw createTokenError('GW_ERR_TOKEN_MALFORMED', opts.realm, new Error('access_token in query refused'));
      return checkSize(queryToken, opts);
    }
  }
  if (header === undefined || header.length === 0) throw createTokenError('GW_ERR_TOKEN_MISSING', opts.realm);
  // Size before any parsing: a 64 KB header costs one comparison.
  if (header.length > opts.maxTokenBytes + 16) throw createTokenError('GW_ERR_TOKEN_TOO_LARGE', opts.realm, new Error(`authorization header of ${header.length} bytes`));
  if (isBearerScheme(header)) {
    // credentials = "Bearer" 1*SP b64token
    let i = 7;
    while (i < header.length && header.charCodeAt(i) === SPACE) i++;
    if (i < header.length) return checkSize(header.slice(i), opts);
    throw createTokenError('GW_ERR_TOKEN_MALFORMED', opts.realm, new Error('empty bearer credentials'));
  }
  // Another scheme (Basic, DPoP, …) means no bearer credentials were sent (§3.1: no error code);
  // a "Bearer" that does not parse (no space, a tab) is malformed.
  if (SCHEME_BEARER.test(header)) throw createTokenError('GW_ERR_TOKEN_MALFORMED', opts.realm, new Error('malformed bearer credentials'));
  throw createTokenError('GW_ERR_TOKEN_MISSING', opts.realm, new Error('authorization scheme is not Bearer'));
}

/**
 * Throws 400 GW_ERR_TOKEN_MALFORMED unless `token` is an RFC 6750 §2.1 b64token (which also
 * rules out ", " from repeated Authorization headers joined into one value).
 *
 * @example
 * assertB64Token('abc.def', 'regate'); // ok
 */
export function assertB64Token(token: string, realm: string): void {
  if (!B64TOKEN.test(token)) throw createTokenError('GW_ERR_TOKEN_MALFORMED', realm, new Error('token is not a b64token'));
}

/** "Bearer " case-insensitively (RFC 9110 §11.1), compared by char code: no allocation. */
function isBearerScheme(h: string): boolean {
  return (
    h.length > 7 &&
    (h.charCodeAt(0) | 32) === 98 && // b
    (h.charCodeAt(1) | 32) === 101 && // e
    (h.charCodeAt(2) | 32) === 97 && // a
    (h.charCodeAt(3) | 32) === 114 && // r
    (h.charCodeAt(4) | 32) === 101 && // e
    (h.charCodeAt(5) | 32) === 114 && // r
    h.charCodeAt(6) === SPACE
  );
}

function checkSize(token: string, opts: BearerOptions): string {
  if (token.length > opts.maxTokenBytes) throw createTokenError('GW_ERR_TOKEN_TOO_LARGE', opts.realm, new Error(`token of ${token.length} bytes`));
  return token;
}

/**
 * The `access_token` parameter as a backend's query parser finds it: by the decoded name
 * (`access%5Ftoken`, `%61ccess_token` are the same parameter to URLSearchParams, PHP, Rails…), in
 * any case (ASP.NET's query collection ignores case). Before, only the literal spelling counted:
 * `?access%5Ftoken=<another token>` beside an Authorization header was forwarded to the
 * upstream, which may authenticate by it (test/security/query-token-names.test.ts).
 */
function isAccessTokenName(decoded: string): boolean {
  return decoded.length === 12 && decoded.toLowerCase() === 'access_token';
}

/** a name holding a `%` (`(^|&)` then name characters up to a `%`): it may decode to anything */
const ENCODED_NAME = /(?:^|&)[^=&]*%/;

/** Can a parameter of this query be `access_token` (isAccessTokenName)? One or two scans, no parse. */
function mayNameAccessToken(rawQuery: string): boolean {
  return /access_token/i.test(rawQuery) || (rawQuery.includes('%') && ENCODED_NAME.test(rawQuery));
}

function readQueryToken(rawQuery: string): string | undefined {
  let found: string | undefined;
  for (const [k, v] of new URLSearchParams(rawQuery)) {
    if (!isAccessTokenName(k)) continue;
    if (found !== undefined) return '\0'; // two of them: fails the b64token check → 400
    found = v;
  }
  return found;
}

/**
 * The query string without its `access_token` parameters, other parameters byte-for-byte as
 * sent. For routes that accept query tokens (RFC 6750 §2.3): the token must not travel further
 * (upstream URL, policy input, audit path) than the authenticate stage.
 *
 * @example
 * stripQueryToken('a=1&access_token=xyz&b=2'); // 'a=1&b=2'
 */
export function stripQueryToken(rawQuery: string): string {
  if (!mayNameAccessToken(rawQuery)) return rawQuery;
  return rawQuery
    .split('&')
    .filter((part) => {
      // the name decoded exactly as readQueryToken's URLSearchParams decoded it (one part, no '&')
      for (const [k] of new URLSearchParams(part)) return !isAccessTokenName(k);
      return true;
    })
    .join('&');
}
