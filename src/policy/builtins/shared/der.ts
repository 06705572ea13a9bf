/**
 * A minimal DER reader and the text encodings around it (Go's base64.StdEncoding, PEM blocks),
 * for the X.509 / PKCS structures the crypto builtins parse. Every read is bounds-checked and
 * throws X509Error on malformed input.
 *
 * @example
 *   const top = readNode(der, 0);
 *   children(top).length; // 3 for a certificate: tbs, algorithm, signature
 */
import { normalizeNumber, type Value } from '../../value/index.js';

export class X509Error extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'X509Error';
  }
}

// ------------------------------------------------------------------------ encodings

/** Go base64.StdEncoding.DecodeString (newlines ignored, padding required). */
export function decodeStdBase64(s: string): Buffer {
  const t = s.replace(/[\r\n]/g, '');
  const bad = /[^A-Za-z0-9+/=]/.exec(t);
  if (bad) throw new X509Error(`illegal base64 data at input byte ${bad.index}`);
  const pad = t.indexOf('=');
  if (t.length % 4 !== 0 || (pad >= 0 && (pad < t.length - 2 || /[^=]/.test(t.slice(pad))))) {
    throw new X509Error(`illegal base64 data at input byte ${pad >= 0 ? pad : t.length - (t.length % 4)}`);
  }
  return Buffer.from(t, 'base64');
}

export interface PemBlock {
  type: string;
  der: Buffer;
  /** How many `Key: value` header lines the block had (Go's len(Block.Headers)). */
  headers: number;
}

/** Go's getLine: the line up to `\n` (a `\r` before it dropped), trailing spaces and tabs trimmed. */
function getLine(data: string): [string, string] {
  let i = data.indexOf('\n');
  let j: number;
  if (i < 0) {
    i = data.length;
    j = i;
  } else {
    j = i + 1;
    if (i > 0 && data[i - 1] === '\r') i--;
  }
  return [data.slice(0, i).replace(/[ \t]+$/, ''), data.slice(j)];
}

/** Go's base64.StdEncoding.Decode of PEM content (CR and LF ignored); undefined when invalid. */
function decodePemBase64(s: string): Buffer | undefined {
  const t = s.replace(/[\r\n]/g, '');
  if (t.length % 4 !== 0 || !/^[A-Za-z0-9+/]*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(t)) return undefined;
  return Buffer.from(t, 'base64');
}

const PEM_START = '\n-----BEGIN ';
const PEM_END = '\n-----END ';

/**
 * Go's pem.Decode: the first well-formed block of `data` and the text after its END line, or
 * undefined. A block that is not well formed (no END line of the same type, bad base64, text
 * after the END marker on its line) is skipped: the search goes on from the next BEGIN line —
 * so a bad block between good ones disappears, as in every Go caller's loop.
 *
 * @example pemDecode('-----BEGIN X-----\nAQI=\n-----END X-----\n') // { block: { type: 'X', der: <01 02>, headers: 0 }, rest: '' }
 */
export function pemDecode(data: string): { block: PemBlock; rest: string } | undefined {
  let rest = data;
  // Bounded: every round consumes at least one BEGIN marker.
  for (;;) {
    if (rest.startsWith(PEM_START.slice(1))) rest = rest.slice(PEM_START.length - 1);
    else {
      const at = rest.indexOf(PEM_START);
      if (at < 0) return undefined;
      rest = rest.slice(at + PEM_START.length);
    }
    let typeLine: string;
    [typeLine, rest] = getLine(rest);
    if (!typeLine.endsWith('-----')) continue;
    typeLine = typeLine.slice(0, -5);
    let headers = 0;
    for (;;) {
      // Go gives up entirely (not just on this block) when the input ends inside the headers.
      if (rest.length === 0) return undefined;
      const [line, next] = getLine(rest);
      if (!line.includes(':')) break;
      headers++;
      rest = next;
    }
    let endIndex: number;
    let endTrailerIndex: number;
    if (headers === 0 && rest.startsWith(PEM_END.slice(1))) {
      endIndex = 0;
      endTrailerIndex = PEM_END.length - 1;
    } else {
      endIndex = rest.indexOf(PEM_END);
      endTrailerIndex = endIndex + PEM_END.length;
    }
    if (endIndex < 0) continue;
    const trailerLen = typeLine.length + 5;
    const endTrailer = rest.slice(endTrailerIndex, endTrailerIndex + trailerLen);
    if (endTrailer.length < trailerLen || !endTrailer.startsWith(typeLine) || !endTrailer.endsWith('-----')) continue;
    if (getLine(rest.slice(endTrailerIndex + trailerLen))[0].length !== 0) continue;
    const der = decodePemBase64(rest.slice(0, endIndex).replace(/[ \t]/g, ''));
    if (der === undefined) continue;
    return { block: { type: typeLine, der, headers }, rest: getLine(rest.slice(endIndex + PEM_END.length - 1))[1] };
  }
}

/** All blocks pem.Decode finds, in order (the loop every OPA caller runs until Decode gives nil). */
export function pemBlocks(text: string): PemBlock[] {
  const out: PemBlock[] = [];
  // Bounded: each decoded block consumes its own text.
  for (let r = pemDecode(text); r; r = pemDecode(r.rest)) out.push(r.block);
  return out;
}

// ------------------------------------------------------------------------ DER

export interface Node {
  tag: number; // full identifier byte
  start: number; // content start
  end: number; // content end
  hdr: number; // header start
  buf: Buffer;
}

export function readNode(buf: Buffer, pos: number, limit = buf.length): Node {
  if (pos + 2 > limit) throw new X509Error('x509: malformed certificate');
  const tag = buf[pos] as number;
  let len = buf[pos + 1] as number;
  let p = pos + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || p + n > limit) throw new X509Error('x509: malformed certificate');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + (buf[p + i] as number);
    p += n;
  }
  if (p + len > limit) throw new X509Error('x509: malformed certificate');
  return { tag, start: p, end: p + len, hdr: pos, buf };
}

export function children(n: Node): Node[] {
  const out: Node[] = [];
  // Bounded: every child advances past its own header.
  for (let p = n.start; p < n.end; ) {
    const c = readNode(n.buf, p, n.end);
    out.push(c);
    p = c.end;
  }
  return out;
}

export const raw = (n: Node) => n.buf.subarray(n.hdr, n.end);
export const content = (n: Node) => n.buf.subarray(n.start, n.end);

export function oid(n: Node): number[] {
  const b = content(n);
  const out: number[] = [];
  let v = 0;
  for (let i = 0; i < b.length; i++) {
    v = v * 128 + ((b[i] as number) & 0x7f);
    if (!((b[i] as number) & 0x80)) {
      if (out.length === 0) out.push(v < 80 ? Math.floor(v / 40) : 2, v < 80 ? v % 40 : v - 80);
      else out.push(v);
      v = 0;
    }
  }
  return out;
}

export function bigint(n: Node): Value {
  const b = content(n);
  if (b.length === 0) return 0;
  let v = BigInt('0x' + b.toString('hex'));
  if ((b[0] as number) & 0x80) v -= 1n << BigInt(b.length * 8);
  return normalizeNumber(v);
}

export function bigFromBuf(b: Buffer): Value {
  return normalizeNumber(b.length === 0 ? 0n : BigInt('0x' + b.toString('hex')));
}

export function str(n: Node): string {
  const b = content(n);
  if (n.tag === 0x1e) {
    // BMPString: UTF-16BE.
    let s = '';
    for (let i = 0; i + 1 < b.length; i += 2) s += String.fromCharCode(((b[i] as number) << 8) | (b[i + 1] as number));
    return s;
  }
  return n.tag === 0x0c ? b.toString('utf8') : b.toString('latin1');
}

export function time(n: Node): string {
  const s = content(n).toString('latin1');
  // UTCTime YYMMDDHHMMSSZ (years 50–99 are 19xx) or GeneralizedTime YYYYMMDDHHMMSSZ.
  const full = n.tag === 0x17 ? (Number(s.slice(0, 2)) >= 50 ? '19' : '20') + s : s;
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?(?:\.\d+)?Z$/.exec(full);
  if (!m) throw new X509Error('x509: malformed time');
  return `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6] ?? '00'}Z`;
}
