/**
 * The last check before a request head is written upstream: it must give the answer the full
 * grammar gives (shared/http-syntax.ts) whatever was checked before — the memo of strings that
 * passed must never let a bad string through, at any position, after any list.
 */
import t from 'tap';
import { checkedHeadHasLength, checkRequestHead, HEAD_INVALID, HEAD_VALID, HEAD_VALID_ASCII, requestHeadText } from '../../../src/gateway/proxy/request-head-check.js';
import { isFieldName, isOwnFieldValue, isToken } from '../../../src/gateway/shared/http-syntax.js';

/** What the check must answer, from the grammar alone (no memo). */
function expected(method: string, target: string, h: readonly string[]): number {
  if (!isToken(method) || !/^[\x21-\x7e]+$/.test(target)) return HEAD_INVALID;
  let ascii = true;
  for (let i = 0; i + 1 < h.length; i += 2) {
    if (!isFieldName(h[i] as string) || !isOwnFieldValue(h[i + 1] as string)) return HEAD_INVALID;
    if (!/^[\t\x20-\x7e]*$/.test(h[i + 1] as string)) ascii = false;
  }
  return ascii ? HEAD_VALID_ASCII : HEAD_VALID;
}

t.test('plain heads, non-ASCII values and refusals', async (t) => {
  const base = ['host', 'up.example', 'x-forwarded-for', '203.0.113.9', 'x-request-id', 'abc'];
  t.equal(checkRequestHead('GET', '/x?a=1', base), HEAD_VALID_ASCII);
  t.equal(checkRequestHead('GET', '/x?a=1', base), HEAD_VALID_ASCII, 'the same list again');
  t.equal(checkRequestHead('GET', '/x', ['host', 'up.example', 'x-name', 'Čapek']), HEAD_VALID, 'non-ASCII: UTF-8');
  t.equal(checkRequestHead('GET', '/x', ['host', 'up.example', 'x-name', 'a\uFFFDb']), HEAD_VALID, 'U+FFFD is fine in own values');
  t.equal(checkRequestHead('GET', '/x', ['host', 'up.example', 'x-name', 'a\r\nb']), HEAD_INVALID, 'CRLF in a value');
  t.equal(checkRequestHead('GET', '/x', ['host', 'up.example', 'x-name', 'a\u010d\u010ab']), HEAD_VALID, 'U+010D U+010A go out as UTF-8, never as their low bytes');
  t.equal(checkRequestHead('GET', '/x', ['host', 'up.example', 'x-name', 'a\ud800b']), HEAD_INVALID, 'lone surrogate');
  t.equal(checkRequestHead('GET', '/x', ['host', 'up.example', 'bad name', 'v']), HEAD_INVALID, 'name with a space');
  t.equal(checkRequestHead('GET', '/x', ['host', 'up.example', '', 'v']), HEAD_INVALID, 'empty name');
  t.equal(checkRequestHead('GET', '/x', ['host', 'up.example', 'x-empty', '']), HEAD_VALID_ASCII, 'empty value');
  t.equal(checkRequestHead('GE T', '/x', base), HEAD_INVALID, 'method');
  t.equal(checkRequestHead('GET', '/x y', base), HEAD_INVALID, 'target with a space');
  t.equal(checkRequestHead('GET', '', base), HEAD_INVALID, 'empty target');
  t.equal(checkRequestHead('GET', '/x', base), HEAD_VALID_ASCII, 'and a good head after the refusals');
});

t.test('a string remembered at one position is checked again at another', async (t) => {
  // a value that is valid at an odd index ('a b') must not pass as a name at an even one
  t.equal(checkRequestHead('GET', '/x', ['x-a', 'a b', 'x-b', 'v']), HEAD_VALID_ASCII);
  t.equal(checkRequestHead('GET', '/x', ['a b', 'a b']), HEAD_INVALID);
  t.equal(checkRequestHead('GET', '/x', ['x-a', 'x-a', 'a b', 'v']), HEAD_INVALID);
});

t.test('random lists against the grammar, each after the one before (the memo in play)', async (t) => {
  // a small alphabet with the dangerous characters in it, so that lists repeat and differ by one
  const pieces = ['a', 'x-a', 'host', 'v', ' ', '\t', '\r', '\n', '\x00', '\x7f', 'é', '\u010a', '\ud83d\ude00', '\ud800', '\ufffd', ':', '/'];
  let seed = 7;
  const rnd = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  const str = () => {
    let s = '';
    for (let k = rnd(4); k >= 0; k--) s += pieces[rnd(pieces.length)];
    return s;
  };
  let prev: string[] = ['host', 'up.example'];
  let bad = 0;
  for (let round = 0; round < 20_000; round++) {
    // mostly the last list with one element changed: what the memo sees in a gateway
    const h = rnd(4) === 0 ? Array.from({ length: 2 * (1 + rnd(5)) }, str) : prev.slice();
    if (h.length > 0) h[rnd(h.length)] = str();
    const method = rnd(50) === 0 ? 'G T' : 'GET';
    const target = rnd(50) === 0 ? '/\u00e9' : '/p';
    const got = checkRequestHead(method, target, h);
    if (got !== expected(method, target, h)) bad++;
    prev = h;
  }
  t.equal(bad, 0, 'the memo never changes an answer');
});

t.test('lists longer than the memo are still checked past it', async (t) => {
  const h: string[] = [];
  for (let i = 0; i < 50; i++) h.push(`x-${i}`, 'v');
  t.equal(checkRequestHead('GET', '/x', h), HEAD_VALID_ASCII);
  h[99] = 'v\nw';
  t.equal(checkRequestHead('GET', '/x', h), HEAD_INVALID, 'a bad value at position 99');
  h[99] = 'v';
  h[98] = 'x y';
  t.equal(checkRequestHead('GET', '/x', h), HEAD_INVALID, 'a bad name at position 98');
});

/** The head's text from scratch: what `requestHeadText` must spell, whatever block it reuses. */
function expectedText(method: string, target: string, h: readonly string[]): string {
  let s = `${method} ${target} HTTP/1.1\r\n`;
  for (let i = 0; i + 1 < h.length; i += 2) s += `${h[i] as string}: ${h[i + 1] as string}\r\n`;
  return s;
}

t.test('the head text reuses the shared leading fields and spells every head exactly', async (t) => {
  const h = ['host', 'up.example', 'user-agent', 'ua/1', 'x-forwarded-for', '203.0.113.9', 'x-request-id', 'id-1'];
  t.equal(checkRequestHead('GET', '/p', h), HEAD_VALID_ASCII);
  t.equal(requestHeadText('GET', '/p', h), expectedText('GET', '/p', h));
  // a fresh id each time (the common case): only the last line changes
  for (let k = 2; k < 5; k++) {
    const next = [...h.slice(0, 6), 'x-request-id', `id-${k}`];
    t.equal(checkRequestHead('GET', '/p', next), HEAD_VALID_ASCII);
    t.equal(requestHeadText('GET', '/p', next), expectedText('GET', '/p', next), `id ${k}`);
  }
  const changedEarly = ['host', 'other.example', ...h.slice(2)];
  t.equal(checkRequestHead('GET', '/p', changedEarly), HEAD_VALID_ASCII);
  t.equal(requestHeadText('GET', '/p', changedEarly), expectedText('GET', '/p', changedEarly), 'a change in the first field');
  const shorter = h.slice(0, 2);
  t.equal(checkRequestHead('POST', '/q', shorter), HEAD_VALID_ASCII);
  t.equal(requestHeadText('POST', '/q', shorter), expectedText('POST', '/q', shorter), 'a shorter list, another method and target');
  t.notOk(checkedHeadHasLength());
  const withLength = [...shorter, 'content-length', '5'];
  t.equal(checkRequestHead('POST', '/q', withLength), HEAD_VALID_ASCII);
  t.ok(checkedHeadHasLength(), 'content-length seen');
  t.equal(checkRequestHead('POST', '/q', withLength), HEAD_VALID_ASCII);
  t.ok(checkedHeadHasLength(), 'content-length seen when it is in the reused block');
  t.equal(requestHeadText('POST', '/q', withLength), expectedText('POST', '/q', withLength));
  const nonAscii = [...shorter, 'x-name', 'Čapek', 'x-request-id', 'id-9'];
  t.equal(checkRequestHead('POST', '/q', nonAscii), HEAD_VALID);
  t.equal(checkRequestHead('POST', '/q', nonAscii), HEAD_VALID);
  t.equal(requestHeadText('POST', '/q', nonAscii), expectedText('POST', '/q', nonAscii), 'a non-ASCII value is never in the block');
});

t.test('random lists: the head text equals the text built from scratch, after any list', async (t) => {
  // mostly valid names and values (the text is only asked of valid heads), a few bad pieces
  const names = ['a', 'x-a', 'host', 'content-length', 'x-request-id', 'b c'];
  const values = ['v', '1', ' ', '\t', 'é', '\ufffd', ':', '/', '0', '\r'];
  let seed = 11;
  const rnd = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  const str = (pieces: readonly string[]) => {
    let s = '';
    for (let k = rnd(3); k >= 0; k--) s += pieces[rnd(pieces.length - 1) + (rnd(40) === 0 ? 1 : 0)];
    return s;
  };
  const at = (i: number) => str(i % 2 === 0 ? names : values);
  let prev: string[] = ['host', 'up.example'];
  let wrong = 0;
  let lengthWrong = 0;
  let checked = 0;
  for (let round = 0; round < 20_000; round++) {
    // mostly the last list with its tail or one element changed, sometimes longer or shorter
    let h: string[];
    const shape = rnd(8);
    if (shape === 0) h = Array.from({ length: 2 * (1 + rnd(6)) }, (_, i) => at(i));
    else if (shape === 1) h = prev.slice(0, Math.max(0, prev.length - 2));
    else if (shape === 2) h = [...prev, at(0), at(1)];
    else {
      h = prev.slice();
      if (h.length > 0) {
        const i = rnd(2) === 0 ? h.length - 1 : rnd(h.length);
        h[i] = at(i);
      }
    }
    const method = rnd(20) === 0 ? 'POST' : 'GET';
    const target = rnd(20) === 0 ? '/q' : '/p';
    const got = checkRequestHead(method, target, h);
    if (got !== expected(method, target, h)) wrong++;
    if (got !== HEAD_INVALID) {
      checked++;
      if (checkedHeadHasLength() !== h.some((x, i) => i % 2 === 0 && x === 'content-length')) lengthWrong++;
      if (requestHeadText(method, target, h) !== expectedText(method, target, h)) wrong++;
    }
    prev = h;
  }
  t.ok(checked > 10_000, `enough valid heads (${checked})`);
  t.equal(wrong, 0, 'every answer and every text as from scratch');
  t.equal(lengthWrong, 0, 'content-length found wherever it is');
});
