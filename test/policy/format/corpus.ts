/**
 * The Rego modules the formatter is checked on: every module inside OPA's conformance cases
 * (../shared/conformance/cases, v1 and v0) and every .rego file under policies/.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';

const ROOT = new URL('../../../', import.meta.url).pathname;
const CASES = join(ROOT, '..', 'shared', 'conformance', 'cases');

function walk(dir: string, ext: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => (a.name < b.name ? -1 : 1))
    .flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name), ext) : e.name.endsWith(ext) ? [join(dir, e.name)] : []));
}

export interface CorpusModule {
  /** `file#case-index.module-index` */
  name: string;
  text: string;
  /** the dialect the module is written in: v0 for `cases/v0-opa0.48`, else v1 */
  regoVersion: 'v0' | 'v1';
}

export function corpusModules(): CorpusModule[] {
  const out: CorpusModule[] = [];
  for (const f of walk(CASES, '.yaml')) {
    const doc = parseYaml(readFileSync(f, 'utf8'), { intAsBigInt: false }) as { cases?: { modules?: string[] }[] };
    const name = f.slice(CASES.length + 1);
    const regoVersion = name.startsWith('v0') ? 'v0' : 'v1';
    (doc.cases ?? []).forEach((c, i) => (c.modules ?? []).forEach((m, j) => out.push({ name: `${name}#${i}.${j}`, text: m, regoVersion })));
  }
  for (const f of walk(join(ROOT, 'policies'), '.rego')) out.push({ name: f.slice(ROOT.length), text: readFileSync(f, 'utf8'), regoVersion: 'v1' });
  return out;
}
