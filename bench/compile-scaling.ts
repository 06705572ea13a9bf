/**
 * How the policy compiler scales with the number of rules: CPU time of each step of a load of
 * the generated policy (bench/lib/generated-policy.ts) for each --rules count, in this one
 * process (process.cpuUsage, user + system: the load of a shared machine stretches wall time,
 * much less the CPU time of a single-threaded process). Steps: parse; compileToPlan (parses
 * again, then checks, indexes and plans); the JS back end's code generation; `new Function` of
 * the generated source (V8's parse of it); the first evaluation (V8 compiles the rule function).
 * A step that grows faster than the rule count shows as a growing "per rule" column.
 *
 *   node --import tsx bench/compile-scaling.ts [--rules 1000,10000] [--runs 3]
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx bench/compile-scaling.ts --rules 10000 --runs 1
 */
import { loadavg } from 'node:os';
import { compileToPlan, parseModule } from '../src/policy/index.js';
import { compileJsArtifact, createJsEvaluatorFromArtifact } from '../src/policy/backend/js/index.js';
import { generatedPolicy } from './lib/generated-policy.js';
import { argValue } from './lib/args.js';

const RULES = (argValue('--rules') ?? '1000,10000').split(',').map(Number);
const RUNS = Number(argValue('--runs') ?? '3');

const cpuMs = (f: () => unknown): [number, unknown] => {
  const c0 = process.cpuUsage();
  const v = f();
  const c = process.cpuUsage(c0);
  return [(c.user + c.system) / 1000, v];
};

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

console.log(`load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}; node ${process.version}`);
for (const n of RULES) {
  const text = generatedPolicy(n);
  const steps: Record<string, number[]> = { parse: [], compileToPlan: [], 'JS codegen': [], 'new Function': [], 'first evaluation': [] };
  for (let r = 0; r < RUNS; r++) {
    steps['parse']!.push(cpuMs(() => parseModule(text, 'gen.rego'))[0]);
    const [tPlan, plan] = cpuMs(() => compileToPlan([{ file: 'gen.rego', text }], { entrypoints: ['gen/decision'] }));
    steps['compileToPlan']!.push(tPlan);
    const [tGen, art] = cpuMs(() => compileJsArtifact(plan as ReturnType<typeof compileToPlan>));
    steps['JS codegen']!.push(tGen);
    const [tFn, ev] = cpuMs(() => createJsEvaluatorFromArtifact(art as ReturnType<typeof compileJsArtifact>));
    steps['new Function']!.push(tFn);
    const [tEval, rows] = cpuMs(() => (ev as ReturnType<typeof createJsEvaluatorFromArtifact>).evaluate('gen/decision', { request: { path: `/echo/p${n - 1}`, method: 'GET' } }));
    if (JSON.stringify(rows) !== '[{"result":true}]') throw new Error(`unexpected result ${JSON.stringify(rows)}`);
    steps['first evaluation']!.push(tEval);
  }
  let total = 0;
  for (const [name, xs] of Object.entries(steps)) {
    const m = median(xs);
    total += m;
    console.log(`${String(n).padStart(6)} rules  ${name.padEnd(17)} ${m.toFixed(0).padStart(7)} ms CPU  ${((m * 1000) / n).toFixed(1).padStart(7)} µs/rule  (runs: ${xs.map((x) => x.toFixed(0)).join(', ')})`);
  }
  console.log(`${String(n).padStart(6)} rules  ${'total'.padEnd(17)} ${total.toFixed(0).padStart(7)} ms CPU  ${((total * 1000) / n).toFixed(1).padStart(7)} µs/rule`);
}
