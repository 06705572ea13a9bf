/**
 * The worker's table of live mutual-TLS connections: connection id → what the TLS handshake
 * established (the verified client certificate, the client's real address). The mTLS terminator
 * (mtls-terminator.ts) adds an entry before it opens the connection's stream to uWS and removes
 * it once uWS has closed that stream, so every request uWS reads on it finds its entry.
 *
 * The id travels to uWS as the source address of a PROXY protocol v2 header the terminator
 * writes first on each stream: `fd00::/8` (a unique-local prefix nothing routes) with the id in
 * the last 8 bytes. uWS parses the header and `res.getProxiedRemoteAddress()` hands the 16 bytes
 * back per request. Only the terminator can write that header: uWS reads it at the start of a
 * stream, before any client byte, and the stream is a private unix socket. A client's own PROXY
 * header arrives inside TLS, after ours, where uWS takes it for a malformed request.
 *
 * Fail closed: a stream without the header, or with an id the table does not hold, gets no
 * entry (`lookup` → null) and the gateway closes the connection.
 *
 * @example
 * const table = createMtlsConnections();
 * table.open(7, { tls: null, remoteAddr: '192.0.2.1', remotePort: 50000 });
 * table.lookup(res); // that entry, on a request of the stream whose PROXY source is fd00::7
 */
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
  open(id: number, conn: MtlsConnection): void;
  close(id: number): void;
  /** the entry of the request's stream, or null (no PROXY header, or an unknown id) */
  lookup(res: HttpResponse): MtlsConnection | null;
  readonly size: number;
}

/** The PROXY v2 header carrying `id` as an IPv6 source address (haproxy's proxy-protocol.txt §2.2). */
export function encodeProxyHeader(id: number): Buffer {
  if (!Number.isSafeInteger(id) || id < 0) throw new TypeError(`connection id must be a safe non-negative integer, got ${id}`);
  const b = Buffer.alloc(16 + 36);
  PROXY_V2_SIGNATURE.copy(b, 0);
  b[12] = 0x21; // version 2, PROXY
  b[13] = 0x21; // AF_INET6, STREAM
  b.writeUInt16BE(36, 14); // 16 + 16 address bytes, 2 + 2 port bytes
  b[16] = 0xfd;
  b.writeUInt32BE(Math.floor(id / 2 ** 32), 16 + 8);
  b.writeUInt32BE(id >>> 0, 16 + 12);
  // destination ::, ports 0: nothing reads them
  return b;
}

const PROXY_V2_SIGNATURE = Buffer.from('0d0a0d0a000d0a515549540a', 'hex');

/** The id in a PROXY source address, or -1 when it is not one of ours. */
export function decodeConnectionId(addr: Uint8Array): number {
  if (addr.length !== 16 || addr[0] !== 0xfd) return -1;
  for (let i = 1; i < 8; i++) if (addr[i] !== 0) return -1;
  const hi = ((addr[8]! << 24) | (addr[9]! << 16) | (addr[10]! << 8) | addr[11]!) >>> 0;
  const lo = ((addr[12]! << 24) | (addr[13]! << 16) | (addr[14]! << 8) | addr[15]!) >>> 0;
  return hi * 2 ** 32 + lo;
}

export function createMtlsConnections(): MtlsConnections {
  const table = new Map<number, MtlsConnection>();
  return {
    open(id, conn) {
      table.set(id, conn);
    },
    close(id) {
      table.delete(id);
    },
    lookup(res) {
      const id = decodeConnectionId(new Uint8Array(res.getProxiedRemoteAddress()));
      return id < 0 ? null : (table.get(id) ?? null);
    },
    get size() {
      return table.size;
    },
  };
}
