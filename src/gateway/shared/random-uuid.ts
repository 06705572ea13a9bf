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
const chars = Buffer.allocUnsafeSlow(36 * BATCH);
/** the ASCII code of each nibble's hex digit */
const HEX = Buffer.from('0123456789abcdef', 'latin1');
/** the formatted batch, and the index of the next id in it (BATCH: used up) */
let text = '';
let next = BATCH;

function refill(): void {
  randomFillSync(bytes);
  for (let k = 0; k < BATCH; k++) {
    const b = 16 * k;
    let o = 36 * k;
    // RFC 9562 §5.4: version 4 in the high nibble of byte 6, variant 10 in the top bits of byte 8
    bytes[b + 6] = ((bytes[b + 6] as number) & 0x0f) | 0x40;
    bytes[b + 8] = ((bytes[b + 8] as number) & 0x3f) | 0x80;
    for (let i = 0; i < 16; i++) {
      // dashes before bytes 4, 6, 8 and 10: 8-4-4-4-12 hex digits
      if (i === 4 || i === 6 || i === 8 || i === 10) chars[o++] = 0x2d;
      const v = bytes[b + i] as number;
      chars[o++] = HEX[v >> 4] as number;
      chars[o++] = HEX[v & 0x0f] as number;
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
