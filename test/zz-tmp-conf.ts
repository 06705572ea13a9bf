import { readFileSync } from 'node:fs';
import { compileToPlan } from '/work/wt-parser/src/policy/compiler/index.js';
import { createEvaluator, RegoError } from '/work/wt-parser/src/policy/index.js';
import { fromJs } from '/work/wt-parser/src/policy/value/index.js';
const text = readFileSync('/tmp/p/c.rego', 'utf8');
for (const q of ['p', 'o', 'g']) {
  const policy = compileToPlan([{ file: 'c.rego', text }], { query: `x = data.c.${q}` });
  for (const engine of ['js', 'wasm'] as const) {
    const ev = await createEvaluator(policy, { engine });
    try { ev.evaluate('eval', fromJs({ x: true })); console.log(q, engine, 'no error'); }
    catch (e) { const r = e as RegoError; console.log(q, engine, r.code, r.opaCode, JSON.stringify(r.message), JSON.stringify(r.location)); }
  }
}
