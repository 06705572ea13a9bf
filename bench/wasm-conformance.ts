/**
 * Runs OPA's conformance cases on OPA's own plans through one back end and prints the pass
 * count, the time taken and the failure reasons grouped (the full list goes to --out as JSON).
 * Same harness as `regate conformance … --plans … --engine wasm`, usable without a build.
 *
 *   npx tsx bench/wasm-conformance.ts [--filter substring] [--engine wasm|js] [--out results.json]
 */
import { writeFileSync } from 'node:fs';
import { runConformance } from '../src/policy/conformance/run.js';

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] !== undefined ? (process.argv[i + 1] as string) : dflt;
}

const filter = arg('--filter', '');
const engine = arg('--engine', 'wasm') as 'wasm' | 'js';
const out = arg('--out', '');
const t0 = performance.now();
const res = await runConformance({
  casesDir: '../shared/conformance/cases/v1',
  plansDir: '../shared/conformance/plans/v1',
  engine,
  ...(filter ? { filter } : {}),
});
console.log(`${engine}: ${res.filter((r) => r.pass).length}/${res.length} passed in ${Math.round(performance.now() - t0)} ms`);
const reasons = new Map<string, number>();
for (const r of res) if (!r.pass) reasons.set(`${r.file} :: ${r.note}: ${(r.reason ?? '').slice(0, 160)}`, 1);
for (const k of reasons.keys()) console.log('  FAIL', k);
if (out) writeFileSync(out, JSON.stringify(res, null, 1));
