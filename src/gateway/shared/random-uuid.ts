/**
 * Random (version 4) UUIDs as `crypto.randomUUID()` makes them, for the request id every request
 * without its own gets. Node 20's `randomUUID` takes its 16 bytes from a batch of 128 too, but
 * builds each id by 19 string concatenations (`serializeUUID`), a rope that is flattened again
 * when the id is written upstream, to the client and into the audit event: ~1.8 k instructions
 * per id under callgrind (bench/instructions.ts, issue #20). Here a whole batch is formatted at
 * once into one flat string, and an id is a 36-character slice of it (V8 keeps a slice as a view
 * of its parent, which is flat: nothing to flatten later).
 *
 * The batch is formatted by one 16-bit store per byte (both hex digits) at its fixed place,
 * unrolled: the byte-wise loop over a table of places cost ~1.5 k instructions per id under
 * callgrind, this ~0.55 k (a loop of ids, bench of issue #20).
 *
 * The bytes come from the same CSPRNG (`randomFillSync`); the version and variant bits are set as
 * RFC 9562 §5.4 says, so an id is indistinguishable from `randomUUID()`'s.
 *
 * @example
 * const id = randomUuid(); // 'f47ac10b-58cc-4372-a567-0e02b2c3d479'
 */
import { randomFillSync } from 'node:crypto';

const BATCH = 128;
const bytes = Buffer.allocUnsafeSlow(16 * BATCH);
const chars = Buffer.alloc(36 * BATCH);
/**
 * The same characters two at a time: one 16-bit store writes a byte's two hex digits (a DataView
 * store, big-endian, so the first digit lands first whatever the platform's byte order, and at
 * any offset: bytes 4, 5, 8 and 9 start at odd ones, after a dash).
 */
const pairs = new DataView(chars.buffer, chars.byteOffset, chars.length);
/** the two hex digits (ASCII) of each byte value as one 16-bit unit, the first digit high */
const HEX2 = new Uint16Array(256);
for (let v = 0; v < 256; v++) HEX2[v] = ('0123456789abcdef'.charCodeAt(v >> 4) << 8) | '0123456789abcdef'.charCodeAt(v & 0x0f);
// the dashes never move: written once
for (let k = 0; k < BATCH; k++) for (const d of [8, 13, 18, 23]) chars[36 * k + d] = 0x2d;
/** the formatted batch, and the index of the next id in it (BATCH: used up) */
let text = '';
let next = BATCH;

function refill(): void {
  randomFillSync(bytes);
  // RFC 9562 §5.4: version 4 in the high nibble of byte 6, variant 10 in the top bits of byte 8
  for (let b = 0; b < 16 * BATCH; b += 16) {
    bytes[b + 6] = ((bytes[b + 6] as number) & 0x0f) | 0x40;
    bytes[b + 8] = ((bytes[b + 8] as number) & 0x3f) | 0x80;
  }
  // one 16-bit store per byte at its fixed place (8-4-4-4-12 hex digits, dashes between),
  // unrolled: a table of places cost a load and its checks per byte
  const p = pairs;
  const h = HEX2;
  const by = bytes;
  for (let k = 0, b = 0, o = 0; k < BATCH; k++, b += 16, o += 36) {
    p.setUint16(o, h[by[b] as number] as number);
    p.setUint16(o + 2, h[by[b + 1] as number] as number);
    p.setUint16(o + 4, h[by[b + 2] as number] as number);
    p.setUint16(o + 6, h[by[b + 3] as number] as number);
    p.setUint16(o + 9, h[by[b + 4] as number] as number);
    p.setUint16(o + 11, h[by[b + 5] as number] as number);
    p.setUint16(o + 14, h[by[b + 6] as number] as number);
    p.setUint16(o + 16, h[by[b + 7] as number] as number);
    p.setUint16(o + 19, h[by[b + 8] as number] as number);
    p.setUint16(o + 21, h[by[b + 9] as number] as number);
    p.setUint16(o + 24, h[by[b + 10] as number] as number);
    p.setUint16(o + 26, h[by[b + 11] as number] as number);
    p.setUint16(o + 28, h[by[b + 12] as number] as number);
    p.setUint16(o + 30, h[by[b + 13] as number] as number);
    p.setUint16(o + 32, h[by[b + 14] as number] as number);
    p.setUint16(o + 34, h[by[b + 15] as number] as number);
  }
  text = chars.toString('latin1', 0, 36 * BATCH);
  next = 0;
}

/** A new random UUID (lower-case, 36 characters). */
export function randomUuid(): string {
  if (next === BATCH) refill();
  const i = 36 * next++;
  return text.slice(i, i + 36);
}
