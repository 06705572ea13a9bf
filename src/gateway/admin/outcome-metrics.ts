/**
 * What an operator asks of each request beyond its count and duration (admin/metrics.ts): how
 * each upstream answers and how fast, what the gateway decided and why, and how long policies
 * take. Every label takes values from the config (route ids, upstream names) or from a fixed
 * set (status classes, GW_ERR_* codes), so the number of series is bounded whatever clients send.
 *
 * The per-request series are deferred (shared/deferred-metrics.ts): the request path adds to
 * plain numbers, prom-client reads them at scrape time.
 *
 * Example:
 * ```ts
 * const outcomes = createOutcomeMetrics(registry);
 * const proxy = outcomes.timeProxy(createProxy(config, upstreams));
 * outcomes.record(ctx); // once per request, after the response
 * ```
 */
import type { Registry } from 'prom-client';
import type { RequestContext } from '../pipeline/context.js';
import type { PipelineProxy } from '../pipeline/compose.js';
import { createDeferredCounter, createDeferredHistogram, type CounterCell, type HistogramSeries } from '../shared/deferred-metrics.js';

export interface OutcomeMetrics {
  /** the proxy, timed: `regate_upstream_request_duration_seconds` and `regate_upstream_responses_total` */
  timeProxy(proxy: PipelineProxy): PipelineProxy;
  /** `regate_decisions_total` and `regate_policy_evaluation_duration_seconds` of a finished request */
  record(ctx: RequestContext): void;
}

/** One upstream call's duration and status class, once, when it ended (with `err` when no answer came). */
function observeCall(u: { duration: HistogramSeries; classes: CounterCell[] }, t0: bigint, ctx: RequestContext, err: unknown): void {
  const end = process.hrtime.bigint();
  // A relayed response is the exchange's end too: the server's completion (and the audit event's
  // latency) take this reading instead of another one (ctx.endNs, issue #20). After an error the
  // error response is still to be written: the server reads its own.
  if (err === undefined) ctx.endNs = end;
  u.duration.observe(Number(end - t0) / 1e9);
  const s = ctx.status;
  const cls = err === undefined && s >= 100 && s < 600 ? Math.floor(s / 100) - 1 : 5;
  (u.classes[cls] as CounterCell).n++;
}

/** 1xx…5xx, and `error` for a call that got no answer (connect failure, timeout, reset) */
const STATUS_CLASSES = ['1xx', '2xx', '3xx', '4xx', '5xx', 'error'] as const;
/** Refusals: what the gateway answers when it decided a caller may not pass. */
const REFUSAL_STATUS = new Set([401, 403, 429]);

export function createOutcomeMetrics(registry: Registry): OutcomeMetrics {
  const upstreamDuration = createDeferredHistogram({
    name: 'regate_upstream_request_duration_seconds',
    help: 'Time from sending the request upstream to the end of its response, by upstream',
    labelName: 'upstream',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10, 30],
    registry,
  });
  const upstreamResponses = createDeferredCounter({
    name: 'regate_upstream_responses_total',
    help: 'Upstream calls by upstream and status class (error: no answer came)',
    labelNames: ['upstream', 'status_class'] as const,
    registers: [registry],
  });
  const decisions = createDeferredCounter({
    name: 'regate_decisions_total',
    help: 'Routed requests by route, result (allow|deny) and reason (GW_ERR_* code of a refusal, "allowed" otherwise)',
    labelNames: ['route', 'result', 'reason'] as const,
    registers: [registry],
  });
  const policyDuration = createDeferredHistogram({
    name: 'regate_policy_evaluation_duration_seconds',
    help: 'Time one policy decision took to evaluate, by route',
    labelName: 'route',
    buckets: [0.000005, 0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.01, 0.1],
    registry,
  });

  // per upstream: its histogram series and one counter cell per status class
  const upstreams = new Map<string, { duration: HistogramSeries; classes: CounterCell[] }>();
  const upstreamOf = (name: string) => {
    let u = upstreams.get(name);
    if (u === undefined) {
      u = { duration: upstreamDuration.series(name), classes: STATUS_CLASSES.map((c) => upstreamResponses.cell({ upstream: name, status_class: c })) };
      upstreams.set(name, u);
    }
    return u;
  };
  // route id → reason → cell: two lookups with strings whose hashes V8 already keeps, where a
  // joined `route\0reason` key was a new string to build and hash on every request
  const decisionCells = new Map<string, Map<string, CounterCell>>();
  const decisionCell = (route: string, result: 'allow' | 'deny', reason: string) => {
    let byReason = decisionCells.get(route);
    if (byReason === undefined) decisionCells.set(route, (byReason = new Map()));
    let c = byReason.get(reason);
    if (c === undefined) byReason.set(reason, (c = decisions.cell({ route, result, reason })));
    return c;
  };
  const policySeries = new Map<string, HistogramSeries>();

  return {
    timeProxy(proxy) {
      return (ctx, exchange, done) => {
        const t0 = process.hrtime.bigint();
        // The upstream is known only now: the map stage may have chosen another than the route's.
        const u = upstreamOf(ctx.mapping?.name ?? ctx.route.upstream);
        let seen = false;
        // one closure per call on the synchronous path (the regate client's): it observes and ends
        const r = proxy(ctx, exchange, (err?: unknown) => {
          if (!seen) {
            seen = true;
            observeCall(u, t0, ctx, err);
          }
          done(err);
        });
        if (r !== undefined) {
          return r.then(
            () => {
              if (!seen) {
                seen = true;
                observeCall(u, t0, ctx, undefined);
              }
            },
            (err: unknown) => {
              if (!seen) {
                seen = true;
                observeCall(u, t0, ctx, err);
              }
              throw err;
            },
          );
        }
        return undefined;
      };
    },

    record(ctx) {
      const route = ctx.route.id;
      if (route === '-') return; // no route: counted in regate_requests_total{route="-"}
      const e = ctx.error;
      if (e !== null && REFUSAL_STATUS.has(e.status)) decisionCell(route, 'deny', e.code).n++;
      else decisionCell(route, 'allow', 'allowed').n++;
      const d = ctx.decision;
      if (d !== null) {
        let s = policySeries.get(route);
        if (s === undefined) policySeries.set(route, (s = policyDuration.series(route)));
        s.observe(d.evalNs / 1e9);
      }
    },
  };
}
