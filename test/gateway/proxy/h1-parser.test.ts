/**
 * The strict HTTP/1.1 response parser on its own: framing, strictness (each refusal has its
 * HPE_* code), and the same answer whatever the read boundaries are.
 */
import t from 'tap';
import { H1ParseError, H1ResponseParser, MAX_HEAD_BYTES, type H1Head } from '../../../src/gateway/proxy/h1-parser.js';

interface Parsed {
  heads: H1Head[];
  body: string;
  ended: number;
  error: string | null;
  rest: number;
}

/** Feeds `wire` in pieces of `step` bytes through one reused read buffer, as the socket does. */
function parse(wire: string, opts: { step?: number; headOnly?: boolean; close?: boolean } = {}): Parsed {
  const out: Parsed = { heads: [], body: '', ended: 0, error: null, rest: 0 };
  const p = new H1ResponseParser({
    onHead: (h) => out.heads.push(h),
    onBody: (b, s, e) => {
      out.body += b.toString('latin1', s, e);
      return true;
    },
    onEnd: () => out.ended++,
  });
  p.start(opts.headOnly ?? false);
  const bytes = Buffer.from(wire, 'latin1');
  const step = opts.step ?? bytes.length;
  const readBuf = Buffer.alloc(Math.max(1, step), 0x0d); // stale CRs past each read must not count
  try {
    for (let off = 0; off < bytes.length; off += step) {
      const n = Math.min(step, bytes.length - off);
      bytes.copy(readBuf, 0, off, off + n);
      const used = p.execute(readBuf, 0, n);
      if (used < n) {
        out.rest = bytes.length - off - used;
        break;
      }
    }
    if (opts.close) p.finish();
  } catch (err) {
    out.error = err instanceof H1ParseError ? err.code : String(err);
  }
  return out;
}

t.test('framings: Content-Length, chunked (extensions, trailers), close-delimited, bodiless', async (t) => {
  const cl = 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A: 1\r\nX-A: 2\r\n\r\nhello';
  const chunked = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;ext=1\r\nabc\r\nA\r\n0123456789\r\n0\r\nX-Trailer: y\r\n\r\n';
  for (const step of [1, 2, 3, 7, 1000]) {
    const a = parse(cl, { step });
    t.same([a.body, a.ended, a.error, a.heads[0]?.headers], ['hello', 1, null, ['content-length', '5', 'x-a', '1', 'x-a', '2']], `CL step ${step}`);
    const b = parse(chunked, { step });
    t.same([b.body, b.ended, b.error], ['abc0123456789', 1, null], `chunked step ${step}`);
  }
  const c = parse('HTTP/1.1 200 OK\r\n\r\nuntil close', { close: true });
  t.same([c.body, c.ended, c.heads[0]?.close], ['until close', 1, true]);
  const h = parse('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n', { headOnly: true });
  t.same([h.body, h.ended], ['', 1], 'HEAD: Content-Length announces, no body follows');
  for (const s of [204, 304]) t.same(parse(`HTTP/1.1 ${s} X\r\nContent-Length: 5\r\n\r\n`).ended, 1, `${s} has no body`);
  const interim = parse('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok', { step: 5 });
  t.same([interim.heads.length, interim.heads[0]?.status, interim.body], [1, 200, 'ok'], '1xx skipped');
  t.equal(parse('HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n').heads[0]?.close, true);
  t.equal(parse('HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n').heads[0]?.close, true, 'HTTP/1.0 closes by default');
  t.equal(parse('HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n').heads[0]?.close, false);
  t.equal(parse('HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello').body, 'hello', 'repeated equal lengths are one length');
  const extra = parse('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA');
  t.same([extra.body, extra.ended, extra.rest], ['ok', 1, 5], 'bytes after the response are left to the caller');
});

t.test('strictness: every smuggling-prone or malformed answer is refused with its code', async (t) => {
  const bad: [string, string, string][] = [
    ['obs-fold', 'HTTP/1.1 200 OK\r\nX-A: 1\r\n  folded\r\nContent-Length: 0\r\n\r\n', 'HPE_INVALID_HEADER_TOKEN'],
    ['space before colon', 'HTTP/1.1 200 OK\r\nContent-Length : 0\r\n\r\n', 'HPE_INVALID_HEADER_TOKEN'],
    ['NUL in value', 'HTTP/1.1 200 OK\r\nX-A: a\0b\r\nContent-Length: 0\r\n\r\n', 'HPE_INVALID_HEADER_TOKEN'],
    ['bare LF in head', 'HTTP/1.1 200 OK\r\nX-A: a\nX-B: b\r\nContent-Length: 0\r\n\r\n', 'HPE_INVALID_HEADER_TOKEN'],
    ['bare CR in value', 'HTTP/1.1 200 OK\r\nX-A: a\rb\r\nContent-Length: 0\r\n\r\n', 'HPE_INVALID_HEADER_TOKEN'],
    ['no colon', 'HTTP/1.1 200 OK\r\nnocolon\r\n\r\n', 'HPE_INVALID_HEADER_TOKEN'],
    ['conflicting CL', 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello', 'HPE_UNEXPECTED_CONTENT_LENGTH'],
    ['CL list', 'HTTP/1.1 200 OK\r\nContent-Length: 5, 5\r\n\r\nhello', 'HPE_INVALID_CONTENT_LENGTH'],
    ['signed CL', 'HTTP/1.1 200 OK\r\nContent-Length: +5\r\n\r\nhello', 'HPE_INVALID_CONTENT_LENGTH'],
    ['CL + TE', 'HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', 'HPE_UNEXPECTED_CONTENT_LENGTH'],
    ['TE not chunked', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n', 'HPE_INVALID_TRANSFER_ENCODING'],
    ['TE chunked twice', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', 'HPE_INVALID_TRANSFER_ENCODING'],
    ['chunk size not hex', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', 'HPE_INVALID_CHUNK_SIZE'],
    ['chunk size with space', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3 \r\nabc\r\n0\r\n\r\n', 'HPE_INVALID_CHUNK_SIZE'],
    ['chunk size overflow', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10000000000000000\r\n', 'HPE_INVALID_CHUNK_SIZE'],
    ['empty chunk size', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\r\n', 'HPE_INVALID_CHUNK_SIZE'],
    ['chunk data overrun', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcd\r\n0\r\n\r\n', 'HPE_STRICT'],
    ['LF-only chunk line', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\nabc\r\n0\r\n\r\n', 'HPE_INVALID_CHUNK_SIZE'],
    ['bad status line', 'HTTP/1.1 2000 OK\r\n\r\n', 'HPE_INVALID_STATUS'],
    ['HTTP/2 status line', 'HTTP/2 200 OK\r\n\r\n', 'HPE_INVALID_STATUS'],
    ['garbage', 'hello there\r\n\r\n', 'HPE_INVALID_STATUS'],
    ['unrequested 101', 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\n', 'HPE_UNEXPECTED_UPGRADE'],
  ];
  for (const [name, wire, code] of bad) {
    t.equal(parse(wire).error, code, name);
    t.equal(parse(wire, { step: 1 }).error, code, `${name} (byte by byte)`);
  }
  const huge = `HTTP/1.1 200 OK\r\nX-Big: ${'a'.repeat(MAX_HEAD_BYTES)}\r\n\r\n`;
  t.equal(parse(huge).error, 'HPE_HEADER_OVERFLOW', 'oversized head in one read');
  t.equal(parse(huge, { step: 4096 }).error, 'HPE_HEADER_OVERFLOW', 'oversized head over many reads');
  t.equal(parse(`HTTP/1.1 200 OK\r\nX-Big: ${'a'.repeat(MAX_HEAD_BYTES - 100)}\r\nContent-Length: 0\r\n\r\n`, { step: 4096 }).ended, 1, 'a large head under the limit is fine');
});

t.test('a truncated answer is reported as truncated; backpressure stops at the slice', async (t) => {
  const p = new H1ResponseParser({ onHead: () => {}, onBody: () => true, onEnd: () => {} });
  p.start(false);
  const b = Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc');
  p.execute(b, 0, b.length);
  t.equal(p.finish(), 'truncated');

  let slices = 0;
  const q = new H1ResponseParser({ onHead: () => {}, onBody: () => (++slices, false), onEnd: () => {} });
  q.start(false);
  const w = Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n2\r\ncd\r\n0\r\n\r\n');
  let at = 0;
  for (let i = 0; i < 10 && at < w.length; i++) at = q.execute(w, at, w.length);
  t.equal(slices, 2, 'one slice per call while the consumer pauses');
  t.equal(at, w.length);
});

t.test('a head repeated on one connection is served from the last parse, with the same fields and framing', async (t) => {
  const heads: H1Head[] = [];
  let body = '';
  let ended = 0;
  const p = new H1ResponseParser({
    onHead: (h) => heads.push(h),
    onBody: (b, s, e) => {
      body += b.toString('latin1', s, e);
      return true;
    },
    onEnd: () => ended++,
  });
  const feed = (wire: string, headOnly = false) => {
    p.start(headOnly);
    const buf = Buffer.from(wire, 'latin1');
    return p.execute(buf, 0, buf.length);
  };
  const a = 'HTTP/1.1 200 OK\r\nDate: Sun, 06 Dec 2026 23:00:00 GMT\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\n';
  const b = a.replace('23:00:00', '23:00:01');
  feed(a + 'hi');
  p.reset();
  feed(a + 'yo');
  p.reset();
  t.equal(heads[1]!.headers, heads[0]!.headers, 'the same bytes: the fields list of the last parse');
  t.not(heads[1], heads[0], 'a head object of its own per response');
  feed(b + 'ok');
  p.reset();
  t.same(heads[2]!.headers, ['date', 'Sun, 06 Dec 2026 23:00:01 GMT', 'content-length', '2', 'connection', 'keep-alive'], 'other bytes (Date moved): parsed afresh');
  feed(b, true); // a HEAD request answered with the same head: no body follows
  p.reset();
  t.same([body, ended, heads.length], ['hiyook', 4, 4]);
  // a cached head that asks to close still does; an invalid one is refused every time, never cached
  const c = 'HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n';
  feed(c);
  p.reset();
  feed(c);
  p.reset();
  t.same([heads[4]!.close, heads[5]!.close], [true, true]);
  const bad = 'HTTP/1.1 200 OK\r\nX-Bad: a\x01b\r\nContent-Length: 0\r\n\r\n';
  for (let i = 0; i < 2; i++) {
    p.start(false);
    t.throws(() => p.execute(Buffer.from(bad, 'latin1'), 0, bad.length), { code: 'HPE_INVALID_HEADER_TOKEN' }, `invalid head, try ${i + 1}`);
  }
});
