/**
 * One keep-alive HTTP/1.1 connection to an upstream, carrying one call at a time (no
 * pipelining: unsafe against arbitrary backends).
 *
 * Reads: `net.connect({ onread })` reads into one buffer per connection, reused for every read,
 * and the strict parser (h1-parser.ts) hands body bytes to the handler as views of it, so a
 * download allocates nothing per chunk. When the handler pauses (its client socket is full),
 * only the unparsed rest of that read is copied (into a recycled slab) and the socket stops
 * reading until `resume`.
 *
 * Writes: the request head is one string write, checked and mostly reused from the last head's
 * text first (request-head-check.ts), as
 * latin1 when it is plain ASCII and as UTF-8 otherwise (shared/http-syntax.ts says why); body chunks from the exchange are copied
 * into recycled slabs (shared/buffer-slabs.ts) and written, chunk-encoded when the client sent no length.
 * A full socket pauses the client side; 'drain' resumes it.
 *
 * Lifecycle: after a complete response the connection goes back to the pool unless either side
 * said `Connection: close`, the body was close-delimited, the request body was not fully sent,
 * or bytes followed the response. A reused connection that closes before any byte of the answer
 * (the upstream's idle close racing our request) hands a replayable call back for a retry.
 */
import net from 'node:net';
import type { UpstreamTls } from './upstream-tls.js';
import type { Readable } from 'node:stream';
import { H1Call, H1ClientError } from './h1-call.js';
import { H1ResponseParser, type H1Head } from './h1-parser.js';
import { SLAB_SIZE, giveSlab, takeSlab } from '../shared/buffer-slabs.js';
import type { BodySink } from '../pipeline/exchange.js';
import { checkedHeadHasLength, checkRequestHead, HEAD_INVALID, HEAD_VALID_ASCII, requestHeadText } from './request-head-check.js';

/** What a connection needs from its pool. */
export interface ConnectionOwner {
  /** coarse clock (ms), advanced by the pool's sweep timer */
  readonly now: number;
  readonly keepAlive: boolean;
  released(conn: H1Connection): void;
  closed(conn: H1Connection): void;
  retry(call: H1Call): void;
}

const MAX_RETRIES = 3;
const NEEDS_LENGTH = new Set(['POST', 'PUT', 'PATCH']);

export class H1Connection {
  readonly socket: net.Socket;
  call: H1Call | null = null;
  connected = false;
  dead = false;
  /** responses completed on this connection */
  served = 0;
  /** `owner.now` at the last sign of progress (timeouts count from here) */
  mark: number;
  private readonly parser: H1ResponseParser;
  private received = 0;
  private keep = true;
  private ended = false;
  private readPaused = false;
  private leftover: Buffer | null = null;
  private leftoverLen = 0;
  private uploadDone = true;
  private uploadPaused = false;
  private chunked = false;
  private error: Error | null = null;
  /** continues the request body after the upstream socket drained */
  private resumeUpload: (() => void) | null = null;
  /** idle time after which this connection is closed (config, lowered by a Keep-Alive hint) */
  private idleLimit = Infinity;

  constructor(
    private readonly owner: ConnectionOwner,
    host: string,
    port: number,
    tls?: UpstreamTls,
  ) {
    this.mark = owner.now;
    this.parser = new H1ResponseParser({
      onHead: (head) => this.onHead(head),
      onBody: (buf, s, e) => this.onBody(buf, s, e),
      onEnd: () => this.onEnd(),
    });
    const buffer = Buffer.allocUnsafeSlow(SLAB_SIZE);
    const onread = { buffer, callback: (n: number, buf: Uint8Array) => this.onRead(n, buf as Buffer) };
    this.socket = tls ? tls.connect(host, port, onread) : net.connect({ host, port, noDelay: true, onread });
    // over TLS the connection is usable once the handshake (and the certificate check) is done;
    // the connect timeout covers both
    this.socket.on(tls ? 'secureConnect' : 'connect', () => {
      this.connected = true;
      this.mark = this.owner.now;
      if (this.call) this.writeRequest(this.call);
    });
    this.socket.on('error', (err) => (this.error ??= err));
    this.socket.on('drain', () => this.onDrain());
    this.socket.on('close', () => this.onClose());
  }

  /** Starts `call` on this (idle or connecting) connection. */
  send(call: H1Call): void {
    this.call = call;
    call.host = this;
    this.received = 0;
    this.ended = false;
    this.keep = this.owner.keepAlive;
    this.mark = this.owner.now;
    this.parser.start(call.req.method === 'HEAD');
    if (this.connected) this.writeRequest(call);
  }

  private writeRequest(call: H1Call): void {
    const r = call.req;
    const ex = r.exchange;
    const hasBody = ex !== null && (ex.hasBody ?? ex.body !== null);
    const h = r.headers;
    const checked = checkRequestHead(r.method, r.path, h);
    if (checked === HEAD_INVALID) {
      // nothing was written: the connection stays clean and usable
      this.call = null;
      this.parser.reset();
      call.fail(new H1ClientError('H1_ERR_INVALID_REQUEST', 'invalid request method, target or header'));
      this.owner.released(this);
      return;
    }
    // the request line and field lines, mostly a block reused from the last head (request-head-check.ts)
    let head = requestHeadText(r.method, r.path, h);
    const hasLength = checkedHeadHasLength();
    this.chunked = hasBody && !hasLength;
    if (this.chunked) head += 'transfer-encoding: chunked\r\n';
    else if (!hasBody && !hasLength && NEEDS_LENGTH.has(r.method)) head += 'content-length: 0\r\n';
    if (!this.owner.keepAlive) head += 'connection: close\r\n';
    head += '\r\n';
    // plain ASCII (nearly every head): latin1 writes the same bytes as UTF-8 without the encoder
    this.socket.write(head, checked === HEAD_VALID_ASCII ? 'latin1' : 'utf8');
    this.uploadDone = !hasBody;
    this.uploadPaused = false;
    this.resumeUpload = null;
    if (!hasBody || !ex) return;
    const sink = this.sinkFor(call);
    if (ex.feedBody) {
      this.resumeUpload = () => ex.resumeBody?.();
      ex.feedBody(sink);
      return;
    }
    // an exchange without the direct feed: read its stream (one allocation per chunk)
    const body = ex.body as Readable;
    this.resumeUpload = () => body.resume();
    body.on('data', (c: Buffer) => {
      if (!sink.data(c, false)) body.pause();
    });
    body.once('end', () => sink.data(new Uint8Array(0), true));
    body.once('error', (err) => sink.error(err));
  }

  private sinkFor(call: H1Call): BodySink {
    return {
      data: (chunk, last) => {
        if (this.call !== call) return true; // the call is over: discard the rest
        call.bodyTaken = true;
        this.mark = this.owner.now;
        if (this.chunked) {
          if (chunk.length > 0) this.writeBytes(`${chunk.length.toString(16)}\r\n`, chunk, last ? '\r\n0\r\n\r\n' : '\r\n');
          else if (last) this.socket.write('0\r\n\r\n', 'latin1');
        } else if (chunk.length > 0) this.writeBytes('', chunk, '');
        if (last) this.uploadDone = true;
        if (this.socket.writableNeedDrain) {
          this.uploadPaused = true;
          return false;
        }
        return true;
      },
      error: (err) => {
        if (this.call === call) call.abort(err);
      },
    };
  }

  /** Writes prefix + data + suffix through recycled slabs (no allocation per chunk). */
  private writeBytes(prefix: string, data: Uint8Array, suffix: string): void {
    let slab = takeSlab();
    let len = prefix ? slab.write(prefix, 0, 'latin1') : 0;
    let off = 0;
    while (off < data.length) {
      const n = Math.min(SLAB_SIZE - len, data.length - off);
      slab.set(data.subarray(off, off + n), len);
      len += n;
      off += n;
      if (len === SLAB_SIZE) {
        this.flushSlab(slab, len);
        slab = takeSlab();
        len = 0;
      }
    }
    if (suffix) {
      if (SLAB_SIZE - len < suffix.length) {
        this.flushSlab(slab, len);
        slab = takeSlab();
        len = 0;
      }
      len += slab.write(suffix, len, 'latin1');
    }
    if (len > 0) this.flushSlab(slab, len);
    else giveSlab(slab);
  }

  private flushSlab(slab: Buffer, len: number): void {
    this.socket.write(slab.subarray(0, len), () => giveSlab(slab));
  }

  private onDrain(): void {
    if (!this.uploadPaused) return;
    this.uploadPaused = false;
    this.mark = this.owner.now;
    if (this.call) this.resumeUpload?.();
  }

  /** Always true: pausing is explicit (`socket.pause()` in feed). */
  private onRead(n: number, buf: Buffer): boolean {
    this.mark = this.owner.now;
    if (!this.call) {
      // bytes nobody asked for on an idle connection: the stream is out of sync
      this.destroy();
      return true;
    }
    this.received += n;
    this.feed(buf, 0, n);
    return true;
  }

  private feed(buf: Buffer, start: number, end: number): void {
    const call = this.call as H1Call;
    let used: number;
    try {
      used = this.parser.execute(buf, start, end);
    } catch (err) {
      this.failWith(err as Error);
      return;
    }
    if (this.call !== call) return; // aborted from inside a callback
    if (this.ended) {
      if (used < end) this.keep = false; // bytes after the response: we never pipeline
      this.finishResponse(call);
      return;
    }
    if (call.paused) {
      if (used < end) {
        const slab = takeSlab();
        buf.copy(slab, 0, used, end);
        this.leftover = slab;
        this.leftoverLen = end - used;
      }
      if (!this.readPaused) {
        this.readPaused = true;
        this.socket.pause();
      }
    }
  }

  /** the call's controller resumed: parse what was held back, then read again */
  resumeReading(): void {
    const call = this.call;
    if (!call || call.paused) return;
    const lo = this.leftover;
    if (lo) {
      this.leftover = null;
      this.feed(lo, 0, this.leftoverLen);
      giveSlab(lo);
      if (this.call === call && call.paused) return;
    }
    if (this.readPaused && !this.dead) {
      this.readPaused = false;
      this.socket.resume();
    }
  }

  private onHead(head: H1Head): void {
    const call = this.call as H1Call;
    call.headDelivered = true;
    if (head.close) this.keep = false;
    const h = head.headers;
    const handler = call.handler;
    if (handler.onResponseStartRaw) {
      for (let i = 0; i + 1 < h.length; i += 2) if (h[i] === 'keep-alive') this.honourKeepAlive(h[i + 1] as string);
      handler.onResponseStartRaw(call, head.status, h, head.reason);
      return;
    }
    const rec: Record<string, string | string[]> = {};
    for (let i = 0; i + 1 < h.length; i += 2) {
      const n = h[i] as string;
      const v = h[i + 1] as string;
      if (n === 'keep-alive') this.honourKeepAlive(v);
      const prev = rec[n];
      if (prev === undefined) rec[n] = v;
      else if (typeof prev === 'string') rec[n] = [prev, v];
      else prev.push(v);
    }
    handler.onResponseStart?.(call, head.status, rec, head.reason);
  }

  /**
   * `Keep-Alive: timeout=N` is the upstream saying when it will close an idle connection
   * (RFC 9112 Appendix C.2.2 names the header; Node's server sends it). Reusing the connection
   * near that moment races the close, so we stop reusing it one second earlier (undici does the
   * same), and not at all when that leaves nothing.
   */
  private honourKeepAlive(v: string): void {
    const m = /(?:^|[,;\s])timeout\s*=\s*(\d+)/i.exec(v);
    if (!m) return;
    const ms = Number(m[1]) * 1000 - 1000;
    if (ms <= 0) this.keep = false;
    else if (ms < this.idleLimit) this.idleLimit = ms;
  }

  private onBody(buf: Buffer, s: number, e: number): boolean {
    const call = this.call;
    if (!call || call.done) return false;
    call.handler.onResponseData?.(call, this.viewOf(buf, s, e));
    return this.call === call && !call.paused;
  }

  /** the last body view handed out (viewOf) */
  private view: Buffer | null = null;
  /** the buffer and range `view` spans */
  private viewOver: Buffer | null = null;
  private viewStart = 0;
  private viewEnd = 0;

  /**
   * `buf.subarray(s, e)`, but the same view object as last time when it would span the same
   * bytes of the same buffer: an upstream answering a route with the same head and length puts
   * its body at the same place of the reused read buffer again and again, and each subarray was a
   * new Buffer object (issue #20). Handlers already copy what they keep (the bytes under any view
   * are overwritten by the next read), so sharing the object changes nothing they see.
   */
  private viewOf(buf: Buffer, s: number, e: number): Buffer {
    if (this.viewOver === buf && this.viewStart === s && this.viewEnd === e) return this.view as Buffer;
    const next = buf.subarray(s, e);
    this.view = next;
    this.viewOver = buf;
    this.viewStart = s;
    this.viewEnd = e;
    return next;
  }

  private onEnd(): void {
    this.ended = true;
    this.call?.complete();
  }

  private finishResponse(call: H1Call): void {
    this.call = null;
    this.ended = false;
    this.served++;
    this.parser.reset();
    if (this.leftover) {
      giveSlab(this.leftover);
      this.leftover = null;
    }
    if (!this.uploadDone) {
      // the upstream answered before taking the whole body: the rest cannot go on this
      // connection, and the client must not stay paused waiting for us
      this.keep = false;
      this.resumeUpload?.();
    }
    if (!this.keep || this.dead) {
      this.destroy();
      return;
    }
    if (this.readPaused) {
      this.readPaused = false;
      this.socket.resume(); // an idle connection keeps reading to notice the upstream's close
    }
    this.mark = this.owner.now;
    this.owner.released(this);
  }

  /** the call's controller aborted (client gone, body too large…) */
  abortCall(call: H1Call, reason: Error): void {
    if (this.call !== call) return;
    this.call = null;
    this.destroy();
    call.fail(reason);
  }

  /** Fails the current call with `err` and drops the connection. */
  failWith(err: Error): void {
    const call = this.call;
    this.call = null;
    this.destroy();
    call?.fail(err);
  }

  destroy(): void {
    if (this.dead) return;
    this.dead = true;
    this.socket.destroy();
  }

  private onClose(): void {
    this.dead = true;
    const call = this.call;
    if (call) {
      if (call.headDelivered && this.parser.closeDelimited) {
        this.parser.finish(); // the close is the end of this body
        this.call = null;
      } else {
        this.call = null;
        if (this.leftover) giveSlab(this.leftover);
        this.leftover = null;
        if (this.received === 0 && this.served > 0 && call.replayable && call.retries < MAX_RETRIES) {
          call.retries++;
          call.host = null;
          this.owner.retry(call);
        } else if (call.headDelivered) call.fail(new H1ClientError('H1_ERR_TRUNCATED', 'upstream closed the connection mid-response', { cause: this.error }));
        else if (this.error) call.fail(this.error);
        else call.fail(new H1ClientError('H1_ERR_SOCKET', 'upstream closed the connection before answering'));
      }
    }
    this.owner.closed(this);
  }

  /** Applies the timeouts (called by the pool's sweep with its clock). */
  check(now: number, slack: number, t: { connect: number; headers: number; body: number; keepAlive: number }): void {
    const age = now - this.mark - slack; // marks may be up to one sweep old: never fire early
    const call = this.call;
    if (!this.connected) {
      if (age >= t.connect) this.failWith(new H1ClientError('H1_ERR_CONNECT_TIMEOUT', 'connect timeout'));
    } else if (call) {
      if (!call.headDelivered) {
        if (age >= t.headers) this.failWith(new H1ClientError('H1_ERR_HEADERS_TIMEOUT', 'no response head in time'));
      } else if (t.body > 0 && !call.paused && age >= t.body) this.failWith(new H1ClientError('H1_ERR_BODY_TIMEOUT', 'response body stalled'));
    } else if (age >= Math.min(t.keepAlive, this.idleLimit)) this.destroy();
  }
}
