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
}

/** All PEM blocks in order (Go pem.Decode in a loop; headers are skipped). */
export function pemBlocks(text: string): PemBlock[] {
  const out: PemBlock[] = [];
  const re = /-----BEGIN ([^-\r\n]+)-----\r?\n([\s\S]*?)-----END \1-----/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const body = (m[2] as string)
      .split(/\r?\n/)
      .filter((l) => !/^[A-Za-z-]+:/.test(l))
      .join('');
    out.push({ type: m[1] as string, der: Buffer.from(body, 'base64') });
  }
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
