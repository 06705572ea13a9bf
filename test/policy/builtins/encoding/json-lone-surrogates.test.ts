/**
 * A `\uD800`–`\uDFFF` escape that is not half of a surrogate pair: Go's encoding/json (unquote)
 * decodes it as U+FFFD, where JSON.parse keeps the lone UTF-16 unit. OPA reads input documents,
 * data files and json.unmarshal's operand with that decoder, so both engines must too.
 */
import t from 'tap';
import { compileToPlan } from '../../../../src/policy/compiler/index.js';
import { createEvaluator } from '../../../../src/policy/index.js';
import { parseJson, toJs } from '../../../../src/policy/value/index.js';

t.test('parseJson replaces lone surrogate escapes, keeps pairs', (t) => {
  t.equal(parseJson('"\\ud800"'), '\uFFFD');
  t.equal(parseJson('"\\udc00x"'), '\uFFFDx');
  t.equal(parseJson('"\\ud83d\\u0041"'), '\uFFFDA');
  t.equal(parseJson('"\\ud83d\\ude00"'), '😀');
  t.same(toJs(parseJson('{"\\udfff": ["\\ud800", 12345678901234567890]}')), { '\uFFFD': ['\uFFFD', 12345678901234567890n] });
  t.end();
});

const MOD = `package s

r := [
	json.unmarshal("\\"\\\\ud800\\"") == "\\ufffd",
	json.unmarshal("{\\"\\\\udc00k\\": \\"\\\\ud83d\\\\ude00\\"}") == {"\\ufffdk": "😀"},
	input.s == "\\ufffd|\\ufffdA",
]
`;

for (const engine of ['js', 'wasm'] as const) {
  t.test(`${engine}: json.unmarshal and input decode lone surrogates to U+FFFD`, async (t) => {
    const policy = compileToPlan([{ file: 's.rego', text: MOD }], { query: 'x = data.s.r' });
    const ev = await createEvaluator(policy, { engine });
    t.same(ev.evaluate('eval', parseJson('{"s": "\\ud800|\\ud83dA"}')).map((v) => toJs(v)), [{ x: [true, true, true] }]);
  });
}
