/**
 * How the bundle service authenticates to a bundle server (`policies.bundles.<name>.credentials`
 * and `tls`), with OPA's semantics for the same settings (OPA docs "Configuration" → services →
 * credentials; its REST client's bearer, client_tls and oauth2 plugins):
 *
 * - `bearer`: `Authorization: Bearer <token>` on every request.
 * - `client_tls`: the certificate and key are presented in the TLS handshake (mutual TLS).
 * - `oauth2` (RFC 6749 §4.4, client credentials): a POST to `token_url` with
 *   `grant_type=client_credentials` and `scope` (the `scopes`, space-separated), the client
 *   authenticated with HTTP Basic (client_secret_basic). The answer must be a `bearer` token; it
 *   is reused until less than 10 s of its `expires_in` remain (OPA's margin), and a token without
 *   `expires_in` is used once. A 401 from the bundle server drops the token (revoked, or the
 *   server's keys rotated) so the next request gets a new one.
 * - The server's CA: `tls.ca_file`, else `client_tls.ca_file` (OPA: `services[].tls.ca_cert` wins
 *   over the deprecated `client_tls.ca_cert`); given, it replaces Node's public CAs (pinned).
 *   The token endpoint is reached with Node's public CAs, as OPA does.
 * - A TLS alert the server sent before closing (no or an unaccepted client certificate) is named
 *   in the error, with what it likely means; undici alone reports "other side closed".
 *
 * One difference from OPA: the Basic credentials are form-encoded first (RFC 6749 §2.3.1), which
 * token servers decode (oidc-provider, Keycloak); OPA sends them raw. For ids and secrets of
 * letters, digits and `-._*` the header is the same; for others (`+`, `%`, `:`, space) only the
 * encoded form survives a server that follows the RFC.
 *
 * Every failure is an Error whose message says which step failed and why (it ends up in
 * /readyz and the status API), never the secret.
 *
 * @example
 *   const creds = createBundleCredentials(cfg, baseDir);
 *   const res = await request(cfg.url, { headers: await creds.headers(signal), dispatcher: await creds.dispatcher() }).catch((err) => { throw new Error(creds.describe(err)); });
 *   if (res.statusCode === 401) creds.refused();
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Agent, buildConnector, request, type Dispatcher } from 'undici';
import type { BundleServiceConfig } from '../config/types.js';

type OAuth2Config = NonNullable<NonNullable<BundleServiceConfig['credentials']>['oauth2']>;

export interface BundleCredentials {
  /** the `authorization` header of the next request, if any (an OAuth2 token is fetched when needed) */
  headers(signal?: AbortSignal): Promise<Record<string, string>>;
  /** the agent of an https bundle server (client certificate, pinned CA); undefined: plain http, Node's defaults */
  dispatcher(): Promise<Dispatcher | undefined>;
  /** a failed request as one line, with the TLS alert the server sent before it closed, if any */
  describe(err: unknown): string;
  /** the bundle server refused the credentials (401): a cached OAuth2 token is not used again */
  refused(): void;
  close(): Promise<void>;
}

/** OPA's margin: a token with less left than this is renewed before it goes out. */
const MIN_TOKEN_LIFETIME_MS = 10_000;
const TOKEN_TIMEOUT_MS = 10_000;

/** RFC 6749 §2.3.1: client_id and client_secret are form-encoded before Basic. */
const formEncode = (s: string) => new URLSearchParams([['', s]]).toString().slice(1);

/** A network or TLS error as one line, with its code when the message lacks it. */
export function describeError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const code = (err as { code?: unknown }).code;
  let text = err.message;
  if (typeof code === 'string' && !text.includes(code)) text += ` (${code})`;
  // undici wraps the socket's error: the TLS alert or the refusal is in the cause
  const cause = (err as { cause?: unknown }).cause;
  if (cause instanceof Error && !text.includes(cause.message)) text += `: ${describeError(cause)}`;
  return text;
}

/** What a token endpoint's error body says, short: `invalid_client (…)` or the first characters. */
function oauthErrorOf(body: string): string {
  try {
    const j = JSON.parse(body) as { error?: unknown; error_description?: unknown };
    if (typeof j.error === 'string') return typeof j.error_description === 'string' ? `${j.error} (${j.error_description})` : j.error;
  } catch {
    /* not JSON */
  }
  const text = body.replace(/\s+/g, ' ').trim();
  return text.length > 200 ? `${text.slice(0, 200)}…` : text || '(empty body)';
}

function createTokenSource(o: OAuth2Config): { token(signal?: AbortSignal): Promise<string>; drop(): void } {
  let cached: { token: string; exp: number } | undefined;
  const basic = 'Basic ' + Buffer.from(`${formEncode(o.client_id)}:${formEncode(o.client_secret)}`).toString('base64');
  const body = new URLSearchParams({ grant_type: 'client_credentials', ...(o.scopes && o.scopes.length > 0 ? { scope: o.scopes.join(' ') } : {}) }).toString();
  const failed = (why: string) => new Error(`OAuth2 token endpoint ${o.token_url}: ${why}`);

  async function fetchToken(signal?: AbortSignal): Promise<{ token: string; exp: number }> {
    let status: number;
    let text: string;
    try {
      const res = await request(o.token_url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', authorization: basic },
        body,
        headersTimeout: TOKEN_TIMEOUT_MS,
        bodyTimeout: TOKEN_TIMEOUT_MS,
        ...(signal ? { signal } : {}),
      });
      status = res.statusCode;
      text = await res.body.text();
    } catch (err) {
      throw failed(`request failed: ${describeError(err)}`);
    }
    if (status !== 200) throw failed(`answered ${status}: ${oauthErrorOf(text)}`);
    let json: { access_token?: unknown; token_type?: unknown; expires_in?: unknown };
    try {
      json = JSON.parse(text) as typeof json;
    } catch {
      throw failed('answered 200 with a body that is not JSON');
    }
    const token = typeof json.access_token === 'string' ? json.access_token.trim() : '';
    if (token === '') throw failed('answered without an access_token');
    // RFC 6749 §7.1: a client must not use a token type it does not understand
    if (typeof json.token_type !== 'string' || json.token_type.toLowerCase() !== 'bearer') throw failed(`returned token_type ${JSON.stringify(json.token_type ?? null)}; only bearer tokens can be sent`);
    const ttl = Number(json.expires_in);
    return { token, exp: Date.now() + (Number.isFinite(ttl) && ttl > 0 ? ttl * 1000 : 0) };
  }

  return {
    async token(signal) {
      if (cached === undefined || cached.exp - Date.now() < MIN_TOKEN_LIFETIME_MS) cached = await fetchToken(signal);
      return cached.token;
    },
    drop() {
      cached = undefined;
    },
  };
}

/** The reason of an OpenSSL alert error (`tlsv13 alert certificate required`), else its code. */
function alertReason(err: NodeJS.ErrnoException): string {
  return /(?:tlsv1\d?|sslv3) alert [a-z ]+/i.exec(err.message)?.[0].trim() ?? err.code ?? err.message;
}

/** What an alert from the bundle server most likely means for this side's settings. */
function alertHint(reason: string): string {
  if (/certificate required/i.test(reason)) return ' (the server wants a client certificate: credentials.client_tls)';
  // TLS 1.2 has no alert of its own for a missing certificate
  if (/handshake failure/i.test(reason)) return ' (often: the server wants a client certificate)';
  if (/unknown ca|bad certificate|certificate unknown|unsupported certificate/i.test(reason)) return ' (the server does not accept the client certificate)';
  if (/certificate expired|certificate revoked/i.test(reason)) return ' (the client certificate is no longer valid)';
  return '';
}

export function createBundleCredentials(cfg: BundleServiceConfig, baseDir: string): BundleCredentials {
  const cred = cfg.credentials;
  const tokens = cred?.oauth2 !== undefined ? createTokenSource(cred.oauth2) : undefined;
  const clientTls = cred?.client_tls;
  const caFile = cfg.tls?.ca_file ?? clientTls?.ca_file;
  let agent: Promise<Agent> | undefined;
  // A server that refuses the client certificate sends a TLS alert and closes; undici reports
  // only "other side closed". The alert is the first error on the socket: kept for describe().
  let alert: { reason: string; at: number } | undefined;

  async function makeAgent(): Promise<Agent> {
    const read = async (key: string, file: string) => {
      try {
        return await readFile(resolve(baseDir, file));
      } catch (err) {
        throw new Error(`${key}: ${file} cannot be read: ${describeError(err)}`);
      }
    };
    const connect = {
      ...(clientTls ? { cert: await read('credentials.client_tls.cert_file', clientTls.cert_file), key: await read('credentials.client_tls.key_file', clientTls.key_file) } : {}),
      ...(caFile !== undefined ? { ca: await read(cfg.tls?.ca_file !== undefined ? 'tls.ca_file' : 'credentials.client_tls.ca_file', caFile) } : {}),
    };
    const base = buildConnector(connect);
    return new Agent({
      connect: (options, callback) =>
        base(options, (err, socket) => {
          // `on`, not `once`: this listener never leaves a later error without one
          socket?.on('error', (e: NodeJS.ErrnoException) => {
            if (e.code?.startsWith('ERR_SSL_') && alert === undefined) alert = { reason: alertReason(e), at: Date.now() };
          });
          if (err) callback(err, null);
          else callback(null, socket!);
        }),
    });
  }

  return {
    async headers(signal): Promise<Record<string, string>> {
      if (cred?.bearer !== undefined) return { authorization: `Bearer ${cred.bearer}` };
      if (tokens) return { authorization: `Bearer ${await tokens.token(signal)}` };
      return {};
    },
    async dispatcher() {
      if (!cfg.url.startsWith('https:')) return undefined;
      alert = undefined;
      // a file that cannot be read is retried at the next poll (it may be mounted late)
      agent ??= makeAgent().catch((err: unknown) => {
        agent = undefined;
        throw err;
      });
      return agent;
    },
    describe(err) {
      let text = describeError(err);
      const a = alert;
      alert = undefined;
      if (a !== undefined && Date.now() - a.at < 60_000 && !text.includes(a.reason)) return `${text}, after the server's TLS alert "${a.reason}"${alertHint(a.reason)}`;
      // Node's own TLS servers close without an alert on a client certificate they do not trust
      const e = err as { code?: unknown; socket?: { bytesRead?: unknown } };
      if (cfg.url.startsWith('https:') && e.code === 'UND_ERR_SOCKET' && e.socket?.bytesRead === 0) {
        text += clientTls ? ', before any answer (the server may not accept the client certificate)' : ', before any answer (the server may want a client certificate: credentials.client_tls)';
      }
      return text;
    },
    refused() {
      tokens?.drop();
    },
    async close() {
      const a = await agent?.catch(() => undefined);
      await a?.close();
    },
  };
}
