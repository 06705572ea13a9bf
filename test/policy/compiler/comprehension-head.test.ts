/**
 * A comprehension's head is evaluated as the last expression of its body (OPA
 * rewriteComprehensionTerms: `[x[0] | …]` becomes `[$t | …; $t = x[0]]`) when it contains a
 * ref, a call or a comprehension. So a ref in the head can bind a variable the body reads, and
 * reordering for safety may move that binding before a literal that needs it. Seen in
 * kubescape/regolibrary (`[wanted[i][0] | not contains(cmd, wanted[i][1])]`). On both engines.
 */
import t from 'tap';
import { compileToPlan, CompileErrors } from '../../../src/policy/compiler/index.js';
import { createEvaluator } from '../../../src/policy/index.js';
import { fromJs, toJs } from '../../../src/policy/value/index.js';

const MOD = `package c

a := {"x": 1, "y": 2}
w := [["a", "b"], ["c", "d"]]

# the head's ref binds i for the body
head_binds := [a[i] | startswith(i, "x")]
negated_body := [w[i][0] | not startswith(w[i][1], "b")]
set_head := {w[i][1] | i > 0}
object_value := {k: w[i][0] | k := i; i < 1}
call_head := [upper(w[i][0]) | i == 1]

# an undefined head drops the element, as before
undefined_head := [input.xs[i].v | some i in [0, 1, 2]]
`;

const RULES = ['head_binds', 'negated_body', 'set_head', 'object_value', 'call_head', 'undefined_head'];

for (const engine of ['js', 'wasm'] as const) {
  t.test(`${engine}: a comprehension head binds the variables its body reads`, async (t) => {
    const policy = compileToPlan([{ file: 'c.rego', text: MOD }], { query: `x = {${RULES.map((r) => `"${r}": data.c.${r}`).join(', ')}}` });
    const ev = await createEvaluator(policy, { engine });
    const [row] = ev.evaluate('eval', fromJs({ xs: [{ v: 1 }, {}, { v: 3 }] })).map(toJs) as [{ x: Record<string, unknown> }];
    t.same(row.x, {
      head_binds: [1],
      negated_body: ['c'],
      set_head: ['d'],
      object_value: { 0: 'a' },
      call_head: ['C'],
      undefined_head: [1, 3],
    });
  });
}

t.test('a variable neither the head nor the body binds is still unsafe', async (t) => {
  const mod = 'package c\n\nbad := [x | startswith(y, "a")]\n';
  const codes = new Set<string>();
  try {
    compileToPlan([{ file: 'c.rego', text: mod }], { query: 'x = data.c.bad' });
  } catch (e) {
    if (!(e instanceof CompileErrors)) throw e;
    for (const err of e.errors) codes.add(err.code);
  }
  t.same([...codes], ['REGO_ERR_UNSAFE_VAR']);
});
