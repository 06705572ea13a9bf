/**
 * Loads OPA's conformance cases (`cases/v1/<topic>/<file>.yaml`, format in
 * ../shared/conformance/README.md) and, for the `--plans` mode, OPA's own plans for them
 * (`plans/v1/<same path>.plans.json`).
 *
 * @example
 * ```ts
 * for (const f of await loadCaseFiles('../shared/conformance/cases/v1')) console.log(f.path, f.cases.length);
 * ```
 */
import { readFile, readdir } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { Policy } from '../ir/types.js';

/** One test case, fields as OPA's YAML names them. */
export interface ConformanceCase {
  note: string;
  query: string;
  modules?: string[];
  data?: unknown;
  input?: unknown;
  input_term?: string;
  want_result?: Record<string, unknown>[] | null;
  want_defined?: boolean;
  want_error_code?: string;
  want_error?: string;
  sort_bindings?: boolean;
  strict_error?: boolean;
  ignore_generated_vars?: boolean;
  env?: Record<string, string>;
}

export interface CaseFile {
  /** path relative to the cases dir, with `/` separators, e.g. `aggregates/test-aggregates-0001.yaml` */
  path: string;
  /** first path segment under the cases dir */
  topic: string;
  cases: ConformanceCase[];
}

/** An entry of a `.plans.json` file: OPA's `opa build -t plan` output for one case. */
export interface PlanEntry {
  note: string;
  entrypoints: string[];
  plan: Policy;
}

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await walk(p)));
    else if (e.name.endsWith('.yaml') || e.name.endsWith('.yml')) out.push(p);
  }
  return out;
}

/** Reads every YAML case file under `dir` (sorted by path). */
export async function loadCaseFiles(dir: string): Promise<CaseFile[]> {
  const files = await walk(dir);
  const out: CaseFile[] = [];
  for (const f of files) {
    const rel = relative(dir, f).split(sep).join('/');
    const doc = parseYaml(await readFile(f, 'utf8')) as { cases?: ConformanceCase[] } | null;
    const slash = rel.indexOf('/');
    out.push({ path: rel, topic: slash < 0 ? '.' : rel.slice(0, slash), cases: doc?.cases ?? [] });
  }
  return out;
}

/** The plans file for a case file (`x/y.yaml` → `<plansDir>/x/y.plans.json`), or undefined when absent. */
export async function loadPlanEntries(plansDir: string, casePath: string): Promise<PlanEntry[] | undefined> {
  const p = join(plansDir, casePath.replace(/\.ya?ml$/, '.plans.json'));
  try {
    return JSON.parse(await readFile(p, 'utf8')) as PlanEntry[];
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}
