/**
 * Rate-limit response fields of the IETF httpapi draft "RateLimit header fields for HTTP"
 * (draft-ietf-httpapi-ratelimit-headers-09 and later), which replaced the older
 * RateLimit-Limit/-Remaining/-Reset trio with two structured-field lists (RFC 8941):
 *
 *   RateLimit-Policy: "b0";q=100;w=60, "b1";q=10;w=1     quota q per window w seconds
 *   RateLimit:        "b0";r=42;t=12, "b1";r=9;t=1       remaining r, seconds t until reset
 *
 * Policy names are positional (`b0`, `b1`, …) rather than the bucket keys, which may hold user
 * ids that a client need not see. On 429, `Retry-After` (RFC 9110 §10.2.3) is whole seconds.
 *
 * Example: `rateLimitHeaders([{ limit: 100, window_s: 60, remaining: 42, resetMs: 11200 }])`
 */

export interface BucketState {
  limit: number;
  window_s: number;
  remaining: number;
  resetMs: number;
}

/** sf-integer for q/r/t; a fractional window is a decimal (at most 3 places per RFC 8941). */
function sfNumber(n: number): string {
  return Number.isInteger(n) ? String(n) : String(Math.round(n * 1000) / 1000);
}

// The policy header of one bucket by its limit and window, as last formatted: it changes only
// with the bucket, while `ratelimit` (remaining, reset) changes with every request.
let oneLimit = NaN;
let oneWindow = NaN;
let onePolicy = '';

export function rateLimitHeaders(states: readonly BucketState[]): { 'ratelimit-policy': string; ratelimit: string } {
  if (states.length === 1) {
    const s = states[0]!;
    if (s.limit !== oneLimit || s.window_s !== oneWindow) {
      onePolicy = `"b0";q=${s.limit};w=${sfNumber(s.window_s)}`;
      oneLimit = s.limit;
      oneWindow = s.window_s;
    }
    return { 'ratelimit-policy': onePolicy, ratelimit: `"b0";r=${Math.max(0, Math.floor(s.remaining))};t=${Math.max(0, Math.ceil(s.resetMs / 1000))}` };
  }
  // Built by concatenation (no part arrays): this runs on every rate-limited request.
  let pol = '';
  let cur = '';
  for (let i = 0; i < states.length; i++) {
    const s = states[i]!;
    if (i > 0) {
      pol += ', ';
      cur += ', ';
    }
    pol += `"b${i}";q=${s.limit};w=${sfNumber(s.window_s)}`;
    cur += `"b${i}";r=${Math.max(0, Math.floor(s.remaining))};t=${Math.max(0, Math.ceil(s.resetMs / 1000))}`;
  }
  return { 'ratelimit-policy': pol, ratelimit: cur };
}

export function retryAfterSeconds(ms: number): string {
  return String(Math.max(1, Math.ceil(ms / 1000)));
}
