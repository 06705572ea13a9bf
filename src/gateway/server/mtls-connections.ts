/**
 * The worker's table of live mutual-TLS connections: connection id → what the TLS handshake
 * established (the verified client certificate, the client's real address). The mTLS terminator
 * (mtls-terminator.ts) adds an entry before it opens the connection's stream to uWS and removes
 * it once uWS has closed that stream, so every request uWS reads on it finds its entry.
 *
 * The id travels to uWS as the source address of a PROXY protocol v2 header the terminator
 * writes first on each stream: 16 random bytes (128 bits, from the CSPRNG), never sent to the
 * client and never logged. uWS parses the header and `res.getProxiedRemoteAddress()` hands the
 * 16 bytes back per request.
 *
 * Why random and not a counter: uWS does not read a PROXY header only at the start of a stream.
 * It parses one at the start of any read that begins a request, so a client that sends a PROXY
 * header right after one of its requests (its own TLS record) makes uWS take that header's
 * address for its next request (test/gateway/server/mtls-attacks.test.ts). With counter ids that
 * named another live connection — client A's certificate for an anonymous client. The only
 * defence that does not depend on where uWS splits reads is an id the client cannot name: a
 * guessed one is not in the table, and the request is closed unanswered.
 *
 * Fail closed: a stream without the header, or with an id the table does not hold, gets no
 * entry (`lookup` → null) and the gateway closes the connection.
 *
 * @example
 * const table = createMtlsConnections();
 * const id = createConnectionId();
 * table.open(id, { tls: null, remoteAddr: '192.0.2.1', remotePort: 50000 });
 * table.lookup(res); // that entry, on a request of the stream that began with encodeProxyHeader(id)
 */
import { randomBytes } from 'node:crypto';
import type { ClientCertificate } from '../pipeline/context.js';
import type { HttpResponse } from './uws-loader.js';

export interface MtlsConnection {
  /** null: `client_auth: optional` and the client presented no certificate */
  readonly tls: ClientCertificate | null;
  /** the TLS client's address (Node's text form) and port */
  readonly remoteAddr: string;
  readonly remotePort: number;
}

export interface MtlsConnections {
  open(id: string, conn: MtlsConnection): void;
  close(id: string): void;
  /** the entry of the request's stream, or null (no PROXY header, or an unknown id) */
  lookup(res: HttpResponse): MtlsConnection | null;
  readonly size: number;
}

/** A new connection id: 16 random bytes as 32 hex digits (see above why it must be unguessable). */
export function createConnectionId(): string {
  return randomBytes(16).toString('hex');
}

const ID = /^[0-9a-f]{32}$/;

/** The PROXY v2 header carrying `id` as an IPv6 source address (haproxy's proxy-protocol.txt §2.2). */
export function encodeProxyHeader(id: string): Buffer {
  if (!ID.test(id)) throw new TypeError(`connection id must be 32 lowercase hex digits, got ${JSON.stringify(id)}`);
  const b = Buffer.alloc(16 + 36);
  PROXY_V2_SIGNATURE.copy(b, 0);
  b[12] = 0x21; // version 2, PROXY
  b[13] = 0x21; // AF_INET6, STREAM
  b.writeUInt16BE(36, 14); // 16 + 16 address bytes, 2 + 2 port bytes
  b.write(id, 16, 'hex');
  // destination ::, ports 0: nothing reads them
  return b;
}

const PROXY_V2_SIGNATURE = Buffer.from('0d0a0d0a000d0a515549540a', 'hex');

/** The id in a PROXY source address, or '' when there is none (no header, or an IPv4 one). */
export function decodeConnectionId(addr: ArrayBuffer): string {
  return addr.byteLength === 16 ? Buffer.from(addr).toString('hex') : '';
}

export function createMtlsConnections(): MtlsConnections {
  const table = new Map<string, MtlsConnection>();
  return {
    open(id, conn) {
      table.set(id, conn);
    },
    close(id) {
      table.delete(id);
    },
    lookup(res) {
      const id = decodeConnectionId(res.getProxiedRemoteAddress());
      return id === '' ? null : (table.get(id) ?? null);
    },
    get size() {
      return table.size;
    },
  };
}
