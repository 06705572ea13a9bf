/**
 * Splits a WASM decision into its parts for the example gateway policy: the module's own
 * `opa_eval` (parse input, run the plan, dump JSON) called directly, versus the SDK's
 * `LoadedPolicy.evaluate` around it (input copy, a new TextDecoder per call, JSON.parse).
 *
 *   npx tsx bench/wasm-sdk-overhead.ts [--path /car/insurance] [--n 20000]
 *
 * Only indicative on a busy machine; rerun on a quiet one.
 */
import { loadPolicy } from '@open-policy-agent/opa-wasm';
import { compileWasm } from '../src/policy/backend/wasm/index.js';
import { loadCompiler, readPolicyDir } from '../src/policy/index.js';

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] !== undefined ? (process.argv[i + 1] as string) : dflt;
}

const { modules, data } = await readPolicyDir('policies');
const plan = (await loadCompiler())(modules, { entrypoints: ['insurance/decision'] });
const p = await loadPolicy(await compileWasm(plan), undefined, {});
p.setData(data as object);
const internals = p as unknown as { wasmInstance: { exports: Record<string, (...a: number[]) => number> }; mem: { buffer: ArrayBuffer }; dataAddr: number; dataHeapPtr: number };
const x = internals.wasmInstance.exports;
const text = JSON.stringify({ request: { method: 'GET', path: arg('--path', '/car/insurance') }, token: { sub: 'alice', claims: { products: ['car', 'home'] } } });
const bytes = new TextEncoder().encode(text);
const ab = bytes.buffer.slice(0) as ArrayBuffer;
const n = Number(arg('--n', '20000'));
const base = internals.dataHeapPtr;
new Uint8Array(internals.mem.buffer).set(bytes, base);

const time = (label: string, f: () => void): void => {
  for (let i = 0; i < n / 4; i++) f();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) f();
  console.log(`${label.padEnd(28)} ${(Number(process.hrtime.bigint() - t0) / n).toFixed(0)} ns`);
};
console.log('decision:', JSON.stringify(p.evaluate(ab, 'insurance/decision')));
time('opa_eval (module only)', () => void x.opa_eval!(0, 0, internals.dataAddr, base, bytes.length, base + bytes.length, 0));
time('SDK evaluate(ArrayBuffer)', () => void p.evaluate(ab, 'insurance/decision'));
