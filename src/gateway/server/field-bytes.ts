/**
 * Response field names and status lines as bytes for uWS, made once and reused.
 *
 * uWS.js takes a JS string argument through `v8::String::Utf8Value`: per call it measures the
 * string's UTF-8 length, allocates a C++ array, encodes into it and frees it again (~0.4 k
 * instructions per string under callgrind, issue #20), and a relayed response passes its status
 * line and every field name that way. A Buffer (an ArrayBufferView) is read in place. Field
 * names repeat from response to response (the upstream's own, `x-request-id`, the rate limiter's),
 * so each one's bytes are kept in a bounded map; the status line is kept while it repeats.
 *
 * Only plain ASCII is kept as bytes: for it `Buffer.from(s, 'latin1')` is exactly the UTF-8
 * Utf8Value would write. Anything else (never a valid field name; a status text could be) goes
 * to uWS as the string it was.
 *
 * @example
 * res.writeStatus(statusBytes('200 OK'));
 * res.writeHeader(nameBytes('content-type'), 'text/plain');
 */

/** Names are tokens from a bounded set in practice; a client-controlled flood stops here. */
const MAX_NAMES = 256;
const PLAIN = /^[\x20-\x7e]*$/;

const names = new Map<string, Buffer | string>();

/** `name`'s bytes (ASCII), or `name` itself when it is not plain ASCII or the map is full. */
export function nameBytes(name: string): Buffer | string {
  const b = names.get(name);
  if (b !== undefined) return b;
  if (names.size >= MAX_NAMES) return name;
  const v = PLAIN.test(name) ? Buffer.from(name, 'latin1') : name;
  names.set(name, v);
  return v;
}

let lastLine = '';
let lastLineBytes: Buffer | string = '';

/** The bytes of a status line (`200 OK`), kept while the same line repeats. */
export function statusBytes(line: string): Buffer | string {
  if (line === lastLine) return lastLineBytes;
  lastLine = line;
  lastLineBytes = PLAIN.test(line) ? Buffer.from(line, 'latin1') : line;
  return lastLineBytes;
}
