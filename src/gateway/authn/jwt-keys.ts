/**
 * Where JWT verification keys come from: a remote JWKS (jose's createRemoteJWKSet: cached,
 * refetched on an unknown `kid` at most once per cooldown) or static keys from the config.
 *
 * jose refuses to verify once its cached set is older than `cacheMaxAge` and the refetch fails,
 * which would turn a token-server outage into 503s for every new JWT even though the keys are
 * at hand. Signing keys change rarely and announce themselves by a new `kid`, so on a failed
 * refresh this source keeps verifying with the last set it fetched (and retries the server at
 * most every `retry_after_s`, also before any fetch succeeded). A `kid` missing from that set
 * during an outage stays a 503: it may be the key the server rotated to.
 */
import { createLocalJWKSet, createRemoteJWKSet, customFetch, errors, type FetchImplementation, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';
import type { AuthenticatorDeps } from './authenticator.js';
import { isConnectionReset } from './connection-reset.js';
import type { JwtConfig } from '../config/types.js';
import { classifyJoseError } from './token-errors.js';
import { Agent, fetch as undiciFetch } from 'undici';
import { createReloadableTlsConnect } from '../shared/client-tls.js';

type KeyResolver = (...args: Parameters<JWTVerifyGetKey>) => Promise<Awaited<ReturnType<JWTVerifyGetKey>>>;

/**
 * @example
 * const getKey = createJwtKeySource(cfg.jwt, deps);
 * await jwtVerify(token, getKey, { algorithms: ['RS256'] });
 */
export function createJwtKeySource(cfg: JwtConfig, deps: AuthenticatorDeps): KeyResolver {
  if (!cfg.jwks_uri) {
    const local = createStaticKeyResolver(cfg.keys ?? []);
    return async (header, token) => local(header, token);
  }
  const remote = createRemoteJWKSet(new URL(cfg.jwks_uri), {
    cooldownDuration: cfg.jwks_cooldown_ms,
    cacheMaxAge: cfg.jwks_cache_max_age_ms,
    timeoutDuration: cfg.jwks_timeout_ms,
    [customFetch]: createTimedFetch(deps, cfg.tls ? tlsFetch(cfg.jwks_uri, cfg, deps) : fetch),
  });
  const backoffMs = cfg.retry_after_s * 1000;
  let lastKnown: KeyResolver | null = null;
  let failedAt = -Infinity;
  let lastError: unknown = null;

  const fromLastKnown = async (known: KeyResolver, outage: unknown, ...args: Parameters<JWTVerifyGetKey>) => {
    try {
      return await known(...args);
    } catch (err) {
      // Not in the last set: during an outage that cannot be told apart from a rotation.
      if (err instanceof errors.JWKSNoMatchingKey) throw outage;
      throw err;
    }
  };

  return async (header, token) => {
    // jose's own clock: `failedAt` bounds retries against a down server, it is not a token time.
    if (Date.now() - failedAt < backoffMs) {
      // Before the first successful fetch there is nothing to verify with: the outage's error,
      // without asking the server again. Before, each forged token (any kid, the attacker's own
      // key) made one JWKS fetch while the server failed (test/security/token-server-storms.test.ts).
      if (lastKnown === null) throw lastError;
      return fromLastKnown(lastKnown, lastError, header, token);
    }
    try {
      return await remote(header, token);
    } catch (err) {
      if (classifyJoseError(err) !== null) throw err; // the token's fault, not the server's
      failedAt = Date.now();
      lastError = err;
      const jwks = remote.jwks();
      if (!jwks) throw err; // never fetched: nothing to fall back on
      lastKnown = createLocalJWKSet(jwks) as KeyResolver;
      deps.logger.warn({ err }, 'JWKS refresh failed; verifying with the last fetched keys');
      return fromLastKnown(lastKnown, err, header, token);
    }
  };
}

/**
 * Static keys. jose's local JWK Set covers asymmetric keys only (a JWKS is meant to be
 * published), so shared HMAC secrets — allowed by config.ts only when they are the sole keys —
 * get a small kid lookup of their own.
 */
function createStaticKeyResolver(keys: ReadonlyArray<Record<string, unknown>>): JWTVerifyGetKey {
  if (!keys.every((k) => k.kty === 'oct')) return createLocalJWKSet({ keys } as unknown as JSONWebKeySet);
  const secrets = keys.map((k) => ({ kid: k.kid, secret: new Uint8Array(Buffer.from(String(k.k), 'base64url')) }));
  return (header) => {
    const matches = header.kid === undefined ? secrets : secrets.filter((s) => s.kid === header.kid);
    if (matches.length !== 1) throw new errors.JWKSNoMatchingKey();
    return matches[0]!.secret;
  };
}

/**
 * fetch with the `tls` block's settings (private CA, client certificate): undici's own fetch
 * with an Agent whose connections use them (the global fetch takes no TLS options). The files
 * are re-read on SIGHUP (deps.tlsReloads) for the connections opened after it.
 */
function tlsFetch(jwksUri: string, cfg: JwtConfig, deps: AuthenticatorDeps): FetchImplementation {
  const tlsConnect = createReloadableTlsConnect(cfg.tls, new URL(jwksUri).hostname);
  deps.tlsReloads?.push(() => tlsConnect.reload());
  const agent = new Agent({ connect: tlsConnect.connect });
  return (url, options) => undiciFetch(url, { ...(options as object), dispatcher: agent }) as unknown as ReturnType<FetchImplementation>;
}

function createTimedFetch(deps: AuthenticatorDeps, fetchImpl: FetchImplementation): FetchImplementation {
  const once = async (url: string, options: Parameters<FetchImplementation>[1]) => {
    const t0 = performance.now();
    try {
      const res = await fetchImpl(url, options);
      deps.metrics.observeTokenServer('jwks', (performance.now() - t0) / 1000, res.status === 200 ? 'ok' : 'error');
      return res;
    } catch (err) {
      deps.metrics.observeTokenServer('jwks', (performance.now() - t0) / 1000, 'error');
      throw err;
    }
  };
  return async (url, options) => {
    try {
      return await once(url, options);
    } catch (err) {
      // A pooled keep-alive connection the server closed just as we reused it fails with a
      // reset; the GET is idempotent, so one retry on a fresh connection is safe.
      if (!isConnectionReset(err) || options.signal.aborted) throw err;
      return once(url, options);
    }
  };
}
