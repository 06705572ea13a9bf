/**
 * A conflict (two values for one complete rule, one function call, one object key) is the same
 * error on both engines: REGO_ERR_CONFLICT (eval_conflict_error), OPA's topdown message, the
 * location of the definition that gave the second value. A module from OPA's own Wasm compiler
 * aborts with "<file>:<row>:<col>: var assignment conflict"; that is a conflict too.
 */
import t from 'tap';
import { compileToPlan } from '../../../src/policy/compiler/index.js';
import { createEvaluator, ConflictError, RegoError } from '../../../src/policy/index.js';
import { toRegoError } from '../../../src/policy/backend/wasm/evaluator.js';
import { fromJs } from '../../../src/policy/value/index.js';

const MOD = `package c

p := 1
p := 2 if input.x

f(_) := 1
f(_) := 2
g := f(1)

h := {"a": y | some y in [1, 2]}
`;

const CASES = [
  ['p', 'complete rules must not produce multiple outputs', 4],
  ['g', 'functions must not produce multiple outputs for same inputs', 7],
  ['h', 'object keys must be unique', 10],
] as const;

for (const engine of ['js', 'wasm'] as const) {
  t.test(`${engine}: a conflict is REGO_ERR_CONFLICT with OPA's message, located`, async (t) => {
    for (const [rule, message, line] of CASES) {
      const ev = await createEvaluator(compileToPlan([{ file: 'c.rego', text: MOD }], { query: `x = data.c.${rule}` }), { engine });
      let err: unknown;
      try {
        ev.evaluate('eval', fromJs({ x: true }));
      } catch (e) {
        err = e;
      }
      t.ok(err instanceof ConflictError, `${rule}: a ConflictError`);
      const r = err as RegoError;
      t.same([r.code, r.opaCode, r.message, r.location?.file, r.location?.line], ['REGO_ERR_CONFLICT', 'eval_conflict_error', message, 'c.rego', line], rule);
    }
  });
}

t.test("an abort of OPA's Wasm runtime that is a conflict is one, located where it says", async (t) => {
  for (const what of ['var assignment conflict', 'object insert conflict', 'object merge conflict']) {
    const err = toRegoError(`policy/a.rego:12:3: ${what}`);
    t.ok(err instanceof ConflictError);
    t.same([err.code, err.opaCode, err.message, err.location], ['REGO_ERR_CONFLICT', 'eval_conflict_error', what, { file: 'policy/a.rego', line: 12, col: 3 }]);
  }
  // any other abort stays one
  t.equal(toRegoError('policy/a.rego:12:3: something else').code, 'REGO_ERR_WASM_ABORT');
  t.same([toRegoError('eval_type_error: x').code, toRegoError('eval_type_error: x').opaCode], ['REGO_ERR_WASM_ABORT', 'eval_type_error']);
});
