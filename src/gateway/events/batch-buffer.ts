/**
 * The open batch of one queue as bytes: `{"events":[` + each event's JSON, comma-separated, +
 * `]}` — exactly `job.data` as Redis stores it (DESIGN.md "Queues"), built as events arrive.
 *
 * Why bytes and not an array of events: whatever a batch holds on the JS heap lives until the
 * batch is sealed, and until Redis acknowledges it if the send must fall back to the spool. Event
 * objects (and later their JSON strings) kept that way were copied by every young-generation
 * collection — a third of the emitter's CPU — and joining 500 strings into one and encoding it
 * again cost more than writing each event's text once into a buffer outside the heap (measured
 * in bench/events.ts; the closing note of issue #6 has the numbers). A sealed batch is one
 * Buffer, which BullMQ sends as it is (encoded-queue.ts) and the spool writes as it is.
 *
 * Why the buffers are recycled: a fresh ~300 KB buffer per batch is memory outside the heap that
 * V8 only gives back after a full collection once its small JS handle has been promoted, and the
 * growth of that memory is what made V8 run a full mark-compact every second or so under load
 * (40 per 600k events in-process, with --trace-gc; 2 when the buffers are reused). The emitter
 * hands a sealed batch back (`recycle`) once nothing reads it any more: Redis has answered, or
 * the spool has copied it.
 *
 * Example:
 * ```ts
 * const b = new BatchBuffer();
 * b.append('{"decision_id":"a"}');
 * b.append('{"decision_id":"b"}');
 * const sealed = b.seal(); // <Buffer '{"events":[{"decision_id":"a"},{"decision_id":"b"}]}'>, b.count === 0 again
 * // … once sent:
 * b.recycle(sealed);
 * ```
 */
const HEAD = '{"events":[';
const MIN_CAPACITY = 16 * 1024;
/** buffers kept for reuse: enough for the batches in flight at once (events/index.ts `maxInflight` is 8 by default) */
const MAX_POOLED = 8;
/** a buffer grown for one oversized batch is not kept */
const MAX_POOLED_BYTES = 2 * 1024 * 1024;

export class BatchBuffer {
  private buf: Buffer;
  private pos = 0;
  /** events in the open batch */
  count = 0;
  /** the last sealed batch's size, so the next buffer rarely needs to grow */
  private hint = MIN_CAPACITY;
  /** recycled buffers, whole (each one's own ArrayBuffer) */
  private readonly pool: Buffer[] = [];
  /** the memory of sealed batches not yet given back */
  private readonly handedOut = new WeakSet<ArrayBufferLike>();

  constructor() {
    this.buf = this.fresh(MIN_CAPACITY);
  }

  /** Add one event, given as its JSON text (which must be well-formed: it is not parsed here). */
  append(json: string): void {
    // UTF-8 takes at most 3 bytes per UTF-16 code unit; +2 for the separator and the closing `]}`.
    const need = json.length * 3 + 3;
    if (this.pos + need > this.buf.length) this.grow(need);
    if (this.count > 0) this.buf[this.pos++] = 0x2c; // ','
    this.pos += this.buf.write(json, this.pos, 'utf8');
    this.count++;
  }

  /** Bytes in the open batch (the closing `]}` not counted). */
  get bytes(): number {
    return this.pos;
  }

  /** Close the batch and hand over its bytes; the buffer starts a new, empty batch. */
  seal(): Buffer {
    this.buf[this.pos++] = 0x5d; // ']'
    this.buf[this.pos++] = 0x7d; // '}'
    const out = this.buf.subarray(0, this.pos);
    this.handedOut.add(this.buf.buffer);
    this.hint = Math.max(MIN_CAPACITY, Math.ceil(this.pos * 1.25));
    this.buf = this.fresh(this.hint);
    this.count = 0;
    return out;
  }

  /**
   * Takes back a buffer `seal` returned, for a later batch. The caller promises that nothing
   * reads `sealed` any more (it is overwritten). Buffers of another origin are ignored.
   */
  recycle(sealed: Buffer): void {
    const ab = sealed.buffer;
    // only what this buffer sealed, once: anything else may share memory with someone else
    if (!this.handedOut.delete(ab) || ab.byteLength > MAX_POOLED_BYTES || this.pool.length >= MAX_POOLED) return;
    this.pool.push(Buffer.from(ab));
  }

  private fresh(capacity: number): Buffer {
    let b: Buffer | undefined;
    // A pooled buffer somewhat short of the hint still serves (append grows it if need be, and
    // the grown one is what comes back); one far too small for today's batches is dropped.
    while ((b = this.pool.pop()) !== undefined && b.length < capacity / 2) {
      /* dropped */
    }
    // allocUnsafeSlow: an allocation of its own, not a slice of Node's shared pool that a sealed
    // batch would keep alive; its bytes are overwritten before they are read.
    b ??= Buffer.allocUnsafeSlow(capacity);
    this.pos = b.write(HEAD, 0, 'latin1');
    return b;
  }

  private grow(need: number): void {
    const next = Buffer.allocUnsafeSlow(Math.max(this.buf.length * 2, this.pos + need));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }
}
