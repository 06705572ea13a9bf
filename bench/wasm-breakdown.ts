/**
 * Where a WASM decision's time goes, for the example gateway policy and the input of
 * bench/wasm.ts (projected to what the policy reads, as the evaluator does): regate's input encoding (evaluator.ts), the SDK's work around opa_eval, and
 * inside the module the input parse, the plan and the result dump.
 *
 *   npx tsx bench/wasm-breakdown.ts [--n 20000] [--rounds 5]
 *
 * Each part runs `--n` times per round; rounds interleave the parts and the median over rounds
 * is reported, as CPU time per operation (process.cpuUsage: user + system), which other
 * processes competing for the cores disturb far less than wall time.
 */
import { loadPolicy } from '@open-policy-agent/opa-wasm';
import { compileWasm, createWasmEvaluator } from '../src/policy/backend/wasm/index.js';
import { compileToPlan, readPolicyDir, type Value } from '../src/policy/index.js';
import { projectInputOf } from '../src/policy/backend/wasm/input-projection.js';
import { applyProjection, projectedJson } from '../src/policy/backend/wasm/apply-projection.js';
import { needsTags } from '../src/policy/backend/wasm/host-bridge.js';
import { benchInput } from './wasm-input.js';

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] !== undefined ? (process.argv[i + 1] as string) : dflt;
}
const n = Number(arg('--n', '20000'));
const rounds = Number(arg('--rounds', '5'));
const entrypoint = 'insurance/decision';

const { modules, data } = await readPolicyDir('policies');
const plan = compileToPlan(modules, { entrypoints: [entrypoint] });
const wasm = await compileWasm(plan, { entrypoints: [entrypoint] });
const ev = await createWasmEvaluator(wasm, { data });
const p = await loadPolicy(wasm, undefined, {});
p.setData(data as object);
type Fn = (...a: number[]) => number;
const internals = p as unknown as { wasmInstance: { exports: Record<string, Fn> }; mem: { buffer: ArrayBuffer }; dataAddr: number; dataHeapPtr: number };
const x = internals.wasmInstance.exports as Record<string, Fn> & { opa_eval: Fn; opa_json_parse: Fn; opa_json_dump: Fn; opa_heap_ptr_set: Fn; opa_eval_ctx_new: Fn; opa_eval_ctx_set_input: Fn; opa_eval_ctx_set_data: Fn; opa_eval_ctx_set_entrypoint: Fn; opa_eval_ctx_get_result: Fn; eval: Fn };
const full = benchInput as Value;
// What the evaluator sends: the input cut down to what the policy reads (input-projection.ts).
const projection = projectInputOf(plan);
const input = projection ? applyProjection(full, projection) : full;
const text = JSON.stringify(input);
const bytes = new TextEncoder().encode(text);
const ab = bytes.buffer.slice(0) as ArrayBuffer;
const base = internals.dataHeapPtr;
new Uint8Array(internals.mem.buffer).set(bytes, base);
const heap = base + bytes.length;
const encoder = new TextEncoder();
const opts = { nowNs: 1767222000000000000n };

let sink = 0;
const parts: [string, () => void][] = [
  ['evaluator.evaluate (total)', () => void ev.evaluate(entrypoint, full, opts)],
  ['projectedJson(input)', () => void (sink += projection ? (projectedJson(full, projection) ?? '').length : 0)],
  ['applyProjection(input)', () => void (sink += projection ? Object.keys(applyProjection(full, projection) as object).length : 0)],
  ['SDK evaluate(ArrayBuffer)', () => void p.evaluate(ab, entrypoint)],
  ['opa_eval (module only)', () => void (sink += x.opa_eval(0, 0, internals.dataAddr, base, bytes.length, heap, 0))],
  ['  opa_json_parse(input)', () => {
    x.opa_heap_ptr_set(heap);
    sink += x.opa_json_parse(base, bytes.length);
  }],
  ['  parse + eval', () => {
    x.opa_heap_ptr_set(heap);
    const iv = x.opa_json_parse(base, bytes.length);
    const c = x.opa_eval_ctx_new();
    x.opa_eval_ctx_set_input(c, iv);
    x.opa_eval_ctx_set_data(c, internals.dataAddr);
    x.opa_eval_ctx_set_entrypoint(c, 0);
    x.eval(c);
    sink += x.opa_eval_ctx_get_result(c);
  }],
  ['  parse + eval + dump', () => {
    x.opa_heap_ptr_set(heap);
    const iv = x.opa_json_parse(base, bytes.length);
    const c = x.opa_eval_ctx_new();
    x.opa_eval_ctx_set_input(c, iv);
    x.opa_eval_ctx_set_data(c, internals.dataAddr);
    x.opa_eval_ctx_set_entrypoint(c, 0);
    x.eval(c);
    sink += x.opa_json_dump(x.opa_eval_ctx_get_result(c));
  }],
  ['JSON.stringify(input)', () => void (sink += JSON.stringify(input).length)],
  ['needsTags(input)', () => void (sink += needsTags(input) ? 1 : 0)],
  ['encode+slice (toBuffer)', () => {
    const b = encoder.encode(text);
    sink += b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength).byteLength;
  }],
  ['TextEncoder.encode(text)', () => void (sink += new TextEncoder().encode(text).length)],
];

const cpu = (f: () => void): number => {
  const t0 = process.cpuUsage();
  for (let i = 0; i < n; i++) f();
  const d = process.cpuUsage(t0);
  return ((d.user + d.system) * 1000) / n;
};

console.log('decision:', JSON.stringify(ev.evaluate(entrypoint, input, opts)));
for (const [, f] of parts) for (let i = 0; i < n / 4; i++) f(); // warm-up (JIT, wasm tier-up)
const samples = parts.map(() => [] as number[]);
for (let r = 0; r < rounds; r++) parts.forEach(([, f], i) => samples[i]?.push(cpu(f)));
for (const [i, [label]] of parts.entries()) {
  const s = (samples[i] as number[]).sort((a, b) => a - b);
  console.log(`${label.padEnd(30)} ${String(Math.round(s[Math.floor(s.length / 2)] as number)).padStart(6)} ns CPU/op  (median of ${rounds} × ${n})`);
}
console.log(`input ${bytes.length} bytes${sink === 0.5 ? '' : ''}`);
