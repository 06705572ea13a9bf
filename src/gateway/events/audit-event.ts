/**
 * Builds the audit event of one request from its RequestContext: OPA's decision-log fields
 * (open-policy-agent/opa `plugins/logs/plugin.go` EventV1) plus `gateway{…}` (DESIGN.md).
 *
 * `input` is rebuilt here exactly as the policy saw it (DESIGN.md "Policy input"), then masked:
 * sensitive headers erased (always `authorization`, so the raw bearer token never reaches an
 * event), then the configured JSON-pointer rules. The token part is the normalised TokenInfo,
 * which never holds the raw token.
 *
 * Example:
 * ```ts
 * const build = createAuditEventBuilder({ mask: [], mask_headers: ['cookie'], labels: { env: 'prod' } });
 * const ev = build(ctx, randomUUID());
 * ```
 */
import { randomUUID } from 'node:crypto';
import type { RequestContext } from '../pipeline/context.js';
import { buildPolicyInput, type PolicyInput } from '../shared/policy-input.js';
import { looksLikeCredential } from '../shared/secrets.js';
import { rfc3339Nano } from '../shared/time-format.js';
import { createHeaderFilter, createMasker } from './mask.js';
import type { MaskRule } from '../config/types.js';
import type { AuditEvent } from '../shared/event-types.js';
import { REGATE_VERSION } from '../shared/version.js';

export interface AuditEventOptions {
  mask?: readonly MaskRule[];
  mask_headers?: readonly string[];
  labels?: Record<string, string>;
  /** instance id for `labels.id` (OPA puts its instance id there) */
  instanceId?: string;
  /** clocks, for tests that compare two encodings of one event (default Date.now, process.hrtime.bigint) */
  now?: () => number;
  hrtime?: () => bigint;
}


/** Bounded like the header filter's cache: header names come from clients. */
const MAX_CACHED_NAMES = 4096;

/** What the object builder and the JSON encoder (audit-encoder.ts) share, built once per emitter. */
export interface AuditEventBasics {
  masker: ReturnType<typeof createMasker>;
  isSensitive: (name: string) => boolean;
  /** `/input/request/headers/<name>` (RFC 6901-escaped) of an erased header */
  erasedPointer: (name: string) => string;
  /** `/input/request/query/<name>` (RFC 6901-escaped) of an erased query parameter */
  erasedQueryPointer: (name: string) => string;
  baseLabels: Readonly<Record<string, string>>;
  /** ms epoch for `timestamp` and the monotonic clock for latency; replaceable so tests can pin them */
  now: () => number;
  hrtime: () => bigint;
}

export function createAuditEventBasics(opts: AuditEventOptions): AuditEventBasics {
  // `/input/request/headers/<name>` per erased header name: every event erases at least
  // `authorization`, and two regex replaces per event were measurable.
  const pointers = new Map<string, string>();
  return {
    masker: createMasker(opts.mask ?? []),
    isSensitive: createHeaderFilter(opts.mask_headers ?? ['authorization', 'cookie']),
    erasedPointer(name) {
      let p = pointers.get(name);
      if (p === undefined) {
        p = '/input/request/headers/' + name.replace(/~/g, '~0').replace(/\//g, '~1');
        if (pointers.size < MAX_CACHED_NAMES) pointers.set(name, p);
      }
      return p;
    },
    erasedQueryPointer: (name) => '/input/request/query/' + name.replace(/~/g, '~0').replace(/\//g, '~1'),
    // OPA's labels.version is its own version; ours is regate's (a configured label may override it)
    baseLabels: Object.freeze({ id: opts.instanceId ?? randomUUID(), version: REGATE_VERSION, ...(opts.labels ?? {}) }),
    now: opts.now ?? Date.now,
    hrtime: opts.hrtime ?? process.hrtime.bigint,
  };
}

export function createAuditEventBuilder(opts: AuditEventOptions = {}): (ctx: RequestContext, decisionId?: string) => AuditEvent {
  const { masker, isSensitive, erasedPointer, erasedQueryPointer, baseLabels, now, hrtime } = createAuditEventBasics(opts);

  return function buildAuditEvent(ctx: RequestContext, decisionId: string = randomUUID()): AuditEvent {
    const headers: Record<string, string> = {};
    let erased: string[] | undefined;
    for (const name in ctx.headers) {
      const v = ctx.headers[name]!;
      // by name (mask_headers, always authorization), and any value that holds a credential
      if (isSensitive(name) || looksLikeCredential(v)) (erased ??= []).push(erasedPointer(name));
      else headers[name] = v;
    }
    const token = ctx.auth?.token ?? null;
    const policyInput = (ctx.policyInput as PolicyInput | undefined) ?? buildPolicyInput(ctx);
    // query parameters by the same names (an API key in `?api_key=`); the policy saw them
    let query = policyInput.request.query;
    for (const name of Object.keys(query)) {
      if (!isSensitive(name)) continue;
      if (query === policyInput.request.query) query = { ...query };
      delete query[name];
      (erased ??= []).push(erasedQueryPointer(name));
    }
    const d = ctx.decision;
    const latencyNs = Number((ctx.endNs ?? hrtime()) - ctx.startNs);
    const tr = ctx.trace;
    const policyError = policyErrorOf(ctx);
    const ev: AuditEvent = {
      decision_id: decisionId,
      ...(tr !== null && tr.traceId !== '' ? { trace_id: tr.traceId, ...(tr.spanId !== '' ? { span_id: tr.spanId } : {}) } : {}),
      req_id: ctx.id,
      timestamp: rfc3339Nano(now()),
      path: ctx.route.policy ?? '',
      // What the policy saw (the authorize stage keeps it), or what it would have seen for a
      // request refused earlier; headers as masked above.
      input: { ...policyInput, request: { ...policyInput.request, query, headers } },
      result: d ? d.raw : undefined,
      ...(policyError !== null ? { error: policyError } : {}),
      requested_by: ctx.remoteAddr,
      labels: d?.labels ? { ...baseLabels, ...d.labels } : baseLabels,
      bundles: d ? (d.bundles ?? { policies: { revision: d.revision } }) : {},
      metrics: d ? { timer_rego_query_eval_ns: d.evalNs, timer_server_handler_ns: latencyNs } : { timer_server_handler_ns: latencyNs },
      gateway: {
        route: ctx.route.id,
        upstream: ctx.mapping?.name ?? d?.upstream?.name ?? ctx.route.upstream ?? null,
        status: ctx.status,
        client_id: token?.client_id ?? null,
        sub: token?.sub ?? null,
        remote_addr: ctx.remoteAddr,
        latency_ns: latencyNs,
        rate_limited: ctx.rateLimited,
        degraded: ctx.degraded || ctx.auth?.degraded === true,
        error: ctx.error ? ctx.error.code : null,
        ...(ctx.encryption != null ? { encryption: { ...ctx.encryption } } : {}),
      },
    };
    if (erased) ev.erased = erased;
    // Rules may reach token claims, the result or the policy input, all shared with the context:
    // copy-on-write copies just the containers on the masked paths.
    if (masker.size > 0) masker.apply(ev, true);
    if (ev.result === undefined) delete ev.result;
    return ev;
  };
}

/** The codes of a decision that failed (OPA's event then carries `error`); other refusals are decisions. */
const POLICY_FAILURES: ReadonlySet<string> = new Set(['GW_ERR_POLICY_ERROR', 'GW_ERR_POLICY_BUDGET', 'GW_ERR_POLICY_DECISION', 'GW_ERR_POLICY_UNAVAILABLE']);

/**
 * `error` of the event when the policy failed: the code and the cause's message (the toolchain's
 * `file:line:col: …` for an evaluation error; it names policy text, never request values).
 */
export function policyErrorOf(ctx: RequestContext): { code: string; message: string } | null {
  const e = ctx.error;
  if (e === null || !POLICY_FAILURES.has(e.code)) return null;
  const c: unknown = e.cause;
  const message = c instanceof Error ? c.message : c === undefined || c === null ? e.message : String(c);
  return { code: e.code, message: message.slice(0, 500) };
}
