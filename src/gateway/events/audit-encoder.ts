/**
 * Encodes the audit event of one request straight to its JSON text — the bytes the batch carries
 * to Redis — without building the event object first (issue #6: CPU per event).
 *
 * Why not `JSON.stringify(buildAuditEvent(ctx))`: on these machines a JSON.stringify call costs
 * ~200 ns before it writes a byte, and the whole event object ~5 µs; building the object cost 3–4
 * more. Most of an event is either fixed per route or fixed per token: the authenticate stage
 * caches one deeply frozen TokenInfo per token (authn/token-info.ts), so the token's JSON — the
 * claims, the largest part — is encoded once per token here and reused by identity. What is left
 * per request is a handful of short strings, which go in raw between quotes after one regex has
 * checked that none needs escaping.
 *
 * The output is exactly `JSON.stringify(createAuditEventBuilder(opts)(ctx, id))`, same keys in
 * the same order (test/gateway/events/audit-encoder.test.ts compares the two over varied
 * contexts). With JSON-pointer mask rules configured, the object is built and masked as before
 * and then stringified: a rule may reach into any part of the event.
 *
 * Example:
 * ```ts
 * const encode = createAuditEncoder({ mask_headers: ['cookie'], labels: { env: 'prod' } });
 * const json = encode(ctx, decisionId); // '{"decision_id":"…","timestamp":"…",…}'
 * ```
 */
import type { PolicyInput } from '../shared/policy-input.js';
import { parseQuery } from '../shared/policy-input.js';
import { looksLikeCredential } from '../shared/secrets.js';
import type { RequestContext, RouteRef, TokenInfo } from '../pipeline/context.js';
import { createAuditEventBasics, createAuditEventBuilder, policyErrorOf, type AuditEventOptions } from './audit-event.js';
import { rfc3339Nano } from '../shared/time-format.js';
import { createResultEncoder } from './result-json.js';

/** Header names come from clients: their encoded forms are cached up to a bound. */
const MAX_CACHED_NAMES = 4096;

/** The parts of an event fixed by its route (RouteRef objects are frozen, one per route). */
interface RouteParts {
  /** after the timestamp's value up to `input.request.id`'s: `",` `"path":"<policy>","input":{"request":{"id":"` */
  timestampToRequestId: string;
  /** `,"route":{"id":…,"upstream":…}}`, when `input.route` matches the route (it always does: buildPolicyInput) */
  inputRouteEnd: string;
  /** after the handler timer's value up to the gateway's upstream: `},"gateway":{"route":<id>,"upstream":` */
  metricsEndToUpstream: string;
  upstream: string;
}

/** The parts of an event fixed by its token. */
interface TokenParts {
  json: string;
  /** `,"client_id":…,"sub":…,"remote_addr":"` */
  ids: string;
}

const str = JSON.stringify as (s: string) => string;

/** A value as JSON, `null` for the values JSON.stringify drops or cannot show (as in an array). */
function val(v: unknown): string {
  return JSON.stringify(v) ?? 'null';
}

function num(n: number): string {
  return Number.isFinite(n) ? String(n) : 'null';
}

/**
 * What JSON.stringify would escape in a string: `"`, `\`, C0 controls; and any surrogate, so
 * that a lone one (escaped as `\udXXX`) is never hidden by joining strings — a valid pair (an
 * emoji) merely takes the exact path.
 */
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

export function createAuditEncoder(opts: AuditEventOptions = {}): (ctx: RequestContext, decisionId: string) => string {
  const encode = createEncoder(opts);
  // `nd_builtin_cache` goes last, as the policy back end wrote its JSON: time.now_ns is an integer
  // beyond 2^53 that a JS object would round. Mask rules reach `/input` only, never this part.
  return (ctx, id) => {
    const nd = ctx.decision?.ndBuiltinCache;
    const s = encode(ctx, id);
    return nd === undefined ? s : s.slice(0, -1) + ',"nd_builtin_cache":' + nd + '}';
  };
}

function createEncoder(opts: AuditEventOptions): (ctx: RequestContext, decisionId: string) => string {
  if ((opts.mask?.length ?? 0) > 0) {
    const build = createAuditEventBuilder(opts);
    return (ctx, id) => JSON.stringify(build(ctx, id));
  }
  const { isSensitive, erasedPointer, erasedQueryPointer, baseLabels, now, hrtime } = createAuditEventBasics(opts);
  const baseLabelsJson = JSON.stringify(baseLabels);

  const routes = new WeakMap<RouteRef, RouteParts>();
  const routeParts = (r: RouteRef): RouteParts => {
    let p = routes.get(r);
    if (p === undefined) {
      p = {
        timestampToRequestId: '","path":' + str(r.policy ?? '') + ',"input":{"request":{"id":"',
        inputRouteEnd: ',"route":' + JSON.stringify({ id: r.id, upstream: r.upstream }) + '}',
        metricsEndToUpstream: '},"gateway":{"route":' + str(r.id) + ',"upstream":',
        upstream: r.upstream === undefined ? 'null' : val(r.upstream),
      };
      // Only frozen refs (the gateway's) are cached: an unfrozen one could change under the cache.
      if (Object.isFrozen(r)) routes.set(r, p);
    }
    return p;
  };

  const tokens = new WeakMap<TokenInfo, TokenParts>();
  const tokenParts = (t: TokenInfo): TokenParts => {
    let p = tokens.get(t);
    if (p === undefined) {
      const clientId = t.client_id === undefined ? 'null' : val(t.client_id);
      const sub = t.sub === undefined ? 'null' : val(t.sub);
      p = { json: val(t), ids: ',"client_id":' + clientId + ',"sub":' + sub + ',"remote_addr":"' };
      // Cached tokens are deeply frozen by authn (token-info.ts); anything else is encoded per event.
      if (Object.isFrozen(t) && Object.isFrozen(t.claims)) tokens.set(t, p);
    }
    return p;
  };

  const headerNames = new Map<string, string>();
  const headerKey = (name: string): string => {
    let k = headerNames.get(name);
    if (k === undefined) {
      k = str(name) + ':';
      if (headerNames.size < MAX_CACHED_NAMES) headerNames.set(name, k);
    }
    return k;
  };
  const erasedJson = new Map<string, string>();
  const erasedItem = (name: string): string => {
    let k = erasedJson.get(name);
    if (k === undefined) {
      k = str(erasedPointer(name));
      if (erasedJson.size < MAX_CACHED_NAMES) erasedJson.set(name, k);
    }
    return k;
  };

  // the policy's answer by its learnt shape (result-json.ts): exactly JSON.stringify's text
  const encodeResult = createResultEncoder();

  // the exact path's builder, with this encoder's instance id (a fresh one would differ when none was given)
  const build = createAuditEventBuilder({ ...opts, instanceId: baseLabels.id });

  // Strings that passed the escape probe, by field: a field whose value equals its last safe one
  // (method, host, scheme, the peer's address, the policy's revision, the upstream's name —
  // values a gateway sees again and again, whoever the caller) skips the probe. Equal content is
  // enough: what decides escaping is the characters. Only ever set after a passing probe.
  const safe = { method: '', host: '', scheme: '', addr: '', revision: '', upstream: '' };
  // the bundles' JSON by the revision it names (one policy set at a time: the last one)
  let bundlesRevision: string | null = null;
  let bundlesOfRevision = '';

  return function encodeAuditEvent(ctx: RequestContext, decisionId: string): string {
    // What the policy saw; for a request refused before it (or a route without one), what it
    // would have seen — read from the context directly, as buildPolicyInput would (its header
    // copy is not needed: headers are encoded from ctx.headers below, in both cases).
    const pi = ctx.policyInput as PolicyInput | undefined;
    const rq = pi === undefined ? requestOf(ctx) : pi.request;
    const d = ctx.decision;
    const upstreamName = ctx.mapping?.name ?? d?.upstream?.name;
    // The request's own strings go in raw, between quotes, when none of them needs escaping —
    // checked with one regex over their concatenation, since a JSON.stringify call per string
    // cost more than the rest of the event. When one does (rare: a quote or a control character
    // in a header, say), the event takes the exact path: the built object, stringified.
    // `rq.id` and `rq.remote_addr` are the context's own strings (buildPolicyInput), and the Host
    // field's value is `rq.host`: each string goes into the probe once (a test may make them differ)
    let probe = decisionId + ctx.id + rq.path;
    if (rq.method !== safe.method) probe += rq.method;
    if (rq.host !== safe.host) probe += rq.host;
    if (rq.scheme !== safe.scheme) probe += rq.scheme;
    if (ctx.remoteAddr !== safe.addr) probe += ctx.remoteAddr;
    if (rq.id !== ctx.id) probe += rq.id;
    if (rq.remote_addr !== ctx.remoteAddr) probe += rq.remote_addr;
    if (d !== null && d.revision !== safe.revision) probe += d.revision;
    if (typeof upstreamName === 'string' && upstreamName !== safe.upstream) probe += upstreamName;
    let headers = '';
    let erased = '';
    const h = ctx.headers;
    for (const name in h) {
      const v = h[name]!;
      if (isSensitive(name) || looksLikeCredential(v)) erased += (erased === '' ? '' : ',') + erasedItem(name);
      else {
        if (v !== rq.host) probe += v;
        headers += (headers === '' ? '' : ',') + headerKey(name) + '"' + v + '"';
      }
    }
    let query = '';
    const qo = rq.query;
    for (const k of Object.keys(qo)) {
      // erased by the names mask_headers erases (audit-event.ts): an API key in `?api_key=`
      if (isSensitive(k)) {
        erased += (erased === '' ? '' : ',') + str(erasedQueryPointer(k));
        continue;
      }
      const vs = qo[k]!;
      probe += k;
      query += (query === '' ? '"' : ',"') + k + '":[';
      for (let i = 0; i < vs.length; i++) {
        probe += vs[i];
        query += (i === 0 ? '"' : ',"') + vs[i] + '"';
      }
      query += ']';
    }
    let labels = baseLabelsJson;
    if (d?.labels) {
      // labels the policy adds after the gateway's, overriding any of the same name (as the spread does)
      let override = false;
      let extra = '';
      for (const k of Object.keys(d.labels)) {
        if (Object.hasOwn(baseLabels, k)) override = true;
        probe += k + d.labels[k];
        extra += ',"' + k + '":"' + d.labels[k] + '"';
      }
      labels = override ? JSON.stringify({ ...baseLabels, ...d.labels }) : extra === '' ? baseLabelsJson : baseLabelsJson.slice(0, -1) + extra + '}';
    }
    // an encrypted request's event carries `encryption` (audit-event.ts): rare enough for the exact path
    // so does a request over a client certificate (`request.tls`, from the policy input)
    if (NEEDS_ESCAPE.test(probe) || ctx.encryption != null || ctx.tls != null) return JSON.stringify(build(ctx, decisionId));
    safe.method = rq.method;
    safe.host = rq.host;
    safe.scheme = rq.scheme;
    safe.addr = ctx.remoteAddr;
    if (d !== null) safe.revision = d.revision;
    if (typeof upstreamName === 'string') safe.upstream = upstreamName;

    const route = routeParts(ctx.route);
    const token = ctx.auth?.token ?? null;
    const tp = token === null ? null : tokenParts(token);
    // the server's reading at completion when there is one (context.ts `endNs`)
    const latency = num(Number((ctx.endNs ?? hrtime()) - ctx.startNs));

    // The key order below is the object builder's (audit-event.ts); the encoder test holds them equal.
    // Constant text between two values is one literal, and text fixed by the route, the token or
    // the revision one cached string: every `+` is a rope node to allocate and, when the batch
    // copies the event, to walk (the event's string building was ~11 k of its ~43 k instructions).
    // trace ids are hex (telemetry/ writes them): no escaping to check
    const tr = ctx.trace;
    let s = '{"decision_id":"' + decisionId;
    if (tr !== null && tr.traceId !== '') s += '","trace_id":"' + tr.traceId + (tr.spanId !== '' ? '","span_id":"' + tr.spanId : '');
    s +=
      '","req_id":"' + ctx.id +
      '","timestamp":"' + rfc3339Nano(now()) +
      route.timestampToRequestId + rq.id +
      '","method":"' + rq.method +
      '","path":"' + rq.path +
      (query === '' ? '","query":{},"headers":{' : '","query":{' + query + '},"headers":{') + headers +
      '},"host":"' + rq.host +
      '","scheme":"' + rq.scheme +
      '","remote_addr":"' + rq.remote_addr +
      '"},"token":' +
      (pi === undefined || pi.token === token
        ? (tp === null ? 'null' : tp.json) + (pi === undefined || (pi.route.id === ctx.route.id && pi.route.upstream === ctx.route.upstream) ? route.inputRouteEnd : ',"route":' + val(pi.route) + '}')
        : val(pi.token) + (pi.route.id === ctx.route.id && pi.route.upstream === ctx.route.upstream ? route.inputRouteEnd : ',"route":' + val(pi.route) + '}'));
    if (d !== null) {
      const result = encodeResult(d.raw);
      if (result !== undefined) s += ',"result":' + result;
    }
    if (ctx.error !== null) {
      const pe = policyErrorOf(ctx);
      if (pe !== null) s += ',"error":' + JSON.stringify(pe);
    }
    let bundles = '{}';
    if (d) {
      if (d.bundlesJson !== undefined) bundles = d.bundlesJson;
      else if (d.revision === bundlesRevision) bundles = bundlesOfRevision;
      else bundles = bundlesOfRevision = '{"policies":{"revision":"' + (bundlesRevision = d.revision) + '"}}';
    }
    s +=
      ',"requested_by":"' + ctx.remoteAddr +
      '","labels":' + labels +
      ',"bundles":' + bundles +
      (d ? ',"metrics":{"timer_rego_query_eval_ns":' + num(d.evalNs) + ',"timer_server_handler_ns":' : ',"metrics":{"timer_server_handler_ns":') + latency +
      route.metricsEndToUpstream +
      (typeof upstreamName === 'string' ? '"' + upstreamName + '"' : upstreamName === undefined || upstreamName === null ? route.upstream : val(upstreamName)) +
      ',"status":' + num(ctx.status) +
      (tp === null ? NO_TOKEN_IDS : tp.ids) + ctx.remoteAddr +
      '","latency_ns":' + latency +
      FLAGS[(ctx.rateLimited ? 2 : 0) + (ctx.degraded || ctx.auth?.degraded === true ? 1 : 0)]! +
      (ctx.error ? str(ctx.error.code) + '}' : 'null}');
    if (erased !== '') s += ',"erased":[' + erased + ']';
    return s + '}';
  };
}

/** `,"client_id":…,"sub":…,"remote_addr":"` of a request without a token */
const NO_TOKEN_IDS = ',"client_id":null,"sub":null,"remote_addr":"';
/** `,"rate_limited":…,"degraded":…,"error":` by rate_limited × 2 + degraded */
const FLAGS = [
  ',"rate_limited":false,"degraded":false,"error":',
  ',"rate_limited":false,"degraded":true,"error":',
  ',"rate_limited":true,"degraded":false,"error":',
  ',"rate_limited":true,"degraded":true,"error":',
];

/** `input.request` as buildPolicyInput makes it, minus the headers (shared/policy-input.ts). */
function requestOf(ctx: RequestContext): Omit<PolicyInput['request'], 'headers'> {
  return { id: ctx.id, method: ctx.method, path: ctx.path, query: parseQuery(ctx.rawQuery), host: ctx.host, scheme: ctx.scheme, remote_addr: ctx.remoteAddr };
}
