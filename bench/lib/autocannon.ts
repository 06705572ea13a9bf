/**
 * autocannon as a bench load generator, in its own pinned process (bench/lib/autocannon-driver.mjs),
 * never in the process being measured. No pipelining: uWS closes connections that pipeline
 * behind async answers, and real clients do not pipeline. Requests time out after autocannon's
 * default 10 s.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { perRequestUs, runPinned } from './procs.js';
import type { LoadOptions, LoadResult } from './load.js';

const require = createRequire(import.meta.url);
const VERSION = (require('autocannon/package.json') as { version: string }).version;
const DRIVER = fileURLToPath(new URL('./autocannon-driver.mjs', import.meta.url));

/** What the driver process reads from its stdin (JSON); the driver's JSDoc repeats this shape. */
export interface AutocannonDriverInput extends Pick<LoadOptions, 'connections' | 'duration' | 'amount' | 'headers' | 'headerCycle' | 'timeoutS' | 'clientCert'> {
  url: string;
}

/** The installed autocannon's version (from its package.json). */
export function autocannonVersion(): string {
  return VERSION;
}

/**
 * One autocannon run. `errors` are autocannon's (socket errors and timeouts), `non2xx` every
 * answer outside 200–299; the generator CPU is the driver's own during the run.
 * @example
 * const r = await runAutocannon(url, { connections: 32, duration: 6, amount: null, headers: {}, cpus: '0' });
 */
export async function runAutocannon(url: string, o: Pick<LoadOptions, 'connections' | 'duration' | 'amount' | 'headers' | 'headerCycle' | 'cpus' | 'timeoutS' | 'clientCert'>): Promise<LoadResult> {
  const input: AutocannonDriverInput = { url, connections: o.connections, duration: o.duration, amount: o.amount, headers: o.headers, ...(o.headerCycle ? { headerCycle: o.headerCycle } : {}), ...(o.timeoutS !== undefined ? { timeoutS: o.timeoutS } : {}), ...(o.clientCert ? { clientCert: o.clientCert } : {}) };
  // on stdin: a list of tokens can exceed the kernel's 128 KiB limit for one argument
  const done = await runPinned(o.cpus, process.execPath, [DRIVER], JSON.stringify(input));
  if (done.code !== 0) throw new Error(`autocannon exited ${done.code}: ${done.stderr.slice(-500)}`);
  const r = JSON.parse(done.stdout) as { requests: { average: number; total: number }; latency: { p50: number; p99: number }; duration: number; errors: number; non2xx: number; cpuS: number };
  // with an amount the run is short and `requests.average` (per whole second) is meaningless: use total/duration
  const rps = o.amount !== null ? r.requests.total / Math.max(0.001, r.duration) : r.requests.average;
  return {
    rps,
    p50: r.latency.p50,
    p99: r.latency.p99,
    requests: r.requests.total,
    errors: r.errors,
    non2xx: r.non2xx,
    generatorCpuUsPerReq: perRequestUs(r.cpuS, r.requests.total),
  };
}
