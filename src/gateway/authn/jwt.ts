/**
 * JWT access tokens (RFC 7519, RFC 9068 profile) verified with jose against a remote JWKS or
 * static keys, with verified claims cached by token hash until `exp`.
 *
 * Security choices, all per RFC 8725 (JWT BCP):
 * - `algorithms` is an explicit allow-list handed to jose; `none` cannot be configured, and HMAC
 *   is refused at start-up when keys are asymmetric (config.ts), so "HS256 signed with the RSA
 *   public key" fails the allow-list before any key is touched.
 * - Keys come only from the configured JWKS/keys: jose never follows `jku`, `x5u` or embedded
 *   `jwk` headers when given a key-set resolver, so injected key locations are ignored.
 * - An unknown `kid` makes jose refetch the JWKS at most once per cooldown (rotation without a
 *   refetch storm from forged kids).
 */
import { errors, jwtVerify, type JWTPayload, type JWTVerifyOptions } from 'jose';
import type { AuthOutcome } from '../pipeline/context.js';
import type { AuthenticatorDeps, TokenAuthenticator } from './authenticator.js';
import type { JwtConfig } from '../config/types.js';
import { assertB64Token } from './bearer.js';
import { createTokenCache } from './token-cache.js';
import { classifyJoseError, createTokenError, type TokenRejectionCode } from './token-errors.js';
import { createJwtKeySource } from './jwt-keys.js';
import { createOutcome, normaliseTokenInfo } from './token-info.js';

/** Tokens without `exp` (only possible when `required_claims` drops it) are re-verified this often. */
const NO_EXP_CACHE_MS = 300_000;

interface Positive {
  outcome: AuthOutcome;
  untilMs: number;
}
interface Negative {
  code: TokenRejectionCode;
  untilMs: number;
}

/**
 * @example
 * const jwt = createJwtAuthenticator(cfg.jwt, { logger, metrics, realm: 'regate', now: Date.now });
 * const outcome = await jwt.authenticate(token, hashToken(token));
 */
export function createJwtAuthenticator(cfg: JwtConfig, deps: AuthenticatorDeps): TokenAuthenticator {
  const { metrics, realm, now, logger } = deps;
  const counts = metrics.counts.jwt;
  const getKey = createJwtKeySource(cfg, deps);
  const baseOptions: JWTVerifyOptions = {
    issuer: cfg.issuer,
    audience: typeof cfg.audience === 'string' ? cfg.audience : [...cfg.audience],
    algorithms: [...cfg.algorithms],
    clockTolerance: cfg.clock_tolerance_s,
    requiredClaims: [...cfg.required_claims],
    ...(cfg.typ ? { typ: cfg.typ } : {}),
  };
  const positive = createTokenCache<Positive>(cfg.cache_max_entries);
  // Rejections get their own, smaller cache so a flood of garbage tokens cannot evict good ones.
  const negative = createTokenCache<Negative>(Math.ceil(cfg.cache_max_entries / 10));
  const inflight = new Map<string, Promise<AuthOutcome>>();

  async function verify(token: string, key: string): Promise<AuthOutcome> {
    const t = now();
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, getKey, { ...baseOptions, currentDate: new Date(t) }));
      // jose checks `iat` only with maxTokenAge; a token issued in the future is forged or from a
      // badly skewed issuer (RFC 7519 §4.1.6 leaves this to the verifier).
      if (typeof payload.iat === 'number' && payload.iat > t / 1000 + cfg.clock_tolerance_s) {
        throw new errors.JWTClaimValidationFailed('"iat" is in the future', payload, 'iat', 'check_failed');
      }
    } catch (err) {
      const code = classifyJoseError(err);
      if (code === null) {
        // debug: the server logs every 5xx with its cause at warn already
        logger.debug({ err }, 'JWT keys unavailable');
        throw createTokenError('GW_ERR_TOKEN_SERVER_UNAVAILABLE', realm, err, cfg.retry_after_s);
      }
      // An unknown kid may become known after the next JWKS refetch: do not remember it.
      if (cfg.negative_ttl_s > 0 && !(err instanceof errors.JWKSNoMatchingKey)) {
        negative.set(key, { code, untilMs: t + cfg.negative_ttl_s * 1000 });
      }
      throw createTokenError(code, realm, err);
    }
    const info = normaliseTokenInfo({ ...payload }, true);
    const untilMs = typeof payload.exp === 'number' ? payload.exp * 1000 : t + NO_EXP_CACHE_MS;
    const outcome = createOutcome(info, 'hit');
    if (untilMs > t) positive.set(key, { outcome, untilMs });
    return createOutcome(info, 'miss');
  }

  return {
    authenticate(token, key) {
      const t = now();
      const hit = positive.get(key);
      if (hit !== undefined) {
        if (hit.untilMs > t) {
          counts.hit++;
          return hit.outcome;
        }
        positive.delete(key);
      }
      const neg = negative.get(key);
      if (neg !== undefined) {
        if (neg.untilMs > t) {
          counts.negative++;
          throw createTokenError(neg.code, realm);
        }
        negative.delete(key);
      }
      // First sight of these bytes: check the b64token syntax now (bearer.ts explains why here).
      assertB64Token(token, realm);
      counts.miss++;
      let p = inflight.get(key);
      if (p === undefined) {
        p = verify(token, key).finally(() => inflight.delete(key));
        inflight.set(key, p);
      }
      return p;
    },
    evict(key) {
      positive.delete(key);
    },
    async close() {
      positive.clear();
      negative.clear();
    },
  };
}
