// Conformance ratchet for the WASM back end on OPA's own plans: every case listed in
// wasm-passing.txt must still pass. The list may only grow (regenerate it from a full run of
// `regate conformance ../shared/conformance/cases/v1 --plans ../shared/conformance/plans/v1
// --engine wasm`). A sample of topics runs by default to stay inside tap's per-file timeout;
// REGATE_CONFORMANCE_ALL=1 checks every listed case.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadCaseFiles, loadPlanEntries } from '../../../../src/policy/conformance/cases.js';
import { judgeCase, type Outcome } from '../../../../src/policy/conformance/judge.js';
import { createWasmEvaluator } from '../../../../src/policy/backend/wasm/index.js';
import { fromJs, type Value } from '../../../../src/policy/value/index.js';

const CASES = fileURLToPath(new URL('../../../../../shared/conformance/cases/v1', import.meta.url));
const PLANS = fileURLToPath(new URL('../../../../../shared/conformance/plans/v1', import.meta.url));
const SAMPLE = new Set(['aggregates', 'comparisonexpr', 'elsekeyword', 'negation', 'partialsetdoc', 'withkeyword', 'functionerrors', 'subset', 'sprintf', 'objectget']);

const passing = new Set(
  readFileSync(new URL('./wasm-passing.txt', import.meta.url), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('//')),
);

t.test('listed OPA conformance cases pass on the wasm back end', async (t) => {
  const all = process.env.REGATE_CONFORMANCE_ALL === '1';
  const files = (await loadCaseFiles(CASES)).filter((f) => all || SAMPLE.has(f.topic));
  let checked = 0;
  const regressions: string[] = [];
  for (const f of files) {
    const plans = await loadPlanEntries(PLANS, f.path);
    const seen = new Map<string, number>();
    for (const c of f.cases) {
      const k = seen.get(c.note) ?? 0;
      seen.set(c.note, k + 1);
      const id = `${f.path}::${c.note}::${k}`;
      if (!passing.has(id)) continue;
      const plan = plans?.filter((p) => p.note === c.note)[k]?.plan;
      if (!plan) {
        regressions.push(`${id}: plan missing`);
        continue;
      }
      let input: Value | undefined = c.input === undefined ? undefined : fromJs(c.input);
      if (c.input_term !== undefined) {
        try {
          input = fromJs(JSON.parse(c.input_term));
        } catch {
          continue; // a Rego term (sets…): needs the front end's term parser, covered by the CLI run
        }
      }
      let outcome: Outcome;
      try {
        const ev = await createWasmEvaluator(plan, { data: fromJs(c.data ?? {}) });
        outcome = { rows: ev.evaluate('eval', input, { strictBuiltinErrors: c.strict_error === true, env: c.env ?? {}, print: () => {} }) };
      } catch (e) {
        outcome = { error: e };
      }
      const v = judgeCase(c, outcome);
      checked++;
      if (!v.pass) regressions.push(`${id}: ${v.reason ?? ''}`);
    }
  }
  t.ok(checked > 50, `checked ${checked} listed cases`);
  t.same(regressions, [], 'no listed case regressed');
});
