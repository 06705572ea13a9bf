/**
 * Rego term syntax for values — what `sprintf("%v")`, `print` and error messages show:
 * strings quoted, sets as `{1, 2}` (empty: `set()`), objects as `{"a": 1}`. Strings are quoted
 * as OPA's ast.String.String() does it, with Go's strconv.Quote (quoteGoString).
 */
import { formatNumber } from './number-text.js';
import { RNumber, RSet, objectEntries, type Value } from './types.js';

export function formatValue(v: Value): string {
  switch (typeof v) {
    case 'string':
      return quoteGoString(v);
    case 'number':
      return formatNumber(v);
    case 'bigint':
      return v.toString();
    case 'boolean':
      return v ? 'true' : 'false';
    default:
      if (v === null) return 'null';
      if (v instanceof RNumber) return v.text;
      if (Array.isArray(v)) return '[' + v.map(formatValue).join(', ') + ']';
      if (v instanceof RSet) return v.size === 0 ? 'set()' : '{' + v.values().map(formatValue).join(', ') + '}';
      return '{' + objectEntries(v).map(([k, x]) => formatValue(k) + ': ' + formatValue(x)).join(', ') + '}';
  }
}

const SHORT_ESCAPES: Record<string, string> = { '\x07': '\\a', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\v': '\\v', '"': '\\"', '\\': '\\\\' };

const PLAIN_ASCII = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/** Go's unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space. */
const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

/**
 * Go's strconv.Quote: printable characters as they are, `\n`-style escapes, `\x01` for other
 * ASCII controls, `\u2028` / `\U0001f9ff` for other non-printable code points.
 *
 * @example quoteGoString('a"b\u0001\u2028é') // "\"a\\\"b\\x01\\u2028é\""
 */
export function quoteGoString(s: string): string {
  // Fast path: printable ASCII without quotes or backslashes needs no escape.
  if (PLAIN_ASCII.test(s)) return `"${s}"`;
  let out = '"';
  for (const ch of s) {
    const short = SHORT_ESCAPES[ch];
    if (short !== undefined) {
      out += short;
      continue;
    }
    const c = ch.codePointAt(0) as number;
    // An escaped raw byte (go-bytes.ts): strconv.Quote writes a byte that is not UTF-8 as `\xff`.
    if (c >= 0xdc80 && c <= 0xdcff) out += '\\x' + (c - 0xdc00).toString(16);
    else if (PRINTABLE.test(ch)) out += ch;
    else if (c < 0x80) out += '\\x' + c.toString(16).padStart(2, '0');
    else if (c < 0x10000) out += '\\u' + c.toString(16).padStart(4, '0');
    else out += '\\U' + c.toString(16).padStart(8, '0');
  }
  return out + '"';
}
