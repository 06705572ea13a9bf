/**
 * A comprehension's head is evaluated as the last expressions of its body, as OPA rewrites it
 * (expandExprTerm moves its calls into the body; rewriteComprehensionTerms turns `[x[0] | …]`
 * into `[$t | …; $t = x[0]]`). So a ref in the head can bind a variable the body reads, and
 * reordering for safety may move that binding before a literal that needs it. Seen in
 * kubescape/regolibrary (`[{"path": f(c, i), "value": sprintf("%s=%s", wanted[i])} | not contains(cmd, wanted[i][0])]`).
 * On both engines.
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

# calls in the head become literals of the body (innermost first); one of them binds i
path_of(c, i) := sprintf("c[%d]", [i])
calls_in_head := [{"path": path_of("c", i), "value": concat("=", w[i])} | not startswith(w[i][0], "a")]
nested_calls := {upper(concat("", [w[i][1], "!"])) | count(w[i]) > 1}

# an undefined head drops the element, as before
undefined_head := [input.xs[i].v | some i in [0, 1, 2]]
`;

const RULES = ['head_binds', 'negated_body', 'set_head', 'object_value', 'call_head', 'calls_in_head', 'nested_calls', 'undefined_head'];

for (const engine of ['js', 'wasm'] as const) {
  t.test(`${engine}: a comprehension head binds the variables its body reads`, async (t) => {
    const policy = compileToPlan([{ file: 'c.rego', text: MOD }], { query: `x = {${RULES.map((r) => `"${r}": data.c.${r}`).join(', ')}}` });
    const ev = await createEvaluator(policy, { engine });
    const [row] = ev.evaluate('eval', fromJs({ xs: [{ v: 1 }, {}, { v: 3 }] })).map((v) => toJs(v)) as [{ x: Record<string, unknown> }];
    t.same(row.x, {
      head_binds: [1],
      negated_body: ['c'],
      set_head: ['d'],
      object_value: { 0: 'a' },
      call_head: ['C'],
      calls_in_head: [{ path: 'c[1]', value: 'c=d' }],
      nested_calls: ['B!', 'D!'],
      undefined_head: [1, 3],
    });
  });
}

t.test('a variable neither the head nor the body binds is still unsafe, reported by its own name', async (t) => {
  const unsafe = (mod: string): string[] => {
    try {
      compileToPlan([{ file: 'c.rego', text: mod }], { query: 'x = data.c.bad' });
    } catch (e) {
      if (!(e instanceof CompileErrors)) throw e;
      return e.errors.map((err) => `${err.code} ${err.message}`).sort();
    }
    return [];
  };
  t.same(unsafe('package c\n\nbad := [x | startswith(y, "a")]\n'), ['REGO_ERR_UNSAFE_VAR var x is unsafe', 'REGO_ERR_UNSAFE_VAR var y is unsafe']);
  t.same(unsafe('package c\n\nbad := [upper(y) | true]\n'), ['REGO_ERR_UNSAFE_VAR var y is unsafe']);
  t.same(unsafe('package c\n\nbad := [input.a[y] | startswith(z, "a")]\n'), ['REGO_ERR_UNSAFE_VAR var z is unsafe']);
});
