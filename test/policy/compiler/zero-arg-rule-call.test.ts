/**
 * A complete rule called with no arguments, `r()`, is evaluated as OPA's topdown does: its
 * arity is 0, so checkUndefinedFuncs lets it through, and evalFunc unifies the call's output
 * with the rule's value (a statement `r()` fails when the value is false).
 * StatCan/gatekeeper-policies' restrict-hostnames writes `host := get_hosts()[_]` with
 * `get_hosts = hosts { … }` — it did not compile ("is not a function"). On both engines.
 */
import t from 'tap';
import { compileToPlan, CompileErrors } from '../../../src/policy/compiler/index.js';
import { createEvaluator } from '../../../src/policy/index.js';
import { fromJs, toJs } from '../../../src/policy/value/index.js';

const MOD = `package c

hosts := h if {
	count(input.hosts) > 0
	h := {x | some x in input.hosts}
}

hosts := [""] if count(input.hosts) == 0

# a union type (boolean or string): OPA's checker lets r() through only for any or a union
yes := true if input.hosts
yes := "no hosts" if not input.hosts

no := false if input.hosts
no := "no hosts" if not input.hosts

each := [h | h := hosts()[_]]
value := hosts()
as_statement if yes()
false_statement if no()
negated if not no()
`;

const RULES = ['each', 'value', 'as_statement', 'false_statement', 'negated'];

for (const engine of ['js', 'wasm'] as const) {
  t.test(`${engine}: r() is the value of the complete rule r`, async (t) => {
    const policy = compileToPlan([{ file: 'c.rego', text: MOD }], { query: `x = {${RULES.map((r) => `"${r}": [v | v := data.c.${r}]`).join(', ')}}` });
    const ev = await createEvaluator(policy, { engine });
    const one = ev.evaluate('eval', fromJs({ hosts: ['b', 'a'] })).map((v) => toJs(v)) as [{ x: Record<string, unknown> }];
    t.same(one[0].x, { each: [['a', 'b']], value: [['a', 'b']], as_statement: [true], false_statement: [], negated: [true] });
    const none = ev.evaluate('eval', fromJs({ hosts: [] })).map((v) => toJs(v)) as [{ x: Record<string, unknown> }];
    t.same(none[0].x.each, [['']]);
  });
}

t.test('a partial set rule is still no function', async (t) => {
  try {
    compileToPlan([{ file: 'c.rego', text: 'package c\n\ns contains 1\n\nbad := s()\n' }], { query: 'x = data.c.bad' });
    t.fail('compiled');
  } catch (e) {
    if (!(e instanceof CompileErrors)) throw e;
    t.same(e.errors.map((x) => x.code), ['REGO_ERR_TYPE']);
  }
});

t.test('r() of a rule whose type is known exactly is an undefined function, as OPA\'s checkExprBuiltin', async (t) => {
  for (const [text, refused] of [
    ['package c\n\nr := 1\n\nbad := r()\n', true],
    ['package c\n\nr if input.x\n\nbad if r()\n', true],
    ['package c\n\nr := [1]\n\nbad := r()[0]\n', true],
    ['package c\n\nr := input.x\n\nok := r()\n', false],
    ['package c\n\nr := 1 if input.x\nr := "a" if input.y\n\nok := r()\n', false],
  ] as const) {
    try {
      compileToPlan([{ file: 'c.rego', text }], { query: 'x = data.c' });
      t.notOk(refused, text);
    } catch (e) {
      if (!(e instanceof CompileErrors)) throw e;
      t.ok(refused, text);
      t.same(e.errors.map((x) => [x.code, x.opaCode]), [['REGO_ERR_TYPE', 'rego_type_error']], text);
      t.match(e.errors[0]!.message, /^undefined function data\.c\.r$/m, text);
    }
  }
});
