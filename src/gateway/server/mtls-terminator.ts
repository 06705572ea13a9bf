/**
 * Mutual TLS on the data listener (`listen.tls.client_auth: optional|required`).
 *
 * Why TLS terminates here and not in uWS: neither uWebSockets.js build exposes the peer
 * certificate to JavaScript, and its SSL app cannot require one (tls-listener.ts). So for such a
 * listener Node's `tls` module owns the public port, verifies the client certificate, and hands
 * each connection's plaintext to the gateway's uWS app on a private unix socket (a 0700
 * directory), preceded by a PROXY protocol v2 header whose source address is the connection's
 * random id (mtls-connections.ts). The target's table learns the id's certificate and client address
 * before the stream opens; the request handler reads them back per request.
 *
 * - `required`: Node refuses a handshake without a certificate that chains to `ca_file` and is
 *   in its validity period (`rejectUnauthorized`). `optional`: a connection without a
 *   certificate gets in (no `input.request.tls`); one whose presented certificate does not
 *   verify is closed right after the handshake (OpenSSL's verify-peer-but-not-required mode,
 *   which Node does not expose, refuses it in the handshake; the effect for the client is the
 *   same: nothing is read from it).
 * - A handshake not done in 10 s is cut (the socket is destroyed on `tlsClientError`).
 * - Bytes are piped both ways with backpressure (stream.pipe); half-close passes through
 *   (allowHalfOpen on both sides), an error on either side destroys both, and a side that
 *   closed leaves the other a grace period to flush, then destroys it.
 * - The entry of a connection goes when uWS has closed its stream: no request of it is
 *   read after that.
 * - TLS 1.2 renegotiation is refused (SSL_OP_NO_RENEGOTIATION): the facts are the first handshake's.
 * - Certificates reload with `setSecureContext` (and new SNI contexts): new handshakes use the
 *   new files, open connections keep theirs; the port is never re-bound.
 * - Several targets (worker threads) are served round robin per connection, skipping one that
 *   is no longer usable (a worker that exited would otherwise hold every n-th client for the
 *   30 s its `open` waits for an answer, then drop it).
 *
 * @example
 * const t = createMtlsTerminator({ tls, host: '127.0.0.1', targets: [{ path, open, close }], logger });
 * const port = await t.listen(8443);
 */
import { createServer, createSecureContext, type SecureContext, type SecureContextOptions, type Server, type TLSSocket } from 'node:tls';
import { connect, type Socket } from 'node:net';
import { readFileSync } from 'node:fs';
import { constants } from 'node:crypto';
import type { Logger } from 'pino';
import type { ListenTlsConfig } from '../config/types.js';
import { describeClientCertificate } from './client-certificate.js';
import { createConnectionId, encodeProxyHeader, type MtlsConnection } from './mtls-connections.js';

/** Where the terminator hands connections: a uWS app's unix socket and its connection table. */
export interface MtlsTarget {
  readonly path: string;
  /** records the connection before its stream opens; a promise when the table is in another thread */
  open(id: string, conn: MtlsConnection): void | Promise<void>;
  close(id: string): void;
  /** false once the target cannot take connections (its worker thread exited): the round robin skips it */
  usable?(): boolean;
}

export interface MtlsTerminator {
  listen(port: number, host: string, exclusive?: boolean): Promise<number>;
  /** re-reads the certificate, key, CA and SNI files (throws, keeping the old ones, when one is unusable) */
  reload(): void;
  /** stops accepting; open connections go on until `destroyAll` */
  stopAccepting(): void;
  destroyAll(): void;
  /** open client connections */
  readonly connections: number;
}

/** How long a side that closed leaves the other to flush what it has buffered. */
const CLOSE_GRACE_MS = 5000;
const HANDSHAKE_TIMEOUT_MS = 10_000;

export function createMtlsTerminator(o: { tls: ListenTlsConfig; targets: readonly MtlsTarget[]; logger: Logger }): MtlsTerminator {
  const { tls, targets, logger } = o;
  if (tls.client_auth === 'none' || tls.ca_file === undefined) throw new TypeError('createMtlsTerminator needs client_auth optional|required and ca_file');
  if (targets.length === 0) throw new TypeError('createMtlsTerminator needs a target');
  const caFile = tls.ca_file;
  const contextOptions = (certFile: string, keyFile: string): SecureContextOptions => ({
    cert: readFileSync(certFile),
    key: readFileSync(keyFile),
    ca: readFileSync(caFile),
    ...(tls.passphrase !== undefined ? { passphrase: tls.passphrase } : {}),
    ...(tls.ciphers !== undefined ? { ciphers: tls.ciphers } : {}),
    minVersion: tls.min_version,
    // TLS 1.2 renegotiation is refused: the certificate facts are read once, after the first
    // handshake, and a renegotiation could present another certificate (or none) under them.
    // Node lets a client renegotiate 3 times in 10 minutes by default.
    secureOptions: constants.SSL_OP_NO_RENEGOTIATION,
  });
  const readSni = () => new Map<string, SecureContext>(Object.entries(tls.sni).map(([name, e]) => [name.toLowerCase(), createSecureContext(contextOptions(e.cert_file, e.key_file))]));
  let sni = readSni();
  const server: Server = createServer({
    ...contextOptions(tls.cert_file, tls.key_file),
    requestCert: true,
    rejectUnauthorized: tls.client_auth === 'required',
    allowHalfOpen: true,
    handshakeTimeout: HANDSHAKE_TIMEOUT_MS,
    // the default context answers names without their own certificate, as uWS does
    SNICallback: (name, cb) => cb(null, sni.get(name.toLowerCase())),
  });
  const open = new Set<Socket>();
  let rr = 0;

  server.on('tlsClientError', (err, socket) => {
    logger.debug({ code: (err as NodeJS.ErrnoException).code, err: err.message }, 'mTLS handshake refused');
    // Node only reports a handshake error here, it does not close the socket: without this a
    // client that never finishes its handshake (ERR_TLS_HANDSHAKE_TIMEOUT) held it open for good
    socket.destroy();
  });
  server.on('secureConnection', (client: TLSSocket) => {
    const peer = client.getPeerX509Certificate();
    if (!client.authorized && peer !== undefined) {
      // optional: a presented certificate must verify (see above)
      logger.debug({ reason: String(client.authorizationError) }, 'mTLS client certificate refused');
      client.destroy();
      return;
    }
    const conn: MtlsConnection = {
      tls: client.authorized && peer !== undefined ? describeClientCertificate(peer) : null,
      remoteAddr: client.remoteAddress ?? '',
      remotePort: client.remotePort ?? 0,
    };
    // unguessable, not a counter: a client can make uWS read a PROXY header of its own mid-stream (mtls-connections.ts)
    const id = createConnectionId();
    const target = nextTarget();
    if (target === null) {
      logger.error('mTLS: no gateway worker left to take the connection');
      client.destroy();
      return;
    }
    open.add(client);
    client.pause();
    const opened = target.open(id, conn);
    const start = () => {
      if (client.destroyed) {
        target.close(id);
        open.delete(client);
        return;
      }
      splice(client, target, id);
    };
    if (opened instanceof Promise) {
      opened.then(start, (err: unknown) => {
        logger.warn({ err: String(err) }, 'mTLS connection not registered');
        target.close(id);
        open.delete(client);
        client.destroy();
      });
    } else start();
  });

  /** The next usable target, round robin; null when none is. */
  function nextTarget(): MtlsTarget | null {
    for (let i = 0; i < targets.length; i++) {
      const t = targets[rr++ % targets.length] as MtlsTarget;
      if (t.usable?.() !== false) return t;
    }
    return null;
  }

  function splice(client: TLSSocket, target: MtlsTarget, id: string): void {
    const inner = connect({ path: target.path, allowHalfOpen: true });
    inner.setNoDelay?.(true);
    client.setNoDelay(true);
    // ours is the first thing uWS reads on the stream; the client's bytes only follow it
    inner.write(encodeProxyHeader(id));
    client.pipe(inner);
    inner.pipe(client);
    client.resume();
    let graceTimer: NodeJS.Timeout | undefined;
    const graceThenDestroy = (other: Socket) => {
      other.end();
      graceTimer ??= setTimeout(() => other.destroy(), CLOSE_GRACE_MS);
      graceTimer.unref();
    };
    client.on('error', () => inner.destroy());
    inner.on('error', (err) => {
      logger.debug({ err: err.message }, 'mTLS: stream to uWS failed');
      client.destroy();
    });
    client.on('close', (hadError) => {
      open.delete(client);
      if (hadError) inner.destroy();
      else graceThenDestroy(inner);
    });
    inner.on('close', (hadError) => {
      // uWS is done with this stream: no request of it reads the table after this
      target.close(id);
      if (graceTimer !== undefined) clearTimeout(graceTimer);
      if (hadError) client.destroy();
      else if (!client.destroyed) graceThenDestroy(client);
    });
  }

  return {
    listen(port, host, exclusive = false) {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen({ port, host, exclusive }, () => {
          server.off('error', reject);
          const addr = server.address();
          resolve(typeof addr === 'object' && addr !== null ? addr.port : port);
        });
      });
    },
    reload() {
      const next = contextOptions(tls.cert_file, tls.key_file);
      createSecureContext(next); // throws on an unusable file before anything changes
      const nextSni = readSni();
      server.setSecureContext(next);
      sni = nextSni;
    },
    stopAccepting() {
      // close() stops accepting at once; its callback would wait for the open connections, which
      // the caller ends (destroyAll) after its drain
      if (server.listening) server.close();
    },
    destroyAll() {
      for (const s of open) s.destroy();
      open.clear();
    },
    get connections() {
      return open.size;
    },
  };
}
