/**
 * A tight loop over one module export for profiling the WASM runtime with perf:
 *
 *   perf record -F 4000 node --perf-basic-prof --import tsx bench/wasm-profile-loop.ts [parse|eval|evaluate] [n] [--full]
 *
 * `parse` runs opa_json_parse on the input, `eval` the whole opa_eval, `evaluate` regate's
 * evaluator (input projection and encoding, the SDK, the module). The input is what
 * regate's evaluator sends (projected to what the policy reads) unless --full. perf names
 * functions `wasm-function[i]`; i counts the module's imports first.
 */
import { loadPolicy } from '@open-policy-agent/opa-wasm';
import { compileWasm, createWasmEvaluator } from '../src/policy/backend/wasm/index.js';
import { compileToPlan, readPolicyDir, type Value } from '../src/policy/index.js';
import { projectInputOf } from '../src/policy/backend/wasm/input-projection.js';
import { applyProjection } from '../src/policy/backend/wasm/apply-projection.js';
import { benchInput } from './wasm-input.js';

const { modules, data } = await readPolicyDir('policies');
const plan = compileToPlan(modules, { entrypoints: ['insurance/decision'] });
const p = await loadPolicy(await compileWasm(plan), undefined, {});
p.setData(data as object);
type Fn = (...a: number[]) => number;
const I = p as unknown as { wasmInstance: { exports: Record<string, Fn> }; mem: { buffer: ArrayBuffer }; dataAddr: number; dataHeapPtr: number };
const x = I.wasmInstance.exports as Record<string, Fn> & { opa_eval: Fn; opa_json_parse: Fn; opa_heap_ptr_set: Fn };
const projection = process.argv.includes('--full') ? undefined : projectInputOf(plan);
const input = projection ? applyProjection(benchInput as Value, projection) : benchInput;
const bytes = new TextEncoder().encode(JSON.stringify(input));
const base = I.dataHeapPtr;
new Uint8Array(I.mem.buffer).set(bytes, base);
const what = process.argv[2] ?? 'parse';
const n = Number(process.argv[3] ?? 300000);
const ev = await createWasmEvaluator(plan, { data });
const opts = { nowNs: 1767222000000000000n };
const t0 = process.cpuUsage();
for (let i = 0; i < n; i++) {
  if (what === 'evaluate') ev.evaluate('insurance/decision', benchInput as Value, opts);
  else if (what === 'parse') {
    x.opa_heap_ptr_set(base + bytes.length);
    x.opa_json_parse(base, bytes.length);
  } else x.opa_eval(0, 0, I.dataAddr, base, bytes.length, base + bytes.length, 0);
}
const d = process.cpuUsage(t0);
console.log(what, ((d.user + d.system) * 1000) / n, 'ns CPU/op; input', bytes.length, 'bytes');
