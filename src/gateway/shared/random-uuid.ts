/**
 * Random (version 4) UUIDs as `crypto.randomUUID()` makes them, for the request id every request
 * without its own gets. Node 20's `randomUUID` takes its 16 bytes from a batch of 128 too, but
 * builds each id by 19 string concatenations (`serializeUUID`), a rope that is flattened again
 * when the id is written upstream, to the client and into the audit event: ~1.8 k instructions
 * per id under callgrind (bench/instructions.ts, issue #20). Here a whole batch is formatted at
 * once into one flat string, and an id is a 36-character slice of it (V8 keeps a slice as a view
 * of its parent, which is flat: nothing to flatten later).
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
/** where byte i of an id goes in its 36 characters: 8-4-4-4-12 hex digits, dashes between */
const AT = Uint8Array.from([0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34]);
/** the two hex digits (ASCII) of each byte value, at 2·v and 2·v + 1 */
const HEX2 = new Uint8Array(512);
for (let v = 0; v < 256; v++) {
  HEX2[2 * v] = '0123456789abcdef'.charCodeAt(v >> 4);
  HEX2[2 * v + 1] = '0123456789abcdef'.charCodeAt(v & 0x0f);
}
// the dashes never move: written once
for (let k = 0; k < BATCH; k++) for (const d of [8, 13, 18, 23]) chars[36 * k + d] = 0x2d;
/** the formatted batch, and the index of the next id in it (BATCH: used up) */
let text = '';
let next = BATCH;

function refill(): void {
  randomFillSync(bytes);
  for (let k = 0; k < BATCH; k++) {
    const b = 16 * k;
    const o = 36 * k;
    // RFC 9562 §5.4: version 4 in the high nibble of byte 6, variant 10 in the top bits of byte 8
    bytes[b + 6] = ((bytes[b + 6] as number) & 0x0f) | 0x40;
    bytes[b + 8] = ((bytes[b + 8] as number) & 0x3f) | 0x80;
    for (let i = 0; i < 16; i++) {
      const v = 2 * (bytes[b + i] as number);
      const d = o + (AT[i] as number);
      chars[d] = HEX2[v] as number;
      chars[d + 1] = HEX2[v + 1] as number;
    }
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
