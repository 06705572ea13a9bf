// The module's JSON parser and writer (runtime/json.as) on strings that cross the word-at-a-time
// fast paths at every offset: escapes, control characters, DEL, quotes, backslashes and UTF-8
// placed before, on and after 8-byte boundaries, as object keys and values, through the SDK.
import t from 'tap';
import { compileToPlan, type Value } from '../../../../src/policy/index.js';
import { createWasmEvaluator } from '../../../../src/policy/backend/wasm/index.js';

t.test('strings round-trip through parse and dump at every alignment', async (t) => {
  const plan = compileToPlan([{ file: 'p.rego', text: 'package p\nimport rego.v1\nr := {"v": input.v, "o": input.o, "n": count(input.v)}' }], { entrypoints: ['p/r'] });
  const ev = await createWasmEvaluator(plan);
  const specials = ['"', '\\', '\n', '\t', '\u0001', '\u001f', '\u007f', 'é', '€', '😀', '/', ' ', '\r', '\b', '\f'];
  let checked = 0;
  for (const sp of specials) {
    for (let at = 0; at < 18; at++) {
      for (const len of [at + 1, at + 9, 17, 24]) {
        const base = 'abcdefghijklmnopqrstuvwxyz0123456789'.slice(0, Math.max(len, at));
        const s = base.slice(0, at) + sp + base.slice(at);
        const input = { v: s, o: { [s]: s, plain: 'x' } } as Value;
        const rows = ev.evaluate('p/r', input);
        t.same(rows, [{ result: { v: s, o: { [s]: s, plain: 'x' }, n: [...s].length } }], JSON.stringify(s));
        checked++;
      }
    }
  }
  t.equal(checked, specials.length * 18 * 4);
});
