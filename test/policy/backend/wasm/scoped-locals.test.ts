/**
 * V8 compiles no wasm function with more than 50,000 locals, and a rule iterating `with` over a
 * large data tree plans to one function with more IR locals than that (elastic's
 * csp-security-policies `main.findings`: 192,025, "local count too large"). Above a threshold the
 * code generator gives a local a wasm slot only while its home block runs (local-scopes.ts).
 * Here the threshold is lowered to 0 so small policies run that way: each answer must be the JS
 * back end's, on policies whose locals live in loops, negations, `with` blocks, comprehensions,
 * `else` chains and functions; and the module must hold fewer wasm locals than one compiled as
 * usual.
 */
import t from 'tap';
import binaryen from 'binaryen';
import { compileToPlan } from '../../../../src/policy/compiler/index.js';
import { createEvaluator } from '../../../../src/policy/index.js';
import { compileWasm, createWasmEvaluator } from '../../../../src/policy/backend/wasm/index.js';
import { parseJson, stringifyJson } from '../../../../src/policy/value/index.js';

const POLICY = `package s

import rego.v1

# as csp-security-policies' main.findings: each benchmark's rules under its own adapter
findings := {f |
	r := data.lib[b].rules[k].finding with data.adapter as data.lib[b].adapter
	f := [b, k, r]
}

big contains [x, y] if {
	some x in input.xs
	not x in input.skip
	y := [z | some z in input.xs; z > x]
	count(y) > 0
}

pairs[k] := v if {
	some k, v in input.m
	every w in input.xs { w != v }
}

label(x) := "neg" if x < 0
else := "zero" if x == 0
else := "pos"

labels := [label(x) | some x in input.xs]

first_big := x if {
	x := max(input.xs)
	x > 2
	not input.none
} else := "none"

with_input := [n | n := count(input.xs) with input.xs as [1]]

answer := {"findings": findings, "big": big, "pairs": pairs, "labels": labels, "first": first_big, "with": with_input}
`;

const DATA = `package lib.a.rules.one
import rego.v1
finding := data.adapter.level + 1
`;
const DATA2 = `package lib.b.rules.two
import rego.v1
finding := concat("-", [data.adapter.name, "x"]) if data.adapter.name
`;

const INPUTS = ['{"xs": [3, -1, 0, 5], "skip": [5], "m": {"a": 9, "b": 3}}', '{"xs": [], "skip": [], "m": {}}', '{"xs": [1, 2, 2, 7], "skip": [], "m": {"q": 2, "r": 4}, "none": true}'];

t.test('a plan run with shared wasm locals answers as the JS back end', async (t) => {
  const modules = [
    { file: 's.rego', text: POLICY },
    { file: 'a.rego', text: DATA },
    { file: 'b.rego', text: DATA2 },
  ];
  const plan = compileToPlan(modules, { entrypoints: ['s/answer'] });
  const data = parseJson('{"lib": {"a": {"adapter": {"level": 4}}, "b": {"adapter": {"name": "n"}}}}');
  const js = await createEvaluator(plan, { engine: 'js' });
  const wasm = await compileWasm(plan, { scopedLocals: 0, validate: true });
  const ev = await createWasmEvaluator(wasm, {});
  ev.setData(data);
  js.setData(data);
  for (const input of INPUTS) {
    const want = js.evaluate('s/answer', parseJson(input)).map(stringifyJson);
    t.match(want[0], /"findings":\[\["a","one",5\],\["b","two","n-x"\]\]/, 'each rule under its adapter');
    t.same(ev.evaluate('s/answer', parseJson(input)).map(stringifyJson), want, input);
  }

  // the same plan compiled as usual holds more wasm locals: slots are shared between blocks
  const shared = totalLocals(wasm);
  const usual = totalLocals(await compileWasm(plan, { validate: true }));
  t.ok(shared < usual, `wasm locals shared ${shared} < usual ${usual}`);
});

/** Locals declared in the module's functions (the runtime's are the same in both builds). */
function totalLocals(wasm: Uint8Array): number {
  const mod = binaryen.readBinary(wasm);
  let n = 0;
  for (let i = 0; i < mod.getNumFunctions(); i++) {
    const info = binaryen.getFunctionInfo(mod.getFunctionByIndex(i));
    if (info.base === '') n += info.vars.length;
  }
  mod.dispose();
  return n;
}
