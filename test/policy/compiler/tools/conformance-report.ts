/**
 * Runs OPA's v1 conformance cases through our front end and the JS back end and prints the pass
 * rate per topic plus the most common failure reasons. Not a tap test (it measures, it does not
 * gate): `npx tsx test/policy/compiler/tools/conformance-report.ts [filter] [--fails] [--all] [--dir=casesDir]`.
 */
import { runConformance } from '../../../../src/policy/conformance/run.js';

const args = process.argv.slice(2);
const showFails = args.includes('--fails');
const dirArg = args.find((a) => a.startsWith('--dir='));
const filter = args.find((a) => !a.startsWith('--'));
const results = await runConformance({
  casesDir: dirArg ? dirArg.slice(6) : new URL('../../../../../shared/conformance/cases/v1', import.meta.url).pathname,
  engine: 'js',
  ...(filter ? { filter } : {}),
});
const byTopic = new Map<string, { pass: number; total: number }>();
const reasons = new Map<string, number>();
for (const r of results) {
  const t = byTopic.get(r.topic) ?? { pass: 0, total: 0 };
  t.total++;
  if (r.pass) t.pass++;
  byTopic.set(r.topic, t);
  if (!r.pass) {
    const key = (r.reason ?? '?').replace(/\d+/g, 'N').slice(0, 90);
    reasons.set(key, (reasons.get(key) ?? 0) + 1);
    if (showFails) console.log(`FAIL ${r.note}: ${(r.reason ?? '').slice(0, 300)}`);
  }
}
for (const [topic, t] of [...byTopic].sort()) if (t.pass < t.total || args.includes('--all')) console.log(`${topic}: ${t.pass}/${t.total}`);
console.log('--- top failure reasons');
for (const [k, n] of [...reasons].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(n, k);
const pass = results.filter((r) => r.pass).length;
console.log(`TOTAL ${pass}/${results.length} = ${((100 * pass) / Math.max(1, results.length)).toFixed(1)}%`);
