/**
 * `opa fmt` writes a call of an operator's builtin by name as the operator (OPA format.go
 * writeFunctionCall / writeCall: every builtin declared with an `Infix`), an output-naming
 * call as the unification; the output is a fixed point and plans as the input does.
 */
import t from 'tap';
import { formatModule } from '../../../src/policy/format/format-module.js';
import { compileToPlan } from '../../../src/policy/compiler/index.js';

const SRC = `package a

r if {
	equal(1, 1)
	plus(1, 2, x)
	y := plus(x, 1)
	neq(y, 2)
	z := mul(plus(1, 2), 3)
	internal.member_2(1, [1])
	internal.member_3(0, 1, [1])
	w := and({1}, {2})
	u := or({1}, {2})
	v := [or({1}, {2})]
	lt(1, 2)
	lte(1, 2)
	gt(2, 1)
	gte(2, 1)
	f(minus(3, 1))
	div(4, 2) == rem(5, 3) * 1
}

s := plus(1, 2)

f(x) := x
`;

const WANT = `package a

r if {
	1 == 1
	x = 1 + 2
	y := x + 1
	y != 2
	z := (1 + 2) * 3
	1 in [1]
	0, 1 in [1]
	w := {1} & {2}
	u := {1} | {2}
	v := [({1} | {2})]
	1 < 2
	1 <= 2
	2 > 1
	2 >= 1
	f(3 - 1)
	4 / 2 == (5 % 3) * 1
}

s := 1 + 2

f(x) := x
`;

t.test('operator builtins called by name are written as their operators', async (t) => {
  const out = formatModule(SRC);
  t.equal(out, WANT);
  t.equal(formatModule(out), out, 'a fixed point');
  const noPositions = (k: string, v: unknown) => (k === 'row' || k === 'col' ? undefined : v);
  const plan = (text: string) => JSON.stringify(compileToPlan([{ file: 'a.rego', text }], { entrypoints: ['a/r', 'a/s'] }), noPositions);
  t.equal(plan(out), plan(SRC), 'the same plan');
});

t.test('a call with another number of arguments stays a call; a name with a package is no operator', async (t) => {
  // OPA's formatter refuses a wrong arity (ArityFormatMismatchError); regate writes the call as
  // it is, and the compiler reports the arity
  const src = 'package a\n\nr if {\n\tplus(1)\n\tdata.lib.plus(1, 2)\n\tequal(1, 2, 3, 4)\n}\n';
  t.equal(formatModule(src), src);
});
