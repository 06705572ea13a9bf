/**
 * http.send (OPA topdown/http.go): one HTTP exchange, performed synchronously on a worker
 * thread (http-transport.ts) because builtins return values, not promises. The calling
 * thread blocks for the whole exchange (up to `timeout`, 5 s by default): a gateway worker
 * that evaluates such a policy serves nothing else meanwhile, and a policy that calls a server
 * living on the same thread deadlocks until the timeout. The hand-off itself costs ~30 µs per
 * call (bridge round trip without HTTP, 2-core machine under load).
 *
 * Semantics kept from OPA:
 * - the request object must hold `method` and `url` and nothing outside OPA's key list:
 *   `invalid request parameters(s): {"bad_key"}` / `missing required request parameters(s): {"url"}`
 *   (eval_type_error; OPA's spelling, Rego set formatting);
 * - `raise_error` (default true) is read first; when false, every failure — a bad request
 *   object included — becomes `{"status_code": 0, "error": {"code", "message"}}` with code
 *   eval_http_send_network_error for transport failures, eval_http_send_internal_error else;
 * - the answer is `{status, status_code, headers, body, raw_body}`: header names lower-cased
 *   with arrays of values; `body` decoded when the Content-Type is JSON (application/json or
 *   application/*+json) or YAML, or `force_json_decode` / `force_yaml_decode`, null otherwise;
 * - within one evaluation identical requests (after removing `cache_ignored_headers`) are sent
 *   once: answers with a cacheable status and errors are memoised in the evaluation's cache;
 * - `cache: true` / `force_cache: true` + `force_cache_duration_seconds` use the inter-query
 *   cache (http-cache.ts) with OPA's freshness rules and revalidation of stale entries.
 * OPA's capabilities `allow_net` and a cap on `timeout` are limits an application sets with
 * createHttpSendBuiltin (the default registry has none, like OPA without capabilities).
 * Not supported: distributed tracing headers. Deliberate differences: redirects stop after 10
 * hops (OPA's own CheckRedirect never stops), the User-Agent is regate's, the inter-query
 * cache is bounded, and a stale entry is revalidated with the request's full headers (OPA
 * sends the cache key's, i.e. without `cache_ignored_headers`).
 */
import { BuiltinError, BuiltinTypeError } from '../../errors.js';
import { RSet, decodeGoString, formatValue, replaceRawBytes, hashKey, isObject, objectEntries, objectGet, parseJson, parseGoYaml, fromJs, typeName, makeObject, type PlainObject, type Value } from '../../value/index.js';
import type { BuiltinContext, BuiltinDef } from '../registry.js';
import { CACHEABLE_STATUS, canStore, expiryFromHeaders, httpSendCache, type CachedResponse } from './http-cache.js';
import { HTTP_SEND_REQUEST_KEYS as ALLOWED_KEYS } from '../shared/http-request-keys.js';
import { HttpSendFailure, buildTransportSpec, builtinFailure, operandFailure, readMaxRetries, termText, verifyUrlHost, type HttpSendLimits, type RequestObject } from './http-request.js';
import { sendHttpSync, type TransportResponse, type TransportSpec } from './http-transport.js';

const NAME = 'http.send';



/** Intra-query memo entry: OPA keeps errors too, so a failed call fails the same way again. */
type Memo = { value: Value } | { error: HttpSendFailure };

function memoOf(ctx: BuiltinContext): Map<string, Memo> {
  let m = ctx.cache.get(NAME) as Map<string, Memo> | undefined;
  if (!m) ctx.cache.set(NAME, (m = new Map()));
  return m;
}

/** OPA's validateHTTPRequestOperand. */
function validateKeys(req: RequestObject): void {
  const keys = objectEntries(req).map(([k]) => k);
  const invalid = keys.filter((k) => typeof k !== 'string' || !ALLOWED_KEYS.has(k));
  if (invalid.length > 0) throw operandFailure(`invalid request parameters(s): ${formatValue(RSet.of(invalid))}`);
  const missing = ['method', 'url'].filter((k) => !keys.includes(k));
  if (missing.length > 0) throw operandFailure(`missing required request parameters(s): ${formatValue(RSet.of(missing))}`);
}

/** OPA's getBoolValFromReqObj: absent = false, non-boolean = error. */
function boolField(req: RequestObject, key: string): boolean {
  const v = objectGet(req, key);
  if (v === undefined) return false;
  if (typeof v !== 'boolean') throw builtinFailure(`invalid value for ${JSON.stringify(key)} field`);
  return v;
}

/** OPA's getKeyFromRequest: the request minus `cache_ignored_headers`, which becomes null. */
function cacheKeyOf(req: RequestObject): RequestObject {
  const entries: [Value, Value][] = objectEntries(req).filter(([k]) => k !== 'cache_ignored_headers') as [Value, Value][];
  const ignored = objectGet(req, 'cache_ignored_headers');
  const headers = objectGet(req, 'headers');
  if (ignored !== undefined && headers !== undefined) {
    if (!Array.isArray(ignored) || !ignored.every((h) => typeof h === 'string')) {
      throw new HttpSendFailure(`json: cannot unmarshal ${typeName(ignored)} into Go value of type []string`, 'internal');
    }
    if (!isObject(headers)) throw new HttpSendFailure(`json: cannot unmarshal ${typeName(headers)} into Go value of type map[string]interface {}`, 'internal');
    const kept = objectEntries(headers).filter(([h]) => !ignored.includes(h as string));
    const i = entries.findIndex(([k]) => k === 'headers');
    entries[i] = ['headers', makeObject(kept)];
  }
  entries.push(['cache_ignored_headers', null]);
  return makeObject(entries);
}

/** force_cache parameters (OPA's useInterQueryCache / newForceCacheParams). */
function interQueryMode(req: RequestObject): { use: boolean; forceSeconds: number | undefined } {
  const cache = boolField(req, 'cache');
  if (!boolField(req, 'force_cache')) return { use: cache, forceSeconds: undefined };
  const d = objectGet(req, 'force_cache_duration_seconds');
  if (d === undefined) throw builtinFailure("'force_cache' set but 'force_cache_duration_seconds' parameter is missing");
  const text = termText(d);
  if (!/^[+-]?\d+$/.test(text)) throw builtinFailure(`strconv.ParseInt: parsing ${JSON.stringify(text)}: invalid syntax`);
  const n = Number(text);
  if (n > 2 ** 31 - 1 || n < -(2 ** 31)) throw builtinFailure(`strconv.ParseInt: parsing ${JSON.stringify(text)}: value out of range`);
  return { use: true, forceSeconds: n };
}

/** OPA's caching_mode check ("serialized" | "deserialized"; both store the same here). */
function checkCachingMode(req: RequestObject): void {
  const v = objectGet(req, 'caching_mode');
  if (v === undefined) return;
  if (typeof v !== 'string') throw new HttpSendFailure('invalid value for "caching_mode" field', 'internal');
  if (v !== 'serialized' && v !== 'deserialized') throw new HttpSendFailure(`invalid value specified for "caching_mode" field: ${v}`, 'internal');
}

/** Go's mime.ParseMediaType + OPA's isJSONType. */
function isJsonType(contentType: string): boolean {
  const [media, ...params] = contentType.split(';');
  const t = (media ?? '').trim().toLowerCase();
  const m = /^[!#$%&'*+\-.^_`|~0-9a-z]+\/([!#$%&'*+\-.^_`|~0-9a-z]+)$/.exec(t);
  if (!m || !t.startsWith('application/')) return false;
  if (params.some((p) => p.trim() !== '' && !/^\s*[!#$%&'*+\-.^_`|~0-9A-Za-z]+\s*=/.test(p))) return false;
  const sub = m[1] as string;
  return sub === 'json' || sub.endsWith('+json');
}

/** OPA's prepareASTResult. */
function formatResponse(r: TransportResponse | CachedResponse, forceJson: boolean, forceYaml: boolean): Value {
  // raw_body is string(body): the bytes as they came (value/go-bytes.ts); the decoders read a
  // byte that is not UTF-8 as U+FFFD.
  const text = decodeGoString(r.body);
  const ct = r.headers['content-type']?.[0] ?? '';
  let body: Value = null;
  // An undecodable body is not an error: `body` is then null (OPA).
  try {
    if (forceJson || isJsonType(ct)) body = parseJson(replaceRawBytes(text));
    else if (forceYaml || ct.includes('application/yaml') || ct.includes('application/x-yaml')) body = fromJs(parseGoYaml(replaceRawBytes(text)));
  } catch {
    body = null;
  }
  const headers: PlainObject = {};
  for (const [k, vs] of Object.entries(r.headers)) {
    if (k === '__proto__') Object.defineProperty(headers, k, { value: [...vs], enumerable: true, writable: true, configurable: true });
    else headers[k] = [...vs];
  }
  return { body, headers, raw_body: text, status: r.status, status_code: r.statusCode };
}

/** One exchange (with retries); a failure becomes an HttpSendFailure. */
function execute(req: RequestObject, limits: HttpSendLimits, extraHeaders: [string, string][] = []): TransportResponse {
  // Request-object errors come back wrapped (OPA's handleHTTPSendErr); a URL the client cannot
  // dial is a network failure, as Go's client.Do reports it.
  const spec: TransportSpec = { ...buildTransportSpec(req, limits), maxRetries: 0 };
  spec.maxRetries = readMaxRetries(req);
  for (const [k, v] of extraHeaders) {
    spec.headers = spec.headers.filter(([h]) => h.toLowerCase() !== k.toLowerCase());
    spec.headers.push([k, v]);
  }
  const r = sendHttpSync(spec);
  if (r.ok) return r.response;
  if (r.kind === 'body') throw builtinFailure(r.message);
  throw new HttpSendFailure(r.message, 'network', undefined, r.timeout ? { op: r.op, url: r.url } : undefined);
}

function toCached(r: TransportResponse, expiresAtMs: number): CachedResponse {
  return { statusCode: r.statusCode, status: r.status, headers: r.headers, body: r.body, expiresAtMs };
}

function nowMs(ctx: BuiltinContext): number {
  return Number(ctx.nowNs / 1_000_000n);
}

/** OPA's insertIntoHTTPSendInterQueryCache; throws (callers decide whether that matters). */
function storeInterQuery(key: string, req: RequestObject, r: TransportResponse, forceSeconds: number | undefined, ctx: BuiltinContext): void {
  const forced = forceSeconds !== undefined && forceSeconds > 0;
  if ((!forced && !canStore(r.headers)) || !CACHEABLE_STATUS.has(r.statusCode)) return;
  checkCachingMode(req);
  const expires = forced ? nowMs(ctx) + forceSeconds * 1000 : expiryFromHeaders(r.headers);
  httpSendCache.set(key, toCached(r, expires));
}

/** OPA's checkHTTPSendInterQueryCache: a fresh hit, a revalidated entry, or undefined. */
function checkInterQuery(key: string, req: RequestObject, forceSeconds: number | undefined, fj: boolean, fy: boolean, ctx: BuiltinContext, limits: HttpSendLimits): Value | undefined {
  const hit = httpSendCache.get(key);
  if (!hit) return undefined;
  if (nowMs(ctx) < hit.expiresAtMs) return formatResponse(hit, fj, fy);
  const etag = hit.headers['etag']?.[0] ?? '';
  const lastModified = hit.headers['last-modified']?.[0] ?? '';
  // OPA builds the revalidation request (and reports its errors) before checking validators.
  const conditional: [string, string][] = [];
  if (etag !== '') conditional.push(['If-None-Match', etag]);
  if (lastModified !== '') conditional.push(['If-Modified-Since', lastModified]);
  if (conditional.length === 0) {
    httpSendCache.delete(key);
    return undefined;
  }
  let r: TransportResponse;
  try {
    r = execute(req, limits, conditional);
  } finally {
    httpSendCache.delete(key);
  }
  const wrap = (e: unknown): never => {
    throw new HttpSendFailure((e as Error).message, 'internal');
  };
  if (r.statusCode === 200) {
    try {
      storeInterQuery(key, req, r, forceSeconds, ctx);
    } catch (e) {
      wrap(e);
    }
    return formatResponse(r, fj, fy);
  }
  if (r.statusCode !== 304) return undefined;
  // 304: the 304's headers replace the stored ones of the same name; freshness starts over.
  const headers = { ...hit.headers, ...r.headers };
  let expires: number;
  try {
    expires = forceSeconds !== undefined && forceSeconds > 0 ? nowMs(ctx) + forceSeconds * 1000 : expiryFromHeaders(r.headers);
    checkCachingMode(req);
  } catch (e) {
    return wrap(e);
  }
  const updated: CachedResponse = { ...hit, headers, expiresAtMs: expires };
  httpSendCache.set(key, updated);
  return formatResponse(updated, fj, fy);
}

/** OPA's getHTTPResponse: memo, inter-query cache, then the network. */
function getResponse(req: RequestObject, ctx: BuiltinContext, limits: HttpSendLimits): Value {
  // allow_net is checked before any cache, so a restricted evaluator never sees another's answers.
  const url = objectGet(req, 'url');
  if (typeof url === 'string') verifyUrlHost(url, limits);
  const keyValue = cacheKeyOf(req);
  const key = hashKey(keyValue);
  const { use, forceSeconds } = interQueryMode(req);
  const memo = memoOf(ctx);
  const seen = memo.get(key);
  if (seen) {
    if ('error' in seen) throw seen.error;
    return seen.value;
  }
  const remember = (m: Memo): void => {
    memo.set(key, m);
  };
  /** Runs `step`; a failure OPA would raise is memoised for this evaluation before it propagates. */
  const failing = <T>(step: () => T): T => {
    try {
      return step();
    } catch (e) {
      if (e instanceof HttpSendFailure) remember({ error: e });
      throw e;
    }
  };
  if (use) {
    // OPA reads force_*_decode from the key here, before consulting the caches.
    const fj = boolField(keyValue, 'force_json_decode');
    const fy = boolField(keyValue, 'force_yaml_decode');
    const cached = failing(() => checkInterQuery(key, req, forceSeconds, fj, fy, ctx, limits));
    if (cached !== undefined) {
      remember({ value: cached });
      return cached;
    }
    const r = failing(() => execute(req, limits));
    const value = formatResponse(r, fj, fy);
    remember({ value });
    try {
      storeInterQuery(key, req, r, forceSeconds, ctx);
    } catch {
      // OPA ignores a failure to fill the inter-query cache: the answer itself is good.
    }
    return value;
  }
  const r = failing(() => execute(req, limits));
  const value = formatResponse(r, boolField(keyValue, 'force_json_decode'), boolField(keyValue, 'force_yaml_decode'));
  if (CACHEABLE_STATUS.has(r.statusCode)) remember({ value });
  return value;
}

/** A failure as OPA raises it (handleHTTPSendErr → handleBuiltinErr). */
function raise(f: HttpSendFailure): never {
  if (f.wrapped === 'eval_type_error') throw new BuiltinTypeError(NAME, f.message);
  // Client timeouts get a generic text so that they are not mistaken for server trouble.
  if (f.timeout) throw new BuiltinError(NAME, `${f.timeout.op} ${f.timeout.url}: request timed out`);
  throw new BuiltinError(NAME, f.message);
}

/** A failure as a response object (raise_error: false). */
function errorResponse(f: HttpSendFailure): Value {
  const message = f.wrapped ? `${f.wrapped}: ${NAME}: ${f.message}` : f.message;
  return { error: { code: f.kind === 'network' ? 'eval_http_send_network_error' : 'eval_http_send_internal_error', message }, status_code: 0 };
}

function httpSend(args: readonly Value[], ctx: BuiltinContext, limits: HttpSendLimits): Value {
  const req = args[0] as Value;
  if (!isObject(req)) throw new BuiltinTypeError(NAME, `operand 1 must be object but got ${typeName(req)}`);
  const raiseOpt = objectGet(req, 'raise_error');
  if (raiseOpt !== undefined && typeof raiseOpt !== 'boolean') throw new BuiltinError(NAME, 'invalid value for raise_error field');
  const raiseError = raiseOpt !== false;
  try {
    validateKeys(req);
    return getResponse(req, ctx, limits);
  } catch (e) {
    if (!(e instanceof HttpSendFailure)) throw e;
    if (raiseError) raise(e);
    return errorResponse(e);
  }
}

/**
 * http.send with limits an application sets (OPA's capabilities `allow_net`, a timeout cap), to
 * register in place of the default one.
 *
 * @example
 *   const registry = createRegistry([...allBuiltins.filter((b) => b.name !== 'http.send'),
 *     createHttpSendBuiltin({ allowNet: ['authz.internal'], maxTimeoutMs: 500 })]);
 */
export function createHttpSendBuiltin(limits: HttpSendLimits = {}): BuiltinDef {
  if (limits.maxTimeoutMs !== undefined && !(limits.maxTimeoutMs > 0)) throw new TypeError('maxTimeoutMs must be a positive number of milliseconds');
  const frozen: HttpSendLimits = { ...(limits.allowNet ? { allowNet: [...limits.allowNet] } : {}), ...(limits.maxTimeoutMs !== undefined ? { maxTimeoutMs: limits.maxTimeoutMs } : {}) };
  return { name: NAME, arity: 1, nondeterministic: true, impl: (args, ctx) => httpSend(args, ctx, frozen) };
}

export type { HttpSendLimits };

export const httpBuiltins: BuiltinDef[] = [createHttpSendBuiltin()];
