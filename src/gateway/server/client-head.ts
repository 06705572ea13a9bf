/**
 * The edge: everything a client's request head brings is read from uWS and checked here, once,
 * before routing, authentication, the policy or the upstream see any of it (DESIGN.md "The trust
 * boundary"). What leaves this function is either a head whose every part is valid HTTP/1.1 —
 * and whose UTF-8 encoding is the client's own bytes (shared/http-syntax.ts) — or a coded 400/501.
 *
 * It also takes the gateway's identity away from the client: headers that carry identity or
 * forwarding (`x-user-id`, `x-forwarded-*`, …, and every header a credential sets) are removed
 * here, so neither the policy, the audit stream nor the upstream ever sees a client's claim to
 * them. With `listen.trust_forwarded` the forwarding chain of a trusted load balancer is kept.
 *
 * Runs on every request: one pass over the fields, names remembered by position, one regex per value —
 * but for `Authorization`, whose check is deferred (see `authorizationUnchecked`).
 */
import { badHeaderValueError, GatewayError, type GatewayErrorCode } from '../errors.js';
import type { HttpRequest } from './uws-loader.js';
import { KNOWN_METHODS, isClientFieldValue, isFieldName, isHost, isQuerySyntax } from '../shared/http-syntax.js';
import { checkPath, STRICT_PATH_RULES, type PathRules } from '../shared/path-check.js';
import { headerAliasOf } from '../shared/header-alias.js';

export interface EdgeRules {
  /** header names removed from every client request (lower-case) */
  readonly stripNames: ReadonlySet<string>;
  /** name prefixes removed the same way (`x-forwarded-`) */
  readonly stripPrefixes: readonly string[];
  /** keep the removed fields aside for the policy input (`security.identity_headers_visible_to_policy`) */
  readonly keepStripped: boolean;
  /** `listen.trust_forwarded`: X-Forwarded-For/-Proto and Forwarded come from a trusted proxy */
  readonly trustForwarded: boolean;
  readonly pathRules: PathRules;
  /** `security.chunked_request_bodies` */
  readonly allowChunked: boolean;
  /** `security.allow_query_semicolons` */
  readonly allowQuerySemicolons: boolean;
}

export interface ClientHead {
  method: string;
  path: string;
  rawQuery: string;
  /** the target had a '?' (maybe with nothing after it) */
  hasQuery: boolean;
  host: string;
  /** lower-case names; repeats joined with ", " (cookie with "; "); identity headers removed */
  headers: Record<string, string>;
  /** the forwarded fields, flat [name, value…] in wire order; identity headers removed */
  rawHeaders: string[];
  /** bytes of the head as counted for `limits.max_header_bytes` */
  headerBytes: number;
  /** identity fields the client sent, when the policy may see them (else null) */
  stripped: Record<string, string> | null;
  /**
   * `headers.authorization` is present and its field-value check was deferred: the caller runs
   * `isClientFieldValue` on it before any use, unless the route authenticates — the authenticate
   * stage accepts only `Bearer` + an RFC 6750 b64token, a stricter grammar checked once per
   * distinct token (on its cache miss), and checks the value on every refusal (authn/index.ts).
   * Why: a bearer JWT is ~750 characters, and the check over it was ~7.6 k instructions per
   * request (10 a character), the edge's largest cost; a cached token's repeat costs nothing.
   */
  authorizationUnchecked: boolean;
  /** the first check that failed, or null: the caller answers it */
  error: GatewayError | null;
}

/**
 * The field names of the last requests, by position: valid field-names, each V8's internalized
 * copy (the form a property key takes). uWS hands every request fresh name strings, and each use
 * of a fresh string as a key of `headers` had V8 hash it and look it up in its string table (the
 * megamorphic keyed load and store: ~0.8 k instructions per field under callgrind, issue #20). A
 * name equal to the one remembered at its position is replaced by that copy — the same
 * characters, so nothing downstream can tell — and skips the name check it already passed.
 */
const NAME_SLOTS = 64;
const lastNames: (string | undefined)[] = new Array<string | undefined>(NAME_SLOTS).fill(undefined);

/** V8's internalized copy of `s` (a property key's form), made once per new name at a position. */
function canonicalName(s: string): string {
  const o: Record<string, number> = {};
  o[s] = 0;
  // own keys only; `__proto__` makes none and stays as it came
  return Object.keys(o)[0] ?? s;
}

/** Forwarding fields a trusted load balancer sets (`listen.trust_forwarded`). */
const TRUSTED_FORWARDING = new Set(['x-forwarded-for', 'x-forwarded-proto', 'forwarded']);

/**
 * Reads and checks the head of the request uWS is handing to the route handler. Must run
 * synchronously inside that handler (uWS's `req` is stack-allocated). Never throws.
 *
 * @example
 * const head = readClientHead(req, rules);
 * if (head.error) return answer(head.error);
 */
export function readClientHead(req: HttpRequest, rules: EdgeRules): ClientHead {
  const method = req.getCaseSensitiveMethod();
  const path = req.getUrl();
  const query = req.getQuery(); // undefined without a '?', '' for `/x?`
  const rawQuery = query ?? '';
  const rawHeaders: string[] = [];
  const headers: Record<string, string> = {};
  const s = scan;
  s.rules = rules;
  s.rawHeaders = rawHeaders;
  s.headers = headers;
  s.stripped = null;
  s.headerBytes = method.length + path.length + rawQuery.length + 12;
  s.error = null;
  s.hosts = 0;
  s.lengths = 0;
  s.codings = 0;
  s.firstLength = '';
  s.authorizationUnchecked = false;
  s.pos = 0;
  try {
    req.forEach(scanField);
  } finally {
    // nothing of this request stays reachable from the module once it is read
    s.rules = NO_RULES;
    s.rawHeaders = NO_FIELDS;
    s.headers = NO_HEADERS;
    s.firstLength = '';
  }
  const stripped = s.stripped;
  s.stripped = null;
  let error: GatewayError | null = s.error;
  s.error = null;
  const host = headers['host'] ?? '';
  if (error === null) error = checkLine(method, path, rawQuery, rules) ?? checkHostAndFraming(method, host, s.hosts, headers, s.lengths, s.codings, rules.allowChunked);
  return { method, path, rawQuery, hasQuery: query !== undefined, host, headers, rawHeaders, headerBytes: s.headerBytes, stripped, authorizationUnchecked: s.authorizationUnchecked, error };
}

/**
 * The state of the head being read, for `scanField`: one object for the module rather than a
 * closure and its context per request (~0.2 KB of garbage each; bench/allocations.ts). uWS calls
 * the `forEach` callback synchronously and `readClientHead` never re-enters itself, so one is
 * enough; it is emptied after every head (a header value never outlives its request here).
 */
interface HeadScan {
  rules: EdgeRules;
  rawHeaders: string[];
  headers: Record<string, string>;
  stripped: Record<string, string> | null;
  headerBytes: number;
  error: GatewayError | null;
  hosts: number;
  lengths: number;
  codings: number;
  firstLength: string;
  authorizationUnchecked: boolean;
  pos: number;
}
const NO_FIELDS: string[] = [];
const NO_HEADERS: Record<string, string> = {};
const NO_RULES: EdgeRules = { stripNames: new Set(), stripPrefixes: [], keepStripped: false, trustForwarded: false, pathRules: STRICT_PATH_RULES, allowChunked: false, allowQuerySemicolons: false };
const scan: HeadScan = { rules: NO_RULES, rawHeaders: NO_FIELDS, headers: NO_HEADERS, stripped: null, headerBytes: 0, error: null, hosts: 0, lengths: 0, codings: 0, firstLength: '', authorizationUnchecked: false, pos: 0 };

/** One field of the head being read (`req.forEach`'s callback; its state is `scan`). */
function scanField(name: string, v: string): void {
  const s = scan;
  s.headerBytes += name.length + v.length + 4;
  if (s.error !== null) return;
  // The name as the last request had it at this position (checked, and a property key already)
  // or, once checked, as V8's own copy (canonicalName): see NAME_SLOTS.
  const i = s.pos++;
  const known = i < NAME_SLOTS ? lastNames[i] : undefined;
  let k: string;
  if (known !== undefined && known === name) k = known;
  else {
    if (!isFieldName(name)) {
      s.error = refuse('GW_ERR_BAD_HEADER', 'header field name is not a token');
      return;
    }
    k = canonicalName(name);
    if (i < NAME_SLOTS) lastNames[i] = k;
  }
  const rules = s.rules;
  const strip = isStripped(k, rules);
  // Authorization's check is deferred (ClientHead.authorizationUnchecked) unless the value is
  // put aside for the policy below: every other value is checked here.
  if (k === 'authorization' && !strip) s.authorizationUnchecked = true;
  else if (!isClientFieldValue(v)) {
    s.error = badHeaderValueError(k);
    return;
  }
  if (k === 'host') s.hosts++;
  else if (k === 'content-length') {
    if (s.lengths++ === 0) s.firstLength = v;
    else if (v !== s.firstLength) s.error = refuse('GW_ERR_BAD_FRAMING', 'conflicting Content-Length fields');
  } else if (k === 'transfer-encoding') s.codings++;
  if (strip) {
    if (rules.keepStripped) (s.stripped ??= {})[k] = v;
    return;
  }
  s.rawHeaders.push(k, v);
  const headers = s.headers;
  const prev = headers[k];
  headers[k] = prev === undefined ? v : prev + (k === 'cookie' ? '; ' : ', ') + v;
}

function isStripped(name: string, rules: EdgeRules): boolean {
  if (rules.trustForwarded && TRUSTED_FORWARDING.has(name)) return false;
  if (isStrippedName(name, rules)) return true;
  // `x_user_id` is `x-user-id` to CGI-style backends (shared/header-alias.ts): never the
  // trusted balancer's field, always removed like the name it stands for
  const alias = headerAliasOf(name);
  return alias !== null && isStrippedName(alias, rules);
}

function isStrippedName(name: string, rules: EdgeRules): boolean {
  if (rules.stripNames.has(name)) return true;
  for (const p of rules.stripPrefixes) if (name.startsWith(p)) return true;
  return false;
}

function checkLine(method: string, path: string, rawQuery: string, rules: EdgeRules): GatewayError | null {
  // RFC 9110 §9.1: an unknown method is 501; methods are case-sensitive, and a lower-case "get"
  // that some backends upper-case would slip past a route's or a policy's method rule.
  if (!KNOWN_METHODS.has(method)) return refuse('GW_ERR_METHOD_NOT_IMPLEMENTED', `method ${JSON.stringify(method.slice(0, 32))}`);
  // RFC 9112 §3.2: only origin-form reaches a route (absolute-form, authority-form and `*` never
  // do: uWS 20.56 answers them itself, 20.30 hands them to us).
  if (path.charCodeAt(0) !== 47) return refuse('GW_ERR_BAD_TARGET', 'request target is not in origin-form');
  const why = checkPath(path, rules.pathRules);
  if (why !== null) return refuse(why.startsWith('contains characters') || why.startsWith('malformed') ? 'GW_ERR_BAD_TARGET' : 'GW_ERR_BAD_PATH', why);
  if (rawQuery.length > 0 && !isQuerySyntax(rawQuery)) return refuse('GW_ERR_BAD_TARGET', 'query contains characters outside RFC 3986 query syntax');
  // A raw ";" separates parameters to some backends (Rack 2, PHP's arg_separator.input, Python
  // before 3.9.2, Go before 1.17; Go 1.17+ drops the pair) and not to the policy's
  // input.request.query (URLSearchParams: "&" only): `?view=a;admin=true` hid `admin` from the
  // policy (test/security/query-separators.test.ts). One reading for all: refused, like ";" in
  // the path; "%3B" is data to every parser and passes.
  if (!rules.allowQuerySemicolons && rawQuery.includes(';')) return refuse('GW_ERR_BAD_TARGET', 'raw ";" in the query (security.allow_query_semicolons)');
  return null;
}

function checkHostAndFraming(method: string, host: string, hosts: number, headers: Record<string, string>, lengths: number, codings: number, allowChunked: boolean): GatewayError | null {
  // RFC 9112 §3.2: more than one Host, or an invalid one, is a 400.
  if (hosts > 1) return refuse('GW_ERR_BAD_HOST', 'more than one Host field');
  if (hosts === 1 && !isHost(host)) return refuse('GW_ERR_BAD_HOST', 'Host is not host[:port]');
  if (codings > 0) {
    // RFC 9112 §6.1/§6.3: regate decodes exactly one coding, `chunked`, and only as the sole one;
    // with Content-Length too the framing is ambiguous (the classic smuggling pair).
    if (lengths > 0) return refuse('GW_ERR_BAD_FRAMING', 'both Transfer-Encoding and Content-Length');
    const te = headers['transfer-encoding'] ?? '';
    if (codings > 1 || te.toLowerCase() !== 'chunked') return refuse('GW_ERR_TRANSFER_CODING', `transfer coding ${JSON.stringify(te.slice(0, 64))}`);
    if (!allowChunked) return refuse('GW_ERR_LENGTH_REQUIRED', 'chunked request bodies are refused here (security.chunked_request_bodies)');
  }
  if (lengths > 0 && !/^\d{1,15}$/.test(headers['content-length'] ?? '')) return refuse('GW_ERR_BAD_FRAMING', 'Content-Length is not a number');
  // RFC 9110 §9.3.2, §9.3.8: a body has no meaning on HEAD and is forbidden on TRACE, and a
  // backend that ignores it reads it as its next request (a "CL.0" desync: a request no route or
  // policy saw, run on the gateway's connection; framing.test.ts). GET keeps its body
  // (Elasticsearch searches with one): README "Security model", known and not fixed.
  if ((method === 'HEAD' || method === 'TRACE') && (codings > 0 || (lengths > 0 && Number(headers['content-length']) > 0))) {
    return refuse('GW_ERR_BAD_FRAMING', `a body on ${method}`);
  }
  return null;
}

function refuse(code: GatewayErrorCode, cause: string): GatewayError {
  return new GatewayError(code, { cause });
}
