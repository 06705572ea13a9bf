/**
 * The client side of one request, as the proxy and the error writer see it. The server
 * implements it over a uWS HttpResponse (server/uws-exchange.ts); keeping the proxy on this
 * interface keeps every uWS rule (cork after async, never touch `res` after abort, tryEnd
 * offsets) in one file.
 */
import type { Readable } from 'node:stream';

/** How the response body is framed towards the client. */
export type BodyFraming =
  | { kind: 'length'; size: number } // Content-Length known (written by uWS)
  | { kind: 'chunked' } // unknown length: chunked transfer coding
  | { kind: 'none'; reportedLength?: number }; // HEAD, 204, 304: headers only

/**
 * A direct consumer of the request body (the regate upstream client): no stream, no per-chunk
 * allocation. `data` sees every chunk exactly once, in order, synchronously.
 */
export interface BodySink {
  /** `chunk` is valid only during the call (copy what must outlive it); false = stop until `resumeBody()` */
  data(chunk: Uint8Array, last: boolean): boolean;
  /** the body cannot complete (too large: GW_ERR_BODY_TOO_LARGE; client aborted) */
  error(err: Error): void;
}

export interface ClientExchange {
  /** true once the client went away; nothing may be written after that */
  readonly aborted: boolean;
  /** true once the status line has been written */
  readonly started: boolean;
  /** true once the response is complete (or the connection was closed) */
  readonly finished: boolean;
  /** the request body as a stream with backpressure, or null when the request has none */
  readonly body: Readable | null;
  /** true when the request has a body (without creating the `body` stream) */
  readonly hasBody?: boolean;
  /** request body bytes received so far, and response body bytes written (access log); absent = not counted */
  readonly bodyBytes?: number;
  readonly bytesOut?: number;
  /**
   * Feeds the request body to `sink` instead of `body` (use one or the other). Chunks that
   * arrived earlier are replayed first, synchronously.
   */
  feedBody?(sink: BodySink): void;
  /** continues feeding after `sink.data` returned false */
  resumeBody?(): void;
  /**
   * Calls `cb` once the request body is complete or `limit` bytes of it are held, or with the
   * body's error (request buffering, server/uws-exchange.ts); absent = no buffering.
   */
  whenBuffered?(limit: number, cb: (err?: Error) => void): void;
  /** runs once when the client aborts (immediately if it already has) */
  onAbort(cb: () => void): void;
  /** writes status and headers; `headers` is a flat [name, value, name, value…] list */
  start(status: number, statusText: string, headers: readonly string[], framing: BodyFraming): void;
  /** writes a body chunk; false means "stop producing until `onDrain` fires" */
  write(chunk: Uint8Array): boolean;
  onDrain(cb: () => void): void;
  end(): void;
  /** cuts the connection (a response that cannot be completed must not look complete) */
  destroy(): void;
  /**
   * Ends the request with one complete small response (the error writer's): status, headers as a
   * flat [name, value…] list, and the whole body; `headOnly` announces the body's length without
   * sending it (HEAD). Does nothing once the client went away or a response has started. When the
   * request body was not read to its end, or `closeConnection` is set, the connection is closed
   * after the answer.
   */
  respond(status: number, headers: readonly string[], body: string, headOnly: boolean, closeConnection?: boolean): void;
}
