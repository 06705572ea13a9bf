/**
 * Wire-level fixtures for the security tests, written from the attacker's side: a raw-socket
 * client that sends exactly the bytes given, and an upstream that records exactly the bytes it
 * receives on each connection and reads them with llhttp (test/helpers/llhttp.ts) — never a
 * friendly client library that would hide what crossed the wire.
 */
import net from 'node:net';
import { Writable } from 'node:stream';
import type { AddressInfo } from 'node:net';
import { createStreamParser, type ParsedMessage } from '../helpers/llhttp.js';

export interface RecordedConnection {
  /** every byte the gateway wrote on this connection, in order */
  bytes: Buffer;
  /** the requests llhttp read out of them */
  requests: ParsedMessage[];
  /** llhttp's error, when the bytes stopped being valid HTTP/1.1 */
  error: string | null;
}

export interface RecordingUpstream {
  port: number;
  url: string;
  connections: RecordedConnection[];
  /** all requests on all connections, in arrival order */
  requests(): ParsedMessage[];
  /** parse errors seen on any connection */
  errors(): string[];
  /** connections currently open */
  open(): number;
  reset(): void;
  close(): Promise<void>;
}

export interface RecordingOptions {
  /** answer for one request (default: 200 with body `ok`); return null to leave it unanswered */
  answer?: (req: ParsedMessage) => string | Buffer | null;
}

/**
 * An HTTP/1.1 upstream on 127.0.0.1 that records bytes and answers each complete request
 * (keep-alive), so the gateway's pool reuses its connections as it would a real backend's.
 *
 * @example
 * const up = await startRecordingUpstream();
 * // … requests through the gateway …
 * up.requests()[0].headers // exactly what arrived
 */
export async function startRecordingUpstream(opts: RecordingOptions = {}): Promise<RecordingUpstream> {
  const connections: RecordedConnection[] = [];
  const sockets = new Set<net.Socket>();
  const order: ParsedMessage[] = [];
  const answer = opts.answer ?? (() => 'HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 2\r\n\r\nok');
  const server = net.createServer((socket) => {
    sockets.add(socket);
    const rec: RecordedConnection = { bytes: Buffer.alloc(0), requests: [], error: null };
    connections.push(rec);
    const parser = createStreamParser('request', (m) => {
      order.push(m);
      const a = answer(m);
      if (a !== null && !socket.destroyed) socket.write(a);
    });
    socket.on('data', (d) => {
      rec.bytes = Buffer.concat([rec.bytes, d]);
      parser.push(d);
      rec.requests = parser.messages;
      if (parser.error !== null && rec.error === null) {
        rec.error = parser.error;
        socket.destroy();
      }
    });
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    connections,
    requests: () => order,
    errors: () => connections.flatMap((c) => (c.error === null ? [] : [c.error])),
    open: () => sockets.size,
    reset() {
      connections.length = 0;
      order.length = 0;
    },
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

export interface RawReply {
  /** every byte the gateway sent back */
  data: Buffer;
  /** the server closed the connection (before `waitMs` ran out) */
  closed: boolean;
  /** the responses llhttp read out of `data` */
  responses: ParsedMessage[];
}

/**
 * Sends `payload` byte for byte on a fresh connection and collects the answer until the server
 * closes or `waitMs` passes (the wait is an upper bound, not a timed assertion: a test asserts on
 * what arrived).
 */
export function sendRaw(port: number, payload: string | Buffer, waitMs = 1500): Promise<RawReply> {
  const bytes = typeof payload === 'string' ? Buffer.from(payload, 'latin1') : payload;
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const s = net.connect(port, '127.0.0.1', () => s.write(bytes));
    let closed = false;
    let settled = false;
    const finish = () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      s.destroy();
      const data = Buffer.concat(chunks);
      const p = createStreamParser('response');
      p.push(data);
      resolve({ data, closed, responses: p.messages });
    };
    const timer = setTimeout(finish, waitMs);
    s.on('data', (b) => chunks.push(b));
    s.on('error', () => {});
    s.on('close', () => {
      closed = true;
      finish();
    });
  });
}

/**
 * Sends one request and resolves as soon as one complete response has arrived (or the server
 * closed, or `waitMs` passed): for tests that send many requests.
 */
export function sendOne(port: number, payload: string | Buffer, waitMs = 5000): Promise<RawReply> {
  const bytes = typeof payload === 'string' ? Buffer.from(payload, 'latin1') : payload;
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const parser = createStreamParser('response', () => finish());
    const s = net.connect(port, '127.0.0.1', () => s.write(bytes));
    let closed = false;
    let settled = false;
    function finish(): void {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      s.destroy();
      resolve({ data: Buffer.concat(chunks), closed, responses: parser.messages });
    }
    const timer = setTimeout(finish, waitMs);
    s.on('data', (b) => {
      chunks.push(b);
      parser.push(b);
    });
    s.on('error', () => {});
    s.on('close', () => {
      closed = true;
      finish();
    });
  });
}

/** `GET path` with the given extra header lines (each without CRLF), Host first. */
export function rawGet(path: string, headerLines: string[] = [], host = 'gw.test'): string {
  return `GET ${path} HTTP/1.1\r\nHost: ${host}\r\n${headerLines.map((l) => `${l}\r\n`).join('')}\r\n`;
}

/** The UTF-8 bytes of a JS string, as the latin1 string that `sendRaw` writes byte for byte. */
export function utf8Bytes(s: string): string {
  return Buffer.from(s, 'utf8').toString('latin1');
}

/** The status of the first response, or 0 when none came. */
export function statusOf(r: RawReply): number {
  return r.responses[0]?.status ?? 0;
}

/** The JSON error code of the first response's body, or undefined. */
export function codeOf(r: RawReply): string | undefined {
  try {
    return (JSON.parse(r.responses[0]?.body.toString('utf8') ?? '') as { error?: string }).error;
  } catch {
    return undefined;
  }
}

/** A log destination that keeps every line written to it (give it to pino as the stream). */
export function captureLines(): { lines: string[]; stream: Writable } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _e, cb) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      cb();
    },
  });
  return { lines, stream };
}
