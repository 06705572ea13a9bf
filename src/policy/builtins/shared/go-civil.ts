/**
 * Civil time as Go's `time` package computes it, for OPA's time.* builtins: instants are bigint
 * nanoseconds since the Unix epoch (Go's UnixNano), civil fields use proleptic Gregorian
 * arithmetic (days-from-civil), so the whole int64 range (1677–2262) works; IANA zones come from
 * Intl.DateTimeFormat. Layouts are in go-layout.ts, durations in go-duration.ts.
 *
 * @example
 *   toCivil({ ns: 0n, zone: loadZone('Asia/Tokyo') }).hour; // 9
 */

export class GoTimeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GoTimeError';
  }
}

export const INT64_MIN = -(2n ** 63n);
export const INT64_MAX = 2n ** 63n - 1n;
const NS_PER_SEC = 1_000_000_000n;

// ------------------------------------------------------------------------ civil arithmetic

/** Days since 1970-01-01 of a proleptic Gregorian date (month 1–12, any day). */
export function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const mp = (m + 9) % 12;
  const doy = Math.floor((153 * mp + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

export function civilFromDays(z: number): [number, number, number] {
  const zz = z + 719468;
  const era = Math.floor(zz / 146097);
  const doe = zz - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const y = yoe + era * 400;
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return [m <= 2 ? y + 1 : y, m, d];
}

export function isLeap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

export function daysIn(y: number, m: number): number {
  return m === 2 ? (isLeap(y) ? 29 : 28) : [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1] as number;
}

/** A Go time.Time: an instant plus the zone it is shown in. */
export interface GoTime {
  ns: bigint;
  zone: Zone;
}

export interface Zone {
  /** IANA name ('UTC' for UTC, '' for a fixed offset). */
  name: string;
  /** Fixed offset in seconds, for zones without a name. */
  fixed?: { offset: number; abbr: string };
}

export const UTC: Zone = { name: 'UTC' };

const dtfCache = new Map<string, Intl.DateTimeFormat>();

function dtf(zone: string): Intl.DateTimeFormat {
  let f = dtfCache.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      era: 'short',
    });
    dtfCache.set(zone, f);
  }
  return f;
}

/** Loads a zone by IANA name as Go's time.LoadLocation ("", "UTC", "Local" included). */
export function loadZone(name: string): Zone {
  if (name === '' || name === 'UTC') return UTC;
  if (name === 'Local') return { name: Intl.DateTimeFormat().resolvedOptions().timeZone };
  // Go refuses these before looking anything up (no IANA name has a dot dot or a leading slash).
  if (name.includes('..') || name[0] === '/' || name[0] === '\\') throw new GoTimeError('time: invalid location name');
  let resolved: string;
  try {
    resolved = dtf(name).resolvedOptions().timeZone;
  } catch {
    throw new GoTimeError(`unknown time zone ${name}`);
  }
  // Intl also takes what no zoneinfo file is named: UTC offsets ("+01:00") and names in another
  // case ("america/new_york"); Go's lookup is a file name, exact.
  if (/^[+-]/.test(name) || (resolved !== name && resolved.toLowerCase() === name.toLowerCase())) throw new GoTimeError(`unknown time zone ${name}`);
  return { name };
}

/** UTC offset (seconds) of `zone` at Unix second `sec`; `abbr` is filled only on request (it costs more). */
export function zoneOffset(zone: Zone, sec: number, withAbbr = false): { offset: number; abbr: string } {
  if (zone.fixed) return zone.fixed;
  if (zone.name === 'UTC') return { offset: 0, abbr: 'UTC' };
  // Intl works on JS Date (±8.64e15 ms): clamp, offsets are stable far from today anyway.
  const ms = Math.max(-8.64e15, Math.min(8.64e15, sec * 1000));
  const parts = dtf(zone.name).formatToParts(new Date(ms));
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  let y = Number(get('year'));
  if (get('era') === 'BC' || get('era') === 'B') y = 1 - y;
  const local = daysFromCivil(y, Number(get('month')), Number(get('day'))) * 86400 + Number(get('hour')) * 3600 + Number(get('minute')) * 60 + Number(get('second'));
  const offset = local - Math.floor(ms / 1000);
  return { offset, abbr: withAbbr ? zoneAbbr(zone.name, ms, offset) : '' };
}

// CLDR has tzdata-style abbreviations per locale ("CET" only in en-GB, "JST" in ja-JP, …): take
// the first all-letters name among these, else Go's numeric form for zones without letters.
const ABBR_LOCALES = ['en-US', 'en-GB', 'en-IN', 'en-AU', 'ja-JP', 'en-ZA'];
const abbrDtfCache = new Map<string, Intl.DateTimeFormat>();

/** tzdata's GMT links keep the abbreviation GMT, which Intl renders as UTC. */
const GMT_ZONES = new Set(['GMT', 'Etc/GMT', 'GMT0', 'GMT+0', 'GMT-0', 'Etc/GMT0', 'Etc/GMT+0', 'Etc/GMT-0', 'Greenwich', 'Etc/Greenwich']);

function zoneAbbr(zone: string, ms: number, offset: number): string {
  if (GMT_ZONES.has(zone)) return 'GMT';
  for (const locale of ABBR_LOCALES) {
    const key = `${locale}#${zone}`;
    let f = abbrDtfCache.get(key);
    if (!f) {
      f = new Intl.DateTimeFormat(locale, { timeZone: zone, timeZoneName: 'short' });
      abbrDtfCache.set(key, f);
    }
    const name = f.formatToParts(new Date(ms)).find((p) => p.type === 'timeZoneName')?.value ?? '';
    if (/^[A-Z]{2,5}$/.test(name) && (name !== 'GMT' || offset === 0)) return name;
  }
  const a = Math.abs(offset);
  const hh = String(Math.floor(a / 3600)).padStart(2, '0');
  const mm = Math.floor((a % 3600) / 60);
  return (offset < 0 ? '-' : '+') + hh + (mm ? String(mm).padStart(2, '0') : '');
}

/** Civil fields of an instant in its zone. */
export interface Civil {
  year: number;
  month: number;
  day: number;
  hour: number;
  min: number;
  sec: number;
  nsec: number;
  weekday: number; // 0 = Sunday
  yday: number; // 1-based
  offset: number;
  abbr: string;
}

export function toCivil(t: GoTime, withAbbr = false): Civil {
  const sec = t.ns >= 0n ? t.ns / NS_PER_SEC : -((-t.ns + NS_PER_SEC - 1n) / NS_PER_SEC);
  const nsec = Number(t.ns - sec * NS_PER_SEC);
  const z = zoneOffset(t.zone, Number(sec), withAbbr);
  const local = Number(sec) + z.offset;
  const days = Math.floor(local / 86400);
  const rem = local - days * 86400;
  const [year, month, day] = civilFromDays(days);
  return {
    year,
    month,
    day,
    hour: Math.floor(rem / 3600),
    min: Math.floor((rem % 3600) / 60),
    sec: rem % 60,
    nsec,
    weekday: (((days + 4) % 7) + 7) % 7,
    yday: days - daysFromCivil(year, 1, 1) + 1,
    offset: z.offset,
    abbr: z.abbr,
  };
}

/**
 * Go's time.Date: civil fields (any range, normalised like Go) in `zone` → instant. The zone
 * offset is the one in force at that local time (looked up twice, as Go does around transitions).
 */
export function fromCivil(year: number, month: number, day: number, hour: number, min: number, sec: number, nsec: number, zone: Zone): bigint {
  const m0 = month - 1;
  const y = year + Math.floor(m0 / 12);
  const m = (((m0 % 12) + 12) % 12) + 1;
  const days = daysFromCivil(y, m, 1) + (day - 1);
  const local = BigInt(days) * 86400n + BigInt(hour) * 3600n + BigInt(min) * 60n + BigInt(sec);
  let off = zoneOffset(zone, Number(local)).offset;
  const off2 = zoneOffset(zone, Number(local) - off).offset;
  if (off2 !== off) off = off2;
  return (local - BigInt(off)) * NS_PER_SEC + BigInt(nsec);
}
