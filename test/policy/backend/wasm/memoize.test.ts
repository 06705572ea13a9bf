/**
 * Rules without arguments are functions of (input, data) alone, which OPA's wasm compiler
 * memoizes per evaluation (compileFunc: `memoize := len(fn.Params) == 2`) and afresh in each
 * `with` frame (opa_memoize_push/pop). Both engines do the same: a rule referenced inside an
 * iteration is evaluated once, not once per element. Counted in calls of a builtin in the rule's
 * body, not in time; the answers are compared across engines.
 */
import t from 'tap';
import { compileToPlan } from '../../../../src/policy/compiler/index.js';
import { createEvaluator } from '../../../../src/policy/index.js';
import { allBuiltins, createRegistry } from '../../../../src/policy/builtins/index.js';
import { parseJson, stringifyJson } from '../../../../src/policy/value/index.js';
import type { Value } from '../../../../src/policy/value/index.js';

let ticks = 0;
const builtins = createRegistry([
  ...allBuiltins,
  // identity, counting its calls
  { name: 'test.tick', arity: 1, impl: ([x]) => (ticks++, x as Value) },
]);

const POLICY = `package m

# a rule every element of the iteration below refers to
limit := test.tick(input.limit)

# a partial rule referred to the same way, as lakekeeper's batch filter does
small contains i if {
	some i in numbers.range(0, 49)
	i < limit
}

picked := [i | some i in numbers.range(0, 49); i in small]

# the same rule again under another input: its own frame, evaluated once there
both := [count(picked), n] if n := count(picked) with input.limit as 5
`;

t.test('a rule referred to in an iteration is evaluated once per evaluation and per with frame', async (t) => {
  const plan = compileToPlan([{ file: 'm.rego', text: POLICY }], { query: 'x = data.m.both', builtins });
  const answers: string[] = [];
  for (const engine of ['js', 'wasm'] as const) {
    const ev = await createEvaluator(plan, { engine, builtins });
    ticks = 0;
    const [row] = ev.evaluate('eval', parseJson('{"limit": 20}')).map(stringifyJson);
    answers.push(row!);
    t.equal(row, '{"x":[20,5]}', `${engine}: the answer`);
    t.equal(ticks, 2, `${engine}: limit evaluated once outside the with and once inside`);
    ticks = 0;
    ev.evaluate('eval', parseJson('{"limit": 3}'));
    t.equal(ticks, 2, `${engine}: a second evaluation does not reuse the first one's value`);
  }
  t.equal(answers[0], answers[1]);
});

t.test('an undefined rule stays undefined when asked again', async (t) => {
  const text = `package u

maybe := test.tick(input.v) if input.v > 1

seen := [i | some i in numbers.range(1, 3); not maybe]
`;
  const plan = compileToPlan([{ file: 'u.rego', text }], { query: 'x = data.u.seen', builtins });
  for (const engine of ['js', 'wasm'] as const) {
    const ev = await createEvaluator(plan, { engine, builtins });
    t.equal(ev.evaluate('eval', parseJson('{"v": 0}')).map(stringifyJson)[0], '{"x":[1,2,3]}', `${engine}: undefined`);
    ticks = 0;
    t.equal(ev.evaluate('eval', parseJson('{"v": 2}')).map(stringifyJson)[0], '{"x":[]}', `${engine}: defined`);
    t.equal(ticks, 1, `${engine}: evaluated once`);
  }
});
