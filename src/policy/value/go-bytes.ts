/**
 * Raw bytes inside Rego strings (issue #16).
 *
 * OPA's strings are Go strings — any bytes. `hex.decode("ff")` holds the byte 0xff, and
 * `hex.encode` of it gives `ff` again. regate's strings are JS strings, so a byte that is not
 * part of valid UTF-8 is carried as the lone low surrogate U+DC00+b ("surrogate escape", as
 * Python's `surrogateescape`): b is always 0x80–0xFF (ASCII is valid), so escapes are
 * U+DC80–U+DCFF. Why this is unambiguous: every other way a string enters regate (JSON input,
 * Rego string literals, JSON.parse inside builtins) turns a lone surrogate into U+FFFD as Go's
 * decoders do, so a lone low surrogate can only come from here. A valid UTF-8 string has no
 * escape and is the same JS string as before, so the normal path costs nothing.
 *
 * Which bytes are escaped follows Go's utf8.DecodeRuneInString: at each position a valid
 * sequence is one rune, anything else is (RuneError, width 1) — one escaped byte. So `count`
 * (code points) is utf8.RuneCountInString, and json.Marshal's one U+FFFD per invalid byte is
 * one U+FFFD per escape.
 *
 * The representation is canonical (the same bytes give the same string) as long as strings are
 * only cut at rune boundaries; joining two strings can make escaped bytes valid again
 * (`"\xc3"` + `"\xa9"` is `é`), which {@link joinGoStrings} repairs.
 */

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A lone surrogate in U+DC80–U+DCFF (with the u flag a surrogate pair is one code point and does not match). */
const RAW_BYTE = /[\udc80-\udcff]/u;
const RAW_BYTES = /[\udc80-\udcff]/gu;
/** Any code unit in U+DC80–U+DCFF, pair halves too: the cheaper first test (most strings have none). */
const MAY_HAVE_RAW_BYTE = /[\udc80-\udcff]/;

/** Does s carry an escaped raw byte? */
export function hasRawBytes(s: string): boolean {
  return MAY_HAVE_RAW_BYTE.test(s) && RAW_BYTE.test(s);
}

/**
 * The bytes of a Go string: UTF-8, with each escaped byte back as itself.
 *
 * @example goStringBytes(decodeGoString(Uint8Array.of(0xff, 0x61))) // Uint8Array [0xff, 0x61]
 */
export function goStringBytes(s: string): Uint8Array {
  if (!hasRawBytes(s)) return encoder.encode(s);
  const out: number[] = [];
  let start = 0;
  RAW_BYTES.lastIndex = 0;
  for (let m = RAW_BYTES.exec(s); m !== null; m = RAW_BYTES.exec(s)) {
    for (const b of encoder.encode(s.slice(start, m.index))) out.push(b);
    out.push(s.charCodeAt(m.index) - 0xdc00);
    start = m.index + 1;
  }
  for (const b of encoder.encode(s.slice(start))) out.push(b);
  return Uint8Array.from(out);
}

/** Number of bytes of s as a Go string (Go's `len`). */
export function goByteLength(s: string): number {
  return goStringBytes(s).length;
}

/**
 * Bytes → Go string: valid UTF-8 as text, each other byte escaped (U+DC00+b).
 *
 * @example decodeGoString(Uint8Array.of(0x61, 0xff)) // 'a\udcff'
 */
export function decodeGoString(b: Uint8Array): string {
  let out = '';
  let i = 0;
  const n = b.length;
  let start = 0;
  // Valid runs go through TextDecoder in one slice; only invalid bytes are handled one by one.
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
    out += String.fromCharCode(0xdc00 + c);
    i++;
    start = i;
  }
  if (n > start) out += start === 0 ? decoder.decode(b) : decoder.decode(b.subarray(start, n));
  return out;
}

/** Re-canonicalises a string that was joined from pieces holding escaped bytes. */
export function joinGoStrings(s: string): string {
  return hasRawBytes(s) ? decodeGoString(goStringBytes(s)) : s;
}

/**
 * The string as Go's encoders print it: each escaped byte as U+FFFD (json.Marshal writes
 * `\ufffd` for every byte utf8.DecodeRuneInString rejects; []rune(s) and strings.Map do the same).
 */
export function replaceRawBytes(s: string): string {
  return hasRawBytes(s) ? s.replace(RAW_BYTES, '\ufffd') : s;
}

/** Length of the valid UTF-8 sequence at i (Go's utf8.DecodeRune rules), or 0 if invalid. */
export function validSeqLen(b: Uint8Array, i: number): number {
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

/**
 * Does s end in an escaped raw byte? Joining two strings can only make escaped bytes valid
 * where the left one ends in one (an unfinished sequence) and the right one starts with one (its
 * continuation bytes), so a join asks this of its left pieces and stays O(1) per piece. The low
 * half of a pair in U+DC80–U+DCFF also answers true: that only costs a repair that changes nothing.
 */
export function endsWithRawByte(s: string): boolean {
  const c = s.charCodeAt(s.length - 1);
  return c >= 0xdc80 && c <= 0xdcff;
}
