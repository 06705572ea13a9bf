/**
 * Runs autocannon in its own (pinned) process and returns rps and latency percentiles.
 * No pipelining (pipelining: 1): uWS closes connections that pipeline behind async answers,
 * and real clients do not pipeline.
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';

export interface LoadResult {
  rps: number;
  p50: number; // ms
  p99: number; // ms
  requests: number;
  errors: number;
  non2xx: number;
}

const require = createRequire(import.meta.url);
const AUTOCANNON = require.resolve('autocannon/autocannon.js');

export function runLoad(url: string, opts: { connections: number; duration: number; cpus: string | null }): Promise<LoadResult> {
  const args = [AUTOCANNON, '-c', String(opts.connections), '-d', String(opts.duration), '-p', '1', '--json', url];
  const [cmd, a] = opts.cpus ? ['taskset', ['-c', opts.cpus, process.execPath, ...args]] : [process.execPath, args];
  return new Promise((resolve, reject) => {
    const child = spawn(cmd as string, a as string[], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`autocannon exited ${code}: ${err}`));
      const r = JSON.parse(out) as {
        requests: { average: number; total: number };
        latency: { p50: number; p99: number };
        errors: number;
        non2xx: number;
      };
      resolve({ rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, requests: r.requests.total, errors: r.errors, non2xx: r.non2xx });
    });
  });
}
