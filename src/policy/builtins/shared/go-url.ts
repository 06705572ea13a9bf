/**
 * Go's url.Parse (net/url), which OPA's uri.parse and uri.is_valid call: the same split into
 * scheme, authority, path, query and fragment, the same refusals and the same error texts
 * (`parse "…": missing protocol scheme`), so a policy sees what OPA shows it. Percent-decoding
 * works on UTF-8 bytes as Go's does. Not followed: the checks newer Go releases add to a
 * bracketed host (that it is an IPv6 address) and to colons in a host (`http://::1/`).
 *
 * @example parseGoUrl('https://a.example:8443/x%20y?q=1#f').path // '/x y'
 */
import { decodeGoString, goStringBytes, quoteGoString } from '../../value/index.js';

export interface GoUrl {
  scheme: string;
  opaque: string;
  /** `user:pass@host:port` without the userinfo */
  host: string;
  path: string;
  /** the path as written, when it is not what escaping `path` gives (Go's RawPath) */
  rawPath: string;
  rawQuery: string;
  fragment: string;
}

/** A refusal of url.Parse, its message as Go's *url.Error prints it. */
export class GoUrlError extends Error {}

type Mode = 'path' | 'host' | 'zone' | 'userinfo' | 'fragment';

const isHex = (c: number): boolean => (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
const unhex = (c: number): number => (c <= 0x39 ? c - 0x30 : (c | 0x20) - 0x61 + 10);
const isAlnum = (c: number): boolean => (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
const enc = { encode: goStringBytes };
const dec = { decode: decodeGoString };

/** Go's shouldEscape for the modes url.Parse uses. */
function shouldEscape(c: number, mode: Mode): boolean {
  if (isAlnum(c)) return false;
  if (mode === 'host' || mode === 'zone') {
    if ('!$&\'()*+,;=:[]<>"'.includes(String.fromCharCode(c))) return false;
  }
  if ('-_.~'.includes(String.fromCharCode(c))) return false;
  if ('$&+,/:;=?@'.includes(String.fromCharCode(c))) {
    if (mode === 'path') return c === 0x3f; // only `?` would end the path
    if (mode === 'userinfo') return c === 0x40 || c === 0x2f || c === 0x3f || c === 0x3a;
    return false; // fragment
  }
  if (mode === 'fragment' && '!()*'.includes(String.fromCharCode(c))) return false;
  return true;
}

/** Go's unescape: `%XX` to its byte; a bad escape or (in a host) a bad character is an error. */
function unescape(s: string, mode: Mode): string {
  const b = enc.encode(s);
  for (let i = 0; i < b.length; i++) {
    const c = b[i]!;
    if (c === 0x25) {
      if (i + 2 >= b.length || !isHex(b[i + 1]!) || !isHex(b[i + 2]!)) throw new Error(`invalid URL escape ${quoteGoString(dec.decode(b.slice(i, i + 3)))}`);
      // a host may percent-encode only non-ASCII bytes (RFC 6874 allows %25 for the zone)
      if (mode === 'host' && unhex(b[i + 1]!) < 8 && dec.decode(b.slice(i, i + 3)) !== '%25') throw new Error(`invalid URL escape ${quoteGoString(dec.decode(b.slice(i, i + 3)))}`);
      if (mode === 'zone') {
        const v = unhex(b[i + 1]!) * 16 + unhex(b[i + 2]!);
        if (dec.decode(b.slice(i, i + 3)) !== '%25' && v !== 0x20 && shouldEscape(v, 'host')) throw new Error(`invalid URL escape ${quoteGoString(dec.decode(b.slice(i, i + 3)))}`);
      }
      i += 2;
    } else if ((mode === 'host' || mode === 'zone') && c < 0x80 && shouldEscape(c, mode)) {
      throw new Error(`invalid character ${quoteGoString(String.fromCharCode(c))} in host name`);
    }
  }
  if (!s.includes('%')) return s;
  const out: number[] = [];
  for (let i = 0; i < b.length; i++) {
    if (b[i] === 0x25) {
      out.push(unhex(b[i + 1]!) * 16 + unhex(b[i + 2]!));
      i += 2;
    } else out.push(b[i]!);
  }
  return dec.decode(new Uint8Array(out));
}

/** Go's escape in path mode (upper-case hex, as EscapedPath compares it). */
function escapePath(s: string): string {
  let out = '';
  for (const c of enc.encode(s)) out += shouldEscape(c, 'path') ? `%${c.toString(16).toUpperCase().padStart(2, '0')}` : String.fromCharCode(c);
  return out;
}

function validOptionalPort(port: string): boolean {
  if (port === '') return true;
  return port[0] === ':' && /^[0-9]*$/.test(port.slice(1));
}

function parseHost(host: string): string {
  if (host.startsWith('[')) {
    const i = host.lastIndexOf(']');
    if (i < 0) throw new Error("missing ']' in host");
    const colonPort = host.slice(i + 1);
    if (!validOptionalPort(colonPort)) throw new Error(`invalid port ${quoteGoString(colonPort)} after host`);
    // RFC 6874: an IPv6 zone is introduced by %25 and escaped on its own terms
    const zone = host.slice(0, i).indexOf('%25');
    if (zone >= 0) return unescape(host.slice(0, zone), 'host') + unescape(host.slice(zone, i), 'zone') + unescape(host.slice(i), 'host');
  } else {
    const i = host.lastIndexOf(':');
    if (i !== -1 && !validOptionalPort(host.slice(i))) throw new Error(`invalid port ${quoteGoString(host.slice(i))} after host`);
  }
  return unescape(host, 'host');
}

/** RFC 3986 userinfo characters, as Go's validUserinfo allows them. */
const USERINFO = /^[A-Za-z0-9\-._:~!$&'()*+,;=%@]*$/;

function parseAuthority(authority: string): string {
  const at = authority.lastIndexOf('@');
  const host = parseHost(at < 0 ? authority : authority.slice(at + 1));
  if (at >= 0) {
    const userinfo = authority.slice(0, at);
    if (!USERINFO.test(userinfo)) throw new Error('net/url: invalid userinfo');
    unescape(userinfo, 'userinfo');
  }
  return host;
}

/** Go's getScheme: the scheme before the first `:`, or none when a character before it cannot be one. */
function getScheme(raw: string): [string, string] {
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    const letter = (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
    if (letter) continue;
    if ((c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2d || c === 0x2e) {
      if (i === 0) return ['', raw];
      continue;
    }
    if (c === 0x3a) {
      if (i === 0) throw new Error('missing protocol scheme');
      return [raw.slice(0, i), raw.slice(i + 1)];
    }
    return ['', raw];
  }
  return ['', raw];
}

function parse(raw: string): GoUrl {
  // Go's stringContainsCTLByte
  if (/[\x00-\x1f\x7f]/.test(raw)) throw new Error('net/url: invalid control character in URL');
  const u: GoUrl = { scheme: '', opaque: '', host: '', path: '', rawPath: '', rawQuery: '', fragment: '' };
  if (raw === '*') return { ...u, path: '*' };
  const [scheme, afterScheme] = getScheme(raw);
  u.scheme = scheme.toLowerCase();
  let rest = afterScheme;
  if (rest.endsWith('?') && rest.indexOf('?') === rest.length - 1) rest = rest.slice(0, -1);
  else {
    const q = rest.indexOf('?');
    if (q >= 0) [rest, u.rawQuery] = [rest.slice(0, q), rest.slice(q + 1)];
  }
  if (!rest.startsWith('/')) {
    if (u.scheme !== '') return { ...u, opaque: rest };
    const slash = rest.indexOf('/');
    // "a:b/c" without a scheme would read as a scheme
    if ((slash < 0 ? rest : rest.slice(0, slash)).includes(':')) throw new Error('first path segment in URL cannot contain colon');
  }
  if ((u.scheme !== '' || !rest.startsWith('///')) && rest.startsWith('//')) {
    let authority = rest.slice(2);
    rest = '';
    const slash = authority.indexOf('/');
    if (slash >= 0) [authority, rest] = [authority.slice(0, slash), authority.slice(slash)];
    u.host = parseAuthority(authority);
  }
  u.path = unescape(rest, 'path');
  u.rawPath = escapePath(u.path) === rest ? '' : rest;
  return u;
}

/**
 * url.Parse(raw); throws GoUrlError with Go's message for what it refuses.
 *
 * @example parseGoUrl('http://[::1]:80/').host // '[::1]:80'
 */
export function parseGoUrl(raw: string): GoUrl {
  const hash = raw.indexOf('#');
  const [u, frag] = hash < 0 ? [raw, ''] : [raw.slice(0, hash), raw.slice(hash + 1)];
  let url: GoUrl;
  try {
    url = parse(u);
  } catch (e) {
    throw new GoUrlError(`parse ${quoteGoString(u)}: ${(e as Error).message}`);
  }
  if (frag === '') return url;
  try {
    url.fragment = unescape(frag, 'fragment');
  } catch (e) {
    throw new GoUrlError(`parse ${quoteGoString(raw)}: ${(e as Error).message}`);
  }
  return url;
}

/** Go's URL.Hostname and URL.Port: the host without the port and without IPv6 brackets. */
export function splitGoHostPort(hostPort: string): { hostname: string; port: string } {
  let hostname = hostPort;
  let port = '';
  const colon = hostname.lastIndexOf(':');
  if (colon !== -1 && validOptionalPort(hostname.slice(colon))) [hostname, port] = [hostname.slice(0, colon), hostname.slice(colon + 1)];
  if (hostname.startsWith('[') && hostname.endsWith(']')) hostname = hostname.slice(1, -1);
  return { hostname, port };
}
