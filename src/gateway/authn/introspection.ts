/**
 * Opaque tokens through RFC 7662 introspection: pooled keep-alive POSTs (undici Pool), a bounded
 * cache, one in-flight call per token (single-flight), and an opossum breaker around the token
 * server.
 *
 * Cache lifetimes (the contract):
 * - active → until min(exp, now + max_ttl); then, if `stale_if_error_s` > 0 and the server cannot
 *   answer, the entry may still serve until min(exp, fresh end + stale_if_error) with `degraded`.
 * - inactive → negative_ttl, in a separate smaller cache so unknown tokens cannot evict good ones.
 * A token server outage is never the caller's fault: it is 503 + Retry-After, never 401.
 */
import CircuitBreaker from 'opossum';
import { Pool } from 'undici';
import type { AuthOutcome } from '../pipeline/context.js';
import type { AuthenticatorDeps, TokenAuthenticator } from './authenticator.js';
import { createClientAuthenticator } from './client-auth.js';
import { isConnectionReset } from './connection-reset.js';
import type { IntrospectionConfig } from '../config/types.js';
import { assertB64Token } from './bearer.js';
import { createTokenCache } from './token-cache.js';
import { createTokenError } from './token-errors.js';
import { createOutcome, normaliseTokenInfo } from './token-info.js';
import { createReloadableTlsConnect } from '../shared/client-tls.js';

interface Entry {
  outcome: AuthOutcome; // cache: 'hit'
  stale: AuthOutcome; // cache: 'stale', degraded
  freshUntil: number;
  staleUntil: number;
}

/** The token server answered, but not with an RFC 7662 response: counts as a breaker failure. */
export class TokenServerError extends Error {
  constructor(message: string, readonly statusCode?: number) {
    super(message);
    this.name = 'TokenServerError';
  }
}

export type IntrospectionAuthenticator = TokenAuthenticator & { readonly breaker: CircuitBreaker<[string], Record<string, unknown>> };

/**
 * @example
 * const intro = createIntrospectionAuthenticator(cfg.introspection, { logger, metrics, realm, now: Date.now });
 * const outcome = await intro.authenticate(token, hashToken(token));
 */
export function createIntrospectionAuthenticator(cfg: IntrospectionConfig, deps: AuthenticatorDeps): IntrospectionAuthenticator {
  const { metrics, realm, now, logger } = deps;
  const counts = metrics.counts.introspection;
  const url = new URL(cfg.endpoint);
  const path = url.pathname + url.search;
  // https endpoints: private CA and/or client certificate (mutual TLS, tls_client_auth), re-read
  // on SIGHUP for new connections (deps.tlsReloads)
  const tlsConnect = cfg.tls && url.protocol === 'https:' ? createReloadableTlsConnect(cfg.tls, url.hostname, cfg.breaker.timeout_ms) : null;
  if (tlsConnect !== null) deps.tlsReloads?.push(() => tlsConnect.reload());
  const pool = new Pool(url.origin, {
    connections: cfg.connections,
    pipelining: 1,
    keepAliveTimeout: 30_000,
    connect: tlsConnect !== null ? tlsConnect.connect : { timeout: cfg.breaker.timeout_ms },
  });
  const clientAuth = createClientAuthenticator(cfg);
  const timeout = cfg.breaker.timeout_ms;

  async function callTokenServer(token: string): Promise<Record<string, unknown>> {
    const t0 = performance.now();
    let outcome: 'ok' | 'error' = 'error';
    try {
      const auth = await clientAuth();
      const form = new URLSearchParams({ token, token_type_hint: cfg.token_type_hint, ...auth.fields });
      const request = {
        method: 'POST' as const,
        path,
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', ...auth.headers },
        body: form.toString(),
        headersTimeout: timeout,
        bodyTimeout: timeout,
      };
      // Introspection reads state only, so a request lost to a keep-alive connection the server
      // closed under us is retried once (undici does not retry POSTs by itself).
      const res = await pool.request(request).catch((err: unknown) => {
        if (!isConnectionReset(err)) throw err;
        return pool.request(request);
      });
      if (res.statusCode === 400) {
        // RFC 7009 §2.2.1's `unsupported_token_type` (oidc-provider sends it for JWTs) is about the
        // presented token, so it means "not active" — and must not count towards opening the
        // breaker, or anyone could open it by sending JWTs to an introspection route.
        const err = (await res.body.json().catch(() => null)) as { error?: unknown } | null;
        if (err?.error === 'unsupported_token_type') {
          outcome = 'ok';
          return { active: false };
        }
        throw new TokenServerError(`introspection answered 400 ${String(err?.error)}`, 400);
      }
      if (res.statusCode !== 200) {
        await res.body.dump();
        // 401/400 here means the gateway's own client credentials are wrong: an outage, not the token's fault.
        throw new TokenServerError(`introspection answered ${res.statusCode}`, res.statusCode);
      }
      const body: unknown = await res.body.json();
      if (body === null || typeof body !== 'object' || Array.isArray(body) || typeof (body as { active?: unknown }).active !== 'boolean') {
        throw new TokenServerError('introspection response is not an RFC 7662 object');
      }
      outcome = 'ok';
      return body as Record<string, unknown>;
    } finally {
      metrics.observeTokenServer('introspection', (performance.now() - t0) / 1000, outcome);
    }
  }

  const breaker = new CircuitBreaker(callTokenServer, {
    name: 'introspection',
    timeout,
    errorThresholdPercentage: cfg.breaker.error_threshold_percentage,
    volumeThreshold: cfg.breaker.volume_threshold,
    resetTimeout: cfg.breaker.reset_timeout_ms,
    rollingCountTimeout: cfg.breaker.rolling_count_timeout_ms,
    rollingCountBuckets: 10,
    // nothing reads opossum's rolling stats: no 'snapshot' event (a timer per breaker that
    // summed its window every second: ~1 k instructions per request under callgrind's pace,
    // issue #20) and no latency list per call for percentiles
    enableSnapshots: false,
    rollingPercentilesEnabled: false,
  });
  let openedAt = 0;
  metrics.setBreakerState('introspection', 'closed');
  breaker.on('open', () => {
    openedAt = Date.now(); // opossum's timers run on the real clock, so this does too
    metrics.setBreakerState('introspection', 'open');
    logger.warn({ breaker: 'introspection' }, 'token server breaker opened');
  });
  breaker.on('halfOpen', () => metrics.setBreakerState('introspection', 'half_open'));
  breaker.on('close', () => {
    metrics.setBreakerState('introspection', 'closed');
    logger.info({ breaker: 'introspection' }, 'token server breaker closed');
  });

  function retryAfterS(): number {
    if (!breaker.opened) return 1;
    return Math.ceil((openedAt + cfg.breaker.reset_timeout_ms - Date.now()) / 1000);
  }

  const positive = createTokenCache<Entry>(cfg.cache_max_entries);
  const negative = createTokenCache<number>(Math.ceil(cfg.cache_max_entries / 10)); // key → until
  const inflight = new Map<string, Promise<AuthOutcome>>();

  function isActive(body: Record<string, unknown>, t: number): boolean {
    if (body.active !== true) return false;
    // The server's clock may trail ours; an answer about an expired token is not an active one.
    if (typeof body.exp === 'number' && body.exp * 1000 <= t) return false;
    // Optional defences when the server serves several resource servers (RFC 7662 §4).
    if (cfg.issuer !== undefined && body.iss !== undefined && body.iss !== cfg.issuer) return false;
    if (cfg.audience !== undefined) {
      const aud = body.aud;
      if (!(aud === cfg.audience || (Array.isArray(aud) && aud.includes(cfg.audience)))) return false;
    }
    return true;
  }

  async function lookup(token: string, key: string, staleCandidate: Entry | undefined): Promise<AuthOutcome> {
    let body: Record<string, unknown>;
    try {
      body = await breaker.fire(token);
    } catch (err) {
      const t = now();
      if (staleCandidate !== undefined && t < staleCandidate.staleUntil) {
        counts.stale++;
        return staleCandidate.stale;
      }
      // debug: the server logs every 5xx with its cause at warn already; breaker changes are warn
      logger.debug({ err }, 'token introspection failed');
      throw createTokenError('GW_ERR_TOKEN_SERVER_UNAVAILABLE', realm, err, retryAfterS());
    }
    const t = now();
    if (!isActive(body, t)) {
      positive.delete(key);
      if (cfg.negative_ttl_s > 0) negative.set(key, t + cfg.negative_ttl_s * 1000);
      throw createTokenError('GW_ERR_TOKEN_INACTIVE', realm, new Error('introspection: active=false'));
    }
    const info = normaliseTokenInfo(body, true);
    const expMs = typeof body.exp === 'number' ? body.exp * 1000 : Infinity;
    const freshUntil = Math.min(expMs, t + cfg.max_ttl_s * 1000);
    const staleUntil = Math.min(expMs, freshUntil + cfg.stale_if_error_s * 1000);
    if (freshUntil > t) {
      positive.set(key, { outcome: createOutcome(info, 'hit'), stale: createOutcome(info, 'stale', true), freshUntil, staleUntil });
    }
    return createOutcome(info, 'miss');
  }

  return {
    breaker,
    authenticate(token, key) {
      const t = now();
      const e = positive.get(key);
      let staleCandidate: Entry | undefined;
      if (e !== undefined) {
        if (t < e.freshUntil) {
          counts.hit++;
          return e.outcome;
        }
        if (t < e.staleUntil) staleCandidate = e;
        else positive.delete(key);
      }
      const neg = negative.get(key);
      if (neg !== undefined) {
        if (t < neg) {
          counts.negative++;
          throw createTokenError('GW_ERR_TOKEN_INACTIVE', realm);
        }
        negative.delete(key);
      }
      // First sight of these bytes: check the b64token syntax now (bearer.ts explains why here).
      assertB64Token(token, realm);
      counts.miss++;
      let p = inflight.get(key);
      if (p === undefined) {
        p = lookup(token, key, staleCandidate).finally(() => inflight.delete(key));
        inflight.set(key, p);
      }
      return p;
    },
    evict(key) {
      positive.delete(key);
    },
    async close() {
      breaker.shutdown();
      positive.clear();
      negative.clear();
      await pool.destroy();
    },
  };
}
