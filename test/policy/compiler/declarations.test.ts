/**
 * How OPA's compiler treats declarations (ast/compile.go, rewriteLocalVars and rewritePrintCalls),
 * checked here with snippets of our own: a second declaration of a name in one scope, a function
 * argument declared again, a `some` nothing uses, a print operand that only a later literal
 * binds, and a `with` that would replace part of a rule's document. Each is a rego_compile_error;
 * what OPA accepts next to each one compiles.
 */
import t from 'tap';
import { compileToPlan, CompileErrors } from '../../../src/policy/compiler/index.js';
import { createEvaluator } from '../../../src/policy/index.js';
import { fromJs, toJs } from '../../../src/policy/value/index.js';

function errs(text: string): string[] {
  try {
    compileToPlan([{ file: 'm.rego', text }], {});
  } catch (e) {
    if (e instanceof CompileErrors) return e.errors.map((x) => `${x.opaCode}@${x.location?.line}: ${x.message.split('\n')[0]}`);
    throw e;
  }
  return [];
}

t.test('a name is declared once per scope, by :=, some or some … in', async (t) => {
  t.same(errs('package p\nq if {\n\tn := 1\n\tsome n in [1]\n}'), ['rego_compile_error@4: var n assigned above']);
  t.same(errs('package p\nq if {\n\tsome n\n\tsome n in [1]\n}'), ['rego_compile_error@4: var n declared above']);
  t.same(errs('package p\nq if {\n\tn = 1\n\tsome n in [1]\n}'), ['rego_compile_error@4: var n referenced above']);
  t.same(errs('package p\nq if {\n\tk := "a"\n\tsome k, v in {"a": 1}\n\tv > 0\n}'), ['rego_compile_error@4: var k assigned above']);
  // a closure is a scope of its own, and so is every's body
  t.same(errs('package p\nq if {\n\tn := 1\n\tm := [n | some n in [2]]\n\tm == [2]\n}'), []);
  t.same(errs('package p\nq if {\n\tn := 1\n\tevery n in [2] { n > 1 }\n}'), []);
});

t.test("a function's argument is not declared again in its body", async (t) => {
  t.same(errs('package p\nf(a) := b if {\n\ta := 2\n\tb := a\n}'), ['rego_compile_error@3: arg a redeclared']);
  t.same(errs('package p\nf([a, b]) := b if {\n\tsome a in [1]\n}'), ['rego_compile_error@3: arg a redeclared']);
  t.same(errs('package p\nf(a) := b if {\n\tb := [a | some a in [1]]\n}'), [], 'a comprehension may shadow it');
  t.same(errs('package p\nf(a) := b if {\n\ta = 1\n\tb := a\n}'), [], '= compares, it does not declare');
});

// OPA's rewriteSomeDeclStatement declares the output vars of `value = coll[key]` less the vars of
// coll: in `some b in b.children` the b is the one already in scope. carbonetes/brainiac writes
// `has_none_logging(block) if { some block in block.Blocks.Blocks … }`; it was "arg block redeclared".
t.test('some … in declares none of the names its collection mentions', async (t) => {
  t.same(errs('package p\nf(b) if {\n\tsome b in b.children\n}'), []);
  t.same(errs('package p\nf(k) if {\n\tsome k, v in k\n\tv > 0\n}'), []);
  t.same(errs('package p\nf(x) if {\n\tsome k, x in {"a": x}\n\tk == "a"\n}'), []);
  t.same(errs('package p\nf(x) if {\n\tsome x in [1]\n}'), ['rego_compile_error@3: arg x redeclared'], 'not in the collection: declared again');
  t.same(errs('package p\nq if {\n\tsome x in x\n}'), ['rego_unsafe_var_error@3: var x is unsafe'], 'x = x[_] binds nothing');
});

const SELF = `package s

# n is the argument, compared with each element of 0..n
upto_self(n) if some n in numbers.range(0, n)

below_self(n) if some n in numbers.range(0, n - 1)

# k is compared with each index
index_self(k) if some k, _ in numbers.range(0, k)

# the local n, compared with the elements of the array that mentions it
local if {
	n := 2
	some n in [1, n]
}
`;

for (const engine of ['js', 'wasm'] as const) {
  t.test(`${engine}: a name some … in shares with its collection is compared, not bound`, async (t) => {
    const q = 'x = [data.s.upto_self(3), data.s.index_self(2), data.s.local]; y = {r | r := data.s.below_self(3)}';
    const ev = await createEvaluator(compileToPlan([{ file: 's.rego', text: SELF }], { query: q }), { engine });
    const rows = ev.evaluate('eval', fromJs({})).map((v) => toJs(v)) as { x: unknown; y: unknown }[];
    t.same(rows, [{ x: [true, true, true], y: [] }]);
  });
}

t.test('some x that nothing uses is an error even when not strict', async (t) => {
  t.same(errs('package p\nq if {\n\tsome x\n\tinput.y\n}'), ['rego_compile_error@3: declared var x unused']);
  t.same(errs('package p\nq if {\n\tsome x\n\tinput.y[x]\n}'), []);
  t.same(errs('package p\nq contains x if {\n\tsome x\n\tinput.y[x]\n}'), []);
  t.same(errs('package p\nq if {\n\tsome x in input.y\n}'), [], 'some … in uses its collection');
});

t.test('print sees only what the literals written before it bind', async (t) => {
  t.same(errs('package p\nq if {\n\tprint(n)\n\tn = 7\n}'), ['rego_compile_error@3: var n is undeclared']);
  t.same(errs('package p\nq if {\n\tn := 7\n\tprint(n)\n}'), []);
  t.same(errs('package p\nf(a) if print(a)'), []);
  t.same(errs('package p\nr := 1\nq if print(r, input.x)'), [], 'rules and input are always there');
  t.same(errs('package p\nq if {\n\tprint(n)\n}'), ['rego_compile_error@3: var n is undeclared'], 'bound nowhere: reported once');
});

t.test('OPA stops after the first stage that fails: later stages report nothing', async (t) => {
  // RewriteLocalVars fails on `n := 7`, so RewritePrintCalls never looks at print(n)
  t.same(errs('package p\nq if {\n\tprint(n)\n\tn := 7\n}'), ['rego_compile_error@4: var n referenced above']);
  // nor does the safety check or the type checker, in this rule or another
  t.same(errs('package p\nq if {\n\tx := 1\n\tx := 2\n}\nr if y\ns := count(1)'), ['rego_compile_error@4: var x assigned above']);
  // errors of one stage are all reported
  t.same(errs('package p\nq if {\n\tprint(n)\n}\nr if print(m)'), ['rego_compile_error@3: var n is undeclared', 'rego_compile_error@5: var m is undeclared']);
});

t.test('with may replace a whole rule or a document, not a part of what a rule computes', async (t) => {
  t.same(errs('package p\nlimits := {"cpu": 1}\nq := v if {\n\tv := limits with limits.cpu as 2\n}'), ['rego_compile_error@4: with keyword cannot partially replace virtual document(s)']);
  t.same(errs('package p\nlimits := input.l\nq := v if {\n\tv := limits.cpu with data.p.limits.cpu as 2\n}'), ['rego_compile_error@4: with keyword cannot partially replace virtual document(s)']);
  t.same(errs('package p\nlimits := {"cpu": 1}\nq := v if {\n\tv := limits with limits as {"cpu": 2}\n}'), []);
  t.same(errs('package p\nq := v if {\n\tv := data.base.x with data.base.x.y as 2\n}'), [], 'base documents may be patched at any depth');
});
