/**
 * A/B of the WASM decision between this tree and another checkout (e.g. the last commit,
 * unpacked with `git archive HEAD | tar -x -C /tmp/base` and node_modules linked in), in one
 * process so both see the same machine state: rounds alternate A and B, each timing `--n`
 * decisions of the example policy on bench/wasm-input.ts through createWasmEvaluator.
 *
 *   npx tsx bench/wasm-ab.ts --base /tmp/base [--rounds 7] [--n 20000]
 *
 * Reports the median over rounds of CPU time per decision (process.cpuUsage, user + system)
 * and of wall time per decision.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { benchInput } from './wasm-input.js';

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] !== undefined ? (process.argv[i + 1] as string) : dflt;
}
const base = resolve(arg('--base', '/tmp/base'));
const rounds = Number(arg('--rounds', '7'));
const n = Number(arg('--n', '20000'));
const entrypoint = 'insurance/decision';

type Ev = { evaluate(plan: string, input: unknown, opts?: unknown): unknown[] };
async function load(root: string): Promise<Ev> {
  const imp = (p: string): Promise<Record<string, unknown>> => import(pathToFileURL(resolve(root, p)).href);
  const policy = (await imp('src/policy/index.ts')) as { compileToPlan?: (m: unknown, o: unknown) => unknown; loadCompiler?: () => Promise<(m: unknown, o: unknown) => unknown>; readPolicyDir(d: string): Promise<{ modules: unknown; data: unknown }> };
  const wasmMod = (await imp('src/policy/backend/wasm/index.ts')) as { compileWasm(p: unknown, o?: unknown): Promise<Uint8Array>; createWasmEvaluator(w: Uint8Array, o: unknown): Promise<Ev> };
  const { modules, data } = await policy.readPolicyDir(resolve(root, 'policies'));
  // A base checkout from before compileToPlan was exported has only loadCompiler.
  const compile = policy.compileToPlan ?? (await policy.loadCompiler?.());
  if (!compile) throw new Error(`${root}: src/policy/index.ts exports no compiler`);
  const plan = compile(modules, { entrypoints: [entrypoint] });
  return wasmMod.createWasmEvaluator(await wasmMod.compileWasm(plan, { entrypoints: [entrypoint] }), { data });
}

const evs: [string, Ev][] = [
  ['A (base)', await load(base)],
  ['B (this tree)', await load(process.cwd())],
];
const opts = { nowNs: 1767222000000000000n };
for (const [name, ev] of evs) {
  console.log(name.padEnd(14), JSON.stringify(ev.evaluate(entrypoint, benchInput, opts)));
  for (let i = 0; i < 10000; i++) ev.evaluate(entrypoint, benchInput, opts); // warm-up
}
const cpu: number[][] = evs.map(() => []);
const wall: number[][] = evs.map(() => []);
for (let r = 0; r < rounds; r++) {
  evs.forEach(([, ev], i) => {
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    for (let k = 0; k < n; k++) ev.evaluate(entrypoint, benchInput, opts);
    const w = Number(process.hrtime.bigint() - t0) / n;
    const c = process.cpuUsage(c0);
    cpu[i]?.push(((c.user + c.system) * 1000) / n);
    wall[i]?.push(w);
  });
}
const med = (a: number[]): number => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)] as number;
evs.forEach(([name], i) => {
  console.log(`${name.padEnd(14)} CPU ${med(cpu[i] as number[]).toFixed(0).padStart(6)} ns/decision   wall ${med(wall[i] as number[]).toFixed(0).padStart(6)} ns/decision   (median of ${rounds} × ${n})`);
});
