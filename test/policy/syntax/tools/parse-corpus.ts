import { readFileSync, readdirSync } from 'node:fs';
import { parse } from 'yaml';
import { parseModule, parseQuery } from '../../../../src/policy/syntax/index.js';
// parses every module and query of the v1 corpus: `npx tsx test/policy/syntax/tools/parse-corpus.ts`
const root = new URL('../../../../../shared/conformance/cases/v1', import.meta.url).pathname;
let ok = 0, bad = 0; const fails: string[] = [];
for (const d of readdirSync(root)) for (const f of readdirSync(`${root}/${d}`)) {
  const doc = parse(readFileSync(`${root}/${d}/${f}`, 'utf8'));
  for (const c of doc.cases ?? []) {
    try { (c.modules ?? []).forEach((m: string, i: number) => parseModule(m, `m${i}`)); parseQuery(c.query); ok++; }
    catch (e: any) { bad++; if (!c.want_error_code?.includes('parse') && !c.want_error?.length) fails.push(`${c.note}: ${e.render?.() ?? e.stack}`); }
  }
}
console.log(ok, bad); console.log(fails.slice(0, 40).join('\n'));
