/**
 * Go's encoding/json.Marshal text for a Rego value, as OPA produces it when a builtin hands a
 * value to a Go library (JWT headers, AWS request bodies): sorted keys, sets as arrays, and
 * <, >, &, U+2028, U+2029 escaped as \u00XX (Go's HTML-safe default).
 *
 * @example
 *   goJsonMarshal({ b: '<', a: 1 }); // '{"a":1,"b":"\u003c"}'
 */
import { stringifyJson, type Value } from '../../../value/index.js';

export function goJsonMarshal(v: Value): string {
  // These characters can only occur inside JSON strings, so a global replace is safe.
  return stringifyJson(v).replace(/[<>&\u2028\u2029]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
}
