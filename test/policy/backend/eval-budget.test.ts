/**
 * The evaluation budget on both back ends: a policy that loops over a large generated collection
 * stops with REGO_ERR_EVAL_BUDGET — an error, never a partial result — while the same policy over
 * a small collection, and any policy within its budget, evaluates as before.
 *
 * No timing is asserted. The big case runs 9 million iterations of a comprehension (seconds on
 * either back end, far more on a slow machine) against a 1 ms budget: it can only finish early
 * by stopping, and without the budget it would run the whole loop.
 */
import t from 'tap';
import { loadPolicyBundle, RegoError, type Engine, type PolicyBundle } from '../../../src/policy/index.js';
import { compileWasm } from '../../../src/policy/backend/wasm/index.js';
import { EVAL_BUDGET_BUILTIN } from '../../../src/policy/backend/wasm/compile.js';

const POLICY = `package loop

import rego.v1

# A collection the policy generates itself: n × n pairs.
pairs contains [i, j] if {
  some i in numbers.range(1, input.n)
  some j in numbers.range(1, input.n)
}

# Every pair visited again through a function call per element (the calls count too).
odd(x) := x % 2 == 1

total := count([p | some p in pairs; odd(p[0])])

decision := {"allow": true, "total": total}
`;

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return e instanceof RegoError ? `${e.code}/${e.opaCode}` : `not a RegoError: ${String(e)}`;
  }
  return undefined;
}

for (const engine of ['js', 'wasm'] as Engine[]) {
  t.test(`${engine} back end`, async (t) => {
    const bundle: PolicyBundle = await loadPolicyBundle({ modules: [{ file: 'loop.rego', text: POLICY }], entrypoints: ['loop/decision'], engine });

    t.test('a large generated collection stops at the budget, with its own code and no result', (t) => {
      let result: unknown = 'not evaluated';
      const code = codeOf(() => (result = bundle.evaluate('loop/decision', { n: 3000 }, { budgetMs: 1 })));
      t.equal(code, 'REGO_ERR_EVAL_BUDGET/eval_cancel_error');
      t.equal(result, 'not evaluated', 'no partial decision');
      t.end();
    });

    t.test('the same policy within its budget evaluates in full', (t) => {
      t.same(bundle.evaluate('loop/decision', { n: 20 }, { budgetMs: 60_000 }), { allow: true, total: 200 });
      t.same(bundle.evaluate('loop/decision', { n: 20 }), { allow: true, total: 200 }, 'no budget: no limit');
      t.end();
    });

    t.test('a stopped evaluation leaves the evaluator usable', (t) => {
      t.equal(codeOf(() => bundle.evaluate('loop/decision', { n: 3000 }, { budgetMs: 1 })), 'REGO_ERR_EVAL_BUDGET/eval_cancel_error');
      t.same(bundle.evaluate('loop/decision', { n: 4 }, { budgetMs: 60_000 }), { allow: true, total: 8 });
      t.end();
    });

    t.test('a budget that is not a positive number is a TypeError', (t) => {
      for (const budgetMs of [0, -1, Number.NaN]) t.throws(() => bundle.evaluate('loop/decision', { n: 1 }, { budgetMs }), TypeError);
      t.end();
    });
    t.end();
  });
}

t.test('wasm modules count steps only when asked to (others stay portable to any SDK host)', async (t) => {
  const { compileToPlan } = await import('../../../src/policy/index.js');
  const plan = compileToPlan([{ file: 'loop.rego', text: POLICY }], { entrypoints: ['loop/decision'] });
  const names = async (evalBudget: boolean) => new TextDecoder('latin1').decode(await compileWasm(plan, { evalBudget, validate: true }));
  t.ok((await names(true)).includes(EVAL_BUDGET_BUILTIN));
  t.notOk((await names(false)).includes(EVAL_BUDGET_BUILTIN));
  t.end();
});
