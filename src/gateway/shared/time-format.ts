/**
 * Timestamps as the event contract writes them (DESIGN.md "Queues"): RFC 3339 with nanosecond
 * precision, like Go's time.RFC3339Nano. Audit events, rate-limit events and window summaries
 * (events/, ratelimit/) all use this one function, so a consumer parses one format.
 *
 * @example rfc3339Nano(Date.UTC(2026, 0, 2, 3, 4, 5, 678)) // '2026-01-02T03:04:05.678000000Z'
 */

/**
 * RFC 3339 with nanosecond precision from a ms epoch + ns remainder, like Go's time.RFC3339Nano.
 * The seconds part is cached: at thousands of events per second most share it, and
 * Date#toISOString was a visible share of the emitter's CPU.
 */
let cachedSec = -1;
let cachedPrefix = '';
let cachedMs = -1; // events come many per millisecond: the whole string of the last ms is kept too
let cachedMsText = '';
export function rfc3339Nano(ms: number, extraNs = 0): string {
  if (ms === cachedMs && extraNs === 0) return cachedMsText;
  const sec = Math.floor(ms / 1000);
  if (sec !== cachedSec) {
    cachedSec = sec;
    cachedPrefix = new Date(sec * 1000).toISOString().slice(0, 19) + '.';
  }
  const frac = Math.floor((ms - sec * 1000) * 1e6) + extraNs;
  const text = cachedPrefix + String(frac).padStart(9, '0') + 'Z';
  if (extraNs === 0) {
    cachedMs = ms;
    cachedMsText = text;
  }
  return text;
}
