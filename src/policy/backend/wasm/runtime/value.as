// Rego values in linear memory — the AssemblyScript half of regate's WASM back end.
//
// This file is AssemblyScript, not TypeScript: it has the `.as` suffix so the project's `tsc`
// (which includes src/**/*.ts) leaves it alone; build.ts feeds it to `asc` by name.
//
// No AssemblyScript managed objects are used anywhere (no `new`, no strings at run time): every
// byte lives in one bump heap whose pointer the OPA SDK reads and resets through
// opa_heap_ptr_get/set (OPA Wasm ABI). That is why values are raw pointers and all layout is
// explicit. A value pointer of 0 means "undefined" everywhere.
//
// Layout (u32 fields, 8-byte aligned allocations):
//   NULL   [tag]
//   BOOL   [tag, b]
//   INT    [tag, _, i64]           integers that fit in 64 bits
//   NUMREF [tag, len, ptr]         any other number, kept as its JSON text (exact; never a float
//                                  in the module: float arithmetic is delegated to the host)
//   STRING [tag, len, ptr]         UTF-8 bytes, often pointing straight into the parsed text
//   ARRAY  [tag, len, cap, elems]  elems: u32 value pointers
//   OBJECT [tag, len, cap, elems]  elems: (key, value) pointer pairs sorted by key (Rego order)
//   SET    [tag, len, cap, elems]  elems sorted, no duplicates

@external("env", "opa_abort") declare function opa_abort(addr: usize): void;

export const T_NULL: u32 = 1;
export const T_BOOL: u32 = 2;
export const T_INT: u32 = 3;
export const T_NUMREF: u32 = 4;
export const T_STRING: u32 = 5;
export const T_ARRAY: u32 = 6;
export const T_OBJECT: u32 = 7;
export const T_SET: u32 = 8;

// ---------------------------------------------------------------------------------------------
// Heap: a bump allocator. The SDK owns the reset policy (it rewinds to its data heap pointer
// before every evaluation), so free is a no-op except for the last block.

// Set to the end of the static data by compile.ts (the runtime alone never allocates).
export var heap_ptr: usize = 0;

export function getHeapPtr(): usize {
  return heap_ptr;
}

export function setHeapPtr(p: usize): void {
  heap_ptr = p;
}

// Memory size in bytes as last seen. Memory only ever grows (here or by the SDK when it copies
// input in), so a stale value is merely conservative; it saves a memory.size per allocation.
var heap_limit: usize = 0;

// Inlined: it is a handful of instructions on the fast path and runs for every value.
@inline export function alloc(size: usize): usize {
  const p = (heap_ptr + 7) & ~(<usize>7);
  const end = p + size;
  if (end > heap_limit) growTo(end);
  heap_ptr = end;
  return p;
}

function growTo(end: usize): void {
  const have = <usize>memory.size() << 16;
  if (end > have) {
    const need = <i32>((end - have + 0xffff) >>> 16);
    if (memory.grow(need) < 0) abortMsg("out of memory");
  }
  heap_limit = <usize>memory.size() << 16;
}

// Static values shared by every evaluation (they live in the data segment, below the heap).
export const V_NULL: usize = memory.data<u32>([1, 0]);
export const V_TRUE: usize = memory.data<u32>([2, 1]);
export const V_FALSE: usize = memory.data<u32>([2, 0]);

@inline export function tag(v: usize): u32 {
  return load<u32>(v);
}
@inline export function vlen(v: usize): u32 {
  return load<u32>(v, 4);
}
@inline export function vptr(v: usize): usize {
  return <usize>load<u32>(v, 8);
}
@inline export function elems(v: usize): usize {
  return <usize>load<u32>(v, 12);
}
@inline export function intVal(v: usize): i64 {
  return load<i64>(v, 8);
}

// --- aborting with a message ---------------------------------------------------------------

/** Copies an AssemblyScript literal (static UTF-16, ASCII only here) to a NUL-terminated C string. */
export function cstr(s: string): usize {
  const n = s.length;
  const p = alloc(<usize>n + 1);
  for (let i = 0; i < n; i++) store<u8>(p + <usize>i, <u8>s.charCodeAt(i));
  store<u8>(p + <usize>n, 0);
  return p;
}

export function abortMsg(s: string): void {
  opa_abort(cstr(s));
  unreachable();
}

// --- constructors ------------------------------------------------------------------------------

export function mkBool(b: bool): usize {
  return b ? V_TRUE : V_FALSE;
}

@inline export function mkInt(n: i64): usize {
  const v = alloc(16);
  store<u32>(v, T_INT);
  store<i64>(v, n, 8);
  return v;
}

@inline export function mkStr(ptr: usize, len: u32): usize {
  const v = alloc(12);
  store<u32>(v, T_STRING);
  store<u32>(v, len, 4);
  store<u32>(v, <u32>ptr, 8);
  return v;
}

export function mkNumRef(ptr: usize, len: u32): usize {
  const v = alloc(12);
  store<u32>(v, T_NUMREF);
  store<u32>(v, len, 4);
  store<u32>(v, <u32>ptr, 8);
  return v;
}

/** Array, object or set with room for `cap` elements (object elements are pairs). */
export function mkColl(t: u32, cap: u32): usize {
  const v = alloc(16);
  const width: usize = t == T_OBJECT ? 8 : 4;
  const c = cap < 4 ? 4 : cap;
  store<u32>(v, t);
  store<u32>(v, 0, 4);
  store<u32>(v, c, 8);
  store<u32>(v, <u32>alloc(<usize>c * width), 12);
  return v;
}

/** Makes room for one more element, doubling the buffer (the old one is simply abandoned). */
export function grow(v: usize): void {
  const n = vlen(v);
  const cap = load<u32>(v, 8);
  if (n < cap) return;
  const width: usize = tag(v) == T_OBJECT ? 8 : 4;
  const nc = cap * 2;
  const nb = alloc(<usize>nc * width);
  moveWords(nb, elems(v), <usize>n * width);
  store<u32>(v, nc, 8);
  store<u32>(v, <u32>nb, 12);
}

export function arrPush(a: usize, x: usize): void {
  grow(a);
  const n = vlen(a);
  store<u32>(elems(a) + (<usize>n << 2), <u32>x);
  store<u32>(a, n + 1, 4);
}

@inline export function arrGet(a: usize, i: u32): usize {
  return <usize>load<u32>(elems(a) + (<usize>i << 2));
}
@inline export function objKey(o: usize, i: u32): usize {
  return <usize>load<u32>(elems(o) + (<usize>i << 3));
}
@inline export function objVal(o: usize, i: u32): usize {
  return <usize>load<u32>(elems(o) + (<usize>i << 3), 4);
}

// ---------------------------------------------------------------------------------------------
// Numbers. INTs compare directly; anything involving a NUMREF compares exactly as decimals
// (sign, significant digits, decimal exponent), which is never less precise than float64.

/** Decimal form written to scratch: returns pointer to [neg:u32, ndigits:u32, exp:i32, digits…]
 *  with value = (neg ? -1 : 1) × 0.d1d2…dn × 10^exp and no leading/trailing zero digits. */
function decimalOf(v: usize): usize {
  let src: usize;
  let n: u32;
  if (tag(v) == T_INT) {
    const t = alloc(24);
    n = writeI64(t, intVal(v));
    src = t;
  } else {
    src = vptr(v);
    n = vlen(v);
  }
  const out = alloc(12 + <usize>n);
  let i: u32 = 0;
  let neg: u32 = 0;
  if (i < n && load<u8>(src) == 45) {
    neg = 1;
    i++;
  }
  let nd: u32 = 0;
  let exp: i32 = 0;
  let seenPoint = false;
  let leading = true;
  for (; i < n; i++) {
    const c = load<u8>(src + i);
    if (c == 46) {
      seenPoint = true;
      continue;
    }
    if (c == 101 || c == 69) {
      i++;
      let eneg = false;
      if (i < n && (load<u8>(src + i) == 45 || load<u8>(src + i) == 43)) {
        eneg = load<u8>(src + i) == 45;
        i++;
      }
      let e: i32 = 0;
      for (; i < n; i++) {
        if (e < 100000000) e = e * 10 + <i32>(load<u8>(src + i) - 48);
      }
      exp += eneg ? -e : e;
      break;
    }
    if (leading && c == 48) {
      if (seenPoint) exp--;
      continue;
    }
    leading = false;
    store<u8>(out + 12 + nd, c);
    nd++;
    if (!seenPoint) exp++;
  }
  while (nd > 0 && load<u8>(out + 12 + nd - 1) == 48) nd--;
  if (nd == 0) neg = 0;
  store<u32>(out, neg);
  store<u32>(out, nd, 4);
  store<i32>(out, exp, 8);
  return out;
}

function cmpDecimal(a: usize, b: usize): i32 {
  const x = decimalOf(a);
  const y = decimalOf(b);
  const xn = load<u32>(x);
  const yn = load<u32>(y);
  const xd = load<u32>(x, 4);
  const yd = load<u32>(y, 4);
  if (xd == 0 && yd == 0) return 0;
  // Signs (zero sorts between the negatives and the positives).
  const xs: i32 = xd == 0 ? 0 : xn ? -1 : 1;
  const ys: i32 = yd == 0 ? 0 : yn ? -1 : 1;
  if (xs != ys) return xs < ys ? -1 : 1;
  let r: i32 = 0;
  const xe = load<i32>(x, 8);
  const ye = load<i32>(y, 8);
  if (xe != ye) r = xe < ye ? -1 : 1;
  else {
    const m = xd < yd ? xd : yd;
    for (let i: u32 = 0; i < m && r == 0; i++) {
      const c = <i32>load<u8>(x + 12 + i) - <i32>load<u8>(y + 12 + i);
      if (c != 0) r = c < 0 ? -1 : 1;
    }
    if (r == 0 && xd != yd) r = xd < yd ? -1 : 1;
  }
  return xs < 0 ? -r : r;
}

export function isNum(v: usize): bool {
  const t = tag(v);
  return t == T_INT || t == T_NUMREF;
}

/** Integer value of a number if it is integral and fits in i64; sets numOk. */
export var numOk: bool = false;
export function toI64(v: usize): i64 {
  numOk = false;
  if (tag(v) == T_INT) {
    numOk = true;
    return intVal(v);
  }
  if (tag(v) != T_NUMREF) return 0;
  const d = decimalOf(v);
  const nd = load<u32>(d, 4);
  const e = load<i32>(d, 8);
  if (nd == 0) {
    numOk = true;
    return 0;
  }
  if (e < <i32>nd || e > 18) return 0;
  let r: i64 = 0;
  for (let i: i32 = 0; i < e; i++) {
    r = r * 10 + (i < <i32>nd ? <i64>(load<u8>(d + 12 + <usize>i) - 48) : 0);
  }
  numOk = true;
  return load<u32>(d) ? -r : r;
}

// ---------------------------------------------------------------------------------------------
// Ordering: null < boolean < number < string < array < object < set (OPA's total order).

function rank(t: u32): u32 {
  return t == T_NUMREF ? T_INT : t;
}

export function cmpBytes(ap: usize, an: u32, bp: usize, bn: u32): i32 {
  const m = an < bn ? an : bn;
  let i: u32 = 0;
  // Eight bytes at a time: byte order is big-endian order of the (byte-swapped) words.
  while (i + 8 <= m) {
    const x = load<u64>(ap + i);
    const y = load<u64>(bp + i);
    if (x != y) return bswap<u64>(x) < bswap<u64>(y) ? -1 : 1;
    i += 8;
  }
  for (; i < m; i++) {
    const x = load<u8>(ap + i);
    const y = load<u8>(bp + i);
    if (x != y) return x < y ? -1 : 1;
  }
  return an == bn ? 0 : an < bn ? -1 : 1;
}

export function compare(a: usize, b: usize): i32 {
  if (a == b) return 0;
  // Undefined sorts first; it never reaches here from well-formed plans.
  if (a == 0) return -1;
  if (b == 0) return 1;
  const ta = tag(a);
  const tb = tag(b);
  const ra = rank(ta);
  const rb = rank(tb);
  if (ra != rb) return ra < rb ? -1 : 1;
  switch (ra) {
    case T_NULL:
      return 0;
    case T_BOOL: {
      const x = vlen(a);
      const y = vlen(b);
      return x == y ? 0 : x < y ? -1 : 1;
    }
    case T_INT: {
      if (ta == T_INT && tb == T_INT) {
        const x = intVal(a);
        const y = intVal(b);
        return x == y ? 0 : x < y ? -1 : 1;
      }
      return cmpDecimal(a, b);
    }
    case T_STRING:
      return cmpBytes(vptr(a), vlen(a), vptr(b), vlen(b));
    case T_ARRAY:
    case T_SET: {
      const n = vlen(a);
      const m = vlen(b);
      const k = n < m ? n : m;
      for (let i: u32 = 0; i < k; i++) {
        const c = compare(arrGet(a, i), arrGet(b, i));
        if (c != 0) return c;
      }
      return n == m ? 0 : n < m ? -1 : 1;
    }
    case T_OBJECT: {
      const n = vlen(a);
      const m = vlen(b);
      const k = n < m ? n : m;
      for (let i: u32 = 0; i < k; i++) {
        let c = compare(objKey(a, i), objKey(b, i));
        if (c != 0) return c;
        c = compare(objVal(a, i), objVal(b, i));
        if (c != 0) return c;
      }
      return n == m ? 0 : n < m ? -1 : 1;
    }
  }
  return 0;
}

// ---------------------------------------------------------------------------------------------
// Objects and sets: sorted, binary-searched.

/** Index of key k in object o, or -(insertion point) - 1. */
export function objFind(o: usize, k: usize): i32 {
  let lo: i32 = 0;
  let hi: i32 = <i32>vlen(o) - 1;
  const e = elems(o);
  // Fast path for the overwhelmingly common string key.
  const ks = tag(k) == T_STRING;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const mk = <usize>load<u32>(e + (<usize>mid << 3));
    let c: i32;
    if (ks && tag(mk) == T_STRING) c = cmpBytes(vptr(mk), vlen(mk), vptr(k), vlen(k));
    else c = compare(mk, k);
    if (c == 0) return mid;
    if (c < 0) lo = mid + 1;
    else hi = mid - 1;
  }
  return -lo - 1;
}

export function objGet(o: usize, k: usize): usize {
  const i = objFind(o, k);
  return i < 0 ? 0 : objVal(o, <u32>i);
}

/** Inserts or overwrites. */
export function objInsert(o: usize, k: usize, v: usize): void {
  const i = objFind(o, k);
  if (i >= 0) {
    store<u32>(elems(o) + (<usize>i << 3), <u32>v, 4);
    return;
  }
  grow(o);
  const at = <u32>(-i - 1);
  const n = vlen(o);
  const e = elems(o);
  moveWords(e + ((<usize>at + 1) << 3), e + (<usize>at << 3), <usize>(n - at) << 3);
  store<u32>(e + (<usize>at << 3), <u32>k);
  store<u32>(e + (<usize>at << 3), <u32>v, 4);
  store<u32>(o, n + 1, 4);
}

export function setFind(s: usize, x: usize): i32 {
  let lo: i32 = 0;
  let hi: i32 = <i32>vlen(s) - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const c = compare(arrGet(s, <u32>mid), x);
    if (c == 0) return mid;
    if (c < 0) lo = mid + 1;
    else hi = mid - 1;
  }
  return -lo - 1;
}

export function setAdd(s: usize, x: usize): void {
  const i = setFind(s, x);
  if (i >= 0) return;
  grow(s);
  const at = <u32>(-i - 1);
  const n = vlen(s);
  const e = elems(s);
  moveWords(e + ((<usize>at + 1) << 2), e + (<usize>at << 2), <usize>(n - at) << 2);
  store<u32>(e + (<usize>at << 2), <u32>x);
  store<u32>(s, n + 1, 4);
}

/** Key of element i for sorting: the key of a pair (objects) or the element itself (sets). */
@inline function sortKey(buf: usize, i: u32, width: usize): usize {
  return <usize>load<u32>(buf + <usize>i * width);
}

/** compare() with a fast path for the usual pair of string keys. */
@inline function cmpKey(a: usize, b: usize): i32 {
  if (tag(a) == T_STRING && tag(b) == T_STRING) return cmpBytes(vptr(a), vlen(a), vptr(b), vlen(b));
  return compare(a, b);
}

/**
 * Sorts a bulk-loaded object's pairs (or a set's elements) into Rego order and drops
 * duplicates; for objects the last value wins, as Go's encoding/json does. A bottom-up merge
 * sort (stable, O(n log n)): data documents can have thousands of keys.
 */
export function normalize(c: usize): usize {
  const t = tag(c);
  const n = vlen(c);
  if (n < 2) return c;
  const width: usize = t == T_OBJECT ? 8 : 4;
  let src = elems(c);
  // Already strictly ordered? (Common for machine-written JSON.)
  let sorted = true;
  for (let i: u32 = 1; i < n && sorted; i++) if (cmpKey(sortKey(src, i - 1, width), sortKey(src, i, width)) >= 0) sorted = false;
  if (sorted) return c;
  if (n <= 16) {
    // Small (the usual JSON object): stable insertion sort in place, no scratch buffer. An
    // element equal to the one being inserted can only be its left neighbour once it is placed,
    // so duplicates are seen here and dedupe() runs only when there are some. Elements move as
    // whole words: memory.copy of 4 or 8 bytes is a call out of the module in V8.
    let dup = false;
    for (let i: u32 = 1; i < n; i++) {
      const at = src + <usize>i * width;
      const x = width == 8 ? load<u64>(at) : <u64>load<u32>(at);
      const k = <usize>(<u32>x);
      let j = <i32>i - 1;
      while (j >= 0) {
        const c = cmpKey(sortKey(src, <u32>j, width), k);
        if (c <= 0) {
          if (c == 0) dup = true;
          break;
        }
        moveOne(src + <usize>(j + 1) * width, src + <usize>j * width, width);
        j--;
      }
      const to = src + <usize>(j + 1) * width;
      if (width == 8) store<u64>(to, x);
      else store<u32>(to, <u32>x);
    }
    return dup ? dedupe(c, src, n, width) : c;
  }
  let dst = alloc(<usize>n * width);
  for (let w: u32 = 1; w < n; w <<= 1) {
    for (let lo: u32 = 0; lo < n; lo += w << 1) {
      const mid = lo + w < n ? lo + w : n;
      const hi = lo + (w << 1) < n ? lo + (w << 1) : n;
      let i = lo;
      let j = mid;
      let k = lo;
      while (i < mid && j < hi) {
        // `<=` keeps equal keys in input order (stability), so the last duplicate stays last.
        if (cmpKey(sortKey(src, i, width), sortKey(src, j, width)) <= 0) {
          moveOne(dst + <usize>k * width, src + <usize>i * width, width);
          i++;
        } else {
          moveOne(dst + <usize>k * width, src + <usize>j * width, width);
          j++;
        }
        k++;
      }
      if (i < mid) memory.copy(dst + <usize>k * width, src + <usize>i * width, <usize>(mid - i) * width);
      k += mid - i;
      if (j < hi) memory.copy(dst + <usize>k * width, src + <usize>j * width, <usize>(hi - j) * width);
    }
    const tmp = src;
    src = dst;
    dst = tmp;
  }
  return dedupe(c, src, n, width);
}

/**
 * memory.copy for word-aligned lengths (multiples of 4 bytes), overlapping or not. Short moves
 * (the usual insert into a small object or set) stay inside the module as plain loads and
 * stores: V8 runs memory.copy as a call into C++, which costs more than moving a few words.
 */
export function moveWords(to: usize, from: usize, bytes: usize): void {
  if (bytes > 64) {
    memory.copy(to, from, bytes);
    return;
  }
  if (to <= from) {
    for (let i: usize = 0; i < bytes; i += 4) store<u32>(to + i, load<u32>(from + i));
  } else {
    for (let i = bytes; i > 0; i -= 4) store<u32>(to + i - 4, load<u32>(from + i - 4));
  }
}

/** memory.copy for non-overlapping bytes, kept in the module for short runs (see moveWords). */
export function copyBytes(to: usize, from: usize, n: usize): void {
  if (n > 64) {
    memory.copy(to, from, n);
    return;
  }
  let i: usize = 0;
  for (; i + 8 <= n; i += 8) store<u64>(to + i, load<u64>(from + i));
  for (; i < n; i++) store<u8>(to + i, load<u8>(from + i));
}

/** Copies one element (a u32 value or a u64 key/value pair). */
@inline function moveOne(to: usize, from: usize, width: usize): void {
  if (width == 8) store<u64>(to, load<u64>(from));
  else store<u32>(to, load<u32>(from));
}

/** Drops duplicates from sorted elements at src, keeping the last of each run of equal keys. */
function dedupe(c: usize, src: usize, n: u32, width: usize): usize {
  let m: u32 = 0;
  for (let i: u32 = 0; i < n; i++) {
    if (i + 1 < n && cmpKey(sortKey(src, i, width), sortKey(src, i + 1, width)) == 0) continue;
    moveOne(src + <usize>m * width, src + <usize>i * width, width);
    m++;
  }
  store<u32>(c, m, 4);
  store<u32>(c, n, 8);
  store<u32>(c, <u32>src, 12);
  return c;
}

// ---------------------------------------------------------------------------------------------
// Generic access used by the IR operations.

/**
 * Length of the valid UTF-8 sequence at p (n bytes left), or 0 when Go's utf8.DecodeRune would
 * read (RuneError, 1) there: strings hold any bytes (value/go-bytes.ts on the host side).
 */
export function utf8SeqLen(p: usize, n: usize): u32 {
  const c = <u32>load<u8>(p);
  if (c < 0x80) return 1;
  let len: u32 = 0;
  let lo: u32 = 0x80;
  let hi: u32 = 0xbf;
  if (c >= 0xc2 && c <= 0xdf) len = 2;
  else if (c >= 0xe0 && c <= 0xef) {
    len = 3;
    if (c == 0xe0) lo = 0xa0;
    else if (c == 0xed) hi = 0x9f;
  } else if (c >= 0xf0 && c <= 0xf4) {
    len = 4;
    if (c == 0xf0) lo = 0x90;
    else if (c == 0xf4) hi = 0x8f;
  } else return 0;
  if (<usize>len > n) return 0;
  const c1 = <u32>load<u8>(p + 1);
  if (c1 < lo || c1 > hi) return 0;
  for (let k: u32 = 2; k < len; k++) {
    const ck = <u32>load<u8>(p + <usize>k);
    if (ck < 0x80 || ck > 0xbf) return 0;
  }
  return len;
}

/**
 * Number of elements (or runes for strings: utf8.RuneCountInString, each byte that is not
 * UTF-8 one rune), -1 if v has no length.
 */
export function length(v: usize): i32 {
  const t = tag(v);
  if (t == T_ARRAY || t == T_OBJECT || t == T_SET) return <i32>vlen(v);
  if (t == T_STRING) {
    const p = vptr(v);
    const n = vlen(v);
    let c: i32 = 0;
    let i: u32 = 0;
    while (i < n) {
      if (load<u8>(p + i) < 0x80) i++;
      else {
        const l = utf8SeqLen(p + i, <usize>(n - i));
        i += l > 0 ? l : 1;
      }
      c++;
    }
    return c;
  }
  return -1;
}

/** Is a number's text a plain integer (`-?[0-9]+`)? Ints always are; a NUMREF when it has no `.` or exponent. */
function isIntText(v: usize): bool {
  if (tag(v) == T_INT) return true;
  const p = vptr(v);
  const n = vlen(v);
  let i: u32 = n > 0 && load<u8>(p) == 45 ? 1 : 0;
  if (i == n) return false;
  for (; i < n; i++) {
    const c = load<u8>(p + i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/**
 * source[key] for arrays (integer index), objects (key) and sets (membership); 0 if absent.
 * An array index must be written as an integer: OPA's Array.Get takes Number.Int(), which
 * parses the number's text with strconv.ParseInt, so `arr[1.0]` is undefined (ast/term.go).
 */
export function dot(src: usize, key: usize): usize {
  if (src == 0 || key == 0) return 0;
  const t = tag(src);
  if (t == T_OBJECT) return objGet(src, key);
  if (t == T_ARRAY) {
    if (!isNum(key) || !isIntText(key)) return 0;
    const i = toI64(key);
    if (!numOk || i < 0 || i >= <i64>vlen(src)) return 0;
    return arrGet(src, <u32>i);
  }
  if (t == T_SET) {
    const i = setFind(src, key);
    return i < 0 ? 0 : arrGet(src, <u32>i);
  }
  return 0;
}

/** Key of the i-th element when scanning a collection (index for arrays). */
export function iterKey(src: usize, i: u32): usize {
  const t = tag(src);
  if (t == T_ARRAY) return mkInt(<i64>i);
  if (t == T_OBJECT) return objKey(src, i);
  return arrGet(src, i);
}

export function iterVal(src: usize, i: u32): usize {
  const t = tag(src);
  if (t == T_OBJECT) return objVal(src, i);
  return arrGet(src, i);
}

/** How many iterations a ScanStmt makes over src (0 for scalars). */
export function iterLen(src: usize): u32 {
  if (src == 0) return 0;
  const t = tag(src);
  return t == T_ARRAY || t == T_OBJECT || t == T_SET ? vlen(src) : 0;
}

export function shallowCopyObj(o: usize): usize {
  const n = vlen(o);
  const c = mkColl(T_OBJECT, n);
  moveWords(elems(c), elems(o), <usize>n << 3);
  store<u32>(c, n, 4);
  return c;
}

// --- integer text --------------------------------------------------------------------------

/** Writes the decimal digits of n at p; returns the length. */
export function writeI64(p: usize, n: i64): u32 {
  if (n == 0) {
    store<u8>(p, 48);
    return 1;
  }
  let len: u32 = 0;
  let u: u64;
  if (n < 0) {
    store<u8>(p, 45);
    len = 1;
    u = <u64>(-(n + 1)) + 1;
  } else u = <u64>n;
  let digits: u32 = 0;
  let t = u;
  while (t > 0) {
    digits++;
    t /= 10;
  }
  let i = len + digits;
  while (u > 0) {
    i--;
    store<u8>(p + i, <u8>(48 + <u32>(u % 10)));
    u /= 10;
  }
  return len + digits;
}
