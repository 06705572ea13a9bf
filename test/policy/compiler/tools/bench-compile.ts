/**
 * Front-end speed: parses and compiles every module set of OPA's v1 conformance corpus, several
 * rounds, and prints parse and compile throughput. Rerun on a quiet machine:
 *   npx tsx test/policy/compiler/tools/bench-compile.ts [rounds]
 */
import { readFileSync, readdirSync } from 'node:fs';
import { parse } from 'yaml';
import { compileToPlan } from '../../../../src/policy/compiler/index.js';
import { parseModule } from '../../../../src/policy/syntax/index.js';

const root = new URL('../../../../../shared/conformance/cases/v1', import.meta.url).pathname;
const sets: { modules: { file: string; text: string }[]; query: string }[] = [];
for (const d of readdirSync(root)) {
  for (const f of readdirSync(`${root}/${d}`)) {
    const doc = parse(readFileSync(`${root}/${d}/${f}`, 'utf8')) as { cases?: { modules?: string[]; query: string }[] };
    for (const c of doc.cases ?? []) sets.push({ modules: (c.modules ?? []).map((text, i) => ({ file: `m${i}.rego`, text })), query: c.query });
  }
}
const rounds = Number(process.argv[2] ?? 5);
const bytes = sets.reduce((n, s) => n + s.modules.reduce((m, x) => m + x.text.length, 0), 0);
const time = (fn: () => void): number => {
  const t0 = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
};
time(() => sets.forEach((s) => s.modules.forEach((m) => { try { parseModule(m.text, m.file); } catch { /* error cases */ } })));
let parseMs = 0;
let compileMs = 0;
for (let r = 0; r < rounds; r++) {
  parseMs += time(() => sets.forEach((s) => s.modules.forEach((m) => { try { parseModule(m.text, m.file); } catch { /* error cases */ } })));
  compileMs += time(() => sets.forEach((s) => { try { compileToPlan(s.modules, { query: s.query }); } catch { /* error cases */ } }));
}
console.log(`${sets.length} module sets, ${(bytes / 1024).toFixed(0)} KiB of Rego, ${rounds} rounds`);
console.log(`parse:   ${(parseMs / rounds).toFixed(1)} ms/round, ${((bytes * rounds) / 1024 / 1024 / (parseMs / 1000)).toFixed(1)} MiB/s`);
console.log(`compile: ${(compileMs / rounds).toFixed(1)} ms/round, ${((compileMs / rounds / sets.length) * 1000).toFixed(0)} µs per module set (parse + plan)`);
