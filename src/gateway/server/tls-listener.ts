/**
 * The data listener's uWS app: `App()` for cleartext, `SSLApp()` when `listen.tls` is set, with
 * one more certificate per `listen.tls.sni` name (uWS `addServerName`).
 *
 * What uWS's TLS can and cannot do (both builds, uSockets `create_ssl_context_from_options`;
 * README "TLS" has the user-facing version):
 * - certificate chain, key, passphrase, TLS 1.2 cipher list, SNI certificates: yes;
 * - a protocol floor: fixed at TLS 1.2 (TLS 1.3 is negotiated when the client offers it);
 * - client certificates: `ca_file_name` makes the server request one and refuse the handshake
 *   when a presented one does not verify — but a client that presents none still gets in, and
 *   the verified certificate is not exposed to JavaScript (no getX509Certificate, no native
 *   handle). So a listener with `client_auth: optional|required` never gets here: it
 *   terminates TLS in Node (mtls-terminator.ts) in front of a cleartext uWS app.
 *
 * An SNI name has its own router in uWS: a request on a connection that chose `api.example`
 * is matched against routes registered under `app.domain('api.example')`, not the default
 * ones; so the handler is registered on every domain.
 *
 * Certificate paths are absolute here (the config loader made them so).
 *
 * @example const app = createListenerApp(uws, config, (res, req) => res.end('ok'));
 */
import type { GatewayConfig, ListenTlsConfig } from '../config/types.js';
import { ConfigError, GatewayError } from '../errors.js';
import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import type { HttpRequest, HttpResponse, TemplatedApp, Uws, us_listen_socket } from './uws-loader.js';

/** registers a listener's routes on an app (the gateway's catch-all, and what precedes it) */
type Register = (app: TemplatedApp) => void;
/** `domain` exists on both builds; the bundled typings predate it */
type DomainApp = TemplatedApp & { domain(serverName: string): TemplatedApp };

export function createListenerApp(uws: Uws, config: GatewayConfig, register: Register): TemplatedApp {
  const tls = config.listen.tls;
  if (tls !== undefined && tls.client_auth !== 'none') throw new TypeError('a listener with client_auth terminates TLS in Node (mtls-terminator.ts), not in uWS');
  if (tls === undefined) {
    const plain = uws.App();
    register(plain);
    return plain;
  }
  const options = (certFile: string, keyFile: string) => ({
    cert_file_name: certFile,
    key_file_name: keyFile,
    ...(tls.passphrase !== undefined ? { passphrase: tls.passphrase } : {}),
    ...(tls.ciphers !== undefined ? { ssl_ciphers: tls.ciphers } : {}),
  });
  let app: DomainApp;
  try {
    app = uws.SSLApp(options(tls.cert_file, tls.key_file)) as DomainApp;
  } catch (err) {
    // the files were checked at load (tls-check.ts); what is left is e.g. a cipher list BoringSSL refuses
    throw new ConfigError(`uWS could not build the TLS context (${(err as Error).message}); check ciphers`, 'listen.tls', undefined, config.source.file);
  }
  register(app);
  for (const [name, sni] of Object.entries(tls.sni)) {
    app.addServerName(name, options(sni.cert_file, sni.key_file));
    register(app.domain(name));
  }
  return app;
}

/**
 * The Strict-Transport-Security value for `listen.tls.hsts` (RFC 6797 §6.1), or null.
 * @example hstsHeader({ max_age_s: 600, include_subdomains: true, preload: false }) // 'max-age=600; includeSubDomains'
 */
export function hstsHeader(tls: ListenTlsConfig | undefined): string | null {
  const h = tls?.hsts;
  if (h === undefined) return null;
  return `max-age=${h.max_age_s}${h.include_subdomains ? '; includeSubDomains' : ''}${h.preload ? '; preload' : ''}`;
}

type OnListen = (ls: us_listen_socket | false) => void;

/** `app.listen`, with uWS's exclusive-port flag when asked (no other socket may join the port). */
export function listenApp(uws: Uws, app: TemplatedApp, host: string, port: number, exclusive: boolean, cb: OnListen): void {
  // (host, port, options, cb) exists on both builds; the bundled typings predate it
  type ExclusiveListen = { listen(host: string, port: number, options: number, cb: OnListen): void };
  const flag = (uws as unknown as { LIBUS_LISTEN_EXCLUSIVE_PORT: number }).LIBUS_LISTEN_EXCLUSIVE_PORT;
  if (exclusive) (app as unknown as ExclusiveListen).listen(host, port, flag, cb);
  else app.listen(host, port, cb);
}

/**
 * Certificate reload (SIGHUP): uWS cannot swap the certificate of a live SSLApp, so a new app is
 * built from the files and takes over the port, and the old app keeps the connections it has —
 * in-flight requests and open keep-alive connections finish on the old certificate.
 *
 * The files are checked first with Node's TLS (unreadable, not PEM, key not matching): a bad
 * file throws and the running listener is left as it is.
 *
 * Taking over the port: where the port is shared (SO_REUSEPORT: several workers, or a port given
 * without exclusivity) the new app binds beside the old one and then the old listen socket is
 * closed — no moment without a listener. An exclusive bind (one worker, `regate start`) or an
 * ephemeral one cannot be joined, so the old listen socket is closed first and the new one
 * opened in the same turn of the event loop: connections the kernel had completed but regate
 * not yet accepted in that instant are reset (`gap: true` in the log).
 */
export function reloadListener(o: { uws: Uws; config: GatewayConfig; handle: Register; port: number; exclusive: boolean; app: TemplatedApp; listenSocket: us_listen_socket }): { app: TemplatedApp; listenSocket: us_listen_socket; gap: boolean } {
  const tls = o.config.listen.tls;
  if (tls === undefined) throw new TypeError('reloadListener needs listen.tls');
  assertListenerFiles(tls);
  const app = createListenerApp(o.uws, o.config, o.handle);
  const host = o.config.listen.host;
  let joined: us_listen_socket | false = false;
  if (!o.exclusive) listenApp(o.uws, app, host, o.port, false, (ls) => (joined = ls));
  if (joined) {
    o.uws.us_listen_socket_close(o.listenSocket);
    return { app, listenSocket: joined, gap: false };
  }
  o.uws.us_listen_socket_close(o.listenSocket);
  let ls: us_listen_socket | false = false;
  listenApp(o.uws, app, host, o.port, o.exclusive, (s) => (ls = s));
  if (ls) return { app, listenSocket: ls, gap: true };
  // the port was taken in between: the old app listens again, with the old certificates
  (app as TemplatedApp & { close(): void }).close();
  let back: us_listen_socket | false = false;
  listenApp(o.uws, o.app, host, o.port, o.exclusive, (s) => (back = s));
  throw new ReloadError(`certificate reload: could not listen on port ${o.port} again`, back || null);
}

/** Throws a readable error when a certificate, key or CA file of `listen.tls` is not usable. */
export function assertListenerFiles(tls: ListenTlsConfig): void {
  const pairs: [string, string][] = [[tls.cert_file, tls.key_file], ...Object.values(tls.sni).map((e): [string, string] => [e.cert_file, e.key_file])];
  for (const [cert, key] of pairs) {
    try {
      createSecureContext({ cert: readFileSync(cert), key: readFileSync(key), ...(tls.passphrase !== undefined ? { passphrase: tls.passphrase } : {}) });
    } catch (err) {
      throw new Error(`listen.tls: ${cert} / ${key}: ${(err as Error).message}`);
    }
  }
  if (tls.ca_file !== undefined) {
    try {
      createSecureContext({ ca: readFileSync(tls.ca_file) });
    } catch (err) {
      throw new Error(`listen.tls.ca_file: ${tls.ca_file}: ${(err as Error).message}`);
    }
  }
}

/** A Host value a redirect may carry: a DNS name or an IP literal, an optional port (RFC 9110 §7.2). */
const REDIRECT_HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;
/** origin-form path and query as uWS hands them over: visible ASCII only */
const REDIRECT_TARGET = /^\/[\x21-\x7e]*$/;
const QUERY = /^[\x21-\x7e]*$/;

/**
 * `listen.tls.plain`: a cleartext listener beside the TLS one. `mode: redirect` answers every
 * request 308 to the same host and target on `https` (the TLS port, or `redirect_port` when a
 * load balancer publishes another one), without routing, tokens or upstreams; a Host or target
 * that is not well-formed is 400 GW_ERR_BAD_HOST/GW_ERR_BAD_TARGET, never echoed. `mode: serve`
 * runs the gateway on it as on any cleartext listener (`input.request.scheme` "http").
 * Null when not configured.
 */
export function createPlainApp(uws: Uws, config: GatewayConfig, serve: Register): TemplatedApp | null {
  const plain = config.listen.tls?.plain;
  if (plain === undefined) return null;
  if (plain.mode === 'serve') {
    const app = uws.App();
    serve(app);
    return app;
  }
  const port = plain.redirect_port ?? config.listen.port;
  const portPart = port === 443 ? '' : `:${port}`;
  const refuse = (res: HttpResponse, code: 'GW_ERR_BAD_HOST' | 'GW_ERR_BAD_TARGET') => {
    const err = new GatewayError(code);
    res.cork(() => res.writeStatus(`${err.status} Bad Request`).writeHeader('content-type', 'application/json').writeHeader('cache-control', 'no-store').end(err.toResponseBody(undefined)));
  };
  return uws.App().any('/*', (res, req) => {
    const host = req.getHeader('host');
    const target = req.getUrl();
    const query = req.getQuery() ?? '';
    if (!REDIRECT_HOST.test(host)) return refuse(res, 'GW_ERR_BAD_HOST');
    if (!REDIRECT_TARGET.test(target) || !QUERY.test(query)) return refuse(res, 'GW_ERR_BAD_TARGET');
    const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : (host.split(':')[0] as string);
    const location = `https://${name}${portPart}${target}${query === '' ? '' : `?${query}`}`;
    res.cork(() => res.writeStatus('308 Permanent Redirect').writeHeader('location', location).writeHeader('cache-control', 'no-store').end());
  });
}

/**
 * After a reload that could bind neither the new app nor, again, the old one (an exclusive port
 * taken by another socket in the instant between close and bind — a port in the ephemeral range
 * can become some connection's source port), the worker would otherwise stop listening for good.
 * This keeps trying to bind `app` on the port: after 50 ms, doubling to a 2 s cap, until it binds
 * or `stopped()` says the gateway is closing. Each failed attempt is reported to `onRetry` (the
 * caller logs it); the bound socket goes to `onBound`.
 *
 * @example relistenUntilBound({ uws, app, host, port, exclusive: true, stopped: () => draining, onBound: (ls) => (listenSocket = ls), onRetry: (n, ms) => log.error(…) });
 */
export function relistenUntilBound(o: {
  uws: Uws;
  app: TemplatedApp;
  host: string;
  port: number;
  exclusive: boolean;
  stopped(): boolean;
  onBound(ls: us_listen_socket): void;
  onRetry(attempt: number, nextDelayMs: number): void;
}): { cancel(): void } {
  let timer: NodeJS.Timeout | undefined;
  let attempt = 0;
  const tryBind = (): void => {
    timer = undefined;
    if (o.stopped()) return;
    let ls: us_listen_socket | false = false;
    listenApp(o.uws, o.app, o.host, o.port, o.exclusive, (s) => (ls = s));
    if (ls) {
      o.onBound(ls);
      return;
    }
    attempt++;
    const delay = Math.min(2000, 50 * 2 ** Math.min(attempt - 1, 6));
    o.onRetry(attempt, delay);
    timer = setTimeout(tryBind, delay);
  };
  timer = setTimeout(tryBind, 50);
  return {
    cancel() {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
    },
  };
}

/** A reload that lost the port: `listenSocket` is the old app's socket again (null if that failed too). */
export class ReloadError extends Error {
  constructor(
    message: string,
    readonly listenSocket: us_listen_socket | null,
  ) {
    super(message);
    this.name = 'ReloadError';
  }
}
