/**
 * OPA's v1 conformance corpus, whole, against two ratchets: every case listed in
 * `<mode>.passing.txt` (`file: note`, all cases with that file and note) must pass.
 * - plans: OPA's own plans through the JS back end (judges the back end and builtins alone);
 * - frontend: our parser, compiler and planner, then the JS back end (the whole toolchain);
 * - frontend-v0: the same on the Rego v0 corpus (`cases/v0-opa0.48`) read as `--v0-compatible`.
 * The lists may only grow: `UPDATE_RATCHET=1 npx tap test/policy/conformance/ratchet.test.ts`
 * adds newly passing cases and never removes any.
 */
import t from 'tap';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { runConformance, type CaseResult } from '../../../src/policy/conformance/run.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..', '..');
const corpus = join(root, '..', 'shared', 'conformance');

function keyOf(r: CaseResult): string {
  return `${r.file}: ${r.note}`;
}

const MODES = [
  { name: 'plans', title: "OPA's plans through the JS back end", plansDir: join(corpus, 'plans', 'v1'), cases: 'v1', min: 1668 },
  { name: 'frontend', title: 'our compiler and the JS back end', plansDir: undefined, cases: 'v1', min: 1668 },
  { name: 'frontend-v0', title: 'our compiler in v0 mode and the JS back end, on the v0 corpus', plansDir: undefined, cases: 'v0-opa0.48', min: 1397 },
] as const;

for (const mode of MODES) t.test(`${mode.title} keep every ratcheted case passing`, async (t) => {
  const ratchetFile = join(here, `${mode.name}.passing.txt`);
  t.ok(existsSync(join(corpus, 'cases', mode.cases)), `conformance corpus at ${corpus}`);
  const results = await runConformance({
    casesDir: join(corpus, 'cases', mode.cases),
    ...(mode.plansDir ? { plansDir: mode.plansDir } : {}),
    ...(mode.cases === 'v1' ? {} : { regoVersion: 'v0' as const }),
    engine: 'js',
  });
  t.ok(results.length >= mode.min, `ran ${results.length} cases`);

  // A key passes when every case under it passes (notes repeat within some files).
  const byKey = new Map<string, boolean>();
  for (const r of results) byKey.set(keyOf(r), (byKey.get(keyOf(r)) ?? true) && r.pass);
  const reasons = new Map(results.filter((r) => !r.pass).map((r) => [keyOf(r), r.reason ?? '']));

  const listed = readFileSync(ratchetFile, 'utf8').split('\n').filter((l) => l.trim() !== '');
  const regressions = listed.filter((k) => byKey.get(k) !== true);
  t.same(regressions.map((k) => `${k} — ${reasons.get(k) ?? 'case missing'}`), [], 'no ratcheted case regressed');

  const passing = [...byKey].filter(([, ok]) => ok).map(([k]) => k);
  const fresh = passing.filter((k) => !listed.includes(k));
  const passed = results.filter((r) => r.pass).length;
  t.comment(`${passed} passed, ${results.length - passed} failed; ${fresh.length} passing keys not yet in the ratchet`);
  if (process.env.UPDATE_RATCHET === '1' && fresh.length > 0) {
    writeFileSync(ratchetFile, [...new Set([...listed, ...fresh])].sort().join('\n') + '\n');
  }
  t.ok(passing.length >= listed.length, 'the passing set is at least as large as the ratchet');
});
