/** Value formatting shared by the Markdown table and the SVG chart of a suite run. */
import type { GeneratorInfo } from './types.js';

/**
 * Latency in ms: autocannon's are whole ms and print as such; wrk's have µs resolution, so a
 * sub-10 ms value keeps two decimals (0.11 rather than 0).
 */
export function formatMs(n: number | undefined | null): string {
  if (n === undefined || n === null || !Number.isFinite(n)) return '–';
  if (Number.isInteger(n)) return String(n);
  return n < 10 ? n.toFixed(2) : n.toFixed(1);
}

/**
 * "autocannon 9.0.0" or "wrk 4.1.0 (1 thread)"; reports from before wrk support have no generator
 * and ran autocannon.
 * @example
 * describeGenerator({ name: 'wrk', version: '4.1.0', threads: 2 }); // 'wrk 4.1.0 (2 threads)'
 */
export function describeGenerator(g: GeneratorInfo | undefined): string {
  if (!g) return 'autocannon';
  if (g.name === 'wrk') return `wrk ${g.version} (${g.threads} thread${g.threads === 1 ? '' : 's'})`;
  return `autocannon ${g.version}`;
}
