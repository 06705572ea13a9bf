/**
 * ClientExchange over a uWS HttpResponse.
 *
 * uWS rules kept here (and only here): `onAborted` is attached in the constructor, which the
 * server calls synchronously inside the route handler, before any async work; every write
 * after the handler has returned is wrapped in `res.cork()`; after abort, `res` is never touched.
 *
 * Response backpressure: with a known length we use `tryEnd`, which writes what the socket takes
 * and leaves the rest to us (the uWS streaming pattern: remember `getWriteOffset()` before the
 * call and resend from the offset `onWritable` reports); a body that arrives whole in its first
 * chunk goes out with `end` instead, which buffers what the socket refuses itself (one chunk at
 * most, as before) and costs fewer native calls. With chunked framing `write` buffers in
 * uWS and returns false under backpressure; `onWritable` then says when it drained. Either way the
 * producer is paused until then, so at most one upstream chunk per request is held.
 *
 * Request backpressure: `onData` must be attached synchronously too (uWS drops body bytes that
 * arrive with no handler), so the body is fed into a Readable whose buffer is bounded by
 * `highWaterMark`; when it is full we `res.pause()` the socket and `resume()` on the next read.
 * A pause stops the socket's readable events, not the read in progress: since uSockets 833497e
 * (in the 20.56 build, not in 20.30) the loop calls recv again, without looking at the poll,
 * whenever a recv filled its whole 512 KiB buffer, until one returns less. So chunks keep
 * arriving here after `pause()`, within the same native callback, for as long as the kernel
 * holds ≥ 512 KiB of the body; nothing callable from JS ends that loop short of closing the
 * socket, so every path below accepts data while paused. Worse, on that build a response write
 * that meets backpressure while the socket is paused can leave it without writable
 * notifications, so there the socket is resumed when the response begins and not paused again
 * (`pausable`, uws-loader.ts): a full-duplex exchange then holds what the upstream has not taken.
 */
import { STATUS_CODES } from 'node:http';
import { Readable } from 'node:stream';
import { GatewayError } from '../errors.js';
import type { BodyFraming, BodySink, ClientExchange } from '../pipeline/exchange.js';
import { SLAB_SIZE, giveSlab, takeSlab } from '../shared/buffer-slabs.js';
import { nameBytesAt, statusBytes } from './field-bytes.js';
import type { HttpResponse } from './uws-loader.js';

const BODY_HIGH_WATER = 64 * 1024;
/** `early` while it holds nothing: most requests have no body, and need no array of their own */
const NO_CHUNKS: Buffer[] = Object.freeze([]) as unknown as Buffer[];
const NO_FIELDS: readonly string[] = Object.freeze([]);

/** The last status line written, by status and text: an upstream answers with the same few (issue #20). */
let lastStatus = 0;
let lastStatusText = '';
let lastStatusLine = '';
function statusLineOf(status: number, statusText: string): string {
  if (status === lastStatus && statusText === lastStatusText) return lastStatusLine;
  lastStatus = status;
  lastStatusText = statusText;
  lastStatusLine = `${status} ${statusText || STATUS_CODES[status] || ''}`;
  return lastStatusLine;
}

/**
 * The gateway's watch over request bodies in progress (server/body-clock.ts): a coarse clock the
 * exchanges stamp their chunks with, and the set it sweeps for bodies that stalled.
 */
export interface BodyClock {
  readonly now: number;
  watch(ex: UwsExchange): void;
  unwatch(ex: UwsExchange): void;
}

export class UwsExchange implements ClientExchange {
  aborted = false;
  started = false;
  finished = false;
  hasBody = false;
  /** bytes of request body received so far */
  bodyBytes = 0;
  /** response body bytes handed to uWS (the access log's `bytes_out`) */
  bytesOut = 0;
  /** true once uWS delivered the last body chunk (or there is no body) */
  bodyDone = true;

  private abortCb: (() => void) | null = null;
  private abortCbs: (() => void)[] | null = null;
  private drainCb: (() => void) | null = null;
  private framing: BodyFraming | null = null;
  private pending: Uint8Array | null = null;
  private pendingSlab: Buffer | null = null;
  private pendingBase = 0;
  /**
   * The upstream body ended while the tail of its last chunk was still `pending` (the socket took
   * part of it): the response is completed, or found short, once `onWritable` has sent the rest.
   */
  private endAfterPending = false;
  private readPaused = false;
  private bodyLimit = 0;
  /** body consumers: at most one of them is ever set */
  private stream: Readable | null = null;
  private sink: BodySink | null = null;
  /** copies of chunks that arrived before a consumer attached (bounded by BODY_HIGH_WATER) */
  private early: Buffer[] = NO_CHUNKS;
  private earlyBytes = 0;
  private earlyLast = false;
  private bodyError: Error | null = null;
  /** bytes `early` may hold before reading pauses (raised while the proxy buffers a small body) */
  private earlyLimit = BODY_HIGH_WATER;
  /** runs once the body is complete, `earlyLimit` is reached, or the body failed */
  private bufferedCb: ((err?: Error) => void) | null = null;
  /** coarse-clock times (BodyClock) of the body's start and of its last chunk */
  bodyStartMs = 0;
  lastDataMs = 0;

  /** `pausable` false: never `res.pause()` the socket (uws-loader.ts `UwsBuild.pausable` says why) */
  constructor(
    private readonly res: HttpResponse,
    private readonly pausable = true,
  ) {
    res.onAborted(() => {
      this.aborted = true;
      this.finished = true;
      this.clock?.unwatch(this);
      this.failBody(new GatewayError('GW_ERR_BAD_REQUEST', { cause: 'client aborted' }));
      const first = this.abortCb;
      const more = this.abortCbs;
      this.abortCb = null;
      this.abortCbs = null;
      if (first) first();
      if (more) for (const cb of more) cb();
    });
  }

  /**
   * Starts reading the request body. Must run inside the route handler (uWS drops body bytes
   * that arrive with no handler). Bytes beyond `limit` fail the body with GW_ERR_BODY_TOO_LARGE.
   */
  readBody(limit: number, clock?: BodyClock): void {
    this.hasBody = true;
    this.bodyDone = false;
    this.bodyLimit = limit;
    if (clock) {
      this.clock = clock;
      this.bodyStartMs = this.lastDataMs = clock.now;
      clock.watch(this);
    }
    this.res.onData((ab, isLast) => this.onData(ab, isLast));
  }

  private clock: BodyClock | null = null;

  private onData(ab: ArrayBuffer, isLast: boolean): void {
    if (isLast) {
      this.bodyDone = true;
      this.clock?.unwatch(this);
    } else if (this.clock) this.lastDataMs = this.clock.now;
    if (this.bodyError) return;
    this.bodyBytes += ab.byteLength;
    if (this.bodyBytes > this.bodyLimit) {
      this.failBody(new GatewayError('GW_ERR_BODY_TOO_LARGE', { cause: `more than ${this.bodyLimit} bytes` }));
      return;
    }
    const sink = this.sink;
    if (sink) {
      // zero-copy: the sink copies what it must keep before this callback returns
      if (!sink.data(new Uint8Array(ab), isLast) && !isLast) this.pauseReading();
      return;
    }
    // uWS neuters the ArrayBuffer when this callback returns: copy it.
    const copy = ab.byteLength > 0 ? Buffer.copyBytesFrom(new Uint8Array(ab)) : null;
    const stream = this.stream;
    if (stream) {
      if (copy && !stream.push(copy) && !isLast) this.pauseReading();
      if (isLast) stream.push(null);
      return;
    }
    if (copy) {
      if (this.early === NO_CHUNKS) this.early = [];
      this.early.push(copy);
    }
    this.earlyBytes += ab.byteLength;
    this.earlyLast = isLast;
    if (this.earlyBytes >= this.earlyLimit && !isLast) this.pauseReading();
    if (this.bufferedCb !== null && (isLast || this.earlyBytes >= this.earlyLimit)) this.settleBuffered();
  }

  /**
   * Calls `cb` once the body has arrived whole or `limit` bytes of it are held (nginx's
   * proxy_request_buffering for small bodies): the proxy takes an upstream connection only then,
   * so a client that trickles its body holds gateway memory, never a pooled connection. `cb`
   * gets the body's error if it fails first (too large, timed out, aborted).
   */
  whenBuffered(limit: number, cb: (err?: Error) => void): void {
    if (this.bodyError) return cb(this.bodyError);
    if (!this.hasBody || this.bodyDone || this.sink || this.stream || this.earlyBytes >= limit) return cb();
    this.earlyLimit = Math.max(BODY_HIGH_WATER, limit);
    this.bufferedCb = cb;
    // a pause taken at the old, lower limit must not hold the body back now
    if (this.earlyBytes < this.earlyLimit) this.resumeReading();
  }

  private settleBuffered(err?: Error): void {
    const cb = this.bufferedCb;
    this.bufferedCb = null;
    this.earlyLimit = BODY_HIGH_WATER;
    cb?.(err);
  }

  /** The body stopped arriving in time (BodyClock's verdict): it fails with GW_ERR_BODY_TIMEOUT. */
  bodyTimedOut(cause: string): void {
    this.clock?.unwatch(this);
    this.failBody(new GatewayError('GW_ERR_BODY_TIMEOUT', { cause }));
  }

  private pauseReading(): void {
    // Where a pause cannot be trusted (uws-loader.ts `pausable`) it is not used once the response
    // has begun: the rest of the body is then held in the stream, the sink or `early`, bounded
    // by the route's max_body_bytes — a response stalled until the idle timeout is worse.
    // Never once the response is complete: uWS forbids touching `res` then, and body bytes keep
    // arriving after an early answer (an error sent before the body was read) until it closes.
    if (this.readPaused || this.aborted || this.finished || (this.started && !this.pausable)) return;
    this.readPaused = true;
    this.res.pause();
  }

  private resumeReading(): void {
    if (!this.readPaused || this.aborted) return;
    this.readPaused = false;
    this.res.resume();
  }

  private failBody(err: Error): void {
    if (this.bodyError || !this.hasBody) return;
    this.bodyError = err;
    this.clock?.unwatch(this);
    this.early = NO_CHUNKS;
    this.stream?.destroy(err);
    const sink = this.sink;
    this.sink = null;
    sink?.error(err);
    if (this.bufferedCb !== null) this.settleBuffered(err);
  }

  /** the request body as a stream (created on first use; the undici client reads this) */
  get body(): Readable | null {
    if (!this.hasBody) return null;
    if (this.stream) return this.stream;
    if (this.sink) throw new TypeError('the request body is already fed to a sink');
    const stream = new Readable({ highWaterMark: BODY_HIGH_WATER, read: () => this.resumeReading() });
    this.stream = stream;
    for (const c of this.early) stream.push(c);
    this.early = NO_CHUNKS;
    if (this.bodyError) stream.destroy(this.bodyError);
    else if (this.earlyLast) stream.push(null);
    return stream;
  }

  feedBody(sink: BodySink): void {
    if (this.stream || this.sink) throw new TypeError('the request body already has a consumer');
    if (this.bodyError) {
      sink.error(this.bodyError);
      return;
    }
    this.sink = sink;
    if (this.replayEarly()) this.resumeReading();
  }

  resumeBody(): void {
    if (this.sink && this.early.length > 0 && !this.replayEarly()) return;
    this.resumeReading();
  }

  /** Hands buffered early chunks to the sink; false when it paused before the end. */
  private replayEarly(): boolean {
    const sink = this.sink;
    if (!sink) return true;
    const early = this.early;
    if (early.length === 0) {
      // the whole body had arrived as a zero-length last chunk (or not at all yet)
      if (this.earlyLast) {
        this.earlyLast = false;
        sink.data(new Uint8Array(0), true);
      }
      return true;
    }
    while (early.length > 0) {
      const c = early.shift() as Buffer;
      const last = this.earlyLast && early.length === 0;
      if (!sink.data(c, last) && !last) {
        this.pauseReading(); // until resumeBody
        return false;
      }
      if (this.sink !== sink) return false; // the sink failed or was detached meanwhile
    }
    this.earlyLast = false;
    return true;
  }

  onAbort(cb: () => void): void {
    if (this.aborted) cb();
    // the first one in a field: a request has one (the proxy's), and `[].push` would allocate
    // an array and a 17-slot backing store (~0.17 KB) per request for it (bench/allocations.ts)
    else if (this.abortCb === null) this.abortCb = cb;
    else (this.abortCbs ??= []).push(cb);
  }

  start(status: number, statusText: string, headers: readonly string[], framing: BodyFraming): void {
    if (this.aborted || this.started) return;
    this.started = true;
    if (!this.pausable) this.resumeReading(); // see pauseReading
    this.framing = framing;
    const res = this.res;
    const statusLine = statusLineOf(status, statusText);
    if (framing.kind === 'length' && framing.size > 0) {
      // Held until the first body chunk so head and body leave in one corked send (one
      // syscall for a small answer instead of two). undici delivers the head and a small body
      // in the same tick, so this delays nothing measurable; chunked answers (which may be
      // event streams) still send their head at once.
      this.headLine = statusLine;
      this.headFields = headers;
      return;
    }
    res.cork(() => {
      res.writeStatus(statusBytes(statusLine));
      for (let i = 0; i + 1 < headers.length; i += 2) res.writeHeader(nameBytesAt(i >> 1, headers[i] as string), headers[i + 1] as string);
      if (framing.kind === 'none') {
        this.finished = true;
        // Never pass `undefined`: uWS v20.30 turns an explicit undefined into
        // `Content-Length: 9223372036854775808`; no argument means no Content-Length at all.
        if (framing.reportedLength === undefined) res.endWithoutBody();
        else res.endWithoutBody(framing.reportedLength);
      } else if (framing.kind === 'length' && framing.size === 0) {
        this.finished = true;
        res.end();
      }
    });
  }

  /** the held head (status line and fields) until the first body chunk; null when none is held */
  private headLine: string | null = null;
  private headFields: readonly string[] = NO_FIELDS;

  private flushHead(): void {
    const line = this.headLine;
    if (line === null) return;
    const h = this.headFields;
    this.headLine = null;
    this.headFields = NO_FIELDS;
    // names and the status line as bytes uWS reads in place (field-bytes.ts)
    this.res.writeStatus(statusBytes(line));
    for (let i = 0; i + 1 < h.length; i += 2) this.res.writeHeader(nameBytesAt(i >> 1, h[i] as string), h[i + 1] as string);
  }

  private writableHooked = false;
  /** Registered on the first backpressure only: most responses never need it (one native call saved). */
  private hookWritable(): void {
    if (this.writableHooked) return;
    this.writableHooked = true;
    this.res.onWritable((offset) => this.handleWritable(offset));
  }

  write(chunk: Uint8Array): boolean {
    if (this.aborted || this.finished || !this.framing) return true;
    this.bytesOut += chunk.length;
    const res = this.res;
    let ok = true;
    res.cork(() => {
      const first = this.headLine !== null;
      this.flushHead();
      if (this.framing?.kind === 'length') {
        if (first && chunk.length === this.framing.size) {
          // The whole body in one chunk (most small answers): `end` sends it with its
          // Content-Length and keeps what the socket refuses, which is at most this one chunk,
          // the same bound as the tryEnd path — and spares the offset bookkeeping.
          this.finished = true;
          res.end(chunk);
          return;
        }
        const base = res.getWriteOffset();
        const [written, done] = res.tryEnd(chunk, this.framing.size);
        if (done) this.finished = true;
        else if (!written) {
          this.keepPending(chunk, base);
          ok = false;
        }
      } else {
        ok = res.write(chunk);
      }
    });
    if (!ok) this.hookWritable();
    return ok;
  }

  /**
   * Keeps the part of `chunk` the socket did not take. The chunk may be a view of the upstream
   * client's reused read buffer, so the rest is copied (into a recycled slab when it fits).
   */
  private keepPending(chunk: Uint8Array, base: number): void {
    const sent = Math.min(chunk.length, Math.max(0, this.res.getWriteOffset() - base));
    const rest = chunk.subarray(sent);
    if (rest.length <= SLAB_SIZE) {
      const slab = (this.pendingSlab ??= takeSlab());
      slab.set(rest);
      this.pending = slab.subarray(0, rest.length);
    } else this.pending = Buffer.from(rest);
    this.pendingBase = base + sent;
  }

  private handleWritable(offset: number): boolean {
    if (this.aborted) return true;
    if (this.pending && this.framing?.kind === 'length') {
      const [written, done] = this.res.tryEnd(this.pending.subarray(offset - this.pendingBase), this.framing.size);
      if (done) this.finished = true;
      if (!written && !done) return false;
      this.pending = null;
      if (this.pendingSlab) giveSlab(this.pendingSlab);
      this.pendingSlab = null;
      if (this.endAfterPending) {
        this.endAfterPending = false;
        this.closeUnlessComplete();
        return true;
      }
    }
    const cb = this.drainCb;
    this.drainCb = null;
    cb?.();
    return true;
  }

  onDrain(cb: () => void): void {
    this.drainCb = cb;
  }

  end(): void {
    if (this.aborted || this.finished) return;
    if (this.pending && this.framing?.kind === 'length') {
      // The upstream's end comes with its last bytes (the parser sees both in one read), so it can
      // arrive while the socket still owes the client part of that last chunk: closing now would
      // cut the response short (a truncated download seen under load). handleWritable finishes.
      this.endAfterPending = true;
      return;
    }
    this.closeUnlessComplete();
  }

  private closeUnlessComplete(): void {
    if (this.finished) return;
    this.finished = true;
    const res = this.res;
    // With a known length the last tryEnd already completed the response; a length
    // shortfall here means the upstream sent less than it announced, so cut the connection.
    if (this.framing?.kind === 'length') res.close();
    else res.cork(() => res.end());
  }

  destroy(): void {
    if (this.aborted || this.finished) return;
    this.finished = true;
    this.res.close(); // runs onAborted, which marks us aborted
  }

  /**
   * Ends with a complete small response (errors; ClientExchange.respond). When the request body
   * has not been read to its end, the connection is closed after the answer: the unread rest of
   * the body would otherwise be parsed as the next request, and a paused socket would never be
   * read again.
   */
  respond(status: number, headers: readonly string[], body: string, headOnly: boolean, closeConnection = false): void {
    if (this.aborted || this.started) return;
    this.started = true;
    this.finished = true;
    const res = this.res;
    const close = closeConnection || !this.bodyDone;
    this.stream?.destroy();
    this.sink = null;
    this.early = NO_CHUNKS;
    res.cork(() => {
      if (this.readPaused) {
        this.readPaused = false;
        res.resume();
      }
      res.writeStatus(`${status} ${STATUS_CODES[status] ?? ''}`);
      for (let i = 0; i + 1 < headers.length; i += 2) res.writeHeader(headers[i] as string, headers[i + 1] as string);
      // A HEAD answer announces the body's length but carries no body (RFC 9110 §9.3.2).
      if (headOnly) res.endWithoutBody(Buffer.byteLength(body), close);
      else {
        this.bytesOut += body.length; // error bodies are ASCII JSON
        res.end(body, close);
      }
    });
  }
}
