/**
 * A strict HTTP/1.1 response parser for the upstream hop (RFC 9112), written for a socket that
 * reads into one reused buffer: body bytes are handed out as views of the caller's buffer, never
 * copied, and the parser stops as soon as the consumer asks it to (backpressure) so the caller
 * can keep the unparsed rest.
 *
 * Strict where a lenient parser would open a smuggling or desync hole between us and the
 * upstream (the checks llhttp makes in strict mode): CRLF line ends only, no obs-fold (§5.2),
 * token header names, no control bytes in values, one Content-Length value (repeats must agree,
 * §6.3 rule 5), Content-Length together with Transfer-Encoding refused (§6.3 rule 3), only
 * `chunked` as transfer coding, hex chunk sizes of bounded length, heads of bounded size.
 * Every failure is an `H1ParseError` with an `HPE_*` code (the proxy maps those to 502).
 *
 * @example
 * const p = new H1ResponseParser({ onHead, onBody: (b, s, e) => true, onEnd });
 * p.start(false); const used = p.execute(buf, 0, n); // used < n: the consumer paused
 */

export class H1ParseError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface H1Head {
  status: number;
  reason: string;
  /** flat [name, value, …] with names lower-cased, in wire order (shared by the responses of one head text: read-only) */
  headers: readonly string[];
  /** the upstream wants this connection closed after the response */
  close: boolean;
}

export interface H1ParserEvents {
  /** a final (≥ 200) response head; 1xx heads are skipped */
  onHead(head: H1Head): void;
  /** body bytes `buf[start, end)`, valid only during the call; false = stop after this slice */
  onBody(buf: Buffer, start: number, end: number): boolean;
  /** the response is complete (for close-delimited bodies: when `finish()` is called) */
  onEnd(): void;
}

/** Largest response head accepted (undici and Node default to 16 KiB; we allow more). */
export const MAX_HEAD_BYTES = 64 * 1024;
const MAX_CHUNK_LINE = 1024;

const enum S {
  Idle,
  Head,
  BodyLength,
  BodyClose,
  ChunkSize,
  ChunkExt,
  ChunkSizeLf,
  ChunkData,
  ChunkDataCr,
  ChunkDataLf,
  Trailer,
  Done,
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// field-value: VCHAR / obs-text / SP / HTAB (RFC 9110 §5.5); no CTLs, so no CR, LF or NUL
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
const CRLFCRLF = Buffer.from('\r\n\r\n', 'latin1');

/**
 * Header names already checked against `token`, as received → lower-cased. An upstream sends
 * the same few names in every response, so this spares a regex test and a toLowerCase per
 * field; bounded, so a peer sending ever-new names only stops being cached.
 */
const KNOWN_NAMES = new Map<string, string>();
const MAX_KNOWN_NAMES = 512;

export class H1ResponseParser {
  private state = S.Idle;
  private headOnly = false;
  private headParts: Buffer[] | null = null;
  private headLen = 0;
  /** body bytes still expected (Content-Length body or current chunk) */
  private remaining = 0;
  private lineLen = 0;
  private sawCr = false;
  private chunkSize = 0;
  private chunkDigits = 0;

  constructor(private readonly ev: H1ParserEvents) {}

  /** Arms the parser for the next response; `headOnly` for HEAD requests (no body follows). */
  start(headOnly: boolean): void {
    this.state = S.Head;
    this.headOnly = headOnly;
    this.headParts = null;
    this.headLen = 0;
  }

  /** the body runs until the connection closes */
  get closeDelimited(): boolean {
    return this.state === S.BodyClose;
  }

  /**
   * Parses `buf[start, end)`. Returns how far it got: `end`, or less when the consumer paused
   * (onBody returned false) or the response completed with bytes left over (the caller treats
   * leftover bytes after a complete response as a protocol error: we never pipeline).
   */
  execute(buf: Buffer, start: number, end: number): number {
    let i = start;
    while (i < end) {
      switch (this.state) {
        case S.Head: {
          i = this.readHead(buf, i, end);
          break;
        }
        case S.BodyLength: {
          const n = Math.min(this.remaining, end - i);
          this.remaining -= n;
          const from = i;
          i += n;
          if (this.remaining === 0) this.state = S.Done;
          const more = this.ev.onBody(buf, from, i);
          if (this.state === S.Done) {
            this.finishResponse();
            return i;
          }
          if (!more) return i;
          break;
        }
        case S.BodyClose: {
          const from = i;
          i = end;
          if (!this.ev.onBody(buf, from, end)) return i;
          break;
        }
        case S.ChunkSize: {
          const c = buf[i++] as number;
          const d = hexValue(c);
          if (d >= 0) {
            if (++this.chunkDigits > 15) throw new H1ParseError('HPE_INVALID_CHUNK_SIZE', 'chunk size too long');
            this.chunkSize = this.chunkSize * 16 + d;
          } else if (this.chunkDigits === 0) throw new H1ParseError('HPE_INVALID_CHUNK_SIZE', 'chunk size expected');
          else if (c === 0x0d) this.state = S.ChunkSizeLf;
          else if (c === 0x3b) {
            this.state = S.ChunkExt; // chunk-ext: ignored, but bounded and CTL-free
            this.lineLen = this.chunkDigits + 1;
          } else throw new H1ParseError('HPE_INVALID_CHUNK_SIZE', 'bad byte in chunk size');
          break;
        }
        case S.ChunkExt: {
          const c = buf[i++] as number;
          if (++this.lineLen > MAX_CHUNK_LINE) throw new H1ParseError('HPE_CHUNK_EXTENSIONS_OVERFLOW', 'chunk extension too long');
          if (c === 0x0d) this.state = S.ChunkSizeLf;
          else if ((c < 0x20 && c !== 0x09) || c === 0x7f) throw new H1ParseError('HPE_INVALID_CHUNK_SIZE', 'control byte in chunk extension');
          break;
        }
        case S.ChunkSizeLf: {
          if (buf[i++] !== 0x0a) throw new H1ParseError('HPE_STRICT', 'CR without LF after chunk size');
          if (this.chunkSize === 0) {
            this.state = S.Trailer;
            this.lineLen = 0;
            this.sawCr = false;
          } else {
            this.state = S.ChunkData;
            this.remaining = this.chunkSize;
          }
          break;
        }
        case S.ChunkData: {
          const n = Math.min(this.remaining, end - i);
          this.remaining -= n;
          const from = i;
          i += n;
          if (this.remaining === 0) this.state = S.ChunkDataCr;
          if (!this.ev.onBody(buf, from, i)) return i;
          break;
        }
        case S.ChunkDataCr: {
          if (buf[i++] !== 0x0d) throw new H1ParseError('HPE_STRICT', 'chunk data not followed by CRLF');
          this.state = S.ChunkDataLf;
          break;
        }
        case S.ChunkDataLf: {
          if (buf[i++] !== 0x0a) throw new H1ParseError('HPE_STRICT', 'chunk data not followed by CRLF');
          this.state = S.ChunkSize;
          this.chunkSize = 0;
          this.chunkDigits = 0;
          break;
        }
        case S.Trailer: {
          // trailer fields are dropped (we relay with chunked coding but send none), only framed
          const c = buf[i++] as number;
          if (this.sawCr) {
            if (c !== 0x0a) throw new H1ParseError('HPE_STRICT', 'CR without LF in trailer');
            this.sawCr = false;
            if (this.lineLen === 0) {
              this.state = S.Done;
              this.finishResponse();
              return i;
            }
            this.lineLen = 0;
          } else if (c === 0x0d) this.sawCr = true;
          else if (c === 0x0a || c === 0 || c === 0x7f) throw new H1ParseError('HPE_STRICT', 'bad byte in trailer');
          else if (++this.lineLen > MAX_HEAD_BYTES) throw new H1ParseError('HPE_HEADER_OVERFLOW', 'trailer too long');
          else if (this.lineLen === 1 && (c === 0x20 || c === 0x09)) throw new H1ParseError('HPE_INVALID_HEADER_TOKEN', 'obs-fold in trailer');
          break;
        }
        case S.Idle:
        case S.Done:
          return i; // bytes beyond the response: the caller decides
      }
    }
    return i;
  }

  /** The connection closed: completes a close-delimited body, or reports a truncated answer. */
  finish(): 'complete' | 'truncated' | 'idle' {
    if (this.state === S.BodyClose) {
      this.state = S.Done;
      this.finishResponse();
      return 'complete';
    }
    if (this.state === S.Idle || this.state === S.Done) return 'idle';
    return 'truncated';
  }

  private finishResponse(): void {
    this.ev.onEnd();
  }

  /** Collects head bytes until CRLFCRLF, then parses the head; returns the next index. */
  private readHead(buf: Buffer, i: number, end: number): number {
    let stop = -1;
    if (this.headParts === null) {
      stop = buf.indexOf(CRLFCRLF, i);
      // the buffer is reused: bytes past `end` are stale and must not complete a match
      if (stop + 4 > end) stop = -1;
      if (stop >= 0) {
        if (stop + 4 - i > MAX_HEAD_BYTES) throw new H1ParseError('HPE_HEADER_OVERFLOW', 'response head too large');
        this.parseHead(buf.toString('latin1', i, stop));
        return stop + 4;
      }
      this.headParts = [];
    }
    // A head split across reads (rare): keep copies, since the read buffer is reused, and look
    // for the terminator from 3 bytes before the seam.
    const parts = this.headParts;
    const before = this.headLen;
    parts.push(Buffer.from(buf.subarray(i, end)));
    const whole = Buffer.concat(parts);
    stop = whole.indexOf(CRLFCRLF, Math.max(0, before - 3));
    if (stop < 0) {
      if (whole.length > MAX_HEAD_BYTES) throw new H1ParseError('HPE_HEADER_OVERFLOW', 'response head too large');
      this.headParts = [whole];
      this.headLen = whole.length;
      return end;
    }
    if (stop + 4 > MAX_HEAD_BYTES) throw new H1ParseError('HPE_HEADER_OVERFLOW', 'response head too large');
    this.headParts = null;
    this.headLen = 0;
    this.parseHead(whole.toString('latin1', 0, stop));
    return i + (stop + 4 - before);
  }

  /**
   * The last head parsed on this connection and what it said. An upstream answers one route's
   * requests with the same head over and over (only `Date` moves, once a second), so a head
   * whose bytes equal the last one's takes its parse — fields, checks and all — from here: one
   * string comparison instead of a split, a name lookup and a value regex per field. A head that
   * failed a check never gets here (the parse threw).
   */
  private lastHeadText = '';
  private lastHead: ParsedHead | null = null;

  private parseHead(text: string): void {
    let p = this.lastHead;
    if (p === null || text !== this.lastHeadText) {
      p = parseHeadText(text);
      this.lastHeadText = text;
      this.lastHead = p;
    }
    const { status, cl, te } = p;
    if (status < 200) {
      // 1xx: interim, skipped (RFC 9110 §15.2); 101 would switch protocols, which we never ask for
      if (status === 101) throw new H1ParseError('HPE_UNEXPECTED_UPGRADE', 'unrequested protocol switch');
      this.state = S.Head;
      return;
    }
    // a fresh head per response (`close` may change below); its fields list is shared, read-only
    const head: H1Head = { status, reason: p.reason, headers: p.headers, close: p.close };

    if (this.headOnly || status === 204 || status === 304) {
      this.state = S.Done;
      this.ev.onHead(head);
      if (this.state === S.Done) this.finishResponse();
      return;
    }
    if (te !== undefined) {
      if (cl !== undefined) throw new H1ParseError('HPE_UNEXPECTED_CONTENT_LENGTH', 'content-length with transfer-encoding');
      if (te.trim().toLowerCase() !== 'chunked') throw new H1ParseError('HPE_INVALID_TRANSFER_ENCODING', 'transfer coding other than chunked');
      this.state = S.ChunkSize;
      this.chunkSize = 0;
      this.chunkDigits = 0;
      this.ev.onHead(head);
      return;
    }
    if (cl !== undefined) {
      this.remaining = Number(cl);
      this.state = this.remaining === 0 ? S.Done : S.BodyLength;
      this.ev.onHead(head);
      if (this.state === S.Done) this.finishResponse();
      return;
    }
    head.close = true; // read until close: the connection cannot be reused
    this.state = S.BodyClose;
    this.ev.onHead(head);
  }

  /** After a complete response: ready for the next one on the same connection. */
  reset(): void {
    this.state = S.Idle;
  }
}

/** What a response head says, checked: a pure function of its text (H1ResponseParser caches it). */
interface ParsedHead {
  readonly status: number;
  readonly reason: string;
  readonly headers: readonly string[];
  /** the Connection fields (HTTP/1.0: the absence of keep-alive) ask for the connection to close */
  readonly close: boolean;
  readonly cl: string | undefined;
  readonly te: string | undefined;
}

/** Parses and checks a response head (status line and fields, without the final CRLFCRLF); throws H1ParseError. */
function parseHeadText(text: string): ParsedHead {
  let lineEnd = text.indexOf('\r\n');
  const statusLine = lineEnd < 0 ? text : text.slice(0, lineEnd);
  const status = statusOf(statusLine);
  if (status < 0) throw new H1ParseError('HPE_INVALID_STATUS', 'bad status line');
  const http10 = statusLine.charCodeAt(7) === 0x30;
  const reason = statusLine.length > 13 ? statusLine.slice(13) : '';
  const headers: string[] = [];
  let cl: string | undefined;
  let te: string | undefined;
  let conn: string | undefined;
  let pos = lineEnd < 0 ? text.length : lineEnd + 2;
  while (pos < text.length) {
    lineEnd = text.indexOf('\r\n', pos);
    if (lineEnd < 0) lineEnd = text.length;
    const colon = text.indexOf(':', pos);
    if (colon < 0 || colon > lineEnd) throw new H1ParseError('HPE_INVALID_HEADER_TOKEN', 'header line without colon');
    const rawName = text.slice(pos, colon);
    let name = KNOWN_NAMES.get(rawName);
    if (name === undefined) {
      // obs-fold (a line starting with SP/HTAB) and whitespace before the colon fail here
      if (!TOKEN.test(rawName)) throw new H1ParseError('HPE_INVALID_HEADER_TOKEN', 'bad header name');
      name = rawName.toLowerCase();
      if (KNOWN_NAMES.size < MAX_KNOWN_NAMES) KNOWN_NAMES.set(rawName, name);
    }
    const value = trimOws(text.slice(colon + 1, lineEnd));
    if (!FIELD_VALUE.test(value)) throw new H1ParseError('HPE_INVALID_HEADER_TOKEN', 'bad header value');
    if (name === 'content-length') {
      if (!/^\d{1,15}$/.test(value)) throw new H1ParseError('HPE_INVALID_CONTENT_LENGTH', 'bad content-length');
      if (cl !== undefined && Number(cl) !== Number(value)) throw new H1ParseError('HPE_UNEXPECTED_CONTENT_LENGTH', 'conflicting content-length');
      if (cl !== undefined) {
        pos = lineEnd + 2;
        continue; // one copy is enough
      }
      cl = value;
    } else if (name === 'transfer-encoding') te = te === undefined ? value : `${te}, ${value}`;
    else if (name === 'connection') conn = conn === undefined ? value : `${conn}, ${value}`;
    headers.push(name, value);
    pos = lineEnd + 2;
  }
  const close = http10 ? !/(^|,)\s*keep-alive\s*(,|$)/i.test(conn ?? '') : conn !== undefined && /(^|,)\s*close\s*(,|$)/i.test(conn);
  return { status, reason, headers, close, cl, te };
}

/**
 * The status of `HTTP/1.x SSS[ reason]` (RFC 9112 §4: HTTP/1.0 or 1.1, three digits, the reason
 * phrase VCHAR/obs-text/SP/HTAB), or -1. By hand rather than a regex: this runs per response.
 */
function statusOf(line: string): number {
  if (line.length < 12 || !line.startsWith('HTTP/1.') || line.charCodeAt(8) !== 0x20) return -1;
  const minor = line.charCodeAt(7);
  if (minor !== 0x30 && minor !== 0x31) return -1;
  const a = line.charCodeAt(9) - 0x30;
  const b = line.charCodeAt(10) - 0x30;
  const c = line.charCodeAt(11) - 0x30;
  if (a < 1 || a > 9 || b < 0 || b > 9 || c < 0 || c > 9) return -1;
  if (line.length > 12 && (line.charCodeAt(12) !== 0x20 || !FIELD_VALUE.test(line.slice(13)))) return -1;
  return a * 100 + b * 10 + c;
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  return -1;
}

function trimOws(v: string): string {
  let s = 0;
  let e = v.length;
  while (s < e && (v.charCodeAt(s) === 0x20 || v.charCodeAt(s) === 0x09)) s++;
  while (e > s && (v.charCodeAt(e - 1) === 0x20 || v.charCodeAt(e - 1) === 0x09)) e--;
  return s === 0 && e === v.length ? v : v.slice(s, e);
}
