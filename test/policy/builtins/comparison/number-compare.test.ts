/**
 * Number equality and order as OPA's ast.NumberCompare decides them (v1/ast/compare.go): equal
 * texts, then both int64, then (a float64 shortcut for two texts with trailing fraction zeros)
 * an exact big.Rat comparison of the two texts. A json.Number stands for the decimal its text
 * names: `1e+23` (how Go and regate write that double) is 10^23, not the double's binary value
 * 99999999999999991611392. Sets and object keys use Number.Hash (float64 of the text, truncated)
 * then Equal, so `1`, `1.0`, `1e0` and `100`, `1e2`, `100.0` are one member/key each; the
 * member or key inserted first keeps its text (object.insert replaces only the value).
 * Each case runs on both back ends; input numbers keep their JSON text.
 */
import t from 'tap';
import { compileToPlan } from '../../../../src/policy/compiler/index.js';
import { createEvaluator } from '../../../../src/policy/index.js';
import { parseJson, stringifyJson } from '../../../../src/policy/value/index.js';

const MOD = `package f

# big.Rat("1e+23") is 10^23 exactly.
a := input.e23 == 100000000000000000000000
b := input.e23 < 100000000000000000000001
c := input.e23 > 99999999999999991611392
d := count({input.e23, 100000000000000000000000, 1e23})
# Hash of 1, 1.0 and 1e0 is int(1.0) = 1 for each, and Equal (NumberCompare) is 0.
e := count({1, 1.0, 1e0, input.one_f})
f := count({100, 1e2, 100.0, input.hundred_e})
g := {1.0: "a"}[1]
h := sort([3, 2.50, 1e0, 1.5])
i := [x | some x in [1, 1.0, 1.00]; x == 1]
# An integer beyond 2^64 in either form.
j := 18446744073709551616.0 == 18446744073709551616
k := 1e400 == 10e399
# object.insert finds the equal key and sets only its value: the first key's text stays.
l := object.union({1: "a"}, {1.0: "b"})
m := object.union({1.0: "a"}, {1: "b"})
n := {k: 1 | some k in [1, 1.0]}
`;

const INPUT = '{"e23": 1e+23, "one_f": 1.000, "hundred_e": 1E2}';
const WANT = '{"x":{"a":true,"b":true,"c":true,"d":1,"e":1,"f":1,"g":"a","h":[1e0,1.5,2.50,3],"i":[1,1.0,1.00],"j":true,"k":true,"l":{"1":"b"},"m":{"1.0":"b"},"n":{"1":1}}}';

for (const engine of ['js', 'wasm'] as const) {
  t.test(`${engine}: numbers compare by the value their text names`, async (t) => {
    const policy = compileToPlan([{ file: 'f.rego', text: MOD }], { query: 'x = data.f' });
    const ev = await createEvaluator(policy, { engine });
    const [got = ''] = ev.evaluate('eval', parseJson(INPUT)).map((v) => stringifyJson(v));
    t.equal(got, WANT);
  });
}
