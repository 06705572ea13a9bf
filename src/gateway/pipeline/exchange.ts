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

export interface ClientExchange {
  /** true once the client went away; nothing may be written after that */
  readonly aborted: boolean;
  /** true once the status line has been written */
  readonly started: boolean;
  /** true once the response is complete (or the connection was closed) */
  readonly finished: boolean;
  /** the request body as a stream with backpressure, or null when the request has none */
  readonly body: Readable | null;
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
}
