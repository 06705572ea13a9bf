/**
 * Go's byte-wise `strings` matching (Contains, HasPrefix, HasSuffix, Count, TrimPrefix,
 * TrimSuffix, Split) for a needle that carries raw bytes (value/go-bytes.ts). A needle that is
 * UTF-8 can only match a haystack at rune boundaries — a valid sequence never starts at an
 * escaped byte — so the JS string operations agree with Go's bytes for it and stay the fast
 * path; a needle with raw bytes may match inside a UTF-8 sequence (`"\xc3"` is a prefix of
 * `"é"`), which only the bytes show.
 */
import { decodeGoString, goStringBytes } from '../../value/index.js';

const buf = (s: string): Buffer => Buffer.from(goStringBytes(s));

/**
 * The byte-wise answer of `op` for (s, needle).
 *
 * @example matchGoBytes('startswith', 'é', '\udcc3') // true
 */
export function matchGoBytes(op: 'contains' | 'startswith' | 'endswith' | 'count', s: string, needle: string): boolean | number {
  const h = buf(s);
  const n = buf(needle);
  switch (op) {
    case 'contains':
      return h.includes(n);
    case 'startswith':
      return h.length >= n.length && h.subarray(0, n.length).equals(n);
    case 'endswith':
      return h.length >= n.length && h.subarray(h.length - n.length).equals(n);
    case 'count': {
      let c = 0;
      for (let i = h.indexOf(n); i !== -1; i = h.indexOf(n, i + n.length)) c++;
      return c;
    }
  }
}

/** strings.TrimPrefix / TrimSuffix on bytes; the rest is decoded again (it may start mid-sequence). */
export function trimGoBytes(s: string, affix: string, prefix: boolean): string {
  const h = buf(s);
  const n = buf(affix);
  if (prefix) return h.length >= n.length && h.subarray(0, n.length).equals(n) ? decodeGoString(h.subarray(n.length)) : s;
  return h.length >= n.length && h.subarray(h.length - n.length).equals(n) ? decodeGoString(h.subarray(0, h.length - n.length)) : s;
}

/** strings.Split on bytes (a non-empty separator); each field is decoded again. */
export function splitGoBytes(s: string, sep: string): string[] {
  const h = buf(s);
  const n = buf(sep);
  const out: string[] = [];
  let start = 0;
  for (let i = h.indexOf(n); i !== -1; i = h.indexOf(n, start)) {
    out.push(decodeGoString(h.subarray(start, i)));
    start = i + n.length;
  }
  out.push(decodeGoString(h.subarray(start)));
  return out;
}
