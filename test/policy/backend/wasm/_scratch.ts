import { compileWasm } from '../../../../src/policy/backend/wasm/compile.js';
import { createWasmEvaluator } from '../../../../src/policy/backend/wasm/evaluator.js';
import { readFileSync } from 'node:fs';
const cases = JSON.parse(readFileSync('/work/shared/conformance/plans/v1/aggregates/test-aggregates-0001.plans.json','utf8'));
for (let i=0;i<5;i++){ let t0=performance.now(); const w = await compileWasm(cases[0].plan); const t1=performance.now(); const ev = await createWasmEvaluator(w, {data:{a:[1,2,3]}}); const t2=performance.now(); ev.evaluate('eval', undefined); console.log('compile', (t1-t0).toFixed(1), 'load', (t2-t1).toFixed(1), (performance.now()-t2).toFixed(2)); }
