/**
 * The `format` checks of gojsonschema (OPA internal/gojsonschema format_checkers.go): which
 * formats are known and what each accepts. An unknown format passes, as there. The checks lean
 * on the Go behaviours regate already reproduces: time.Parse layouts, net.ParseIP, RE2 syntax.
 */
import { parseIp } from '../shared/ip.js';
import { compileGoRegexp } from '../shared/re2.js';
// Go's time.Parse lives with the time builtins; the date/time formats are that parser, not a copy.
import { parseGoTime } from '../time/go-layout.js';

function parsesAs(layouts: readonly string[], s: string): boolean {
  for (const layout of layouts) {
    try {
      parseGoTime(layout, s);
      return true;
    } catch {
      // try the next layout
    }
  }
  return false;
}

/** Go's url.Parse refusals that matter here: control bytes, bad %-escapes, a colon before any slash in a scheme-less reference. */
function parsesAsUrl(s: string): { ok: boolean; scheme: string } {
  if (/[\x00-\x1f\x7f]/.test(s)) return { ok: false, scheme: '' };
  if (/%(?![0-9a-fA-F]{2})/.test(s)) return { ok: false, scheme: '' };
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(s);
  if (m === null) {
    const firstSegment = s.split(/[/?#]/, 1)[0] ?? '';
    if (firstSegment.includes(':')) return { ok: false, scheme: '' }; // "first path segment in URL cannot contain colon"
    return { ok: true, scheme: '' };
  }
  return { ok: true, scheme: m[1] as string };
}

const HOSTNAME = /^([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]{0,61}[a-zA-Z0-9])(\.([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]{0,61}[a-zA-Z0-9]))*$/;
const UUID = /^[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}$/i;
const JSON_POINTER = /^(?:\/(?:[^~/]|~0|~1)*)*$/;
const RELATIVE_JSON_POINTER = /^(?:0|[1-9][0-9]*)(?:#|(?:\/(?:[^~/]|~0|~1)*)*)$/;
const URI_TEMPLATE_PATH = /^([^{]*(\{[^}]*\})?)*$/;
/** net/mail.ParseAddress, simplified: `local@domain`, optionally as `Display Name <local@domain>`. */
const MAIL_ADDRESS = /^(?:[^<>@\s][^<>@]*\s*<)?[^\s<>@()",;:\\[\]]+@[^\s<>@()",;:\\[\]]+>?$/;

function isUri(s: string): boolean {
  const u = parsesAsUrl(s);
  return u.ok && u.scheme !== '' && !s.includes('\\');
}

function isUriReference(s: string): boolean {
  return parsesAsUrl(s).ok && !s.includes('\\');
}

/** Format name → check (strings only; gojsonschema lets other values pass). */
export const GOJSONSCHEMA_FORMATS: Readonly<Record<string, (s: string) => boolean>> = {
  date: (s) => parsesAs(['2006-01-02'], s),
  time: (s) => parsesAs(['15:04:05Z07:00', '15:04:05'], s),
  'date-time': (s) => parsesAs(['15:04:05', '15:04:05Z07:00', '2006-01-02', '2006-01-02T15:04:05Z07:00', '2006-01-02T15:04:05.999999999Z07:00'], s),
  hostname: (s) => HOSTNAME.test(s) && s.length < 256,
  email: (s) => MAIL_ADDRESS.test(s),
  'idn-email': (s) => MAIL_ADDRESS.test(s),
  ipv4: (s) => parseIp(s) !== undefined && s.includes('.'),
  ipv6: (s) => parseIp(s) !== undefined && s.includes(':'),
  uri: isUri,
  iri: isUri,
  'uri-reference': isUriReference,
  'iri-reference': isUriReference,
  'uri-template': (s) => isUriReference(s) && URI_TEMPLATE_PATH.test(s.replace(/^[a-zA-Z][a-zA-Z0-9+.-]*:(\/\/[^/?#]*)?/, '').split(/[?#]/, 1)[0] ?? ''),
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
  'relative-json-pointer': (s) => RELATIVE_JSON_POINTER.test(s),
};
