/**
 * `type: oauth2_client_credentials`: the upstream gets `Authorization: Bearer <token>` with a
 * short-lived access token the gateway obtains for itself from an OAuth token endpoint (RFC 6749
 * §4.4, client credentials grant) — the "better" backend credential of the Apigee guidance the
 * project started from (issue #17).
 *
 * - One token at a time, cached until shortly before its `expires_in` ends (`expiry_skew_s`).
 * - Refreshed ahead, in the background (`refresh_ahead_s` before the end): a request never waits
 *   while a usable token is cached, and only one call is in flight at a time (single-flight).
 * - The token endpoint sits behind a circuit breaker (opossum, as the introspection endpoint). A request that finds no
 *   usable token and cannot get one answers 503 GW_ERR_BACKEND_TOKEN_UNAVAILABLE with
 *   Retry-After — the gateway's own outage, never the caller's 401.
 * - Client authentication: `client_secret` (HTTP Basic, RFC 6749 §2.3.1), `private_key_jwt`
 *   (RFC 7523 §2.2, a JWK in `private_key`), or mutual TLS (`tls_client_auth`, RFC 8705 §2: the
 *   `tls` block's certificate); optional `scope` and `audience` form fields.
 *
 * @example
 * const cred = createClientCredentialsCredential('car-oauth', { token_endpoint: 'https://idp/token', client_id: 'gw', client_secret: 's' });
 * await cred.headersFor(req) // { authorization: 'Bearer eyJ…' }
 */
import { randomUUID } from 'node:crypto';
import { importJWK, SignJWT, type JWK } from 'jose';
import { Pool } from 'undici';
import CircuitBreaker from 'opossum';
import { GatewayError } from '../../errors.js';
import type { ClientTlsConfig } from '../../config/types.js';
import { createReloadableTlsConnect } from '../../shared/client-tls.js';
import type { Credential } from './types.js';

export interface ClientCredentialsConfig {
  readonly token_endpoint: string;
  readonly client_id: string;
  readonly client_secret?: string;
  /** a private JWK: authenticate with a signed assertion (private_key_jwt) */
  readonly private_key?: Record<string, unknown>;
  readonly auth_method?: 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt' | 'tls_client_auth';
  readonly scope?: string;
  readonly audience?: string;
  readonly tls?: ClientTlsConfig;
  /** a token counts as expired this long before its end */
  readonly expiry_skew_s?: number;
  /** a background refresh starts this long before the end */
  readonly refresh_ahead_s?: number;
  readonly timeout_ms?: number;
  readonly breaker?: { readonly volume_threshold?: number; readonly error_threshold_percentage?: number; readonly reset_timeout_ms?: number };
  /** clock in ms (tests) */
  readonly now?: () => number;
}

interface Held {
  readonly headers: Readonly<Record<string, string>>;
  /** usable until (ms) */
  readonly until: number;
  /** refresh in the background from (ms) */
  readonly refreshAt: number;
}

export type ClientCredentialsCredential = Credential & {
  /** calls made to the token endpoint so far (metrics and tests) */
  readonly calls: () => number;
  /** re-reads the token endpoint's `tls` files (SIGHUP) for new connections; throws, keeping them, on a bad file */
  reloadTls(): void;
  close(): Promise<void>;
};

export function createClientCredentialsCredential(name: string, cfg: ClientCredentialsConfig): ClientCredentialsCredential {
  const url = new URL(cfg.token_endpoint);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new TypeError(`credentials.${name}.token_endpoint must be an http(s) URL`);
  const method = cfg.auth_method ?? (cfg.private_key ? 'private_key_jwt' : cfg.client_secret !== undefined ? 'client_secret_basic' : 'tls_client_auth');
  if ((method === 'client_secret_basic' || method === 'client_secret_post') && !cfg.client_secret) throw new TypeError(`credentials.${name}.client_secret is required for ${method}`);
  if (method === 'private_key_jwt' && (!cfg.private_key || typeof cfg.private_key.d !== 'string')) throw new TypeError(`credentials.${name}.private_key must be a private JWK for private_key_jwt`);
  if (method === 'tls_client_auth' && (url.protocol !== 'https:' || cfg.tls?.cert_file === undefined)) {
    throw new TypeError(`credentials.${name}: without client_secret or private_key the client authenticates with tls.cert_file/key_file (RFC 8705 §2), which needs an https token_endpoint`);
  }
  const now = cfg.now ?? Date.now;
  const skewMs = (cfg.expiry_skew_s ?? 5) * 1000;
  const aheadMs = (cfg.refresh_ahead_s ?? 60) * 1000;
  const timeout = cfg.timeout_ms ?? 5000;
  const resetMs = cfg.breaker?.reset_timeout_ms ?? 10_000;
  const retryAfter = String(Math.max(1, Math.ceil(resetMs / 1000)));
  // one call is ever in flight (single-flight below), so the breaker only counts outcomes; the
  // call's own timeouts are undici's
  const breaker = new CircuitBreaker(() => requestToken(), {
    name: `credential ${name}`,
    timeout: false,
    errorThresholdPercentage: cfg.breaker?.error_threshold_percentage ?? 50,
    volumeThreshold: cfg.breaker?.volume_threshold ?? 3,
    resetTimeout: resetMs,
    rollingCountTimeout: 10_000,
    // nothing reads opossum's rolling stats: no 'snapshot' event (a timer per breaker that
    // summed its window every second: ~1 k instructions per request under callgrind's pace,
    // issue #20) and no latency list per call for percentiles
    enableSnapshots: false,
    rollingPercentilesEnabled: false,
  });
  // https: the private CA and the client certificate (tls_client_auth), re-read on SIGHUP
  const tlsConnect = url.protocol === 'https:' ? createReloadableTlsConnect(cfg.tls, url.hostname, timeout) : null;
  const pool = new Pool(url.origin, {
    connections: 2,
    connect: tlsConnect !== null ? tlsConnect.connect : { timeout },
  });
  const path = url.pathname + url.search;
  const assertionKey = method === 'private_key_jwt' ? importJWK(cfg.private_key as JWK, typeof cfg.private_key?.alg === 'string' ? cfg.private_key.alg : 'ES256') : null;
  assertionKey?.catch(() => undefined); // surfaced on first use

  let held: Held | null = null;
  let inflight: Promise<Held> | null = null;
  let calls = 0;

  const unavailable = (cause: unknown) => new GatewayError('GW_ERR_BACKEND_TOKEN_UNAVAILABLE', { headers: { 'retry-after': retryAfter }, cause });

  async function requestToken(): Promise<Held> {
    const form = new URLSearchParams({ grant_type: 'client_credentials' });
    if (cfg.scope !== undefined) form.set('scope', cfg.scope);
    if (cfg.audience !== undefined) form.set('audience', cfg.audience);
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
    if (method === 'client_secret_basic') {
      const enc = (s: string) => encodeURIComponent(s).replace(/%20/g, '+'); // RFC 6749 §2.3.1
      headers['authorization'] = 'Basic ' + Buffer.from(`${enc(cfg.client_id)}:${enc(cfg.client_secret ?? '')}`).toString('base64');
    } else {
      form.set('client_id', cfg.client_id);
      if (method === 'client_secret_post') form.set('client_secret', cfg.client_secret ?? '');
      if (method === 'private_key_jwt') {
        const jwk = cfg.private_key as JWK;
        const assertion = await new SignJWT({})
          .setProtectedHeader({ alg: typeof jwk.alg === 'string' ? jwk.alg : 'ES256', ...(typeof jwk.kid === 'string' ? { kid: jwk.kid } : {}) })
          .setIssuer(cfg.client_id)
          .setSubject(cfg.client_id)
          .setAudience(cfg.token_endpoint)
          .setJti(randomUUID())
          .setIssuedAt()
          .setExpirationTime('60s')
          .sign(await (assertionKey as NonNullable<typeof assertionKey>));
        form.set('client_assertion_type', 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
        form.set('client_assertion', assertion);
      }
    }
    calls++;
    const res = await pool.request({ method: 'POST', path, headers, body: form.toString(), headersTimeout: timeout, bodyTimeout: timeout });
    const body = (await res.body.json().catch(() => null)) as { access_token?: unknown; token_type?: unknown; expires_in?: unknown } | null;
    if (res.statusCode !== 200 || body === null) throw new Error(`token endpoint answered ${res.statusCode}`);
    if (typeof body.access_token !== 'string' || !/^[\x21-\x7e]+$/.test(body.access_token)) throw new Error('token endpoint sent no usable access_token');
    if (typeof body.token_type !== 'string' || body.token_type.toLowerCase() !== 'bearer') throw new Error(`token_type ${String(body.token_type)} is not Bearer`);
    // RFC 6749 §5.1: expires_in is RECOMMENDED; without it, a token is held for 5 minutes
    const lifetimeMs = (typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : 300) * 1000;
    const t = now();
    const end = t + lifetimeMs;
    // short lifetimes: never treat more than a quarter as skew, or refresh before half of it
    const until = end - Math.min(skewMs, lifetimeMs / 4);
    const refreshAt = Math.min(until, end - Math.min(aheadMs, lifetimeMs / 2));
    return { headers: Object.freeze({ authorization: `Bearer ${body.access_token}` }), until, refreshAt };
  }

  /** Single-flight: every caller while a call is out shares it. */
  function fetchOnce(): Promise<Held> {
    if (inflight) return inflight;
    // an open breaker rejects at once (opossum's EOPENBREAKER), without calling the endpoint
    inflight = breaker.fire().then(
      (h) => {
        held = h;
        inflight = null;
        return h;
      },
      (err: unknown) => {
        inflight = null;
        throw unavailable(err);
      },
    );
    return inflight;
  }

  return {
    name,
    type: 'oauth2_client_credentials',
    headersFor() {
      const t = now();
      const h = held;
      if (h !== null && t < h.until) {
        // refresh ahead: the request goes on with the token it has
        if (t >= h.refreshAt && inflight === null && !breaker.opened) fetchOnce().catch(() => undefined);
        return h.headers;
      }
      return fetchOnce().then((x) => x.headers);
    },
    calls: () => calls,
    reloadTls() {
      tlsConnect?.reload();
    },
    async close() {
      breaker.shutdown();
      await pool.close();
    },
  };
}
