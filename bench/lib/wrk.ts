/**
 * wrk (github.com/wg/wrk, Debian package `wrk`) as a bench load generator: a C event loop per
 * thread, far cheaper per request than autocannon, for rates autocannon cannot produce on the
 * load CPU. Same rules as autocannon: its own pinned process, fixed connections and duration, no
 * pipelining (wrk sends one request per connection at a time unless a Lua script asks for more),
 * and the same 10 s request timeout as autocannon's default.
 *
 * Its numbers differ from autocannon's in three ways the report notes say:
 * - latency percentiles come from wrk's own µs-resolution histogram, to which wrk adds
 *   synthetic samples for every response slower than twice the mean per-connection interval
 *   (its coordinated-omission correction, src/stats.c stats_correct); autocannon records raw
 *   latencies at ms resolution and corrects nothing, so wrk's p99 reads higher after a stall;
 * - "Non-2xx or 3xx responses" counts status ≥ 400 only (src/wrk.c response_complete), where
 *   autocannon's non2xx counts everything outside 2xx;
 * - there is no fixed request count (`-a`): a smoke run uses a short duration instead.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { perRequestUs, runPinned } from './procs.js';
import type { LoadOptions, LoadResult } from './load.js';

/** What wrk printed, in the bench's units (ms, requests/s). */
export interface WrkSummary {
  threads: number;
  connections: number;
  requests: number;
  durationS: number;
  rps: number;
  /** ms; null when wrk ran without --latency */
  p50: number | null;
  p99: number | null;
  /** socket errors: connect + read + write + timeout (autocannon's `errors` counts the same kinds) */
  errors: number;
  /** responses with status ≥ 400 */
  non2xx: number;
}

const TIME_UNIT_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const TIME = String.raw`([\d.]+)(us|ms|s|m|h)`;

/** "109.00us" → 0.109 (ms): wrk's format_time_us picks us, ms, s, m or h. */
function toMs(value: string, unit: string): number {
  const k = TIME_UNIT_MS[unit];
  if (k === undefined) throw new Error(`wrk output: unknown time unit ${unit}`);
  return Number(value) * k;
}

/**
 * Reads wrk's text report (wrk 4.x; `--latency` for percentiles). Lines are found by their
 * labels, not positions, so extra lines (a Lua `done` hook's output, CRLF endings, wrk2's
 * "50.000%" percentiles) do not matter; a report without the requests line throws, because the
 * run then did not finish.
 * @example
 * parseWrkOutput(stdout); // { requests: 17377, durationS: 1.06, rps: 16470.43, p50: 0.109, p99: 140.33, errors: 0, non2xx: 0, … }
 */
export function parseWrkOutput(text: string): WrkSummary {
  const t = text.replaceAll('\r\n', '\n');
  const done = new RegExp(String.raw`^\s*(\d+) requests in ${TIME}, `, 'm').exec(t);
  if (!done) throw new Error(`wrk output has no "N requests in T" line: ${t.slice(-300)}`);
  const requests = Number(done[1]);
  const durationS = toMs(done[2]!, done[3]!) / 1000;
  const rpsLine = /^Requests\/sec:\s*([\d.]+)/m.exec(t);
  const rps = rpsLine ? Number(rpsLine[1]) : requests / Math.max(0.001, durationS);
  const pct = (p: number): number | null => {
    const m = new RegExp(String.raw`^\s*${p}(?:\.0+)?%\s+${TIME}\s*$`, 'm').exec(t);
    return m ? toMs(m[1]!, m[2]!) : null;
  };
  const head = /(\d+) threads? and (\d+) connections?/.exec(t);
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(t);
  const status = /Non-2xx or 3xx responses: (\d+)/.exec(t);
  return {
    threads: head ? Number(head[1]) : 0,
    connections: head ? Number(head[2]) : 0,
    requests,
    durationS,
    rps,
    p50: pct(50),
    p99: pct(99),
    errors: sock ? sock.slice(1, 5).reduce((a, b) => a + Number(b), 0) : 0,
    non2xx: status ? Number(status[1]) : 0,
  };
}

/**
 * Threads for `connections` on `cpuCount` load CPUs: one per CPU (autocannon has one event loop
 * on one CPU; wrk gets the same CPUs), and a divisor of `connections`, because wrk gives each
 * thread connections/threads and drops the remainder.
 * @example
 * wrkThreads(32, 1); // 1
 * wrkThreads(30, 4); // 3
 */
export function wrkThreads(connections: number, cpuCount: number): number {
  let t = Math.max(1, Math.min(cpuCount, connections));
  while (connections % t !== 0) t--;
  return t;
}

/**
 * @example
 * wrkArgs(url, { connections: 8, duration: 2, threads: 1, headers: { authorization: 'Bearer x' } });
 * // ['-t', '1', '-c', '8', '-d', '2s', '--timeout', '10s', '--latency', '-H', 'authorization: Bearer x', url]
 */
export function wrkArgs(url: string, o: { connections: number; duration: number; threads: number; headers: Record<string, string> }): string[] {
  const args = ['-t', String(o.threads), '-c', String(o.connections), '-d', `${o.duration}s`, '--timeout', '10s', '--latency'];
  for (const [k, v] of Object.entries(o.headers)) args.push('-H', `${k}: ${v}`);
  args.push(url);
  return args;
}

/** A Lua string literal for a header name or value (printable ASCII only, as HTTP headers are). */
function luaString(v: string): string {
  if (!/^[\x20-\x7e]*$/.test(v)) throw new TypeError(`wrk header cycle: value is not printable ASCII: ${JSON.stringify(v).slice(0, 60)}`);
  return `"${v.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
}

/**
 * The Lua script for `headerCycle`: each request sets the header to the next value. Each wrk
 * thread has its own Lua state; `setup` (run once per thread in the main state) gives each a
 * different starting point so threads do not send the same value at the same moment.
 * @example
 * wrkCycleScript({ name: 'authorization', values: ['Bearer a', 'Bearer b'] });
 */
export function wrkCycleScript(cycle: { name: string; values: string[] }): string {
  if (cycle.values.length === 0) throw new TypeError('wrk header cycle: no values');
  return [
    '-- generated by bench/lib/wrk.ts: one header takes the next of these values on every request',
    `local name = ${luaString(cycle.name)}`,
    `local values = {\n  ${cycle.values.map(luaString).join(',\n  ')}\n}`,
    'local threads = 0',
    'function setup(thread)',
    '  thread:set("first", threads * 7919)',
    '  threads = threads + 1',
    'end',
    'local i = nil',
    'function request()',
    '  i = (i or first or 0) + 1',
    '  wrk.headers[name] = values[i % #values + 1]',
    '  return wrk.format()',
    'end',
    '',
  ].join('\n');
}

/**
 * One wrk run of `o.duration` seconds (wrk has no request count: `o.amount` must be null).
 * @example
 * const r = await runWrk('/usr/bin/wrk', url, { connections: 32, duration: 6, amount: null, headers: {}, cpus: '0', threads: 1 });
 */
export async function runWrk(bin: string, url: string, o: Pick<LoadOptions, 'connections' | 'duration' | 'amount' | 'headers' | 'headerCycle' | 'cpus'> & { threads: number }): Promise<LoadResult> {
  if (o.amount !== null || o.duration === null) throw new TypeError('wrk runs for a duration: pass duration, not amount');
  const args = wrkArgs(url, { connections: o.connections, duration: o.duration, threads: o.threads, headers: o.headers });
  let dir: string | null = null;
  if (o.headerCycle) {
    dir = mkdtempSync(join(tmpdir(), 'regate-wrk-'));
    writeFileSync(join(dir, 'cycle.lua'), wrkCycleScript(o.headerCycle));
    args.unshift('-s', join(dir, 'cycle.lua'));
  }
  try {
    let done = await runPinned(o.cpus, bin, args);
    // wrk test-connects once before starting and gives up at the first refusal; seen once (in
    // ~20 runs) right after a successful probe of the same server — one retry, then it counts
    if (done.code !== 0 && /unable to connect/.test(done.stderr)) {
      await new Promise((r) => setTimeout(r, 250));
      done = await runPinned(o.cpus, bin, args);
    }
    if (done.code !== 0) throw new Error(`wrk exited ${done.code}: ${(done.stderr || done.stdout).slice(-500)}`);
    const s = parseWrkOutput(done.stdout);
    if (s.p50 === null || s.p99 === null) throw new Error(`wrk printed no latency distribution: ${done.stdout.slice(-300)}`);
    return { rps: s.rps, p50: s.p50, p99: s.p99, requests: s.requests, errors: s.errors, non2xx: s.non2xx, generatorCpuUsPerReq: perRequestUs(done.cpuS, s.requests) };
  } finally {
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}
