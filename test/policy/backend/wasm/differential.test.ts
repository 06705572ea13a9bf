// Differential test: OPA's own plans for the conformance cases run through the JS back end and
// through the WASM back end (via the SDK); any difference in result set or error text (OPA's
// `file:row: kind: message`) fails, unless the case is in differential-exceptions.txt with a reason.
//
// By default a fixed set of topics runs (the whole corpus takes many minutes on a busy
// machine); REGATE_DIFF_ALL=1 runs every case.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadCaseFiles, loadPlanEntries, type ConformanceCase } from '../../../../src/policy/conformance/cases.js';
import { canonical, errorText } from '../../../../src/policy/conformance/judge.js';
import { createJsEvaluator } from '../../../../src/policy/backend/js/index.js';
import { createWasmEvaluator } from '../../../../src/policy/backend/wasm/index.js';
import type { PlanEvaluator } from '../../../../src/policy/backend/evaluator.js';
import { RegoError } from '../../../../src/policy/errors.js';
import { fromJs, toJs, type Value } from '../../../../src/policy/value/index.js';

const CASES = fileURLToPath(new URL('../../../../../shared/conformance/cases/v1', import.meta.url));
const PLANS = fileURLToPath(new URL('../../../../../shared/conformance/plans/v1', import.meta.url));
const TOPICS = new Set([
  'aggregates', 'arithmetic', 'assignments', 'comparisonexpr', 'completedoc', 'compositereferences',
  'defaultkeyword', 'disjunction', 'elsekeyword', 'equality', 'every', 'functions', 'negation',
  'partialsetdoc', 'sets', 'withkeyword', 'objectkeys', 'comprehensions',
]);

const exceptions = new Map<string, string>();
for (const line of readFileSync(new URL('./differential-exceptions.txt', import.meta.url), 'utf8').split('\n')) {
  const m = /^(\S.*?)\s+#\s*(.*)$/.exec(line.trim());
  if (m && !line.startsWith('//')) exceptions.set(m[1] as string, m[2] as string);
}

function inputOf(c: ConformanceCase): Value | undefined | null {
  if (c.input_term !== undefined) {
    try {
      return fromJs(JSON.parse(c.input_term));
    } catch {
      return null; // needs the Rego term parser; not this test's concern
    }
  }
  return c.input === undefined ? undefined : fromJs(c.input);
}

function outcome(ev: PlanEvaluator, c: ConformanceCase, input: Value | undefined): string {
  try {
    const rows = ev.evaluate('eval', input, { strictBuiltinErrors: c.strict_error === true, env: c.env ?? {}, print: () => {}, nowNs: 1_700_000_000_000_000_000n });
    return 'rows ' + rows.map((r) => canonical(toJs(r))).sort().join(' | ');
  } catch (e) {
    // The full text OPA would print (`file:row: kind: message`), so locations must agree too.
    return 'error ' + (e instanceof RegoError ? errorText(e) : 'crash ' + String(e));
  }
}

t.test('JS and WASM back ends agree on OPA plans', async (t) => {
  const all = process.env.REGATE_DIFF_ALL === '1';
  const files = (await loadCaseFiles(CASES)).filter((f) => all || TOPICS.has(f.topic));
  let compared = 0;
  const diffs: string[] = [];
  for (const f of files) {
    const plans = await loadPlanEntries(PLANS, f.path);
    if (!plans) continue;
    const seen = new Map<string, number>();
    for (const c of f.cases) {
      const k = seen.get(c.note) ?? 0;
      seen.set(c.note, k + 1);
      const entry = plans.filter((p) => p.note === c.note)[k];
      const input = inputOf(c);
      if (!entry || input === null) continue;
      const id = `${f.path}::${c.note}`;
      const data = fromJs(c.data ?? {});
      let js: string;
      let wasm: string;
      try {
        js = outcome(createJsEvaluator(entry.plan, { data }), c, input);
      } catch (e) {
        js = 'load ' + (e instanceof RegoError ? e.code : String(e));
      }
      try {
        wasm = outcome(await createWasmEvaluator(entry.plan, { data }), c, input);
      } catch (e) {
        wasm = 'load ' + (e instanceof RegoError ? e.code : String(e));
      }
      compared++;
      if (js !== wasm && !exceptions.has(id)) diffs.push(`${id}\n    js:   ${js.slice(0, 300)}\n    wasm: ${wasm.slice(0, 300)}`);
    }
  }
  t.ok(compared > 100, `compared ${compared} cases`);
  t.same(diffs, [], `${diffs.length} difference(s) outside differential-exceptions.txt`);
});
