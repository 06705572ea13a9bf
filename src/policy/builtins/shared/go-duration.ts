/**
 * Go's time.ParseDuration ("1h15m30.5s", "-3µs"), with Go's error texts.
 *
 * @example
 *   parseGoDuration('1.5h'); // 5400000000000n
 */
import { GoTimeError, INT64_MAX } from './go-civil.js';

const UNITS: Record<string, number> = { ns: 1, us: 1e3, 'µs': 1e3, 'μs': 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/** Go's time.ParseDuration → nanoseconds. Throws GoTimeError with Go's messages. */
export function parseGoDuration(s: string): bigint {
  const orig = s;
  const q = JSON.stringify(orig);
  let neg = false;
  if (s[0] === '-' || s[0] === '+') {
    neg = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '0') return 0n;
  if (s === '') throw new GoTimeError(`time: invalid duration ${q}`);
  let total = 0n;
  // Bounded: every iteration consumes at least one character or throws.
  while (s !== '') {
    const m = /^(\d*)(?:\.(\d*))?/.exec(s) as RegExpExecArray;
    const whole = m[1] as string;
    const frac = m[2];
    if (whole === '' && (frac === undefined || frac === '')) throw new GoTimeError(`time: invalid duration ${q}`);
    s = s.slice(m[0].length);
    const u = /^[^0-9.]*/.exec(s) as RegExpExecArray;
    const unitName = u[0];
    if (unitName === '') throw new GoTimeError(`time: missing unit in duration ${q}`);
    const unit = UNITS[unitName];
    if (unit === undefined) throw new GoTimeError(`time: unknown unit ${JSON.stringify(unitName)} in duration ${q}`);
    s = s.slice(unitName.length);
    let v = BigInt(whole === '' ? '0' : whole) * BigInt(unit);
    if (frac) {
      // Go scales the fraction in float64: v += int64(float64(f) * (float64(unit) / scale)).
      const f = Number(frac.slice(0, 18));
      const scale = 10 ** Math.min(frac.length, 18);
      v += BigInt(Math.trunc(f * (unit / scale)));
    }
    total += v;
    if (total > 2n ** 63n) throw new GoTimeError(`time: invalid duration ${q}`);
  }
  if (!neg && total > INT64_MAX) throw new GoTimeError(`time: invalid duration ${q}`);
  return neg ? -total : total;
}
