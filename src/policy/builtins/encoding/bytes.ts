/**
 * Go strings are byte strings; Rego strings decoded from base64/hex/URL escapes may hold
 * invalid UTF-8. Go's rune iteration turns each invalid byte into one U+FFFD, so we decode the
 * same way (TextDecoder would merge a truncated sequence into a single U+FFFD, and `count`
 * would then disagree with OPA).
 */

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function utf8Bytes(s: string): Uint8Array {
  return encoder.encode(s);
}

/** Decodes bytes as Go does when ranging over a string: each invalid byte → U+FFFD. */
export function decodeGoString(b: Uint8Array): string {
  let out = '';
  let i = 0;
  const n = b.length;
  let start = 0;
  // Fast path: pure ASCII / valid runs are sliced through TextDecoder in one go.
  while (i < n) {
    const c = b[i] as number;
    if (c < 0x80) {
      i++;
      continue;
    }
    const len = validSeqLen(b, i);
    if (len > 0) {
      i += len;
      continue;
    }
    if (i > start) out += decoder.decode(b.subarray(start, i));
    out += '\ufffd';
    i++;
    start = i;
  }
  if (n > start) out += decoder.decode(b.subarray(start, n));
  return out;
}

/** Length of the valid UTF-8 sequence at i (Go's utf8.DecodeRune rules), or 0 if invalid. */
function validSeqLen(b: Uint8Array, i: number): number {
  const c = b[i] as number;
  const cont = (k: number, lo = 0x80, hi = 0xbf) => {
    const x = b[i + k];
    return x !== undefined && x >= lo && x <= hi;
  };
  if (c >= 0xc2 && c <= 0xdf) return cont(1) ? 2 : 0;
  if (c === 0xe0) return cont(1, 0xa0) && cont(2) ? 3 : 0;
  if ((c >= 0xe1 && c <= 0xec) || c === 0xee || c === 0xef) return cont(1) && cont(2) ? 3 : 0;
  if (c === 0xed) return cont(1, 0x80, 0x9f) && cont(2) ? 3 : 0;
  if (c === 0xf0) return cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0;
  if (c >= 0xf1 && c <= 0xf3) return cont(1) && cont(2) && cont(3) ? 4 : 0;
  if (c === 0xf4) return cont(1, 0x80, 0x8f) && cont(2) && cont(3) ? 4 : 0;
  return 0;
}
