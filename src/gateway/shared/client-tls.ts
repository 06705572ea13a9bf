/**
 * Outgoing TLS settings from a `tls` block (config/tls-schema.ts `clientTlsSchema`), shared by
 * the upstream clients (proxy/upstream-tls.ts) and the token-server clients (JWKS fetch,
 * introspection): one secure context built from the files once, the SNI name, verification.
 *
 * File paths are absolute after the config loader (config/tls-check.ts `absolutiseTlsPaths`);
 * a relative one given directly resolves from the working directory.
 *
 * @example
 * const opts = createClientTlsOptions({ ca_file: '/etc/regate/ca.pem', min_version: 'TLSv1.2', verify: true }, 'idp.internal');
 * new Pool('https://idp.internal', { connect: opts });
 */
import net from 'node:net';
import tls from 'node:tls';
import { readFileSync } from 'node:fs';
import { buildConnector } from 'undici';
import type { ClientTlsConfig } from '../config/types.js';

const DEFAULTS: ClientTlsConfig = { min_version: 'TLSv1.2', verify: true };

/**
 * @param hostname the URL's host: the default SNI name (unless it is an IP literal) and the
 *   name the certificate must carry
 */
export function createClientTlsOptions(config: ClientTlsConfig | undefined, hostname: string): tls.ConnectionOptions {
  const c = config ?? DEFAULTS;
  const read = (p: string | undefined) => (p === undefined ? undefined : readFileSync(p));
  const ca = read(c.ca_file);
  const cert = read(c.cert_file);
  const key = read(c.key_file);
  const secureContext = tls.createSecureContext({
    ...(ca ? { ca } : {}),
    ...(cert && key ? { cert, key } : {}),
    ...(c.passphrase !== undefined ? { passphrase: c.passphrase } : {}),
    minVersion: c.min_version,
  });
  const host = hostname.replace(/^\[|\]$/g, '');
  // RFC 6066 §3: SNI carries host names only, never an IP literal
  const servername = c.server_name ?? (net.isIP(host) === 0 ? host : undefined);
  return {
    secureContext,
    rejectUnauthorized: c.verify,
    ...(servername !== undefined ? { servername } : {}),
    // an IP-literal URL without server_name: the certificate must name that IP
    ...(servername === undefined ? { checkServerIdentity: (_h: string, peer: tls.PeerCertificate) => tls.checkServerIdentity(host, peer) } : {}),
  };
}

/** An undici `connect` function whose TLS files can be re-read (SIGHUP), and the re-read. */
export interface ReloadableTlsConnect {
  /** pass as undici's `connect` option (Pool, Agent): each new connection uses the current files */
  readonly connect: buildConnector.connector;
  /**
   * Re-reads the `tls` block's files (CA, client certificate and key): connections opened from
   * now on use them, pooled keep-alive ones keep theirs until they close. Throws, keeping the
   * current settings, when a file is missing or not usable.
   */
  reload(): void;
}

/**
 * The token servers' TLS (`tokens.jwt.tls`, `tokens.introspection.tls`, the client-credentials
 * `token_endpoint`), reloadable like the listener's and the upstreams' certificates: a renewed
 * client certificate for `tls_client_auth` (RFC 8705 §2) or a rotated private CA takes effect
 * on SIGHUP without a restart.
 *
 * @example
 * const tlsConnect = createReloadableTlsConnect(cfg.tls, url.hostname, 5000);
 * const pool = new Pool(url.origin, { connect: tlsConnect.connect });
 * process.on('SIGHUP', () => tlsConnect.reload());
 */
export function createReloadableTlsConnect(config: ClientTlsConfig | undefined, hostname: string, timeoutMs?: number): ReloadableTlsConnect {
  const build = () => buildConnector({ ...createClientTlsOptions(config, hostname), ...(timeoutMs !== undefined ? { timeout: timeoutMs } : {}) } as buildConnector.BuildOptions);
  let current = build();
  return {
    connect: (options, callback) => current(options, callback),
    reload() {
      current = build();
    },
  };
}
