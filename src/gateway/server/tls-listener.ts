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
 *   handle). config/tls-check.ts refuses what would be a silent downgrade.
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
import { ConfigError } from '../errors.js';
import type { HttpRequest, HttpResponse, TemplatedApp, Uws } from './uws-loader.js';

type Handler = (res: HttpResponse, req: HttpRequest) => void;
/** `domain` exists on both builds; the bundled typings predate it */
type DomainApp = TemplatedApp & { domain(serverName: string): TemplatedApp };

export function createListenerApp(uws: Uws, config: GatewayConfig, handler: Handler): TemplatedApp {
  const tls = config.listen.tls;
  if (tls === undefined) return uws.App().any('/*', handler);
  const options = (certFile: string, keyFile: string) => ({
    cert_file_name: certFile,
    key_file_name: keyFile,
    ...(tls.passphrase !== undefined ? { passphrase: tls.passphrase } : {}),
    // uWS verifies a presented client certificate against these CAs (client_auth: optional)
    ...(tls.client_auth !== 'none' && tls.ca_file !== undefined ? { ca_file_name: tls.ca_file } : {}),
    ...(tls.ciphers !== undefined ? { ssl_ciphers: tls.ciphers } : {}),
  });
  let app: DomainApp;
  try {
    app = uws.SSLApp(options(tls.cert_file, tls.key_file)) as DomainApp;
  } catch (err) {
    // the files were checked at load (tls-check.ts); what is left is e.g. a cipher list BoringSSL refuses
    throw new ConfigError(`uWS could not build the TLS context (${(err as Error).message}); check ciphers`, 'listen.tls', undefined, config.source.file);
  }
  app.any('/*', handler);
  for (const [name, sni] of Object.entries(tls.sni)) {
    app.addServerName(name, options(sni.cert_file, sni.key_file));
    app.domain(name).any('/*', handler);
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
