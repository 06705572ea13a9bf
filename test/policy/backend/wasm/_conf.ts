import { runConformance } from '../../../../src/policy/conformance/run.js';
const t0 = performance.now();
const filter = process.argv[2];
const engine = (process.argv[3] ?? 'wasm') as 'wasm' | 'js';
const res = await runConformance({ casesDir: '../shared/conformance/cases/v1', plansDir: '../shared/conformance/plans/v1', engine, ...(filter ? { filter } : {}) });
const pass = res.filter((r) => r.pass).length;
console.log(`${engine}: ${pass}/${res.length} in ${Math.round(performance.now() - t0)}ms`);
const reasons = new Map<string, number>();
for (const r of res) if (!r.pass) { const k = (r.reason ?? '').slice(0, 90); reasons.set(k, (reasons.get(k) ?? 0) + 1); }
for (const [k, n] of [...reasons].sort((a, b) => b[1] - a[1]).slice(0, 40)) console.log(n, k);
import { writeFileSync } from 'node:fs';
writeFileSync(`/tmp/conf-${engine}.json`, JSON.stringify(res));
