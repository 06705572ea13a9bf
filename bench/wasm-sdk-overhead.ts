/**
 * Splits a WASM decision into its parts for the example gateway policy: the module's own
 * `opa_eval` (parse input, run the plan, dump JSON) called directly, versus the SDK's
 * `LoadedPolicy.evaluate` around it (input copy, a new TextDecoder per call, JSON.parse).
 *
 *   npx tsx bench/wasm-sdk-overhead.ts [--path /car/insurance] [--n 20000] [--big]
 *
 * Only indicative on a busy machine; rerun on a quiet one.
 */
import { loadPolicy } from '@open-policy-agent/opa-wasm';
import { compileWasm } from '../src/policy/backend/wasm/index.js';
import { compileToPlan, readPolicyDir } from '../src/policy/index.js';

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] !== undefined ? (process.argv[i + 1] as string) : dflt;
}

const { modules, data } = await readPolicyDir('policies');
const plan = compileToPlan(modules, { entrypoints: ['insurance/decision'] });
const p = await loadPolicy(await compileWasm(plan), undefined, {});
p.setData(data as object);
const internals = p as unknown as { wasmInstance: { exports: Record<string, (...a: number[]) => number> }; mem: { buffer: ArrayBuffer }; dataAddr: number; dataHeapPtr: number };
const x = internals.wasmInstance.exports;
// --big: the ~1 KB gateway input of bench/wasm.ts instead of a minimal one.
const big = process.argv.includes('--big');
const text = JSON.stringify(
  big
    ? {
        request: { id: '2f6c1a9e-4b7d-4d1e-9a53-6f0f8c2b7e11', method: 'GET', path: arg('--path', '/car/insurance'), query: { lang: ['en'], page: ['1'] }, headers: { 'x-device': 'ios', accept: 'application/json', 'x-forwarded-for': '203.0.113.9' }, host: 'api.example.com', scheme: 'https', remote_addr: '203.0.113.9' },
        token: { active: true, sub: 'alice', client_id: 'mobile-app', scope: ['car:read', 'home:read', 'profile'], exp: 1767225600, iss: 'https://idp.example.com', claims: { sub: 'alice', aud: 'api', iat: 1767222000, exp: 1767225600, azp: 'mobile-app', email: 'alice@example.com', products: ['car'] } },
        route: { id: 'car-insurance', upstream: 'car' },
      }
    : { request: { method: 'GET', path: arg('--path', '/car/insurance') }, token: { sub: 'alice', claims: { products: ['car', 'home'] } } },
);
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
time('opa_json_parse (input)', () => {
  x.opa_heap_ptr_set!(base + bytes.length);
  x.opa_json_parse!(base, bytes.length);
});
time('SDK evaluate(ArrayBuffer)', () => void p.evaluate(ab, 'insurance/decision'));
console.log(`input ${bytes.length} bytes`);
