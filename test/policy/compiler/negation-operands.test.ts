/**
 * `not expr` evaluates the operands OPA lifts out of the expression (calls nested in it, refs
 * given to a call, a ref's dynamic keys) before the negation: when one is undefined the `not`
 * does not hold. The sides of `==` / `=` and a ref used alone stay inside. On both engines.
 */
import t from 'tap';
import { compileToPlan } from '../../../src/policy/compiler/index.js';
import { createEvaluator } from '../../../src/policy/index.js';
import { fromJs, toJs } from '../../../src/policy/value/index.js';

const MOD = `package n

accepts("any", _)

f(x) := x > 1

# operands of a call: lifted
call_arg if not accepts("any", input.missing)
builtin_arg if not startswith(input.missing, "a")
nested_call if not count(input.missing) > 0
member_coll if not "a" in input.missing
array_elem if not f([input.missing][0])
wildcard_iterates contains i if {
	some i in [0, 1, 2]
	not f(input.xs[i])
}

# a wildcard in a lifted operand iterates outside: "some element is not < 0"
lifted_wildcard if not input.mixed[_] < 0

# stay inside the negation: the sides of == and =, a ref alone, a ref's static keys
eq_wildcard if not input.mixed[_] == -1
eq_side if not input.missing == 1
unify_side if not input.missing = 1
ref_alone if not input.missing
dynamic_key if not input.obj[input.missing]
static_key if not input.obj.missing

# defined operands: the negation decides
defined_false if not accepts("other", input.n)
defined_true if not f(input.n)
`;

const RULES = ['call_arg', 'builtin_arg', 'nested_call', 'member_coll', 'array_elem', 'wildcard_iterates', 'lifted_wildcard', 'eq_wildcard', 'eq_side', 'unify_side', 'ref_alone', 'dynamic_key', 'static_key', 'defined_false', 'defined_true'];

for (const engine of ['js', 'wasm'] as const) {
  t.test(`${engine}: a negated expression with an undefined lifted operand is undefined`, async (t) => {
    const policy = compileToPlan([{ file: 'n.rego', text: MOD }], { query: `x = {${RULES.map((r) => `"${r}": object.get(data.n, "${r}", "undefined")`).join(', ')}}` });
    const ev = await createEvaluator(policy, { engine });
    const [row] = ev.evaluate('eval', fromJs({ n: 1, obj: { a: 1 }, xs: [5, 0], mixed: [1, -1] })).map((v) => toJs(v)) as [{ x: Record<string, unknown> }];
    t.same(row.x, {
      call_arg: 'undefined',
      builtin_arg: 'undefined',
      nested_call: 'undefined',
      member_coll: 'undefined',
      array_elem: 'undefined',
      // i = 2 has no element: undefined; i = 1 (0) is not > 1; i = 0 (5) is
      wildcard_iterates: [1],
      lifted_wildcard: true,
      eq_wildcard: 'undefined',
      eq_side: true,
      unify_side: true,
      ref_alone: true,
      dynamic_key: 'undefined',
      static_key: true,
      defined_false: true,
      defined_true: true,
    });
  });
}

// OPA 1.17's opt-in fix for issue #8387: with `import future.keywords.not` every lifted operand is
// evaluated inside the negation, so an undefined one makes the `not` hold. The import covers the
// whole module (rules above it too); another module without it keeps the default answers.
const SCOPED = MOD.replace('package n\n', 'package n\n\nimport future.keywords.not\n');

for (const engine of ['js', 'wasm'] as const) {
  t.test(`${engine}: import future.keywords.not puts the lifted operands inside the negation`, async (t) => {
    const policy = compileToPlan(
      [
        { file: 'n.rego', text: SCOPED.replace('package n', 'package scoped') },
        { file: 'm.rego', text: MOD },
      ],
      { query: `x = [${['scoped', 'n'].map((p) => `{${RULES.map((r) => `"${r}": object.get(data.${p}, "${r}", "undefined")`).join(', ')}}`).join(', ')}]` },
    );
    const ev = await createEvaluator(policy, { engine });
    const [row] = ev.evaluate('eval', fromJs({ n: 1, obj: { a: 1 }, xs: [5, 0], mixed: [1, -1] })).map((v) => toJs(v)) as [{ x: Record<string, unknown>[] }];
    t.same(row.x[0], {
      call_arg: true,
      builtin_arg: true,
      nested_call: true,
      member_coll: true,
      array_elem: true,
      // i = 2 has no element: the negated body has no solution, so it holds too
      wildcard_iterates: [1, 2],
      // no element is < 0 … is false: -1 is
      lifted_wildcard: 'undefined',
      eq_wildcard: 'undefined',
      eq_side: true,
      unify_side: true,
      ref_alone: true,
      dynamic_key: true,
      static_key: true,
      defined_false: true,
      defined_true: true,
    });
    t.equal(row.x[1]!.call_arg, 'undefined', 'the module without the import keeps the default');
  });
}

t.test('future.keywords.not is the only new future keyword; others are refused with the list', async (t) => {
  t.throws(() => compileToPlan([{ file: 'k.rego', text: 'package k\nimport future.keywords.nope\np := 1\n' }], { query: 'x = 1' }), { message: /must be one of \[contains every if in not\]/ });
});

// `not { body }` (OPA 1.17, with the import): true when the conjunction has no solution; its `:=`
// locals are its own, outer variables are read, and nothing in it is evaluated outside.
const BODIES = `package b

import future.keywords.not

roles := {"alice": "admin", "bob": "viewer"}

no_admin if {
	not {
		some u in input.users
		roles[u] == "admin"
	}
}

not_42 if {
	not {
		x := input.x
		z := x + 2
		z == 42
	}
}

one_line if not { input.a == 1 }

outside(v) if not { v > 3; v < 10 }

kept contains v if {
	some v in [1, 5, 20]
	outside(v)
}
`;

for (const engine of ['js', 'wasm'] as const) {
  t.test(`${engine}: not { body } holds when the body has no solution`, async (t) => {
    const policy = compileToPlan([{ file: 'b.rego', text: BODIES }], { query: 'x = data.b' });
    const ev = await createEvaluator(policy, { engine });
    const run = (input: unknown) => {
      const [row] = ev.evaluate('eval', fromJs(input)).map((v) => toJs(v)) as [{ x: Record<string, unknown> }];
      const { roles: _, ...rest } = row.x;
      return rest;
    };
    t.same(run({ users: ['bob'], x: 40 }), { no_admin: true, one_line: true, kept: [1, 20] });
    t.same(run({ users: ['alice'], x: 1, a: 1 }), { not_42: true, kept: [1, 20] });
    t.same(run({}), { no_admin: true, not_42: true, one_line: true, kept: [1, 20] });
  });
}

t.test('without the import, `not {` is a set or object literal as before', async (t) => {
  const policy = compileToPlan([{ file: 'c.rego', text: 'package c\n\np if not {"a": 1}.b\n' }], { query: 'x = data.c.p' });
  const ev = await createEvaluator(policy, { engine: 'js' });
  t.same(ev.evaluate('eval', fromJs({})).map((v) => toJs(v)), [{ x: true }]);
});
