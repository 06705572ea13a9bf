/**
 * TLS towards an upstream (`upstreams.<name>.tls`, https:// urls), for both HTTP/1.1 clients:
 * regate's own (h1-connection.ts opens its sockets through `connect`) and undici's Pool (its
 * `connect` options).
 *
 * - One secure context per upstream, built once from the files (CA, client certificate for
 *   mutual TLS): a connection then costs no file reads or PEM parsing.
 * - Session resumption: the newest session ticket the upstream gave is offered on the next
 *   connection, so a pool that grows or replaces connections does abbreviated handshakes.
 * - Certificate problems (unknown CA, expired, wrong host, a refused client certificate) are
 *   upstream failures: `isTlsErrorCode` lets forward.ts answer them 502 GW_ERR_UPSTREAM_TLS, and
 *   the breaker counts them like a refused connection.
 *
 * @example
 * const t = createUpstreamTls(cfg.tls, 'car.internal', '/etc/regate');
 * const socket = t.connect('car.internal', 443, onread);
 */
import type net from 'node:net';
import tls from 'node:tls';
import type { ClientTlsConfig } from '../config/types.js';
import { createClientTlsOptions } from '../shared/client-tls.js';

export interface UpstreamTls {
  /** opens one TLS connection (its 'secureConnect' means ready) */
  connect(host: string, port: number, onread: net.OnReadOpts): tls.TLSSocket;
  /** the same settings as undici `connect` options */
  undiciConnect(): tls.ConnectionOptions;
  /**
   * Re-reads the files (SIGHUP): connections opened from now on use them, pooled ones keep theirs.
   * Throws, keeping the current settings, when a file is not usable.
   */
  reload(): void;
}

/**
 * @param hostname the URL's host (the default SNI name, unless it is an IP address)
 */
export function createUpstreamTls(config: ClientTlsConfig | undefined, hostname: string): UpstreamTls {
  let base = createClientTlsOptions(config, hostname);
  let session: Buffer | undefined;
  return {
    connect(host, port, onread) {
      // `onread` (one reused read buffer) is documented for tls.connect; @types/node lacks it
      const options: tls.ConnectionOptions & { onread: net.OnReadOpts } = { ...base, host, port, onread, ...(session ? { session } : {}) };
      const socket = tls.connect(options);
      socket.setNoDelay(true);
      socket.on('session', (s: Buffer) => (session = s));
      return socket;
    },
    // undici keeps its own session cache per origin (maxCachedSessions)
    undiciConnect: () => base,
    reload() {
      base = createClientTlsOptions(config, hostname);
      session = undefined; // a session of the old context would resume the old client certificate
    },
  };
}

/**
 * Codes of a failed TLS handshake or certificate check (OpenSSL's X509 verify codes as Node
 * reports them, Node's own ERR_TLS_*, and ERR_SSL_* for alerts and protocol mismatches).
 */
const X509_CODES = new Set([
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_SIGNATURE_FAILURE',
  'CERT_REVOKED',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'INVALID_CA',
  'INVALID_PURPOSE',
  'PATH_LENGTH_EXCEEDED',
  'HOSTNAME_MISMATCH',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_TLS_HANDSHAKE_TIMEOUT',
]);

export function isTlsErrorCode(code: string): boolean {
  return X509_CODES.has(code) || code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_');
}
