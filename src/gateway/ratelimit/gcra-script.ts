/**
 * GCRA (the generic cell rate algorithm, ITU-T I.371 / "leaky bucket as a meter") in one Lua
 * script: one round trip checks and updates every bucket of a request atomically, using Redis's
 * own clock (`TIME`) so instances with skewed clocks agree.
 *
 * Per bucket the state is one number, the theoretical arrival time TAT (µs). With emission
 * interval T = window/limit and burst tolerance = window, a request of n cells is admitted iff
 * now >= TAT + n·T - window; then TAT := max(TAT, now) + n·T. So a bucket admits `limit` at once
 * and refills one cell every T — a sliding window without per-request storage.
 *
 * Leases: a caller may ask for `want` cells but accept as few as one; the script grants
 * min(want, available). Grants are all-or-nothing across buckets (if any bucket has no cell,
 * nothing is written). A negative `want` refunds unused leased cells (TAT moves back, never
 * before now).
 *
 * Reply: { admitted(0|1), per bucket: granted, remaining, reset_ms, retry_after_ms }.
 */
import type { RedisClient } from '../shared/redis-connection.js';

export const GCRA_LUA = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local n = #KEYS
local tats, grants = {}, {}
local out = {1}
local admitted = 1
for i = 1, n do
  local T = tonumber(ARGV[(i - 1) * 3 + 1])
  local W = tonumber(ARGV[(i - 1) * 3 + 2])
  local want = tonumber(ARGV[(i - 1) * 3 + 3])
  local tat = tonumber(redis.call('GET', KEYS[i]) or '0')
  if tat < now then tat = now end
  tats[i] = tat
  if want < 0 then
    grants[i] = want
  else
    local avail = math.floor((now + W - tat) / T)
    local g = want
    if avail < g then g = avail end
    if g < 1 then
      admitted = 0
      g = 0
    end
    grants[i] = g
  end
end
for i = 1, n do
  local T = tonumber(ARGV[(i - 1) * 3 + 1])
  local W = tonumber(ARGV[(i - 1) * 3 + 2])
  local tat = tats[i]
  local g = grants[i]
  if admitted == 1 and g ~= 0 then
    tat = tat + g * T
    if tat < now then tat = now end
    local ttl = math.ceil((tat - now) / 1000)
    if ttl < 1 then ttl = 1 end
    redis.call('SET', KEYS[i], string.format('%.0f', tat), 'PX', ttl)
  end
  local remaining = math.floor((now + W - tat) / T)
  if remaining < 0 then remaining = 0 end
  local retry = 0
  if g == 0 then retry = math.ceil((tat + T - W - now) / 1000) end
  if retry < 0 then retry = 0 end
  local granted = g
  if admitted == 0 or granted < 0 then granted = 0 end
  out[#out + 1] = granted
  out[#out + 1] = remaining
  out[#out + 1] = math.ceil((tat - now) / 1000)
  out[#out + 1] = retry
end
out[1] = admitted
return out
`;

export interface GcraRequest {
  key: string;
  limit: number;
  window_s: number;
  /** cells wanted (≥1; more = a lease) or a negative refund */
  want: number;
}

export interface GcraBucketResult {
  granted: number;
  remaining: number;
  resetMs: number;
  retryAfterMs: number;
}

export interface GcraResult {
  admitted: boolean;
  buckets: GcraBucketResult[];
}

type WithGcra = { regateGcra(numKeys: number, ...args: (string | number)[]): Promise<number[]> };

/** Registers the script on the client (EVALSHA with EVAL fallback, done by ioredis). */
export function createGcraRunner(client: RedisClient): (reqs: readonly GcraRequest[]) => Promise<GcraResult> {
  client.defineCommand('regateGcra', { lua: GCRA_LUA });
  const c = client as unknown as WithGcra;
  return async (reqs) => {
    const args: (string | number)[] = reqs.map((r) => r.key);
    for (const r of reqs) {
      const W = Math.round(r.window_s * 1e6);
      args.push(W / r.limit, W, r.want);
    }
    const raw = await c.regateGcra(reqs.length, ...args);
    const buckets: GcraBucketResult[] = [];
    for (let i = 0; i < reqs.length; i++) {
      const o = 1 + i * 4;
      buckets.push({ granted: raw[o]!, remaining: raw[o + 1]!, resetMs: raw[o + 2]!, retryAfterMs: raw[o + 3]! });
    }
    return { admitted: raw[0] === 1, buckets };
  };
}
