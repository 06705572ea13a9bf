/**
 * The authenticate stage: bearer extraction (RFC 6750), then the route's authenticator —
 * JWT/JWKS (jwt.ts) or RFC 7662 introspection (introspection.ts). It fills `ctx.auth` with the
 * normalised `input.token` and marks the request degraded when a stale cache entry answered.
 *
 * The raw token lives only in local variables here: caches key on its SHA-256, logs carry a
 * prefix of that digest, and `ctx.auth` holds claims only.
 */
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { badHeaderValueError, GatewayError } from '../errors.js';
import type { RedisConfig, TokensConfig } from '../config/types.js';
import type { AuthOutcome, RequestContext, Stage } from '../pipeline/context.js';
import type { TokenAuthenticator } from './authenticator.js';
import { extractBearerToken, type BearerOptions } from './bearer.js';
import { checkTokensConfig } from './config.js';
import { createIntrospectionAuthenticator, type IntrospectionAuthenticator } from './introspection.js';
import { createJwtAuthenticator } from './jwt.js';
import { createAuthnMetrics } from './metrics.js';
import { formatTokenHash, hashToken } from './token-cache.js';
import { certificateBindingHolds } from './cert-binding.js';
import { createTokenError } from './token-errors.js';
import { createRevocationList } from './revocation-list.js';
import { createRevocationFeed, type RevocationFeed } from './revocation-feed.js';

export { stripQueryToken } from './bearer.js';
import { stripQueryToken } from './bearer.js';
import { runTlsReloads } from '../shared/tls-reloads.js';
import { isClientFieldValue } from '../shared/http-syntax.js';

export interface AuthenticateStageDeps {
  logger: Logger;
  registry: Registry;
  /** wall clock in ms (default Date.now); tests move it instead of sleeping */
  now?: () => number;
  /** the `redis` section; required when `tokens.revocation.enabled` (the feed's connection) */
  redis?: RedisConfig;
}

/** For /readyz and /metrics consumers: the stage still answers for cached tokens while `open`. */
export interface AuthenticateStatus {
  introspection: { breaker: 'closed' | 'half_open' | 'open' } | null;
  /** null when tokens.revocation is off */
  revocation: { connected: boolean; entries: number; mode: 'fail_open' | 'fail_closed' } | null;
}

export type AuthenticateStage = Stage & {
  close(): Promise<void>;
  status(): AuthenticateStatus;
  /**
   * Re-reads the token servers' `tls` files (SIGHUP): new connections to the JWKS and
   * introspection endpoints use them. Returns how many clients were reloaded; throws the first
   * failure after trying every client (a failed one keeps its current files).
   */
  reloadTls(): number;
  /** resolves true once the revocation feed is in step with Redis (at once when revocation is off), false after `ms` */
  revocationReady(ms: number): Promise<boolean>;
};

/**
 * Builds the stage from the `tokens` section of regate.yaml, as the config loader validated and
 * completed it. Throws TypeError on an unsafe combination of fields (misuse at construction,
 * config.ts); per request it throws GatewayError codes GW_ERR_TOKEN_*.
 *
 * @example
 * const stage = createAuthenticateStage(config.tokens, { logger, registry });
 * await stage.run(ctx); // ctx.auth = { token: { active: true, sub, scope: [...], claims }, cache: 'miss', degraded: false }
 * await stage.close();
 */
export function createAuthenticateStage(cfg: TokensConfig, deps: AuthenticateStageDeps): AuthenticateStage {
  checkTokensConfig(cfg);
  const logger = deps.logger.child({ stage: 'authenticate' });
  const metrics = createAuthnMetrics(deps.registry);
  const now = deps.now ?? Date.now;
  const tlsReloads: (() => void)[] = [];
  const common = { logger, metrics, realm: cfg.realm, now, tlsReloads };
  const jwt: TokenAuthenticator | null = cfg.jwt ? createJwtAuthenticator(cfg.jwt, common) : null;
  const introspection: IntrospectionAuthenticator | null = cfg.introspection ? createIntrospectionAuthenticator(cfg.introspection, common) : null;
  const queryRoutes = new Set(cfg.query_token_routes);
  const headerOnly: BearerOptions = { realm: cfg.realm, maxTokenBytes: cfg.max_token_bytes, allowQuery: false };
  const withQuery: BearerOptions = { ...headerOnly, allowQuery: true };

  // Revocation (README "Token revocation"): a local list every outcome is checked against — a
  // cache hit too — kept in step with Redis by the feed, which also evicts a revoked token's
  // cache entries where it can name them (sha256 entries; jti and sub entries are caught by the
  // check and evicted on the first refusal).
  const rc = cfg.revocation;
  if (rc.enabled && deps.redis === undefined) throw new TypeError('tokens.revocation.enabled needs the redis section (the feed subscribes through it)');
  const revoked = rc.enabled ? createRevocationList(rc.max_entries) : null;
  const feed: RevocationFeed | null =
    revoked !== null && deps.redis !== undefined
      ? createRevocationFeed({
          config: rc,
          redis: deps.redis,
          list: revoked,
          logger,
          registry: deps.registry,
          now,
          onRevoked(r) {
            if (r.kind !== 'sha256') return;
            const key = Buffer.from(r.value, 'base64url').toString('latin1');
            jwt?.evict(key);
            introspection?.evict(key);
          },
        })
      : null;
  const failClosed = rc.on_redis_unavailable === 'fail_closed';

  function refused(ctx: RequestContext, err: unknown, key: string | undefined): never {
    // The edge left the Authorization value's field-value check to this stage (server/client-head.ts):
    // an accepted value is `Bearer` + a b64token (checked on the token's first sight, bearer.ts),
    // which that check could not refuse; a refused one is checked here, so that bytes no header
    // may hold get the edge's answer, whatever else is wrong with the credentials.
    const h = ctx.headers.authorization;
    if (h !== undefined && !isClientFieldValue(h)) err = badHeaderValueError('authorization');
    const ge = err instanceof GatewayError ? err : new GatewayError('GW_ERR_INTERNAL', { cause: err });
    metrics.rejected(ge.code);
    const cause = ge.cause instanceof Error ? `${ge.cause.name}: ${ge.cause.message}` : undefined;
    // Details for operators; a digest prefix (never the token) lets them correlate repeats.
    logger.debug({ request_id: ctx.id, route: ctx.route.id, code: ge.code, cause, token_sha256: key === undefined ? undefined : formatTokenHash(key) }, 'token refused');
    throw ge;
  }

  /** Throws (to the caller's `refused`) when the outcome may not be used on this request. */
  function accept(ctx: RequestContext, outcome: AuthOutcome, key: string, authenticator: TokenAuthenticator): void {
    if (revoked !== null) {
      // fail_closed: a list that may have missed revocations cannot clear a token; fail_open
      // checks the last known list (README "Token revocation", "While Redis is away")
      if (failClosed && feed?.connected !== true) {
        throw createTokenError('GW_ERR_TOKEN_REVOCATION_UNAVAILABLE', cfg.realm, new Error('the revocation feed is not connected to Redis'), 1);
      }
      const kind = revoked.check(key, outcome.token, now());
      if (kind !== null) {
        authenticator.evict(key);
        throw createTokenError('GW_ERR_TOKEN_REVOKED', cfg.realm, new Error(`revoked by ${kind}`));
      }
    }
    // RFC 8705 §3 (cert-binding.ts): a certificate-bound token only over the connection's verified
    // client certificate with that thumbprint — also when the claims come from the cache
    const cert = ctx.tls ?? null;
    if (!certificateBindingHolds(outcome.token.claims, cert === null ? undefined : cert.x5tS256)) {
      throw createTokenError('GW_ERR_TOKEN_CERT_MISMATCH', cfg.realm, new Error(cert === null ? 'token is bound to a client certificate (cnf.x5t#S256); none was verified on this connection' : 'token is bound to another client certificate (cnf.x5t#S256)'));
    }
    ctx.auth = outcome;
    if (outcome.degraded) ctx.degraded = true;
  }

  return {
    name: 'authenticate',
    run(ctx: RequestContext): void | Promise<void> {
      const kind = ctx.route.auth;
      if (kind === 'none') {
        ctx.auth = null;
        return;
      }
      const authenticator = kind === 'jwt' ? jwt : kind === 'introspection' ? introspection : null;
      if (authenticator === null) {
        // The config loader should have refused this route; fail closed if it did not.
        refused(ctx, new GatewayError('GW_ERR_INTERNAL', { cause: new Error(`route ${ctx.route.id} uses auth ${String(kind)} but tokens.${String(kind)} is not configured`) }), undefined);
      }
      let key: string | undefined;
      try {
        const fromQuery = queryRoutes.has(ctx.route.id);
        const token = extractBearerToken(ctx, fromQuery ? withQuery : headerOnly);
        if (fromQuery) ctx.rawQuery = stripQueryToken(ctx.rawQuery);
        key = hashToken(token);
        const r = authenticator.authenticate(token, key);
        if (r instanceof Promise) {
          const k = key;
          const a = authenticator;
          return r.then((o) => accept(ctx, o, k, a)).catch((err: unknown) => refused(ctx, err, k));
        }
        accept(ctx, r, key, authenticator);
      } catch (err) {
        refused(ctx, err, key);
      }
    },
    status() {
      const revocation = revoked !== null ? { connected: feed?.connected === true, entries: revoked.size, mode: rc.on_redis_unavailable } : null;
      if (!introspection) return { introspection: null, revocation };
      const b = introspection.breaker;
      return { introspection: { breaker: b.opened ? 'open' : b.halfOpen ? 'half_open' : 'closed' }, revocation };
    },
    reloadTls: () => runTlsReloads(tlsReloads),
    revocationReady: (ms) => (feed === null ? Promise.resolve(true) : feed.ready(ms)),
    async close() {
      await Promise.all([jwt?.close(), introspection?.close(), feed?.close()]);
      metrics.close();
    },
  } satisfies AuthenticateStage;
}
