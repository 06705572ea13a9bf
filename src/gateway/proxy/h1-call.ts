/**
 * One request through the regate HTTP/1.1 client, and its controller (the undici 7
 * DispatchController shape, so forward.ts drives both clients the same way): `pause` stops
 * reading the upstream socket after the current body slice, `resume` continues, `abort`
 * destroys the upstream connection and reports the reason once through `onResponseError`.
 */
import type { Dispatcher } from 'undici';
import type { ClientExchange } from '../pipeline/exchange.js';

/** What the proxy sends upstream. `headers` is a flat [name, value, …] list (lower-case names). */
export interface UpstreamRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: readonly string[];
  /** the client side, whose request body (if any) is streamed upstream */
  readonly exchange: ClientExchange | null;
}

/**
 * A handler that also takes the response head as the parser's flat [name, value, …] list
 * (lower-case names, wire order): the regate client then calls this instead of
 * `onResponseStart`, and builds no header object per response.
 */
export interface RawHeadHandler extends Dispatcher.DispatchHandler {
  onResponseStartRaw?(controller: Dispatcher.DispatchController, statusCode: number, headers: readonly string[], statusMessage: string): void;
}

/** The part of a connection a call talks back to. */
export interface CallHost {
  resumeReading(): void;
  abortCall(call: H1Call, reason: Error): void;
}

export class H1Call implements Dispatcher.DispatchController {
  /** connection currently carrying the call (null while queued) */
  host: CallHost | null = null;
  /** times a reused connection closed under this call before any answer (retries bounded) */
  retries = 0;
  /** request body bytes have been taken from the exchange: the call can no longer be replayed */
  bodyTaken = false;
  /** a response head has been delivered */
  headDelivered = false;
  /** the pool's clock when the call joined the wait queue (pool busy) */
  queuedAt = 0;
  done = false;
  private _paused = false;
  private _aborted = false;
  private _reason: Error | null = null;

  constructor(
    readonly req: UpstreamRequest,
    readonly handler: RawHeadHandler,
    readonly removeQueued: (call: H1Call) => void,
  ) {}

  get paused(): boolean {
    return this._paused;
  }
  get aborted(): boolean {
    return this._aborted;
  }
  get reason(): Error | null {
    return this._reason;
  }

  pause(): void {
    this._paused = true;
  }

  resume(): void {
    if (!this._paused) return;
    this._paused = false;
    this.host?.resumeReading();
  }

  abort(reason: Error): void {
    if (this.done || this._aborted) return;
    this._aborted = true;
    this._reason = reason;
    if (this.host) this.host.abortCall(this, reason);
    else {
      this.removeQueued(this);
      this.fail(reason);
    }
  }

  /** Reports `err` to the handler once; later outcomes are ignored. */
  fail(err: Error): void {
    if (this.done) return;
    this.done = true;
    this.host = null;
    this.handler.onResponseError?.(this, err);
  }

  /** Reports the end of the response once. */
  complete(): void {
    if (this.done) return;
    this.done = true;
    this.host = null;
    this.handler.onResponseEnd?.(this, {});
  }

  /** A call without a request body, or whose body has not been touched, can be sent again. */
  get replayable(): boolean {
    return !this.bodyTaken && !this._aborted && !this.headDelivered;
  }
}

/** Transport failures of the regate client, with stable codes (mapped in forward.ts). */
export class H1ClientError extends Error {
  constructor(
    readonly code: 'H1_ERR_CONNECT_TIMEOUT' | 'H1_ERR_HEADERS_TIMEOUT' | 'H1_ERR_BODY_TIMEOUT' | 'H1_ERR_SOCKET' | 'H1_ERR_CLOSED' | 'H1_ERR_TRUNCATED' | 'H1_ERR_INVALID_REQUEST' | 'H1_ERR_POOL_BUSY',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
