/**
 * Go reference-time layouts ("2006-01-02T15:04:05Z07:00") for formatting and parsing, after Go's
 * nextStdChunk / Time.Format / time.Parse, with Go's error texts.
 *
 * @example
 *   parseGoTime('2006-01-02', '2020-02-29'); // 1582934400000000000n
 *   formatGoTime({ ns: 0n, zone: UTC }, 'Mon Jan _2 15:04:05 2006'); // 'Thu Jan  1 00:00:00 1970'
 */
import { daysFromCivil, daysIn, GoTimeError, isLeap, toCivil, type GoTime } from '../shared/go-civil.js';

const NS_PER_SEC = 1_000_000_000n;

const LONG_DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const LONG_MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

export const GO_LAYOUTS: Record<string, string> = {
  ANSIC: 'Mon Jan _2 15:04:05 2006',
  UnixDate: 'Mon Jan _2 15:04:05 MST 2006',
  RubyDate: 'Mon Jan 02 15:04:05 -0700 2006',
  RFC822: '02 Jan 06 15:04 MST',
  RFC822Z: '02 Jan 06 15:04 -0700',
  RFC850: 'Monday, 02-Jan-06 15:04:05 MST',
  RFC1123: 'Mon, 02 Jan 2006 15:04:05 MST',
  RFC1123Z: 'Mon, 02 Jan 2006 15:04:05 -0700',
  RFC3339: '2006-01-02T15:04:05Z07:00',
  RFC3339Nano: '2006-01-02T15:04:05.999999999Z07:00',
};

type Std =
  | 'LongMonth'
  | 'Month'
  | 'NumMonth'
  | 'ZeroMonth'
  | 'LongWeekDay'
  | 'WeekDay'
  | 'Day'
  | 'UnderDay'
  | 'ZeroDay'
  | 'UnderYearDay'
  | 'ZeroYearDay'
  | 'Hour'
  | 'Hour12'
  | 'ZeroHour12'
  | 'Minute'
  | 'ZeroMinute'
  | 'Second'
  | 'ZeroSecond'
  | 'LongYear'
  | 'Year'
  | 'PM'
  | 'pm'
  | 'TZ'
  | 'ISO8601TZ'
  | 'ISO8601SecondsTZ'
  | 'ISO8601ShortTZ'
  | 'ISO8601ColonTZ'
  | 'ISO8601ColonSecondsTZ'
  | 'NumTZ'
  | 'NumSecondsTz'
  | 'NumShortTZ'
  | 'NumColonTZ'
  | 'NumColonSecondsTZ'
  | 'Frac0'
  | 'Frac9';

interface Chunk {
  prefix: string;
  std: Std | undefined;
  /** the layout text of the element (for error messages) */
  text: string;
  /** fractional-second digits */
  digits: number;
  /** '.' or ',' for fractional seconds */
  sep: string;
}

const isLower = (c: string | undefined) => c !== undefined && c >= 'a' && c <= 'z';
const isDigitAt = (s: string, i: number) => i < s.length && (s[i] as string) >= '0' && (s[i] as string) <= '9';

// Layouts are few and reused on every call: keep their chunk lists.
const CHUNK_CACHE_MAX = 64;
const chunkCache = new Map<string, Chunk[]>();

function chunks(layout: string): Chunk[] {
  let c = chunkCache.get(layout);
  if (!c) {
    c = splitLayout(layout);
    if (chunkCache.size >= CHUNK_CACHE_MAX) chunkCache.delete(chunkCache.keys().next().value as string);
    chunkCache.set(layout, c);
  }
  return c;
}

/** Go's nextStdChunk, applied to a whole layout. */
function splitLayout(layout: string): Chunk[] {
  const out: Chunk[] = [];
  let lit = '';
  let i = 0;
  const push = (std: Std, len: number, extra: Partial<Chunk> = {}) => {
    out.push({ prefix: lit, std, text: layout.slice(i, i + len), digits: 0, sep: '', ...extra });
    lit = '';
    i += len;
  };
  const table: [string, Std][] = [
    ['Z07:00:00', 'ISO8601ColonSecondsTZ'],
    ['Z070000', 'ISO8601SecondsTZ'],
    ['Z07:00', 'ISO8601ColonTZ'],
    ['Z0700', 'ISO8601TZ'],
    ['Z07', 'ISO8601ShortTZ'],
    ['-07:00:00', 'NumColonSecondsTZ'],
    ['-070000', 'NumSecondsTz'],
    ['-07:00', 'NumColonTZ'],
    ['-0700', 'NumTZ'],
    ['-07', 'NumShortTZ'],
  ];
  // Bounded: every iteration consumes at least one character.
  outer: while (i < layout.length) {
    const c = layout[i] as string;
    const rest = layout.slice(i);
    switch (c) {
      case 'J':
        if (rest.startsWith('January')) {
          push('LongMonth', 7);
          continue;
        }
        if (rest.startsWith('Jan') && !isLower(rest[3])) {
          push('Month', 3);
          continue;
        }
        break;
      case 'M':
        if (rest.startsWith('Monday')) {
          push('LongWeekDay', 6);
          continue;
        }
        if (rest.startsWith('Mon') && !isLower(rest[3])) {
          push('WeekDay', 3);
          continue;
        }
        if (rest.startsWith('MST')) {
          push('TZ', 3);
          continue;
        }
        break;
      case '0': {
        const n = rest[1];
        if (n !== undefined && n >= '1' && n <= '6') {
          push((['ZeroMonth', 'ZeroDay', 'ZeroHour12', 'ZeroMinute', 'ZeroSecond', 'Year'] as Std[])[Number(n) - 1] as Std, 2);
          continue;
        }
        if (rest.startsWith('002')) {
          push('ZeroYearDay', 3);
          continue;
        }
        break;
      }
      case '1':
        if (rest.startsWith('15')) push('Hour', 2);
        else push('NumMonth', 1);
        continue;
      case '2':
        if (rest.startsWith('2006')) push('LongYear', 4);
        else push('Day', 1);
        continue;
      case '_':
        if (rest.startsWith('_2')) {
          // "_2006" is a literal underscore followed by a year.
          if (rest.startsWith('_2006')) {
            lit += '_';
            i++;
            push('LongYear', 4);
            continue;
          }
          push('UnderDay', 2);
          continue;
        }
        if (rest.startsWith('__2')) {
          push('UnderYearDay', 3);
          continue;
        }
        break;
      case '3':
        push('Hour12', 1);
        continue;
      case '4':
        push('Minute', 1);
        continue;
      case '5':
        push('Second', 1);
        continue;
      case 'P':
        if (rest.startsWith('PM')) {
          push('PM', 2);
          continue;
        }
        break;
      case 'p':
        if (rest.startsWith('pm')) {
          push('pm', 2);
          continue;
        }
        break;
      case '-':
      case 'Z':
        for (const [p, std] of table) {
          if (p[0] === c && rest.startsWith(p)) {
            push(std, p.length);
            continue outer;
          }
        }
        break;
      case '.':
      case ',': {
        const d = rest[1];
        if (d === '0' || d === '9') {
          let j = 1;
          while (rest[j] === d) j++;
          if (!isDigitAt(rest, j)) {
            push(d === '0' ? 'Frac0' : 'Frac9', j, { digits: j - 1, sep: c });
            continue;
          }
        }
        break;
      }
    }
    lit += c;
    i++;
  }
  if (lit !== '') out.push({ prefix: lit, std: undefined, text: '', digits: 0, sep: '' });
  return out;
}

const pad = (n: number, w: number) => {
  const s = String(Math.abs(n)).padStart(w, '0');
  return n < 0 ? '-' + s : s;
};

/** Formats an instant with a Go layout (time.Time.Format). */
export function formatGoTime(t: GoTime, layout: string): string {
  const cs = chunks(layout);
  const c = toCivil(t, cs.some((ch) => ch.std === 'TZ'));
  let out = '';
  for (const ch of cs) {
    out += ch.prefix;
    switch (ch.std) {
      case undefined:
        break;
      case 'LongMonth':
        out += LONG_MONTHS[c.month - 1];
        break;
      case 'Month':
        out += (LONG_MONTHS[c.month - 1] as string).slice(0, 3);
        break;
      case 'NumMonth':
        out += c.month;
        break;
      case 'ZeroMonth':
        out += pad(c.month, 2);
        break;
      case 'LongWeekDay':
        out += LONG_DAYS[c.weekday];
        break;
      case 'WeekDay':
        out += (LONG_DAYS[c.weekday] as string).slice(0, 3);
        break;
      case 'Day':
        out += c.day;
        break;
      case 'UnderDay':
        out += c.day < 10 ? ' ' + c.day : String(c.day);
        break;
      case 'ZeroDay':
        out += pad(c.day, 2);
        break;
      case 'UnderYearDay':
        out += String(c.yday).padStart(3, ' ');
        break;
      case 'ZeroYearDay':
        out += pad(c.yday, 3);
        break;
      case 'Hour':
        out += pad(c.hour, 2);
        break;
      case 'Hour12':
        out += c.hour % 12 === 0 ? 12 : c.hour % 12;
        break;
      case 'ZeroHour12':
        out += pad(c.hour % 12 === 0 ? 12 : c.hour % 12, 2);
        break;
      case 'Minute':
        out += c.min;
        break;
      case 'ZeroMinute':
        out += pad(c.min, 2);
        break;
      case 'Second':
        out += c.sec;
        break;
      case 'ZeroSecond':
        out += pad(c.sec, 2);
        break;
      case 'LongYear':
        out += pad(c.year, 4);
        break;
      case 'Year':
        out += pad(((c.year % 100) + 100) % 100, 2);
        break;
      case 'PM':
        out += c.hour >= 12 ? 'PM' : 'AM';
        break;
      case 'pm':
        out += c.hour >= 12 ? 'pm' : 'am';
        break;
      case 'TZ':
        out += c.abbr !== '' ? c.abbr : formatOffset(c.offset, 'NumTZ');
        break;
      case 'Frac0':
        out += ch.sep + String(c.nsec).padStart(9, '0').slice(0, ch.digits);
        break;
      case 'Frac9': {
        const f = String(c.nsec).padStart(9, '0').slice(0, ch.digits).replace(/0+$/, '');
        if (f !== '') out += ch.sep + f;
        break;
      }
      default:
        if (ch.std.startsWith('ISO8601') && c.offset === 0) out += 'Z';
        else out += formatOffset(c.offset, ch.std);
    }
  }
  return out;
}

function formatOffset(offset: number, std: Std): string {
  const sign = offset < 0 ? '-' : '+';
  const a = Math.abs(offset);
  const hh = pad(Math.floor(a / 3600), 2);
  const mm = pad(Math.floor((a % 3600) / 60), 2);
  const ss = pad(a % 60, 2);
  switch (std) {
    case 'ISO8601ShortTZ':
    case 'NumShortTZ':
      return sign + hh;
    case 'ISO8601ColonTZ':
    case 'NumColonTZ':
      return `${sign}${hh}:${mm}`;
    case 'ISO8601ColonSecondsTZ':
    case 'NumColonSecondsTZ':
      return `${sign}${hh}:${mm}:${ss}`;
    case 'ISO8601SecondsTZ':
    case 'NumSecondsTz':
      return sign + hh + mm + ss;
    default:
      return sign + hh + mm;
  }
}

/** Go's time.Parse (no default location: UTC) → Unix nanoseconds. Throws GoTimeError. */
export function parseGoTime(layout: string, value: string): bigint {
  const original = value;
  const bad = (elem: string, rest: string, extra = ''): never => {
    throw new GoTimeError(
      extra !== ''
        ? `parsing time ${JSON.stringify(original)}${extra}`
        : `parsing time ${JSON.stringify(original)} as ${JSON.stringify(layout)}: cannot parse ${JSON.stringify(rest)} as ${JSON.stringify(elem)}`,
    );
  };
  let year = 1;
  let month = -1;
  let day = -1;
  let yday = -1;
  let hour = 0;
  let min = 0;
  let sec = 0;
  let nsec = 0;
  let pmSet = false;
  let amSet = false;
  let zoneOff = -1;
  let zoneName = '';
  let utc = false;
  const cs = chunks(layout);
  for (let ci = 0; ci < cs.length; ci++) {
    const ch = cs[ci] as Chunk;
    // Literal prefix: a run of spaces in the layout matches a (non-empty) run in the value.
    let p = ch.prefix;
    while (p.length > 0) {
      if (p[0] === ' ') {
        if (value.length > 0 && value[0] !== ' ') bad(ch.prefix, value);
        p = p.replace(/^ +/, '');
        value = value.replace(/^ +/, '');
        continue;
      }
      if (value.length === 0 || value[0] !== p[0]) bad(ch.prefix, value);
      p = p.slice(1);
      value = value.slice(1);
    }
    if (ch.std === undefined) break;
    const hold = value;
    const num = (fixed: boolean, max = 2): number => {
      let k = 0;
      while (k < max && k < value.length && (value[k] as string) >= '0' && (value[k] as string) <= '9') k++;
      if (k === 0 || (fixed && k !== max)) return bad(ch.text, hold);
      const n = Number(value.slice(0, k));
      value = value.slice(k);
      return n;
    };
    const lookup = (names: string[]): number => {
      for (let k = 0; k < names.length; k++) {
        const n = names[k] as string;
        if (value.length >= n.length && value.slice(0, n.length).toLowerCase() === n.toLowerCase()) {
          value = value.slice(n.length);
          return k;
        }
      }
      return bad(ch.text, hold);
    };
    const range = (v: number, lo: number, hi: number, what: string) => {
      if (v < lo || v > hi) bad('', '', `: ${what} out of range`);
      return v;
    };
    switch (ch.std) {
      case 'Year': {
        const y = num(true);
        year = y >= 69 ? 1900 + y : 2000 + y;
        break;
      }
      case 'LongYear': {
        if (!/^\d{4}/.test(value)) bad(ch.text, hold);
        year = Number(value.slice(0, 4));
        value = value.slice(4);
        break;
      }
      case 'Month':
        month = lookup(LONG_MONTHS.map((m) => m.slice(0, 3))) + 1;
        break;
      case 'LongMonth':
        month = lookup(LONG_MONTHS) + 1;
        break;
      case 'NumMonth':
      case 'ZeroMonth':
        month = num(ch.std === 'ZeroMonth');
        if (month <= 0 || month > 12) bad('', '', ': month out of range');
        break;
      case 'WeekDay':
        lookup(LONG_DAYS.map((d) => d.slice(0, 3)));
        break;
      case 'LongWeekDay':
        lookup(LONG_DAYS);
        break;
      case 'Day':
      case 'UnderDay':
      case 'ZeroDay':
        if (ch.std === 'UnderDay' && value[0] === ' ') value = value.slice(1);
        day = num(ch.std === 'ZeroDay');
        break;
      case 'UnderYearDay':
      case 'ZeroYearDay':
        if (ch.std === 'UnderYearDay') value = value.replace(/^ {1,2}/, '');
        yday = num(ch.std === 'ZeroYearDay', 3);
        break;
      case 'Hour':
        hour = range(num(false), 0, 23, 'hour');
        break;
      case 'Hour12':
      case 'ZeroHour12':
        hour = range(num(ch.std === 'ZeroHour12'), 0, 12, 'hour');
        break;
      case 'Minute':
      case 'ZeroMinute':
        min = range(num(ch.std === 'ZeroMinute'), 0, 59, 'minute');
        break;
      case 'Second':
      case 'ZeroSecond': {
        sec = range(num(ch.std === 'ZeroSecond'), 0, 59, 'second');
        // A fractional second in the value that the layout does not spell out is accepted.
        const next = cs[ci + 1];
        const m = /^[.,]\d+/.exec(value);
        if (m && !(next && next.prefix === '' && (next.std === 'Frac0' || next.std === 'Frac9'))) {
          nsec = fracNs(m[0].slice(1));
          value = value.slice(m[0].length);
        }
        break;
      }
      case 'PM':
      case 'pm': {
        const s = value.slice(0, 2);
        const up = ch.std === 'PM' ? s : s.toUpperCase();
        if (up === 'PM') pmSet = true;
        else if (up === 'AM') amSet = true;
        else bad(ch.text, hold);
        if (ch.std === 'pm' && s !== s.toLowerCase()) bad(ch.text, hold);
        value = value.slice(2);
        break;
      }
      case 'TZ': {
        if (value.startsWith('UTC')) {
          utc = true;
          value = value.slice(3);
          break;
        }
        const m = /^(GMT(?:[+-]\d{1,2})?|[A-Z]{3,5}T?)/.exec(value);
        if (!m) bad(ch.text, hold);
        const name = (m as RegExpExecArray)[0];
        const g = /^GMT([+-]\d{1,2})$/.exec(name);
        if (g) zoneOff = Number(g[1]) * 3600;
        zoneName = name;
        value = value.slice(name.length);
        break;
      }
      case 'Frac0': {
        const m = new RegExp(`^[.,]\\d{${ch.digits}}`).exec(value);
        if (!m) bad(ch.text, hold);
        nsec = fracNs((m as RegExpExecArray)[0].slice(1));
        value = value.slice((m as RegExpExecArray)[0].length);
        break;
      }
      case 'Frac9': {
        const m = /^[.,]\d+/.exec(value);
        if (m) {
          nsec = fracNs(m[0].slice(1));
          value = value.slice(m[0].length);
        }
        break;
      }
      default: {
        // Numeric / ISO 8601 zone offsets.
        if (ch.std.startsWith('ISO8601') && value[0] === 'Z') {
          value = value.slice(1);
          utc = true;
          break;
        }
        const colon = ch.std.includes('Colon');
        const secs = ch.std.includes('Seconds') || ch.std === 'NumSecondsTz';
        const short = ch.std.includes('Short');
        const re = short ? /^([+-])(\d\d)/ : colon ? (secs ? /^([+-])(\d\d):(\d\d):(\d\d)/ : /^([+-])(\d\d):(\d\d)/) : secs ? /^([+-])(\d\d)(\d\d)(\d\d)/ : /^([+-])(\d\d)(\d\d)/;
        const m = re.exec(value);
        if (!m) bad(ch.text, hold);
        const mm = m as RegExpExecArray;
        const hh = Number(mm[2]);
        const mi = Number(mm[3] ?? 0);
        const ss = Number(mm[4] ?? 0);
        // Go tests each part with > (offsets of 24 hours or 60 minutes occur); the last failing one is named.
        const over = ss > 60 ? 'second' : mi > 60 ? 'minute' : hh > 24 ? 'hour' : '';
        if (over) bad('', '', `: time zone offset ${over} out of range`);
        zoneOff = (hh * 3600 + mi * 60 + ss) * (mm[1] === '-' ? -1 : 1);
        value = value.slice(mm[0].length);
      }
    }
  }
  if (value.length > 0) bad('', value, `: extra text: ${JSON.stringify(value)}`);
  if (pmSet && hour < 12) hour += 12;
  else if (amSet && hour === 12) hour = 0;
  if (yday >= 0) {
    if (yday < 1 || yday > (isLeap(year) ? 366 : 365)) bad('', '', ': day-of-year out of range');
    let m = 1;
    let d = yday;
    while (d > daysIn(year, m)) {
      d -= daysIn(year, m);
      m++;
    }
    if ((month >= 0 && month !== m) || (day >= 0 && day !== d)) bad('', '', ': day-of-year does not match month');
    month = m;
    day = d;
  } else {
    if (month < 0) month = 1;
    if (day < 0) day = 1;
  }
  if (day < 1 || day > daysIn(year, month)) bad('', '', ': day out of range');
  const local = BigInt(daysFromCivil(year, month, day)) * 86400n + BigInt(hour * 3600 + min * 60 + sec);
  let off = 0;
  if (!utc && zoneOff !== -1) off = zoneOff;
  return (local - BigInt(off)) * NS_PER_SEC + BigInt(nsec);
  // (zoneName is informational: Go records unknown abbreviations with a zero offset.)
}

function fracNs(digits: string): number {
  return Number(digits.slice(0, 9).padEnd(9, '0'));
}
