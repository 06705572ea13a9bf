// JSON ⇄ value conversion inside the module (AssemblyScript; see value.as for the layout).
//
// "Host mode" is on while the module is inside an opa_builtinN call: the SDK then dumps the
// arguments with opa_json_dump and parses the result with opa_json_parse, and plain JSON would
// lose sets, non-string keys and big integers. In host mode both directions use a tagged
// encoding that regate's host bridge (host-values.ts) understands:
//   set            → {"\u0001S": [elements…]}
//   special object → {"\u0001O": [[key, value]…]}   (non-string keys, or a lone \u0001 key)
//   big number     → {"\u0001N": "digits"}
// A module built by a real `opa build` never sets host mode, so the bridge also accepts plain JSON.
//
// Strings hold bytes, as Go's do (hex.decode("ff") is the one byte 0xff). On the JS side a byte
// that is not UTF-8 is the lone surrogate U+DC00+b (value/go-bytes.ts), which JSON.stringify
// writes as `\udcXX`: the writer below writes such a byte that way, and in host mode the
// parser reads `\udc80`–`\udcff` back as the byte. Outside host mode (input, data) a lone
// surrogate escape is U+FFFD, as Go's encoding/json reads it.

import {
  T_NULL, T_BOOL, T_INT, T_NUMREF, T_STRING, T_ARRAY, T_OBJECT, T_SET,
  V_NULL, V_TRUE, V_FALSE, alloc, tag, vlen, vptr, intVal, mkInt, mkStr, mkNumRef, mkColl,
  arrPush, arrGet, objKey, objVal, normalize, writeI64, setAdd, objInsert, copyBytes, moveWords,
  utf8SeqLen,
} from "./value";

export var hostMode: bool = false;

export function setHostMode(b: bool): void {
  hostMode = b;
}

// ---------------------------------------------------------------------------------------------
// Parser

var src: usize = 0;
var pos: usize = 0;
var end: usize = 0;
var failed: bool = false;

@inline function peek(): u32 {
  return pos < end ? <u32>load<u8>(pos) : 0;
}

// The scanning loops work on a local copy of `pos`: V8 keeps wasm locals in registers but
// reads and writes a mutable global through memory on every access.
@inline function ws(): void {
  // Machine-written JSON (JSON.stringify) has no whitespace: one check, no loop.
  if (pos < end && load<u8>(pos) > 32) return;
  wsLoop();
}

function wsLoop(): void {
  let p = pos;
  const e = end;
  while (p < e) {
    const c = load<u8>(p);
    if (c == 32 || c == 9 || c == 10 || c == 13) p++;
    else break;
  }
  pos = p;
}

const ONES: u64 = 0x0101010101010101;
const HIGHS: u64 = 0x8080808080808080;

/** Non-zero when one of the eight bytes of w is a quote or a backslash (SWAR zero-byte test). */
@inline function quoteOrBackslash(w: u64): u64 {
  const q = w ^ 0x2222222222222222;
  const b = w ^ 0x5c5c5c5c5c5c5c5c;
  return (((q - ONES) & ~q) | ((b - ONES) & ~b)) & HIGHS;
}

function lit(s: string): bool {
  const n = <usize>s.length;
  if (pos + n > end) return false;
  for (let i: usize = 0; i < n; i++) if (load<u8>(pos + i) != <u8>s.charCodeAt(<i32>i)) return false;
  pos += n;
  return true;
}

function hex4(p: usize): i32 {
  let r: i32 = 0;
  for (let i: usize = 0; i < 4; i++) {
    const c = <i32>load<u8>(p + i);
    let d: i32;
    if (c >= 48 && c <= 57) d = c - 48;
    else if (c >= 97 && c <= 102) d = c - 87;
    else if (c >= 65 && c <= 70) d = c - 55;
    else return -1;
    r = (r << 4) | d;
  }
  return r;
}

function putUtf8(out: usize, n: usize, cp: u32): usize {
  if (cp < 0x80) {
    store<u8>(out + n, <u8>cp);
    return n + 1;
  }
  if (cp < 0x800) {
    store<u8>(out + n, <u8>(0xc0 | (cp >> 6)));
    store<u8>(out + n + 1, <u8>(0x80 | (cp & 63)));
    return n + 2;
  }
  if (cp < 0x10000) {
    store<u8>(out + n, <u8>(0xe0 | (cp >> 12)));
    store<u8>(out + n + 1, <u8>(0x80 | ((cp >> 6) & 63)));
    store<u8>(out + n + 2, <u8>(0x80 | (cp & 63)));
    return n + 3;
  }
  store<u8>(out + n, <u8>(0xf0 | (cp >> 18)));
  store<u8>(out + n + 1, <u8>(0x80 | ((cp >> 12) & 63)));
  store<u8>(out + n + 2, <u8>(0x80 | ((cp >> 6) & 63)));
  store<u8>(out + n + 3, <u8>(0x80 | (cp & 63)));
  return n + 4;
}

function parseString(): usize {
  const start = pos + 1; // past the opening quote
  const lim = end;
  let p = start;
  let escaped = false;
  while (p < lim) {
    // Skip eight plain bytes at a time (most strings have no escapes at all).
    while (p + 8 <= lim && quoteOrBackslash(load<u64>(p)) == 0) p += 8;
    const c = load<u8>(p);
    if (c == 34) break;
    if (c == 92) {
      escaped = true;
      p += 2;
    } else p++;
  }
  if (p >= lim) {
    pos = p;
    failed = true;
    return 0;
  }
  const stop = p;
  pos = p + 1; // past the closing quote
  if (!escaped) return mkStr(start, <u32>(stop - start));
  // Decoding never makes the text longer.
  const out = alloc(stop - start);
  let n: usize = 0;
  p = start;
  while (p < stop) {
    const c = load<u8>(p);
    if (c != 92) {
      store<u8>(out + n, c);
      n++;
      p++;
      continue;
    }
    const e = load<u8>(p + 1);
    p += 2;
    if (e == 110) store<u8>(out + n++, 10);
    else if (e == 116) store<u8>(out + n++, 9);
    else if (e == 114) store<u8>(out + n++, 13);
    else if (e == 98) store<u8>(out + n++, 8);
    else if (e == 102) store<u8>(out + n++, 12);
    else if (e == 117) {
      if (p + 4 > stop) {
        failed = true;
        return 0;
      }
      let cp = hex4(p);
      if (cp < 0) {
        failed = true;
        return 0;
      }
      p += 4;
      // Surrogate pair → one code point; a lone surrogate becomes U+FFFD as Go does.
      if (cp >= 0xd800 && cp < 0xdc00) {
        let lo: i32 = -1;
        if (p + 6 <= stop && load<u8>(p) == 92 && load<u8>(p + 1) == 117) lo = hex4(p + 2);
        if (lo >= 0xdc00 && lo < 0xe000) {
          cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
          p += 6;
        } else cp = 0xfffd;
      } else if (cp >= 0xdc80 && cp < 0xdd00 && hostMode) {
        store<u8>(out + n++, <u8>(cp - 0xdc00));
        continue;
      } else if (cp >= 0xdc00 && cp < 0xe000) cp = 0xfffd;
      n = putUtf8(out, n, <u32>cp);
    } else store<u8>(out + n++, e); // \" \\ \/
  }
  return mkStr(out, <u32>n);
}

function parseNumber(): usize {
  const start = pos;
  let integral = true;
  if (peek() == 45) pos++;
  while (pos < end) {
    const c = load<u8>(pos);
    if (c >= 48 && c <= 57) pos++;
    else if (c == 46 || c == 101 || c == 69 || c == 43 || c == 45) {
      integral = false;
      pos++;
    } else break;
  }
  const n = pos - start;
  if (n == 0 || (n == 1 && load<u8>(start) == 45)) {
    failed = true;
    return 0;
  }
  const neg = load<u8>(start) == 45;
  const digits = neg ? n - 1 : n;
  if (integral && digits <= 18) {
    let r: i64 = 0;
    for (let p = neg ? start + 1 : start; p < pos; p++) r = r * 10 + <i64>(load<u8>(p) - 48);
    // `-0` (OPA's text of a negative zero quotient or product) is no INT: it keeps its sign as text.
    if (!(neg && r == 0)) return mkInt(neg ? -r : r);
  }
  return mkNumRef(start, <u32>n);
}

function parseValue(depth: i32): usize {
  if (depth > 1000) {
    failed = true;
    return 0;
  }
  ws();
  const c = peek();
  if (c == 123) {
    pos++;
    const o = mkColl(T_OBJECT, 8);
    ws();
    if (peek() == 125) {
      pos++;
      return o;
    }
    while (!failed) {
      ws();
      if (peek() != 34) {
        failed = true;
        return 0;
      }
      const k = parseString();
      ws();
      if (peek() != 58) {
        failed = true;
        return 0;
      }
      pos++;
      const v = parseValue(depth + 1);
      if (failed) return 0;
      // Bulk load unsorted; normalize() sorts once at the end.
      const o2 = o;
      const n = vlen(o2);
      if (n >= load<u32>(o2, 8)) {
        const nb = alloc(<usize>n * 16);
        moveWords(nb, <usize>load<u32>(o2, 12), <usize>n << 3);
        store<u32>(o2, n * 2, 8);
        store<u32>(o2, <u32>nb, 12);
      }
      store<u32>(<usize>load<u32>(o2, 12) + (<usize>n << 3), <u32>k);
      store<u32>(<usize>load<u32>(o2, 12) + (<usize>n << 3), <u32>v, 4);
      store<u32>(o2, n + 1, 4);
      ws();
      const d = peek();
      pos++;
      if (d == 125) break;
      if (d != 44) {
        failed = true;
        return 0;
      }
    }
    if (failed) return 0;
    const r = normalize(o);
    return hostMode ? untag(r) : r;
  }
  if (c == 91) {
    pos++;
    const a = mkColl(T_ARRAY, 4);
    ws();
    if (peek() == 93) {
      pos++;
      return a;
    }
    while (!failed) {
      const v = parseValue(depth + 1);
      if (failed) return 0;
      arrPush(a, v);
      ws();
      const d = peek();
      pos++;
      if (d == 93) break;
      if (d != 44) {
        failed = true;
        return 0;
      }
    }
    return failed ? 0 : a;
  }
  if (c == 34) return parseString();
  if (c == 116) return lit("true") ? V_TRUE : fail();
  if (c == 102) return lit("false") ? V_FALSE : fail();
  if (c == 110) return lit("null") ? V_NULL : fail();
  return parseNumber();
}

function fail(): usize {
  failed = true;
  return 0;
}

/** Decodes the host-mode tags (see the header comment). */
function untag(o: usize): usize {
  if (vlen(o) != 1) return o;
  const k = objKey(o, 0);
  if (tag(k) != T_STRING || vlen(k) != 2 || load<u8>(vptr(k)) != 1) return o;
  const which = load<u8>(vptr(k) + 1);
  const v = objVal(o, 0);
  if (which == 83 && tag(v) == T_ARRAY) {
    const s = mkColl(T_SET, vlen(v));
    for (let i: u32 = 0; i < vlen(v); i++) setAdd(s, arrGet(v, i));
    return s;
  }
  if (which == 79 && tag(v) == T_ARRAY) {
    const r = mkColl(T_OBJECT, vlen(v));
    for (let i: u32 = 0; i < vlen(v); i++) {
      const pair = arrGet(v, i);
      if (tag(pair) == T_ARRAY && vlen(pair) == 2) objInsert(r, arrGet(pair, 0), arrGet(pair, 1));
    }
    return r;
  }
  if (which == 78 && tag(v) == T_STRING) return mkNumRef(vptr(v), vlen(v));
  return o;
}

/** Parses len bytes of JSON at p; 0 on malformed text. */
export function parseJson(p: usize, len: usize): usize {
  src = p;
  pos = p;
  end = p + len;
  failed = false;
  const v = parseValue(0);
  ws();
  if (failed || pos != end) return 0;
  return v;
}

// ---------------------------------------------------------------------------------------------
// Writer

var out: usize = 0;
var olen: usize = 0;
var ocap: usize = 0;

function reserve(n: usize): void {
  if (olen + n <= ocap) return;
  let nc = ocap * 2;
  if (nc < olen + n) nc = olen + n + 64;
  const nb = alloc(nc);
  copyBytes(nb, out, olen);
  out = nb;
  ocap = nc;
}

@inline function putc(c: u32): void {
  reserve(1);
  store<u8>(out + olen, <u8>c);
  olen++;
}

function puts(s: string): void {
  const n = s.length;
  reserve(<usize>n);
  for (let i = 0; i < n; i++) store<u8>(out + olen + <usize>i, <u8>s.charCodeAt(i));
  olen += <usize>n;
}

function putBytes(p: usize, n: usize): void {
  reserve(n);
  copyBytes(out + olen, p, n);
  olen += n;
}

function hexDigit(d: u32): u32 {
  return d < 10 ? 48 + d : 87 + d;
}

function putQuoted(p: usize, n: u32): void {
  // Fast path: room for the string and its quotes up front, then plain bytes are stored
  // through a local cursor without a bounds check each; only an escape goes through
  // puts/reserve (which may move the buffer) and re-reserves for the rest.
  reserve(<usize>n + 2);
  let q = out + olen;
  store<u8>(q++, 34);
  let i: u32 = 0;
  while (i < n) {
    // Eight ASCII bytes at a time while none needs escaping (the usual case); a byte >= 0x80
    // goes below, where a UTF-8 sequence is checked and copied whole.
    if (i + 8 <= n) {
      const w = load<u64>(p + i);
      if ((needsEscape(w) | (w & HIGHS)) == 0) {
        store<u64>(q, w);
        q += 8;
        i += 8;
        continue;
      }
    }
    const c = <u32>load<u8>(p + i);
    if (c >= 0x80) {
      // UTF-8 is copied as it is; a byte that is not is written `\udcXX` (see the top).
      const l = utf8SeqLen(p + i, <usize>(n - i));
      if (l > 0) {
        copyBytes(q, p + i, <usize>l);
        q += l;
        i += l;
        continue;
      }
      i++;
      olen = q - out;
      puts("\\udc");
      putc(hexDigit(c >> 4));
      putc(hexDigit(c & 15));
      reserve(<usize>(n - i) + 2);
      q = out + olen;
      continue;
    }
    i++;
    if (c >= 0x20 && c != 34 && c != 92 && c != 0x7f) {
      store<u8>(q++, <u8>c);
      continue;
    }
    olen = q - out;
    putEscaped(c);
    reserve(<usize>(n - i) + 2);
    q = out + olen;
  }
  store<u8>(q++, 34);
  olen = q - out;
}

/**
 * Non-zero when one of the eight bytes of w is written escaped: a control character (< 0x20),
 * a quote, a backslash or DEL. Bytes >= 0x80 (UTF-8 sequences) never match.
 */
@inline function needsEscape(w: u64): u64 {
  const q = w ^ 0x2222222222222222;
  const b = w ^ 0x5c5c5c5c5c5c5c5c;
  const d = w ^ 0x7f7f7f7f7f7f7f7f;
  const ctl = (w - 0x2020202020202020) & ~w;
  return (ctl | ((q - ONES) & ~q) | ((b - ONES) & ~b) | ((d - ONES) & ~d)) & HIGHS;
}

function putEscaped(c: u32): void {
  if (c == 34) puts('\\"');
  else if (c == 92) puts("\\\\");
  else if (c == 10) puts("\\n");
  else if (c == 9) puts("\\t");
  else if (c == 13) puts("\\r");
  else {
    puts("\\u00");
    putc(hexDigit(c >> 4));
    putc(hexDigit(c & 15));
  }
}

function putInt(n: i64): void {
  reserve(24);
  olen += <usize>writeI64(out + olen, n);
}

/** 2^53: integers beyond it lose digits in JSON.parse on the host side. */
const SAFE: i64 = 9007199254740991;

function writeJson(v: usize): void {
  switch (tag(v)) {
    case T_NULL:
      puts("null");
      return;
    case T_BOOL:
      puts(vlen(v) ? "true" : "false");
      return;
    case T_INT: {
      const n = intVal(v);
      if (hostMode && (n > SAFE || n < -SAFE)) {
        puts('{"\\u0001N":"');
        putInt(n);
        puts('"}');
      } else putInt(n);
      return;
    }
    case T_NUMREF:
      // Every NUMREF is tagged for the host: plain JSON would round big integers and lose the
      // form OPA keeps (`1.0`, `1e3`) or overflow (`2e308` parses as Infinity in JS).
      if (hostMode) {
        puts('{"\\u0001N":"');
        putBytes(vptr(v), vlen(v));
        puts('"}');
      } else putBytes(vptr(v), vlen(v));
      return;
    case T_STRING:
      putQuoted(vptr(v), vlen(v));
      return;
    case T_ARRAY:
    case T_SET: {
      const isSet = tag(v) == T_SET;
      if (isSet && hostMode) puts('{"\\u0001S":');
      putc(91);
      for (let i: u32 = 0; i < vlen(v); i++) {
        if (i > 0) putc(44);
        writeJson(arrGet(v, i));
      }
      putc(93);
      if (isSet && hostMode) putc(125);
      return;
    }
    case T_OBJECT: {
      const n = vlen(v);
      let special = false;
      for (let i: u32 = 0; i < n; i++) if (tag(objKey(v, i)) != T_STRING) special = true;
      if (n == 1) {
        const k = objKey(v, 0);
        if (tag(k) == T_STRING && vlen(k) > 0 && load<u8>(vptr(k)) == 1) special = true;
      }
      if (hostMode && special) {
        puts('{"\\u0001O":[');
        for (let i: u32 = 0; i < n; i++) {
          if (i > 0) putc(44);
          putc(91);
          writeJson(objKey(v, i));
          putc(44);
          writeJson(objVal(v, i));
          putc(93);
        }
        puts("]}");
        return;
      }
      putc(123);
      for (let i: u32 = 0; i < n; i++) {
        if (i > 0) putc(44);
        const k = objKey(v, i);
        if (tag(k) == T_STRING) putQuoted(vptr(k), vlen(k));
        else {
          // OPA renders a non-string key as the JSON text of the key.
          const text = dumpJson(k);
          let m: u32 = 0;
          while (load<u8>(text + m) != 0) m++;
          putQuoted(text, m);
        }
        putc(58);
        writeJson(objVal(v, i));
      }
      putc(125);
      return;
    }
  }
  puts("null");
}

function writeRego(v: usize): void {
  const t = tag(v);
  if (t == T_SET) {
    if (vlen(v) == 0) {
      puts("set()");
      return;
    }
    putc(123);
    for (let i: u32 = 0; i < vlen(v); i++) {
      if (i > 0) puts(", ");
      writeRego(arrGet(v, i));
    }
    putc(125);
    return;
  }
  if (t == T_ARRAY) {
    putc(91);
    for (let i: u32 = 0; i < vlen(v); i++) {
      if (i > 0) puts(", ");
      writeRego(arrGet(v, i));
    }
    putc(93);
    return;
  }
  if (t == T_OBJECT) {
    putc(123);
    for (let i: u32 = 0; i < vlen(v); i++) {
      if (i > 0) puts(", ");
      writeRego(objKey(v, i));
      puts(": ");
      writeRego(objVal(v, i));
    }
    putc(125);
    return;
  }
  const saved = hostMode;
  hostMode = false;
  writeJson(v);
  hostMode = saved;
}

function finish(): usize {
  putc(0);
  return out;
}

/** JSON text of v, NUL-terminated (sets as arrays, non-string keys as their JSON text). */
export function dumpJson(v: usize): usize {
  // Save the writer: dumping a non-string key recurses into a fresh writer.
  const so = out;
  const sl = olen;
  const sc = ocap;
  out = alloc(512);
  olen = 0;
  ocap = 512;
  writeJson(v);
  const r = finish();
  out = so;
  olen = sl;
  ocap = sc;
  return r;
}

/** Rego term text of v (sets as `{…}` / `set()`), NUL-terminated. */
export function dumpRego(v: usize): usize {
  out = alloc(64);
  olen = 0;
  ocap = 64;
  writeRego(v);
  return finish();
}
