/**
 * Structural comparison with OPA's own plans: for every v1 case, are the rule funcs OPA emits
 * (`g0.data.pkg.rule`) also in our plan, and do both plans use the same builtins?
 *   npx tsx test/policy/compiler/tools/plan-diff.ts
 */
import { readFileSync, readdirSync } from 'node:fs';
import { parse } from 'yaml';
import { compileToPlan } from '../../../../src/policy/compiler/index.js';
import type { Policy } from '../../../../src/policy/ir/types.js';

const base = new URL('../../../../../shared/conformance/', import.meta.url).pathname;
let cases = 0;
let sameFuncs = 0;
let sameBuiltins = 0;
const misses = new Map<string, number>();
for (const d of readdirSync(`${base}cases/v1`)) {
  for (const f of readdirSync(`${base}cases/v1/${d}`)) {
    const doc = parse(readFileSync(`${base}cases/v1/${d}/${f}`, 'utf8')) as { cases: { note: string; query: string; modules?: string[] }[] };
    const plans = JSON.parse(readFileSync(`${base}plans/v1/${d}/${f.replace(/\.yaml$/, '.plans.json')}`, 'utf8')) as { note: string; plan: Policy | null }[];
    doc.cases.forEach((c, i) => {
      const opa = plans[i]?.plan;
      if (!opa) return;
      let ours: Policy;
      try {
        ours = compileToPlan((c.modules ?? []).map((text, j) => ({ file: `m${j}.rego`, text })), { query: c.query });
      } catch {
        return;
      }
      cases++;
      const ourFuncs = new Set((ours.funcs?.funcs ?? []).map((fn) => fn.name));
      const missing = (opa.funcs?.funcs ?? []).map((fn) => fn.name).filter((n) => !ourFuncs.has(n));
      if (missing.length === 0) sameFuncs++;
      for (const m of missing) misses.set(`${d}: ${m}`, (misses.get(`${d}: ${m}`) ?? 0) + 1);
      const names = (p: Policy): string => [...new Set((p.static.builtin_funcs ?? []).map((b) => b.name))].sort().join(',');
      if (names(opa) === names(ours)) sameBuiltins++;
    });
  }
}
console.log(`${cases} cases compiled; OPA's funcs all present in ours: ${sameFuncs}; same builtin set: ${sameBuiltins}`);
for (const [k, n] of [...misses].slice(0, 15)) console.log(n, k);
