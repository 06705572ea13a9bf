/**
 * The last check of a request head before its bytes leave for the upstream (h1-connection.ts):
 * the method is a token, the target visible ASCII, every name a field-name and every value a
 * field-value regate may send (shared/http-syntax.ts). Everything here was checked at the edge
 * or produced by regate, so a failure is a gateway bug, never the client's doing; the check
 * stays because a bug here would be request smuggling.
 *
 * It runs on every proxied request, over a list that is mostly the same as the last one: the
 * upstream's Host, the forwarding fields (the client's address and the Forwarded element are
 * the very strings of the last request while the client stays, server/remote-address.ts and
 * proxy/headers.ts), the client's own fields. So the strings that passed, and were plain ASCII,
 * are remembered by position, and a string identical to the one remembered there is not
 * scanned again; the rest are scanned by a character loop, with the regex only for values that
 * are not plain ASCII. One regex call per field was ~0.45 k instructions (bench/instructions.ts
 * `--functions`), more than the scan of a typical value.
 *
 * The answer also says whether the whole head is plain ASCII: then its latin1 and UTF-8 bytes
 * are the same, and the head can be written as latin1 (a copy, not an encoding pass).
 *
 * The same memo gives the head's text (`requestHeadText`): the field lines of the leading fields
 * that two heads in a row shared are kept as one flat string and reused while the heads keep
 * sharing them, so a head is that block plus the few lines that changed (x-request-id) instead
 * of `+` over every name and value, which V8 then flattened node by node (`StringAdd` and
 * `WriteToFlat`, ~4 k instructions per passthrough request; issue #20). The bytes are the same:
 * the block is the concatenation of the very strings at those positions.
 */
import { isFieldName, isOwnFieldValue, isToken } from '../shared/http-syntax.js';

/** `checkRequestHead`'s answers. */
export const HEAD_INVALID = 0;
/** valid, with a value that is not plain ASCII (write the head as UTF-8) */
export const HEAD_VALID = 1;
/** valid and plain ASCII throughout (latin1 and UTF-8 give the same bytes) */
export const HEAD_VALID_ASCII = 2;
export type HeadCheck = typeof HEAD_INVALID | typeof HEAD_VALID | typeof HEAD_VALID_ASCII;

/**
 * Strings that passed, by position in the list (names at even, values at odd indices): a slot
 * holds a name that is a valid field-name or a value that is visible ASCII, SP and HTAB only,
 * or null. Only the first MEMO_SLOTS positions are remembered; a slot is overwritten by the next
 * request's string there. It may hold a client's header value until then (it holds nothing the
 * request itself did not already hold in memory).
 */
const MEMO_SLOTS = 64;
const memo: (string | null)[] = new Array<string | null>(MEMO_SLOTS).fill(null);
let memoMethod = '';
let memoTarget = '';

/**
 * The field lines (`name: value\r\n`) of memo[0 … 2·blockPairs), as one flat string. Invariant:
 * any change of a memo slot below 2·blockPairs, or a list that differs from the memo there,
 * lowers blockPairs first, so the block always spells what the memo holds. It grows (is rebuilt)
 * only when a head shares more leading fields with the one before than the block covers, so a
 * field that changes on every request (x-request-id) never makes it churn.
 */
let blockPairs = 0;
let block = '';
/** `${memoMethod} ${memoTarget} HTTP/1.1\r\n` + block, flat; '' when either changed since */
let lineAndBlock = '';
/** what the last valid head's list holds: a content-length field (h1-connection.ts frames by it) */
let lastHasLength = false;

/** Visible ASCII, SP and HTAB: what nothing in isOwnFieldValue's search can be in. */
function isPlainAsciiValue(v: string): boolean {
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c > 0x7e || (c < 0x20 && c !== 0x09)) return false;
  }
  return true;
}

/** RFC 9112 §3.2 as the client writes it: visible ASCII, at least one character. */
function isTargetText(t: string): boolean {
  if (t.length === 0) return false;
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

/**
 * Checks the method, the target and the flat [name, value, …] list of a request head.
 * @example
 * const c = checkRequestHead('GET', '/x', ['host', 'up.example']); // HEAD_VALID_ASCII
 * if (c === HEAD_INVALID) throw …; socket.write(head, c === HEAD_VALID_ASCII ? 'latin1' : 'utf8');
 */
export function checkRequestHead(method: string, target: string, h: readonly string[]): HeadCheck {
  if (method !== memoMethod) {
    if (!isToken(method)) return HEAD_INVALID;
    memoMethod = method;
    lineAndBlock = '';
  }
  if (target !== memoTarget) {
    if (!isTargetText(target)) return HEAD_INVALID;
    memoTarget = target;
    lineAndBlock = '';
  }
  let ascii = true;
  // the first position whose string is not the memo's (MEMO_SLOTS when all are)
  let firstDiff = MEMO_SLOTS;
  let hasLength = false;
  for (let i = 0; i + 1 < h.length; i += 2) {
    const n = h[i] as string;
    const v = h[i + 1] as string;
    const slot = i < MEMO_SLOTS;
    if (!slot || memo[i] !== n) {
      if (slot) differsAt(i);
      if (firstDiff > i) firstDiff = i;
      if (!isFieldName(n)) return HEAD_INVALID;
      if (slot) memo[i] = n;
    }
    if (n === 'content-length') hasLength = true;
    if (!slot || memo[i + 1] !== v) {
      if (slot) differsAt(i + 1);
      if (firstDiff > i + 1) firstDiff = i + 1;
      if (isPlainAsciiValue(v)) {
        if (slot) memo[i + 1] = v;
      } else if (isOwnFieldValue(v)) ascii = false;
      else return HEAD_INVALID;
    }
  }
  lastHasLength = hasLength;
  // positions past the list were not compared: the block may only cover the list
  const pairs = Math.min(h.length, MEMO_SLOTS) >> 1;
  if (blockPairs > pairs) lowerBlock(pairs);
  // the fields this head shares with the one before, all memoized plain strings
  const shared = Math.min(firstDiff >> 1, pairs);
  if (shared > blockPairs) buildBlock(h, shared);
  return ascii ? HEAD_VALID_ASCII : HEAD_VALID;
}

/** memo[i] is about to change or differs from the list: the block may not cover position i. */
function differsAt(i: number): void {
  if (i < 2 * blockPairs) lowerBlock(i >> 1);
}

/** Drops the block; a valid head rebuilds it at the end of its check from what it shares (≥ `pairs`). */
function lowerBlock(pairs: number): void {
  if (pairs >= blockPairs) return;
  blockPairs = 0;
  block = '';
  lineAndBlock = '';
}

function buildBlock(h: readonly string[], pairs: number): void {
  let b = '';
  for (let i = 0; i < 2 * pairs; i += 2) b += `${h[i] as string}: ${h[i + 1] as string}\r\n`;
  block = flat(b);
  blockPairs = pairs;
  lineAndBlock = '';
}

/** A flat (sequential) copy of a plain-ASCII string: a rope reused per request would be walked each time. */
function flat(s: string): string {
  return Buffer.from(s, 'latin1').toString('latin1');
}

/**
 * The request line and the field lines (`name: value\r\n`, no final CRLF) of the head the last
 * `checkRequestHead` passed; call it right after that check, with the same arguments, and only
 * when it did not answer HEAD_INVALID.
 * @example
 * if (checkRequestHead(m, t, h) !== HEAD_INVALID) head = requestHeadText(m, t, h) + '\r\n';
 */
export function requestHeadText(method: string, target: string, h: readonly string[]): string {
  let text = lineAndBlock;
  if (text === '') text = lineAndBlock = flat(`${method} ${target} HTTP/1.1\r\n${block}`);
  for (let i = 2 * blockPairs; i + 1 < h.length; i += 2) text += `${h[i] as string}: ${h[i + 1] as string}\r\n`;
  return text;
}

/** Whether the list the last `checkRequestHead` passed has a content-length field. */
export function checkedHeadHasLength(): boolean {
  return lastHasLength;
}
