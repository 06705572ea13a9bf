/**
 * The `format` checks of gojsonschema (OPA's internal fork, format_checkers.go), which
 * json.match_schema applies: a string that fails its format is a `format` error
 * ("Does not match format 'email'"); other values and unknown formats always pass.
 *
 * Each checker reproduces the Go function it names (net.ParseIP, time.Parse with the listed
 * layouts, net/mail.ParseAddress, net/url.Parse) closely enough for what schemas check;
 * net/mail and net/url are approximated by their grammars rather than ported line by line.
 */
import { parseIp } from '../shared/ip.js';
import { compileGoRegexp } from '../shared/re2.js';

const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysIn(month: number, year: number): number {
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return month === 2 && leap ? 29 : (DAYS[month - 1] as number);
}

/** time.Parse("2006-01-02", s): fixed-width fields, the day checked against the month. */
function isGoDate(s: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (m === null) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  return mo >= 1 && mo <= 12 && d >= 1 && d <= daysIn(mo, y);
}

/** A Go zone `Z07:00`: `Z`, or ±hh:mm with hh ≤ 24 and mm ≤ 59 (Go's own limits). */
const ZONE = '(?:Z|[+-](\\d{2}):(\\d{2}))';

function zoneOk(h: string | undefined, m: string | undefined): boolean {
  return h === undefined || (Number(h) <= 24 && Number(m) <= 59);
}

/**
 * time.Parse("15:04:05[Z07:00]", s): the hour takes one or two digits, minutes and seconds two,
 * and Go accepts a fraction after the seconds even though the layout has none.
 */
function isGoClock(s: string, zone: boolean): boolean {
  const m = new RegExp(`^(\\d{1,2}):(\\d{2}):(\\d{2})(?:[.,]\\d+)?${zone ? ZONE : ''}$`).exec(s);
  if (m === null) return false;
  return Number(m[1]) <= 23 && Number(m[2]) <= 59 && Number(m[3]) <= 59 && zoneOk(m[4], m[5]);
}

/** time.Parse(time.RFC3339[Nano], s): Go's strict RFC 3339 reader. */
function isGoRfc3339(s: string): boolean {
  const m = new RegExp(`^(\\d{4}-\\d{2}-\\d{2})T(\\d{2}):(\\d{2}):(\\d{2})(?:\\.\\d+)?${ZONE}$`).exec(s);
  if (m === null || !isGoDate(m[1] as string)) return false;
  return Number(m[2]) <= 23 && Number(m[3]) <= 59 && Number(m[4]) <= 59 && zoneOk(m[5], m[6]);
}

const ATEXT = "[A-Za-z0-9!#$%&'*+\\-/=?^_`{|}~\\u0080-\\uffff]";
const DOT_ATOM = `${ATEXT}+(?:\\.${ATEXT}+)*`;
const QUOTED = '"(?:[^"\\\\\\r\\n]|\\\\.)*"';
const ADDR_SPEC = `(?:${DOT_ATOM}|${QUOTED})@(?:${DOT_ATOM}|\\[[^\\[\\]\\\\]*\\])`;
const PHRASE = `(?:${ATEXT}|[.]|${QUOTED})(?:${ATEXT}|[.\\s]|${QUOTED})*`;
/** net/mail.ParseAddress: `local@domain`, or `Display Name <local@domain>`. */
const MAIL = new RegExp(`^\\s*(?:${ADDR_SPEC}|(?:${PHRASE})?\\s*<${ADDR_SPEC}>)\\s*$`, 'u');

/** What net/url.Parse refuses: control characters, bad %-escapes, a bad host or port. */
function goUrlParses(s: string): { ok: boolean; scheme: string; path: string } {
  const bad = { ok: false, scheme: '', path: '' };
  if (/[\u0000-\u001f\u007f]/.test(s) || /%(?![0-9a-fA-F]{2})/.test(s)) return bad;
  let rest = s.replace(/#.*$/s, '');
  const sm = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(rest);
  const scheme = sm === null ? '' : (sm[1] as string);
  if (sm === null && /^[^/?]*:/.test(rest) && !rest.startsWith(':')) {
    // No scheme but a colon before the first slash: "first path segment in URL cannot contain colon".
    return bad;
  }
  if (sm === null && rest.startsWith(':')) return bad; // "missing protocol scheme"
  rest = rest.slice(scheme === '' ? 0 : scheme.length + 1).replace(/\?.*$/s, '');
  if (rest.startsWith('//')) {
    const end = rest.slice(2).search(/[/]/);
    const authority = end === -1 ? rest.slice(2) : rest.slice(2, 2 + end);
    const host = authority.slice(authority.lastIndexOf('@') + 1);
    if (host.startsWith('[')) {
      const close = host.indexOf(']');
      if (close === -1 || !/^(?::\d*)?$/.test(host.slice(close + 1))) return bad;
    } else {
      const colon = host.lastIndexOf(':');
      const name = colon === -1 ? host : host.slice(0, colon);
      if (colon !== -1 && !/^\d*$/.test(host.slice(colon + 1))) return bad;
      if (!/^[A-Za-z0-9\-._~!$&'()*+,;=%<>"]*$/.test(name)) return bad;
    }
    rest = end === -1 ? '' : rest.slice(2 + end);
  }
  return { ok: true, scheme, path: rest };
}

const HOSTNAME = /^([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]{0,61}[a-zA-Z0-9])(\.([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]{0,61}[a-zA-Z0-9]))*$/;
const URI_TEMPLATE = /^([^{]*({[^}]*})?)*$/;
const UUID = /^[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}$/i;
const JSON_POINTER = /^(?:\/(?:[^~/]|~0|~1)*)*$/;
const REL_JSON_POINTER = /^(?:0|[1-9][0-9]*)(?:#|(?:\/(?:[^~/]|~0|~1)*)*)$/;

const email = (s: string): boolean => MAIL.test(s);
const uri = (s: string): boolean => {
  const u = goUrlParses(s);
  return u.ok && u.scheme !== '' && !s.includes('\\');
};
const uriReference = (s: string): boolean => goUrlParses(s).ok && !s.includes('\\');

/**
 * gojsonschema's FormatCheckers by format name; each takes a string (others pass unchecked).
 *
 * @example GO_SCHEMA_FORMATS.ipv4('10.0.0.1') // true
 */
export const GO_SCHEMA_FORMATS: Record<string, (s: string) => boolean> = {
  date: isGoDate,
  time: (s) => isGoClock(s, true) || isGoClock(s, false),
  'date-time': (s) => isGoClock(s, false) || isGoClock(s, true) || isGoDate(s) || isGoRfc3339(s),
  hostname: (s) => HOSTNAME.test(s) && s.length < 256,
  email,
  'idn-email': email,
  ipv4: (s) => parseIp(s) !== undefined && s.includes('.'),
  ipv6: (s) => parseIp(s) !== undefined && s.includes(':'),
  uri,
  'uri-reference': uriReference,
  iri: uri,
  'iri-reference': uriReference,
  'uri-template': (s) => {
    const u = goUrlParses(s);
    return u.ok && !s.includes('\\') && URI_TEMPLATE.test(u.path);
  },
  uuid: (s) => UUID.test(s),
  regex: (s) => {
    if (s === '') return true;
    try {
      compileGoRegexp(s);
      return true;
    } catch {
      return false;
    }
  },
  'json-pointer': (s) => JSON_POINTER.test(s),
  'relative-json-pointer': (s) => REL_JSON_POINTER.test(s),
};
