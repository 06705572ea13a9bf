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
 * Example:
 * ```ts
 * const b = new BatchBuffer();
 * b.append('{"decision_id":"a"}');
 * b.append('{"decision_id":"b"}');
 * b.seal(); // <Buffer '{"events":[{"decision_id":"a"},{"decision_id":"b"}]}'>, b.count === 0 again
 * ```
 */
const HEAD = '{"events":[';
const MIN_CAPACITY = 16 * 1024;

export class BatchBuffer {
  private buf: Buffer;
  private pos = 0;
  /** events in the open batch */
  count = 0;
  /** the last sealed batch's size, so the next buffer rarely needs to grow */
  private hint = MIN_CAPACITY;

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
    this.hint = Math.max(MIN_CAPACITY, Math.ceil(this.pos * 1.25));
    this.buf = this.fresh(this.hint);
    this.count = 0;
    return out;
  }

  private fresh(capacity: number): Buffer {
    // allocUnsafeSlow: an allocation of its own, not a slice of Node's shared pool that a sealed
    // batch would keep alive; its bytes are overwritten before they are read.
    const b = Buffer.allocUnsafeSlow(capacity);
    this.pos = b.write(HEAD, 0, 'latin1');
    return b;
  }

  private grow(need: number): void {
    const next = Buffer.allocUnsafeSlow(Math.max(this.buf.length * 2, this.pos + need));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }
}
