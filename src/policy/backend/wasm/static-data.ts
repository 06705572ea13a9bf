/**
 * The per-policy data segment: the plan's constant values (static strings, numbers, booleans,
 * paths, the `builtins` and `entrypoints` objects the SDK reads at load time) laid out in the
 * runtime's value format (see runtime/value.as) so generated code refers to them by address and
 * never allocates a constant at evaluation time.
 *
 * Constants are immutable by construction: the IR only mutates collections it made itself with
 * Make*Stmt, and static collections are only ever read (dot, compare, dump).
 */
import { goStringBytes } from '../../value/go-bytes.js';

// Tags mirror runtime/value.as.
export const T_NULL = 1;
export const T_BOOL = 2;
export const T_INT = 3;
export const T_NUMREF = 4;
export const T_STRING = 5;
export const T_ARRAY = 6;
export const T_OBJECT = 7;
export const T_SET = 8;

const I64_MAX = 9223372036854775807n;
const I64_MIN = -9223372036854775808n;

export class StaticData {
  private buf = new Uint8Array(1024);
  private len = 0;
  private readonly strings = new Map<string, number>();
  private readonly numbers = new Map<string, number>();
  private nullAddr = 0;
  private readonly bools: [number, number] = [0, 0];

  /** `base`: first free address after the runtime's own data (8-byte aligned). */
  constructor(readonly base: number) {}

  /** Address one past the last byte written. */
  get end(): number {
    return this.base + this.len;
  }

  bytes(): Uint8Array {
    return this.buf.subarray(0, this.len);
  }

  private reserve(n: number): number {
    this.len = (this.len + 7) & ~7;
    if (this.len + n > this.buf.length) {
      const nb = new Uint8Array(Math.max(this.buf.length * 2, this.len + n));
      nb.set(this.buf.subarray(0, this.len));
      this.buf = nb;
    }
    const at = this.len;
    this.len += n;
    return at;
  }

  private words(ws: readonly number[]): number {
    const at = this.reserve(ws.length * 4);
    const dv = new DataView(this.buf.buffer, this.buf.byteOffset);
    ws.forEach((w, i) => dv.setUint32(at + i * 4, w >>> 0, true));
    return this.base + at;
  }

  private raw(b: Uint8Array): number {
    const at = this.reserve(Math.max(b.length, 1));
    this.buf.set(b, at);
    return this.base + at;
  }

  null(): number {
    if (this.nullAddr === 0) this.nullAddr = this.words([T_NULL, 0]);
    return this.nullAddr;
  }

  bool(b: boolean): number {
    const i = b ? 1 : 0;
    if (this.bools[i] === 0) this.bools[i] = this.words([T_BOOL, i]);
    return this.bools[i];
  }

  string(s: string): number {
    let a = this.strings.get(s);
    if (a === undefined) {
      // a string's raw bytes (value/go-bytes.ts) are themselves in the module
      const bytes = goStringBytes(s);
      const p = this.raw(bytes);
      a = this.words([T_STRING, bytes.length, p]);
      this.strings.set(s, a);
    }
    return a;
  }

  /** A number from its JSON/Rego text: INT when integral and within i64, else kept as text. */
  number(text: string): number {
    let a = this.numbers.get(text);
    if (a !== undefined) return a;
    if (/^-?\d+$/.test(text) && BigInt(text) <= I64_MAX && BigInt(text) >= I64_MIN) {
      const n = BigInt(text);
      a = this.words([T_INT, 0, Number(BigInt.asUintN(32, n)), Number(BigInt.asUintN(32, n >> 32n))]);
    } else {
      const bytes = new TextEncoder().encode(text);
      const p = this.raw(bytes);
      a = this.words([T_NUMREF, bytes.length, p]);
    }
    this.numbers.set(text, a);
    return a;
  }

  /** A read-only array of value addresses. */
  array(items: readonly number[]): number {
    const e = items.length > 0 ? this.words(items) : 0;
    return this.words([T_ARRAY, items.length, items.length, e]);
  }

  /** A read-only object with string keys (sorted here by UTF-8 bytes, the runtime's key order). */
  object(entries: readonly (readonly [string, number])[]): number {
    const sorted = [...entries].sort((x, y) => Buffer.compare(goStringBytes(x[0]), goStringBytes(y[0])));
    const flat: number[] = [];
    for (const [k, v] of sorted) flat.push(this.string(k), v);
    const e = flat.length > 0 ? this.words(flat) : 0;
    return this.words([T_OBJECT, sorted.length, sorted.length, e]);
  }
}
