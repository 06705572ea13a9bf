/**
 * Authenticate-stage metrics on the gateway's prom-client registry.
 *
 * Cache hits are on the hot path (the ≤ 2 µs budget), so they are plain integer increments on a
 * per-stage object; the counter reads them at scrape time through prom-client's `collect` hook.
 * Token-server latency and breaker state change only on the slow path and go straight to
 * prom-client.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export type TokenKind = 'jwt' | 'introspection';
export type CacheResult = 'hit' | 'miss' | 'stale' | 'negative';
export type BreakerState = 'closed' | 'half_open' | 'open';

export type CacheCounts = Record<TokenKind, Record<CacheResult, number>>;

export interface AuthnMetrics {
  /** increment directly: `metrics.counts.jwt.hit++` */
  readonly counts: CacheCounts;
  observeTokenServer(endpoint: 'jwks' | 'introspection', seconds: number, outcome: 'ok' | 'error'): void;
  setBreakerState(breaker: string, state: BreakerState): void;
  rejected(code: string): void;
  /** flush the counts and stop reporting this stage's counts */
  close(): void;
}

interface Shared {
  sources: Map<CacheCounts, CacheCounts>; // live counts → last flushed values
  latency: Histogram<'endpoint' | 'outcome'>;
  breaker: Gauge<'breaker'>;
  rejections: Counter<'code'>;
  cache: Counter<'kind' | 'result'>;
}

const shared = new WeakMap<Registry, Shared>();
const KINDS: TokenKind[] = ['jwt', 'introspection'];
const RESULTS: CacheResult[] = ['hit', 'miss', 'stale', 'negative'];
const BREAKER_VALUE: Record<BreakerState, number> = { closed: 0, half_open: 1, open: 2 };

function emptyCounts(): CacheCounts {
  return {
    jwt: { hit: 0, miss: 0, stale: 0, negative: 0 },
    introspection: { hit: 0, miss: 0, stale: 0, negative: 0 },
  };
}

function flush(s: Shared, live: CacheCounts): void {
  const last = s.sources.get(live);
  if (!last) return;
  for (const k of KINDS) {
    for (const r of RESULTS) {
      const d = live[k][r] - last[k][r];
      if (d > 0) {
        s.cache.inc({ kind: k, result: r }, d);
        last[k][r] = live[k][r];
      }
    }
  }
}

function getShared(registry: Registry): Shared {
  let s = shared.get(registry);
  if (s) return s;
  const sources = new Map<CacheCounts, CacheCounts>();
  const self: Partial<Shared> = { sources };
  self.cache = new Counter({
    name: 'regate_authn_cache_total',
    help: 'Token cache lookups by token kind and result (hit, miss, stale = served past max_ttl while the token server was away, negative = cached rejection)',
    labelNames: ['kind', 'result'],
    registers: [registry],
    collect() {
      for (const live of sources.keys()) flush(self as Shared, live);
    },
  });
  self.latency = new Histogram({
    name: 'regate_token_server_request_duration_seconds',
    help: 'Latency of calls to the token server (JWKS fetches and introspection)',
    labelNames: ['endpoint', 'outcome'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  self.breaker = new Gauge({
    name: 'regate_token_server_breaker_state',
    help: 'Token server circuit breaker: 0 closed, 1 half-open, 2 open',
    labelNames: ['breaker'],
    registers: [registry],
  });
  self.rejections = new Counter({
    name: 'regate_authn_rejections_total',
    help: 'Requests refused by the authenticate stage, by error code',
    labelNames: ['code'],
    registers: [registry],
  });
  s = self as Shared;
  shared.set(registry, s);
  return s;
}

/**
 * @example
 * const metrics = createAuthnMetrics(registry);
 * metrics.counts.jwt.hit++;
 */
export function createAuthnMetrics(registry: Registry): AuthnMetrics {
  const s = getShared(registry);
  const counts = emptyCounts();
  s.sources.set(counts, emptyCounts());
  return {
    counts,
    observeTokenServer(endpoint, seconds, outcome) {
      s.latency.observe({ endpoint, outcome }, seconds);
    },
    setBreakerState(breaker, state) {
      s.breaker.set({ breaker }, BREAKER_VALUE[state]);
    },
    rejected(code) {
      s.rejections.inc({ code });
    },
    close() {
      flush(s, counts);
      s.sources.delete(counts);
    },
  };
}
