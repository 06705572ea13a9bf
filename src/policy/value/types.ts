/**
 * The Rego value model shared by the JS back end, the builtins and the WASM host bridge.
 *
 * Representation (chosen so that JSON input reaches a policy with zero conversion, which is
 * what keeps a gateway decision near a microsecond):
 *
 * | Rego      | JS                                                                 |
 * |-----------|--------------------------------------------------------------------|
 * | null      | `null`                                                             |
 * | boolean   | `boolean`                                                          |
 * | number    | `number` (finite double) or `bigint` for integers beyond ±2^53, or  |
 * |           | an {@link RNumber} when the literal text matters (`1.0`, `1e1000`)   |
 * | string    | `string`; a byte that is not UTF-8 is the lone surrogate U+DC00+b    |
 * |           | (go-bytes.ts: OPA's strings are Go byte strings)                    |
 * | array     | `Value[]` (a plain JS array; treat as immutable once shared)        |
 * | object    | a plain JS object when every key is a string (what JSON.parse makes),|
 * |           | else an {@link RObject} (keys of any type)                          |
 * | set       | {@link RSet}                                                       |
 *
 * Values are immutable once they escape the statement that built them. Plain objects may have
 * Object.prototype (JSON.parse output), so lookups must use `Object.hasOwn` — see `objectGet`.
 */
import { RNumber, compareDec, decToBigInt, decimalOf, rnumberKey } from './number-text.js';
import { goStringBytes, hasRawBytes } from './go-bytes.js';

export { RNumber };

export type Value = null | boolean | number | bigint | RNumber | string | Value[] | PlainObject | RObject | RSet;

/** Any Rego number. */
export type Num = number | bigint | RNumber;

/** A string-keyed object as JSON.parse produces it. */
export interface PlainObject {
  [key: string]: Value;
}

export type TypeName = 'null' | 'boolean' | 'number' | 'string' | 'array' | 'object' | 'set';

/**
 * Canonical identity string of a value, used as a Map key inside sets and composite-key
 * objects. Equal values (per Rego: 1 == 1.0, key order irrelevant) have equal keys.
 */
export function hashKey(v: Value): string {
  switch (typeof v) {
    case 'string':
      // Strings are by far the most common set element / key: keep them cheap and
      // distinguishable from every encoded non-string (which all start with \u0001).
      return v.length > 0 && v.charCodeAt(0) === 1 ? '\u0001s' + v : v;
    case 'number':
      return '\u0001n' + numberKey(v);
    case 'bigint':
      return '\u0001n' + v.toString();
    case 'boolean':
      return v ? '\u0001t' : '\u0001f';
    case 'object':
      if (v === null) return '\u0001z';
      if (v instanceof RNumber) return '\u0001n' + rnumberKey(v);
      if (Array.isArray(v)) {
        let s = '\u0001a[';
        for (const e of v) s += hashKey(e) + '\u0002';
        return s + ']';
      }
      if (v instanceof RSet) {
        let s = '\u0001S{';
        for (const e of v.values()) s += hashKey(e) + '\u0002';
        return s + '}';
      }
      {
        let s = '\u0001o{';
        for (const [k, x] of objectEntries(v)) s += hashKey(k) + '\u0003' + hashKey(x) + '\u0002';
        return s + '}';
      }
    default:
      throw new TypeError(`not a Rego value: ${typeof v}`);
  }
}

function numberKey(n: number): string {
  // Integers held as doubles must hash like the same integer held as bigint. Beyond 1e21 a
  // double's text is `1e+23`, which OPA's json.Number means as 10^23, not the double's binary
  // value (99999999999999991611392): the key is that text's integer.
  if (Number.isInteger(n) && !Number.isSafeInteger(n)) return decToBigInt(decimalOf(n)).toString();
  return Object.is(n, -0) ? '0' : String(n);
}

/** Does `v` hold a Rego object (plain or composite-keyed)? */
export function isObject(v: Value): v is PlainObject | RObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof RSet) && !(v instanceof RNumber);
}

export function isPlainObject(v: Value): v is PlainObject {
  return isObject(v) && !(v instanceof RObject);
}

export function isNumber(v: Value): v is Num {
  return typeof v === 'number' || typeof v === 'bigint' || v instanceof RNumber;
}

export function typeName(v: Value): TypeName {
  switch (typeof v) {
    case 'string':
      return 'string';
    case 'number':
    case 'bigint':
      return 'number';
    case 'boolean':
      return 'boolean';
    default:
      if (v === null) return 'null';
      if (Array.isArray(v)) return 'array';
      if (v instanceof RSet) return 'set';
      if (v instanceof RNumber) return 'number';
      return 'object';
  }
}

/**
 * A set of Rego values. Iteration (`values()`) is in Rego's total order, as OPA iterates sets;
 * the sorted view is computed lazily and cached until the next insert.
 */
export class RSet {
  private readonly items = new Map<string, Value>();
  private sorted: Value[] | undefined;

  static of(values: Iterable<Value>): RSet {
    const s = new RSet();
    for (const v of values) s.add(v);
    return s;
  }

  get size(): number {
    return this.items.size;
  }

  add(v: Value): this {
    const k = hashKey(v);
    if (!this.items.has(k)) {
      this.items.set(k, v);
      this.sorted = undefined;
    }
    return this;
  }

  has(v: Value): boolean {
    return this.items.has(hashKey(v));
  }

  /** Elements in Rego order. The returned array must not be mutated. */
  values(): readonly Value[] {
    if (this.sorted === undefined) this.sorted = [...this.items.values()].sort(compare);
    return this.sorted;
  }

  [Symbol.iterator](): Iterator<Value> {
    return this.values()[Symbol.iterator]();
  }
}

/**
 * An object whose keys may be any Rego value. Objects with only string keys are plain JS
 * objects instead; use the `object*` helpers to handle both.
 */
export class RObject {
  private readonly items = new Map<string, [Value, Value]>();
  private sorted: [Value, Value][] | undefined;

  get size(): number {
    return this.items.size;
  }

  get(k: Value): Value | undefined {
    return this.items.get(hashKey(k))?.[1];
  }

  has(k: Value): boolean {
    return this.items.has(hashKey(k));
  }

  /**
   * Inserts or replaces k's value. An equal key already present stays as it is (OPA's
   * object.insert sets only the value), so `object.union({1: "a"}, {1.0: "b"})` is `{1: "b"}`.
   */
  set(k: Value, v: Value): this {
    const h = hashKey(k);
    const cur = this.items.get(h);
    this.items.set(h, [cur === undefined ? k : cur[0], v]);
    this.sorted = undefined;
    return this;
  }

  /** Entries in Rego key order. The returned array must not be mutated. */
  entries(): readonly (readonly [Value, Value])[] {
    if (this.sorted === undefined) this.sorted = [...this.items.values()].sort((a, b) => compare(a[0], b[0]));
    return this.sorted;
  }
}

// ---------------------------------------------------------------------------------------------
// Object helpers that accept both representations.

const hasOwn = Object.hasOwn;

export function objectGet(o: PlainObject | RObject, k: Value): Value | undefined {
  if (o instanceof RObject) return o.get(k);
  if (typeof k !== 'string') return undefined;
  return hasOwn(o, k) ? o[k] : undefined;
}

export function objectSize(o: PlainObject | RObject): number {
  return o instanceof RObject ? o.size : Object.keys(o).length;
}

/** Keys in Rego order. */
export function objectKeys(o: PlainObject | RObject): Value[] {
  if (o instanceof RObject) return o.entries().map((e) => e[0]);
  return Object.keys(o).sort(compareStrings);
}

/** Entries in Rego key order. */
export function objectEntries(o: PlainObject | RObject): (readonly [Value, Value])[] {
  if (o instanceof RObject) return o.entries() as (readonly [Value, Value])[];
  const keys = Object.keys(o).sort(compareStrings);
  const out: [Value, Value][] = new Array(keys.length);
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i] as string;
    out[i] = [k, o[k] as Value];
  }
  return out;
}

/**
 * Builds objects incrementally, starting as a plain object and switching to an RObject the
 * first time a non-string key arrives. `set` overwrites; callers that must detect conflicts
 * check `get` first.
 */
export class ObjectBuilder {
  private plain: PlainObject | null = {};
  private composite: RObject | null = null;

  get(k: Value): Value | undefined {
    if (this.composite) return this.composite.get(k);
    if (typeof k !== 'string') return undefined;
    const p = this.plain as PlainObject;
    return hasOwn(p, k) ? p[k] : undefined;
  }

  set(k: Value, v: Value): this {
    if (this.composite) {
      this.composite.set(k, v);
    } else if (typeof k === 'string') {
      // defineProperty semantics: "__proto__" must become an own key, never the prototype.
      if (k === '__proto__') Object.defineProperty(this.plain, k, { value: v, enumerable: true, writable: true, configurable: true });
      else (this.plain as PlainObject)[k] = v;
    } else {
      const r = new RObject();
      for (const [pk, pv] of Object.entries(this.plain as PlainObject)) r.set(pk, pv);
      r.set(k, v);
      this.composite = r;
      this.plain = null;
    }
    return this;
  }

  build(): PlainObject | RObject {
    return this.composite ?? (this.plain as PlainObject);
  }
}

/** Makes an object from entries (later entries win). */
export function makeObject(entries: Iterable<readonly [Value, Value]>): PlainObject | RObject {
  const b = new ObjectBuilder();
  for (const [k, v] of entries) b.set(k, v);
  return b.build();
}

// ---------------------------------------------------------------------------------------------
// Ordering and equality (OPA's total order: null < boolean < number < string < array < object < set).

const TYPE_RANK: Record<TypeName, number> = { null: 0, boolean: 1, number: 2, string: 3, array: 4, object: 5, set: 6 };

/**
 * Compares strings by Unicode code point, as Go compares UTF-8 bytes. JS's default `<` compares
 * UTF-16 code units, which disagrees for astral characters versus U+E000–U+FFFF.
 */
export function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) {
      // Surrogates (D800–DFFF) encode code points above FFFF: they sort after E000–FFFF.
      const xs = x >= 0xd800 && x <= 0xdfff;
      const ys = y >= 0xd800 && y <= 0xdfff;
      // An escaped raw byte (U+DC80–U+DCFF, go-bytes.ts) is one byte 0x80–0xFF: only the bytes
      // tell where it sorts (0x80–0xBF before every lead byte, 0xFF after all of them).
      if ((xs || ys) && (hasRawBytes(a) || hasRawBytes(b))) return compareGoBytes(a, b);
      if (xs !== ys) return xs ? 1 : -1;
      return x < y ? -1 : 1;
    }
  }
  return a.length < b.length ? -1 : a.length > b.length ? 1 : 0;
}

/** Go's string order (bytes) for strings that carry escaped raw bytes. */
function compareGoBytes(a: string, b: string): number {
  return Buffer.compare(goStringBytes(a), goStringBytes(b));
}

export function compareNumbers(a: Num, b: Num): number {
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0;
  if (a instanceof RNumber || b instanceof RNumber) {
    // Rounding to a double is monotonic: different doubles order their exact values the same way.
    const x = a instanceof RNumber ? a.approx : Number(a);
    const y = b instanceof RNumber ? b.approx : Number(b);
    if (x !== y) return x < y ? -1 : 1;
    return compareDec(decimalOf(a), decimalOf(b));
  }
  if (typeof a === 'bigint' && typeof b === 'bigint') return a < b ? -1 : a > b ? 1 : 0;
  // Mixed: compare exactly. A double that is a safe integer converts to bigint losslessly; a
  // larger one stands for its text's value (`1e+23` is 10^23, as OPA's big.Rat reads it).
  const [x, y, flip] = typeof a === 'bigint' ? [a, b as number, 1] : [b as bigint, a as number, -1];
  if (Number.isInteger(y) && !Number.isSafeInteger(y)) return compareDec(decimalOf(a), decimalOf(b));
  let r: number;
  if (Number.isInteger(y)) {
    const yb = BigInt(y);
    r = x < yb ? -1 : x > yb ? 1 : 0;
  } else {
    const fl = BigInt(Math.floor(y));
    r = x <= fl ? -1 : 1;
  }
  return r * flip;
}

export function compare(a: Value, b: Value): number {
  if (a === b) return 0;
  const ta = typeName(a);
  const tb = typeName(b);
  if (ta !== tb) return TYPE_RANK[ta] < TYPE_RANK[tb] ? -1 : 1;
  switch (ta) {
    case 'null':
      return 0;
    case 'boolean':
      return a === b ? 0 : a === false ? -1 : 1;
    case 'number':
      return compareNumbers(a as Num, b as Num);
    case 'string':
      return compareStrings(a as string, b as string);
    case 'array': {
      const x = a as Value[];
      const y = b as Value[];
      const n = Math.min(x.length, y.length);
      for (let i = 0; i < n; i++) {
        const c = compare(x[i] as Value, y[i] as Value);
        if (c !== 0) return c;
      }
      return x.length - y.length < 0 ? -1 : x.length === y.length ? 0 : 1;
    }
    case 'object': {
      const x = objectEntries(a as PlainObject | RObject);
      const y = objectEntries(b as PlainObject | RObject);
      const n = Math.min(x.length, y.length);
      for (let i = 0; i < n; i++) {
        const ex = x[i] as readonly [Value, Value];
        const ey = y[i] as readonly [Value, Value];
        const ck = compare(ex[0], ey[0]);
        if (ck !== 0) return ck;
        const cv = compare(ex[1], ey[1]);
        if (cv !== 0) return cv;
      }
      return x.length < y.length ? -1 : x.length === y.length ? 0 : 1;
    }
    case 'set': {
      const x = (a as RSet).values();
      const y = (b as RSet).values();
      const n = Math.min(x.length, y.length);
      for (let i = 0; i < n; i++) {
        const c = compare(x[i] as Value, y[i] as Value);
        if (c !== 0) return c;
      }
      return x.length < y.length ? -1 : x.length === y.length ? 0 : 1;
    }
  }
}

export function equal(a: Value, b: Value): boolean {
  if (a === b) return true;
  const t = typeof a;
  if (t === 'string' || t === 'boolean' || typeof b === 'string' || typeof b === 'boolean') return false;
  if (a === null || b === null) return false;
  if (isNumber(a)) return isNumber(b) && compareNumbers(a, b) === 0;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!equal(a[i] as Value, b[i] as Value)) return false;
    return true;
  }
  if (a instanceof RSet) {
    if (!(b instanceof RSet) || a.size !== b.size) return false;
    for (const e of a.values()) if (!b.has(e)) return false;
    return true;
  }
  if (!isObject(b) || !isObject(a)) return false;
  if (objectSize(a) !== objectSize(b)) return false;
  for (const [k, v] of objectEntries(a)) {
    const w = objectGet(b, k);
    if (w === undefined || !equal(v, w)) return false;
  }
  return true;
}

/** Normalises a bigint to a number when it is exactly representable, keeping one form per value. */
export function normalizeNumber(n: number | bigint): number | bigint {
  if (typeof n === 'bigint' && n >= -9007199254740991n && n <= 9007199254740991n) return Number(n);
  return n;
}
