import { compileWasm } from '../src/policy/backend/wasm/index.js';
import { loadCompiler, readPolicyDir } from '../src/policy/index.js';
import opa from '@open-policy-agent/opa-wasm';
const { modules, data } = await readPolicyDir('policies');
const plan = (await loadCompiler())(modules, { entrypoints: ['insurance/decision'] });
let calls = 0;
const custom = { 'sprintf@regate': (f: string, a: unknown[]) => (calls++, 'x'), 'object.get': () => (calls++, 1), sort: (x: unknown) => (calls++, x) };
const p = await opa.loadPolicy(await compileWasm(plan), undefined, custom);
p.setData(data as never);
const x = (p as any).wasmInstance.exports;
const enc = new TextEncoder().encode(JSON.stringify({ request: { method: 'GET', path: process.argv[2] ?? '/car/insurance' }, token: { sub: 'alice', claims: { products: ['car', 'home'] } } }));
const mem = new Uint8Array((p as any).mem.buffer);
const base = (p as any).dataHeapPtr;
mem.set(enc, base);
const N = 5000;
let t0 = performance.now();
for (let i = 0; i < N; i++) x.opa_eval(0, 0, (p as any).dataAddr, base, enc.length, base + enc.length, 0);
console.log('opa_eval us', ((performance.now() - t0) / N * 1000).toFixed(2), 'host calls', calls / N);
t0 = performance.now();
for (let i = 0; i < N; i++) { x.opa_heap_ptr_set(base + enc.length); x.opa_json_parse(base, enc.length); }
console.log('parse us', ((performance.now() - t0) / N * 1000).toFixed(2));
const ab = enc.buffer.slice(0) as ArrayBuffer;
t0 = performance.now();
for (let i = 0; i < N; i++) p.evaluate(ab, 'insurance/decision');
console.log('SDK evaluate(ArrayBuffer) us', ((performance.now() - t0) / N * 1000).toFixed(2));
const td = new TextDecoder();
t0 = performance.now();
for (let i = 0; i < N; i++) { const r = x.opa_eval(0, 0, (p as any).dataAddr, base, enc.length, base + enc.length, 0); const b = new Uint8Array((p as any).mem.buffer); let j = r; while (b[j] !== 0) j++; JSON.parse(td.decode(b.subarray(r, j))); }
console.log('opa_eval + reused decoder us', ((performance.now() - t0) / N * 1000).toFixed(2));
