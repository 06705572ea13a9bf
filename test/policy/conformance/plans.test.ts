/**
 * The JS back end on OPA's own plans for the whole v1 corpus, against a ratchet: every case
 * listed in plans.passing.txt (`file: note`, all cases with that file and note) must pass.
 * The list may only grow: `UPDATE_RATCHET=1 npx tap test/policy/conformance/plans.test.ts`
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
const ratchetFile = join(here, 'plans.passing.txt');

function keyOf(r: CaseResult): string {
  return `${r.file}: ${r.note}`;
}

t.test('OPA plans through the JS back end keep every ratcheted case passing', async (t) => {
  t.ok(existsSync(join(corpus, 'cases', 'v1')), `conformance corpus at ${corpus}`);
  const results = await runConformance({ casesDir: join(corpus, 'cases', 'v1'), plansDir: join(corpus, 'plans', 'v1'), engine: 'js' });
  t.ok(results.length >= 1668, `ran ${results.length} cases`);

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
