/**
 * WASM back end bench: compile time (Rego → IR → Wasm), memory per loaded policy, and decision
 * time through @open-policy-agent/opa-wasm next to the JS back end, for the example gateway
 * policy.
 *
 *   npx tsx bench/wasm.ts [--policy-dir policies] [--entrypoint insurance/decision]
 *                         [--batches 100] [--batch 2000] [--instances 50] [--budget-ms 100]
 *
 * Decision time: median (p10/p90) over `--batches` timed batches of `--batch` decisions after
 * a warm-up. Memory: heap + external + wasm memory growth over `--instances` loaded policies,
 * divided by the count. `--budget-ms` evaluates with that evaluation budget, the module compiled
 * to count steps for it, as the gateway does. Numbers taken while other processes compete for the CPU are only
 * indicative; rerun on a quiet machine.
 */
import { compileWasm, createWasmEvaluator } from '../src/policy/backend/wasm/index.js';
import { createJsEvaluator } from '../src/policy/backend/js/index.js';
import { compileToPlan, readPolicyDir, type Value } from '../src/policy/index.js';
import type { PlanEvaluator } from '../src/policy/backend/evaluator.js';
import { benchInput } from './wasm-input.js';

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] !== undefined ? (process.argv[i + 1] as string) : dflt;
}

const policyDir = arg('--policy-dir', 'policies');
const entrypoint = arg('--entrypoint', 'insurance/decision');
const batches = Number(arg('--batches', '100'));
const batch = Number(arg('--batch', '2000'));
const instances = Number(arg('--instances', '50'));
const budgetMs = arg('--budget-ms', '') === '' ? undefined : Number(arg('--budget-ms', ''));

const input = benchInput as Value;

function timeDecisions(ev: PlanEvaluator): { median: number; p10: number; p90: number } {
  const opts = { nowNs: 1767222000000000000n, ...(budgetMs !== undefined ? { budgetMs } : {}) };
  for (let i = 0; i < 5000; i++) ev.evaluate(entrypoint, input, opts); // warm-up (JIT)
  const per: number[] = [];
  for (let b = 0; b < batches; b++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < batch; i++) ev.evaluate(entrypoint, input, opts);
    per.push(Number(process.hrtime.bigint() - t0) / batch);
  }
  per.sort((a, b) => a - b);
  const q = (p: number): number => per[Math.min(per.length - 1, Math.floor(p * per.length))] as number;
  return { median: q(0.5), p10: q(0.1), p90: q(0.9) };
}

function mem(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.external + m.arrayBuffers;
}

async function main(): Promise<void> {
  const { modules, data } = await readPolicyDir(policyDir);
  const compile = compileToPlan;

  let t0 = performance.now();
  const plan = compile(modules, { entrypoints: [entrypoint] });
  const frontMs = performance.now() - t0;
  await compileWasm(plan); // first call loads binaryen; measure the steady state
  const n = 10;
  t0 = performance.now();
  let wasm: Uint8Array = new Uint8Array();
  for (let i = 0; i < n; i++) wasm = await compileWasm(plan, { entrypoints: [entrypoint], evalBudget: budgetMs !== undefined });
  const wasmMs = (performance.now() - t0) / n;
  console.log(`budget: ${budgetMs ?? 'none'}`);
  console.log(`compile: front end ${frontMs.toFixed(1)} ms; IR → wasm ${wasmMs.toFixed(1)} ms (mean of ${n}); module ${wasm.length} bytes`);

  const wasmEv = await createWasmEvaluator(wasm, { data });
  const jsEv = createJsEvaluator(plan, { data });
  console.log('decision (wasm):', JSON.stringify(wasmEv.evaluate(entrypoint, input)));
  console.log('decision (js):  ', JSON.stringify(jsEv.evaluate(entrypoint, input)));

  global.gc?.();
  const before = mem();
  const keep: PlanEvaluator[] = [];
  for (let i = 0; i < instances; i++) {
    const ev = await createWasmEvaluator(wasm, { data });
    ev.evaluate(entrypoint, input);
    keep.push(ev);
  }
  global.gc?.();
  const perInstance = (mem() - before) / instances;
  console.log(`memory per loaded wasm policy: ${(perInstance / 1024).toFixed(0)} KiB (${instances} instances${global.gc ? '' : '; run with --expose-gc for a steadier figure'})`);

  for (const [name, ev] of [['wasm (SDK)', wasmEv], ['js', jsEv]] as const) {
    const r = timeDecisions(ev);
    console.log(`${name.padEnd(10)} ns/decision: median ${r.median.toFixed(0)}  p10 ${r.p10.toFixed(0)}  p90 ${r.p90.toFixed(0)}  (${batches} × ${batch})`);
  }
  if (keep.length === 0) console.log('');
}

await main();
