/**
 * Results leave a WASM module as JSON text; regate reads that text itself with its
 * number-keeping parser (result-reader.ts), so a result `1.0` stays `1.0` and a big integer
 * keeps its digits, as on the JS back end (issue #16).
 */
import t from 'tap';
import { compileToPlan, RNumber, stringifyJson, writeJson, type Value } from '../../../../src/policy/index.js';
import { createWasmEvaluator } from '../../../../src/policy/backend/wasm/index.js';
import { createJsEvaluator } from '../../../../src/policy/backend/js/index.js';

const P = `package p

float_form := 1.0
exp_form := 1e3
big := 12345678901234567890
beyond_float64 := 2e308
precise := [0.1000000000000000000001, 12345678.123456789]
plain := {"n": 2, "f": 1.5, "s": "1.0 in a string"}
from_input := input.x
`;

t.test('WASM results keep number text as the JS back end does', async (t) => {
  const names = ['float_form', 'exp_form', 'big', 'beyond_float64', 'precise', 'plain', 'from_input'];
  const plan = compileToPlan([{ file: 'p.rego', text: P }], { entrypoints: names.map((n) => `p/${n}`) });
  const wasm = await createWasmEvaluator(plan);
  const js = createJsEvaluator(plan);
  const input = { x: new RNumber('2.50') } as Value;
  for (const n of names) {
    const w = wasm.evaluate(`p/${n}`, input);
    t.equal(writeJson(w), writeJson(js.evaluate(`p/${n}`, input)), n);
  }
  const [row] = wasm.evaluate('p/float_form', undefined) as [{ result: Value }];
  t.ok(row.result instanceof RNumber, '1.0 is an RNumber');
  t.equal(stringifyJson(row.result), '1.0');
  t.equal((wasm.evaluate('p/big', undefined)[0] as { result: Value }).result, 12345678901234567890n, 'big integer exact');
  t.equal(stringifyJson((wasm.evaluate('p/beyond_float64', undefined)[0] as { result: Value }).result), '2e308', 'no Infinity (JSON.parse would give one)');
  t.same(wasm.evaluate('p/plain', undefined), [{ result: { n: 2, f: 1.5, s: '1.0 in a string' } }]);
  t.same(wasm.evaluate('p/from_input', undefined), [], 'undefined stays an empty result set');
});
