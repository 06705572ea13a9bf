/**
 * Go encoding/json output for Rego values (OPA's json.marshal goes through ast.JSON and
 * json.Marshal): sorted keys, sets as arrays, HTML-safe escaping of <, > and &, U+2028/U+2029
 * escaped, and MarshalIndent's layout.
 */
import { RNumber, RSet, compareStrings, formatNumber, objectEntries, stringifyJson, type Value } from '../../value/index.js';

const HEX = '0123456789abcdef';

// Anything json.Marshal escapes (or must repair: lone surrogates).
// eslint-disable-next-line no-control-regex
const NEEDS_ESCAPE = /[\u0000-\u001f"\\<>&\u2028\u2029\ud800-\udfff]/;

/** json.Marshal of a Go string. */
export function quoteJsonGo(s: string): string {
  if (!NEEDS_ESCAPE.test(s)) return '"' + s + '"';
  let out = '"';
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let esc: string | undefined;
    if (c < 0x20 || c === 0x22 || c === 0x5c || c === 0x3c || c === 0x3e || c === 0x26 || c === 0x2028 || c === 0x2029) {
      switch (c) {
        case 0x22:
          esc = '\\"';
          break;
        case 0x5c:
          esc = '\\\\';
          break;
        case 0x0a:
          esc = '\\n';
          break;
        case 0x0d:
          esc = '\\r';
          break;
        case 0x09:
          esc = '\\t';
          break;
        case 0x08:
          esc = '\\b';
          break;
        case 0x0c:
          esc = '\\f';
          break;
        default:
          esc = '\\u' + (c > 0xff ? c.toString(16) : '00' + HEX[c >> 4] + HEX[c & 15]);
      }
    } else if (c >= 0xd800 && c <= 0xdfff) {
      // A lone surrogate is a raw byte (value/go-bytes.ts): encodeState.string writes each byte
      // that is not UTF-8 as the six characters `\ufffd`.
      const pair = c <= 0xdbff && i + 1 < s.length && s.charCodeAt(i + 1) >= 0xdc00 && s.charCodeAt(i + 1) <= 0xdfff;
      if (pair) {
        i++;
        continue;
      }
      esc = '\\ufffd';
    }
    if (esc !== undefined) {
      out += s.slice(start, i) + esc;
      start = i + 1;
    }
  }
  return out + s.slice(start) + '"';
}

function keyText(k: Value): string {
  return typeof k === 'string' ? k : stringifyJson(k);
}

/**
 * Marshals like Go; `indent`/`prefix` as json.MarshalIndent (without the leading prefix, which
 * MarshalIndent does not write either).
 */
export function marshalGo(v: Value, indent?: { prefix: string; indent: string }): string {
  const walk = (x: Value, depth: number): string => {
    if (x === null) return 'null';
    if (x instanceof RNumber) return x.text; // json.Number: its text, as written
    switch (typeof x) {
      case 'string':
        return quoteJsonGo(x);
      case 'number':
        return formatNumber(x);
      case 'bigint':
        return x.toString();
      case 'boolean':
        return x ? 'true' : 'false';
    }
    const nl = indent ? '\n' + indent.prefix + indent.indent.repeat(depth + 1) : '';
    const end = indent ? '\n' + indent.prefix + indent.indent.repeat(depth) : '';
    if (Array.isArray(x) || x instanceof RSet) {
      const xs = Array.isArray(x) ? x : x.values();
      if (xs.length === 0) return '[]';
      return '[' + xs.map((e) => nl + walk(e, depth + 1)).join(',') + end + ']';
    }
    const entries = objectEntries(x).map(([k, e]) => [keyText(k), e] as const);
    entries.sort((a, b) => compareStrings(a[0], b[0]));
    if (entries.length === 0) return '{}';
    const sep = indent ? ': ' : ':';
    return '{' + entries.map(([k, e]) => nl + quoteJsonGo(k) + sep + walk(e, depth + 1)).join(',') + end + '}';
  };
  return walk(v, 0);
}
