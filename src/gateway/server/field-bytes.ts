/**
 * Response field names and status lines as bytes for uWS, made once and reused.
 *
 * uWS.js takes a JS string argument through `v8::String::Utf8Value`: per call it measures the
 * string's UTF-8 length, allocates a C++ array, encodes into it and frees it again, and a relayed
 * response passes its status line and every field name that way. An ArrayBuffer is read in place
 * (an ArrayBuffer rather than a Buffer: uWS then skips the view's buffer, offset and length
 * lookups). Field names repeat from response to response (the upstream's own, `x-request-id`, the
 * rate limiter's), so each one's bytes are kept: first by its position in the response, where the
 * same string object comes back (the upstream head's parse is reused, h1-parser.ts; literals are
 * one object), a pointer comparison; else in a bounded map. The status line is kept while it
 * repeats. Under callgrind (bench/instructions.ts, issue #20) the string path cost ~0.4 k
 * instructions per string.
 *
 * Only plain ASCII is kept as bytes: for it the latin1 bytes are exactly the UTF-8 Utf8Value
 * would write. Anything else (never a valid field name; a status text could be) goes to uWS as
 * the string it was.
 *
 * @example
 * res.writeStatus(statusBytes('200 OK'));
 * res.writeHeader(nameBytesAt(0, 'content-type'), 'text/plain');
 */

/** Names are tokens from a bounded set in practice; a flood of distinct names stops here. */
const MAX_NAMES = 256;
/** positions remembered (a response with more fields looks the rest up in the map) */
const SLOTS = 32;
const PLAIN = /^[\x20-\x7e]*$/;

const names = new Map<string, ArrayBuffer | string>();
const slotName: string[] = new Array<string>(SLOTS).fill('');
const slotBytes: (ArrayBuffer | string)[] = new Array<ArrayBuffer | string>(SLOTS).fill('');

function bytesOf(s: string): ArrayBuffer | string {
  if (!PLAIN.test(s)) return s;
  const ab = new ArrayBuffer(s.length);
  Buffer.from(ab).write(s, 0, 'latin1');
  return ab;
}

/** `name`'s bytes (ASCII), or `name` itself when it is not plain ASCII or the map is full. */
export function nameBytes(name: string): ArrayBuffer | string {
  const b = names.get(name);
  if (b !== undefined) return b;
  if (names.size >= MAX_NAMES) return name;
  const v = bytesOf(name);
  names.set(name, v);
  return v;
}

/** `nameBytes(name)` for the field at `pos` in a response head (0, 1, …): see the file comment. */
export function nameBytesAt(pos: number, name: string): ArrayBuffer | string {
  if (pos >= SLOTS) return nameBytes(name);
  if (slotName[pos] === name) return slotBytes[pos] as ArrayBuffer | string;
  const v = nameBytes(name);
  slotName[pos] = name;
  slotBytes[pos] = v;
  return v;
}

let lastLine = '';
let lastLineBytes: ArrayBuffer | string = '';

/** The bytes of a status line (`200 OK`), kept while the same line repeats. */
export function statusBytes(line: string): ArrayBuffer | string {
  if (line === lastLine) return lastLineBytes;
  lastLine = line;
  lastLineBytes = bytesOf(line);
  return lastLineBytes;
}
