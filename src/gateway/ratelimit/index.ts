/**
 * The rate-limit stage: buckets from route defaults (config) and the decision's `rate_limit`
 * list, checked against Redis with one GCRA script call per request (gcra-script.ts), or not at
 * all while a local lease covers every bucket (leases.ts). 429 with `Retry-After` and the IETF
 * `RateLimit-Policy`/`RateLimit` fields (headers.ts); allowed responses carry the same fields.
 *
 * Redis unavailable (not connected, or no answer within `timeout_ms`) → `on_unavailable`:
 * `local` (in-process GCRA at `local_share` of each limit, local-limiter.ts), `open` (admit), or
 * `closed` (GW_ERR_RATE_LIMIT_UNAVAILABLE). Never a hang: the client fails fast and times out.
 *
 * Events: one `limit_exceeded` per refused bucket (with the request's decision id) and
 * per-window summaries (window-summary.ts) through the event emitter.
 *
 * Example:
 * ```ts
 * const rl = createRateLimitStage({ redis: config.redis, ratelimit: config.ratelimit }, { logger, registry, emitter });
 * await rl.run(ctx);   // throws GatewayError('GW_ERR_RATE_LIMITED') with headers when over
 * ```
 */
import type { Logger } from 'pino';
import { Counter } from 'prom-client';
import type { Registry } from 'prom-client';
import { createDeferredCounter, type CounterCell } from '../shared/deferred-metrics.js';
import type { BucketConfig, RateLimitConfig, RedisConfig } from '../config/types.js';
import { GatewayError } from '../errors.js';
import { decisionIdOf } from '../shared/decision-id.js';
import { createRedisClient } from '../shared/redis-connection.js';
import type { RateLimitEventInput } from '../shared/event-types.js';
import type { RateLimitBucket, RequestContext, Stage } from '../pipeline/context.js';
import { createGcraRunner } from './gcra-script.js';
import type { GcraRequest, GcraResult } from './gcra-script.js';
import { rateLimitHeaders, retryAfterSeconds } from './headers.js';
import type { BucketState } from './headers.js';
import { createLeaseTable } from './leases.js';
import type { Lease } from './leases.js';
import { createLocalLimiter } from './local-limiter.js';
import { createSummaryTracker } from './window-summary.js';


export interface RateLimitStats {
  checks: number;
  redisCalls: number;
  refunds: number;
  leaseHits: number;
  fallbacks: number;
  denied: number;
  /** the limiter's Redis connection state (ioredis status) */
  redis: string;
}

export interface RateLimitStage extends Stage {
  close(): Promise<void>;
  stats(): RateLimitStats;
}

type Who = { route: string | null; client_id: string | null; sub: string | null };

const PLACEHOLDER = /\{(sub|client_id|remote_addr|route)\}/g;
const NO_BUCKETS: readonly BucketConfig[] = Object.freeze([]);

/**
 * Builds the stage from the `redis` and `ratelimit` sections as the config loader validated and
 * completed them (config/ratelimit-schema.ts holds every default and the bucket bounds).
 */
export function createRateLimitStage(
  cfg: { readonly redis: RedisConfig; readonly ratelimit: RateLimitConfig },
  deps: { logger: Logger; registry: Registry; emitter: { emitRateLimit(e: RateLimitEventInput): unknown } | null },
): RateLimitStage {
  const rc = cfg.ratelimit;
  const log = deps.logger.child({ component: 'ratelimit' });
  const prefix = rc.key_prefix;
  const mode = rc.on_unavailable;
  const backoffMs = rc.backoff_ms;
  let skipRedisUntil = 0;
  const routes = rc.routes;
  const ttlMs = rc.leases.ttl_ms;
  const leases = createLeaseTable({
    enabled: rc.leases.enabled,
    ttlMs,
    fraction: rc.leases.fraction,
    maxTokens: rc.leases.max_tokens,
    minLimit: rc.leases.min_limit,
  });
  const local = createLocalLimiter({ share: rc.local_share });
  const client = createRedisClient(cfg.redis.url, { role: 'producer', commandTimeoutMs: rc.timeout_ms, connectTimeoutMs: cfg.redis.connect_timeout_ms, connectionName: 'regate-ratelimit' });
  let lastErrLog = 0;
  client.on('error', (err: Error) => {
    const now = Date.now();
    if (now - lastErrLog > 5000) {
      lastErrLog = now;
      log.warn({ err: err.message, mode }, 'ratelimit: redis unavailable, using fallback');
    }
  });
  const gcra = createGcraRunner(client);
  const emit = deps.emitter ? (e: RateLimitEventInput) => void deps.emitter!.emitRateLimit(e) : () => undefined;
  const summaries = rc.summaries ? createSummaryTracker({ maxKeys: rc.max_tracked_keys, emit }) : null;

  const m = {
    // Counted per request: deferred cells (shared/deferred-metrics.ts), published at scrape time.
    checks: createDeferredCounter({ name: 'regate_ratelimit_checks_total', help: 'Rate-limit checks by result and source', labelNames: ['result', 'source'] as const, registers: [deps.registry] }),
    redis: new Counter({ name: 'regate_ratelimit_redis_calls_total', help: 'Redis round trips of the rate limiter', labelNames: ['kind'], registers: [deps.registry] }),
  };
  // cells by result, then source (constant strings): no key joined and hashed per request
  const allowedCells = new Map<string, CounterCell>();
  const deniedCells = new Map<string, CounterCell>();
  const countCheck = (result: 'allowed' | 'denied', source: string): void => {
    const cells = result === 'allowed' ? allowedCells : deniedCells;
    let c = cells.get(source);
    if (!c) cells.set(source, (c = m.checks.cell({ result, source })));
    c.n++;
  };
  // A bucket's lease id is its key + `:limit:window_s`; the suffix is formatted once per
  // (limit, window) pair in a row — a policy's buckets mostly share them — not per request.
  let suffixLimit = NaN;
  let suffixWindow = NaN;
  let suffix = '';
  const idOf = (b: BucketConfig): string => {
    if (b.limit !== suffixLimit || b.window_s !== suffixWindow) {
      suffixLimit = b.limit;
      suffixWindow = b.window_s;
      suffix = ':' + b.limit + ':' + b.window_s;
    }
    return b.key + suffix;
  };
  const redisCheckCounter = m.redis.labels('check');
  const st: Omit<RateLimitStats, 'redis'> = { checks: 0, redisCalls: 0, refunds: 0, leaseHits: 0, fallbacks: 0, denied: 0 };

  const sweepTimer = setInterval(() => {
    for (const l of leases.sweep(performance.now())) refund(l);
    summaries?.flushDue();
  }, Math.max(ttlMs, 50));
  sweepTimer.unref();

  function refund(l: Lease): Promise<void> {
    if (client.status !== 'ready') return Promise.resolve(); // lost cells only make the limit stricter
    st.refunds++;
    st.redisCalls++;
    m.redis.inc({ kind: 'refund' });
    return gcra([{ key: prefix + l.key + ':' + l.limit + ':' + l.window_s, limit: l.limit, window_s: l.window_s, want: -l.tokens }]).then(
      () => undefined,
      () => undefined,
    );
  }

  // Route defaults ('*' first, then the route's own), resolved once per route id (own keys only:
  // a route id like `constructor` must not find Object.prototype's).
  const defaultsByRoute = new Map<string, readonly BucketConfig[]>();
  function defaultsOf(route: string): readonly BucketConfig[] {
    let defs = defaultsByRoute.get(route);
    if (defs === undefined) {
      defs = [...(routes['*'] ?? []), ...(Object.hasOwn(routes, route) ? (routes[route] ?? []) : [])];
      if (defaultsByRoute.size < 10_000) defaultsByRoute.set(route, defs);
    }
    return defs;
  }

  /**
   * The request's buckets: the route's defaults, then the decision's. A route without defaults
   * (the common case with a policy that sets them) gets the decision's own array, validated and
   * fresh per decision (authz/decision.ts) and only read here, rather than a copy per request.
   */
  function bucketsOf(ctx: RequestContext): readonly BucketConfig[] {
    const defs = defaultsOf(ctx.route.id);
    const dec: RateLimitBucket[] | undefined = ctx.decision?.rate_limit;
    if (defs.length === 0) return dec ?? NO_BUCKETS;
    const out: BucketConfig[] = [];
    const tok = ctx.auth?.token;
    const vals: Record<string, string> = { sub: tok?.sub ?? '-', client_id: tok?.client_id ?? '-', remote_addr: ctx.remoteAddr, route: ctx.route.id };
    for (const d of defs) out.push({ key: d.key.replace(PLACEHOLDER, (_, k: string) => vals[k] ?? '-'), limit: d.limit, window_s: d.window_s });
    if (dec) for (const b of dec) out.push(b);
    return out;
  }

  function whoOf(ctx: RequestContext): Who {
    const t = ctx.auth?.token;
    return { route: ctx.route.id, client_id: t?.client_id ?? null, sub: t?.sub ?? null };
  }

  function finish(ctx: RequestContext, buckets: readonly BucketConfig[], states: BucketState[], denied: boolean[], retryMs: number, source: string, ids?: readonly string[]): void {
    const h = rateLimitHeaders(states);
    const anyDenied = denied.includes(true);
    const who = summaries || anyDenied ? whoOf(ctx) : null;
    if (summaries) for (let i = 0; i < buckets.length; i++) summaries.record(buckets[i]!, who!, !denied[i], states[i]!.remaining, ids?.[i]);
    if (!anyDenied) {
      ctx.responseHeaders['ratelimit-policy'] = h['ratelimit-policy'];
      ctx.responseHeaders['ratelimit'] = h.ratelimit;
      countCheck('allowed', source);
      return;
    }
    st.denied++;
    countCheck('denied', source);
    ctx.rateLimited = true;
    const decisionId = decisionIdOf(ctx);
    for (let i = 0; i < buckets.length; i++) {
      if (!denied[i]) continue;
      const b = buckets[i]!;
      emit({ type: 'limit_exceeded', key: b.key, limit: b.limit, window_s: b.window_s, remaining: 0, ...who!, decision_id: decisionId });
    }
    throw new GatewayError('GW_ERR_RATE_LIMITED', {
      headers: { 'retry-after': retryAfterSeconds(retryMs), ...h },
      cause: { source, buckets: buckets.filter((_, i) => denied[i]).map((b) => b.key) },
    });
  }

  function fallback(ctx: RequestContext, buckets: readonly BucketConfig[], reason: unknown, ids: readonly string[]): void {
    st.fallbacks++;
    ctx.degraded = true;
    if (mode === 'open') {
      countCheck('allowed', 'open');
      return;
    }
    if (mode === 'closed') throw new GatewayError('GW_ERR_RATE_LIMIT_UNAVAILABLE', { cause: reason });
    const r = local.check(buckets.map((b) => ({ key: b.key, limit: b.limit, window_s: b.window_s, want: 1 })));
    const share = rc.local_share;
    const states = buckets.map((b, i) => ({ limit: Math.max(1, Math.floor(b.limit * share)), window_s: b.window_s, remaining: r.buckets[i]!.remaining, resetMs: r.buckets[i]!.resetMs }));
    const denied = r.buckets.map((x) => !r.admitted && (x.retryAfterMs > 0 || x.remaining === 0));
    if (!r.admitted && !denied.includes(true)) denied[0] = true; // refused by rounding: still refused
    finish(ctx, buckets, states, denied, Math.max(...r.buckets.map((x) => x.retryAfterMs)), 'local', ids);
  }

  function onRedis(ctx: RequestContext, buckets: readonly BucketConfig[], ids: string[], asked: number[], r: GcraResult, t0: number): void {
    const now = performance.now();
    const states: BucketState[] = [];
    const denied: boolean[] = [];
    let retryMs = 0;
    let j = 0;
    for (let i = 0; i < buckets.length; i++) {
      const b = buckets[i]!;
      if (asked[i] === 0) {
        // served by a lease: spend a cell only if the whole request is admitted
        const l = leases.peek(ids[i]!, now);
        if (r.admitted && l) l.tokens--;
        states.push({ limit: b.limit, window_s: b.window_s, remaining: l ? l.remaining + l.tokens : 0, resetMs: l ? Math.max(0, l.resetAt - now) : 0 });
        denied.push(false);
        continue;
      }
      const res = r.buckets[j]!;
      j++;
      const extra = r.admitted ? res.granted - 1 : 0;
      if (extra > 0) leases.store(ids[i]!, { tokens: extra, remaining: res.remaining, resetAt: t0 + res.resetMs, expiresAt: t0 + ttlMs, key: b.key, limit: b.limit, window_s: b.window_s });
      states.push({ limit: b.limit, window_s: b.window_s, remaining: res.remaining + Math.max(0, extra), resetMs: res.resetMs });
      const no = !r.admitted && res.granted === 0 && (res.retryAfterMs > 0 || res.remaining === 0);
      denied.push(no);
      if (no) retryMs = Math.max(retryMs, res.retryAfterMs);
    }
    if (!r.admitted && !denied.includes(true)) denied[asked.findIndex((a) => a > 0)] = true;
    finish(ctx, buckets, states, denied, retryMs, 'redis', ids);
  }

  const stage: RateLimitStage = {
    name: 'ratelimit',
    run(ctx: RequestContext): void | Promise<void> {
      if (!rc.enabled) return;
      const buckets = bucketsOf(ctx);
      if (buckets.length === 0) return;
      st.checks++;
      const now = performance.now();
      const n = buckets.length;
      const ids: string[] = new Array<string>(n);
      // asked[i]: 0 = served by a live lease (the fast path when every bucket has one)
      const asked: number[] = new Array<number>(n);
      const leased: (Lease | undefined)[] = new Array<Lease | undefined>(n);
      let allLeased = true;
      for (let i = 0; i < n; i++) {
        const b = buckets[i]!;
        const id = idOf(b);
        ids[i] = id;
        const l = leases.peek(id, now);
        leased[i] = l;
        asked[i] = l ? 0 : -1;
        if (!l) allLeased = false;
      }
      if (allLeased) {
        // Fast path: every bucket has a leased cell; no Redis, no promise.
        st.leaseHits++;
        const states: BucketState[] = new Array<BucketState>(n);
        const denied: boolean[] = new Array<boolean>(n);
        for (let i = 0; i < n; i++) {
          const l = leased[i]!;
          l.tokens--;
          states[i] = { limit: buckets[i]!.limit, window_s: buckets[i]!.window_s, remaining: l.remaining + l.tokens, resetMs: Math.max(0, l.resetAt - now) };
          denied[i] = false;
        }
        finish(ctx, buckets, states, denied, 0, 'lease', ids);
        return;
      }
      if (client.status !== 'ready') return fallback(ctx, buckets, 'redis not connected', ids); // a string: no stack trace per request
      if (now < skipRedisUntil) return fallback(ctx, buckets, 'redis backoff after a failed check', ids);
      const reqs: GcraRequest[] = [];
      for (let i = 0; i < buckets.length; i++) {
        if (asked[i] === 0) continue;
        const b = buckets[i]!;
        const want = leases.want(ids[i]!, b.limit, now);
        asked[i] = want;
        reqs.push({ key: prefix + ids[i]!, limit: b.limit, window_s: b.window_s, want });
      }
      st.redisCalls++;
      redisCheckCounter.inc();
      // After a backoff, this check is the one probe: the others keep using the fallback until
      // it answers, instead of all waiting timeout_ms on a Redis that may still be stuck.
      const probing = skipRedisUntil > 0;
      if (probing) skipRedisUntil = Infinity;
      return gcra(reqs).then(
        (r) => {
          if (probing) skipRedisUntil = 0;
          return onRedis(ctx, buckets, ids, asked, r, now);
        },
        (err: unknown) => {
          skipRedisUntil = performance.now() + backoffMs;
          return fallback(ctx, buckets, err, ids);
        },
      );
    },
    stats: () => ({ ...st, redis: client.status }),
    async close() {
      clearInterval(sweepTimer);
      summaries?.flushAll();
      await Promise.allSettled(leases.drain().map(refund));
      client.disconnect();
    },
  };
  return stage;
}
