import { readFileSync, readdirSync } from 'node:fs';
import { parse } from 'yaml';
import { parseModule, parseQuery } from '../../../../src/policy/syntax/index.js';
// parses every module and query of the v1 corpus: `npx tsx test/policy/syntax/tools/parse-corpus.ts`
/** the fields of a corpus case read here */
interface CorpusCase { note: string; query: string; modules?: string[]; want_error_code?: string; want_error?: string }
const root = new URL('../../../../../shared/conformance/cases/v1', import.meta.url).pathname;
let ok = 0, bad = 0; const fails: string[] = [];
for (const d of readdirSync(root)) for (const f of readdirSync(`${root}/${d}`)) {
  const doc = parse(readFileSync(`${root}/${d}/${f}`, 'utf8')) as { cases?: CorpusCase[] };
  for (const c of doc.cases ?? []) {
    try { (c.modules ?? []).forEach((m, i) => parseModule(m, `m${i}`)); parseQuery(c.query); ok++; }
    catch (e) { bad++; const err = e as { render?: () => string; stack?: string }; if (!c.want_error_code?.includes('parse') && !c.want_error?.length) fails.push(`${c.note}: ${err.render?.() ?? err.stack}`); }
  }
}
console.log(ok, bad); console.log(fails.slice(0, 40).join('\n'));
