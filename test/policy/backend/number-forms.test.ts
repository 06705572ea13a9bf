/**
 * Number literals and input numbers as OPA keeps them, through the compiler and both back ends:
 * `1.0` stays a float in what builtins see (json.marshal, sprintf), input parsed from JSON
 * keeps its text, and literals beyond float64 (`2e308`, `1e1000`, 23-digit integers) are
 * values — compared exactly, computed as OPA does (64-bit big.Float past the small ints) —
 * instead of a compile or range error.
 * Results keep their number text on both back ends (the WASM one reads the module's result
 * text with regate's parser, wasm/result-reader.ts, not the SDK's JSON.parse).
 */
import t from 'tap';
import { loadPolicyBundle, parseJson, RNumber, stringifyJson, type Engine } from '../../../src/policy/index.js';

const POLICY = `package nums

literals := json.marshal([1.0, 1e3, 1.50, 2e308, 1.5])

from_input := json.marshal([input.a, input.b, input.c])

equalities := [input.a == 1, input.a == 1.0, 1e3 == 1000, {1, 1.0} == {1}, 0.1000000000000000000001 == 0.1]

float_verbs := sprintf("%.2f|%v|%d|%v", [101.00, 1.0, 1.0, input.c])

big := sprintf("%v|%v|%v", [12345678901234567890123 + 1, 1e1000 > 1e999, 2e308 > 1.7976931348623157e308])

huge_sum := sprintf("%v", [(1e1000 + 1) - 1e1000])

beyond := sprintf("%v", [2e308])

value := input.a
`;

const INPUT = parseJson('{"a": 1.0, "b": 1e3, "c": 2.50}');

for (const engine of ['js', 'wasm'] as Engine[]) {
  t.test(`${engine} back end`, async (t) => {
    const b = await loadPolicyBundle({
      modules: [{ file: 'nums.rego', text: POLICY }],
      entrypoints: ['nums/literals', 'nums/from_input', 'nums/equalities', 'nums/float_verbs', 'nums/big', 'nums/huge_sum', 'nums/beyond', 'nums/value'],
      engine,
    });
    t.equal(b.evaluate('nums/literals', INPUT), '[1.0,1e3,1.50,2e308,1.5]', 'literals keep their text');
    t.equal(b.evaluate('nums/from_input', INPUT), '[1.0,1e3,2.50]', 'input keeps its text');
    t.same(b.evaluate('nums/equalities', INPUT), [true, true, true, true, false], 'values compare by value');
    t.equal(b.evaluate('nums/float_verbs', INPUT), '101.00|1|%!d(float64=1)|2.5', 'sprintf sees floats');
    // `+` past the small ints is OPA's 64-bit big.Float (the corpus's v1.14 line): the 74-bit
    // 12345678901234567890123 reads as its 64-bit value (ulp 1024), + 1 rounds back to it, and
    // FloatToNumber writes the shortest digits naming it; sprintf's %v prints that integer.
    t.equal(b.evaluate('nums/big', INPUT), '12345678901234567890000|true|true');
    // 1e1000 + 1 rounds to 1e1000's 64-bit value, so the difference is exactly 0.
    t.equal(b.evaluate('nums/huge_sum', INPUT), '0', 'literals beyond float64 are values: 1e1000 - 1e1000 is 0');
    t.equal(b.evaluate('nums/beyond', INPUT), '2e308');
  });
}

for (const engine of ['js', 'wasm'] as Engine[]) {
  t.test(`${engine} back end: a result keeps its number text`, async (t) => {
    const b = await loadPolicyBundle({ modules: [{ file: 'nums.rego', text: POLICY }], entrypoints: ['nums/value'], engine });
    const v = b.evaluate('nums/value', INPUT);
    t.ok(v instanceof RNumber);
    t.equal(stringifyJson(v!), '1.0');
  });
}

// OPA's Array.Get takes Number.Int(), strconv.ParseInt of the text: an index written as a float
// selects nothing although 1.0 == 1 (issue #16 gap 6); objects and sets still match by value
const INDEX = `package idx

arr := [10, 20, 30]

int := arr[1]

float := arr[1.0]

exp := arr[1e0]

input_int := input.arr[input.one]

input_float := input.arr[input.onef]

by_value := [{1: "x"}[1.0], {1} & {1.0}]
`;
const RULES = ['int', 'float', 'exp', 'input_int', 'input_float', 'by_value'];

for (const engine of ['js', 'wasm'] as Engine[]) {
  t.test(`${engine} back end: an array index written as a float is undefined`, async (t) => {
    const b = await loadPolicyBundle({ modules: [{ file: 'idx.rego', text: INDEX }], entrypoints: RULES.map((r) => `idx/${r}`), engine });
    const input = parseJson('{"arr": [10, 20, 30], "one": 1, "onef": 1.0}');
    const got = Object.fromEntries(RULES.map((r) => [r, b.evaluate(`idx/${r}`, input)]));
    t.same(got, { int: 20, float: undefined, exp: undefined, input_int: 20, input_float: undefined, by_value: ['x', [1]] });
  });
}
