/**
 * Compile-time type errors for builtin operands whose type is known (OPA ast/check.go): a
 * literal or literal collection of the wrong type, or another builtin's result. Operands of
 * unknown type never fail the compilation.
 */
import t from 'tap';
import { compileToPlan, CompileErrors } from '../../../src/policy/compiler/index.js';

function errs(text: string): string[] {
  try {
    compileToPlan([{ file: 'm.rego', text }], {});
  } catch (e) {
    if (e instanceof CompileErrors) return e.errors.map((x) => `${x.opaCode}@${x.location?.line}`);
    throw e;
  }
  return [];
}

t.test('wrong operand types are rego_type_errors, located', async (t) => {
  for (const body of ['count(1)', '1 + "a"', 'upper(1)', 'concat(",", [1, 2])', 'sum(["a"])', 'sprintf("%d", 1)', 'upper(count([]))', '{1} & [1]']) {
    t.same(errs(`package p\n\nq := ${body}`), ['rego_type_error@3'], body);
  }
  t.same(errs('package p\nq := [x | some x in input; 1 + "a"]'), ['rego_type_error@2'], 'inside a comprehension');
});

t.test('operands of unknown or fitting type compile', async (t) => {
  const ok = [
    'count(input.x)', 'count("abc")', 'count({"a": 1})', 'count({1, 2})', 'concat(",", ["a", input.b])', 'concat(",", {"a"})',
    'sum([1, 2.5])', '{1, 2} - {2}', '3 - 1', 'upper(input.s)', 'glob.match("*", null, "a")', 'sprintf("%v", [1])', 'object.get({}, "a", 1)',
  ];
  for (const body of ok) t.same(errs(`package p\nq := ${body}`), [], body);
  // a package's own function of a builtin's name is not the builtin
  t.same(errs('package p\nupper(x) := x\nq := upper(1)'), []);
});

t.test('a variable declared once from a typed term has that type; any other binding leaves it unknown', async (t) => {
  t.same(errs('package p\nq if {\n\tx := 1\n\tupper(x)\n}'), ['rego_type_error@4']);
  t.same(errs('package p\nq := upper(s) if s := concat("", ["a"])'), []);
  t.same(errs('package p\nq := upper(s) if s := count([])'), ['rego_type_error@2']);
  // bound elsewhere too (a comprehension's own x, a some, an argument): not checked
  t.same(errs('package p\nq if {\n\tx := 1\n\tys := [y | x := "a"; y := upper(x)]\n}'), []);
  t.same(errs('package p\nq if {\n\tsome x in ["a"]\n\tupper(x)\n}'), []);
  t.same(errs('package p\nf(x) := upper(x)'), []);
});

function messages(files: Record<string, string>): string[] {
  try {
    compileToPlan(Object.entries(files).map(([file, text]) => ({ file, text })), {});
  } catch (e) {
    if (e instanceof CompileErrors) return e.errors.map((x) => `${x.opaCode}@${x.location?.file}:${x.location?.line}: ${x.message.split('\n')[0]}`);
    throw e;
  }
  return [];
}

t.test('types flow through rules: values, sets, function results, data refs, imports', async (t) => {
  t.same(errs('package p\nb := 1\nq := count(b)'), ['rego_type_error@3'], 'a rule of the package');
  t.same(errs('package p\nb := 1\nq := count(data.p.b)'), ['rego_type_error@3'], 'a data ref');
  t.same(errs('package p\nb := x if x := "s"\nq := count(b)'), [], 'a string counts');
  t.same(errs('package p\ns contains 1\nq := upper(s)'), ['rego_type_error@3'], 'a contains rule is a set');
  t.same(errs('package p\nf(_) := [1]\nq := upper(f(1))'), ['rego_type_error@3'], "a function's result");
  t.same(errs('package p\nf(_) := "a"\nq := count(f(1))'), []);
  t.same(errs('package p\nb if input.x\nq := upper(b)'), ['rego_type_error@3'], 'a rule without value is boolean');
  t.same(messages({ 'a.rego': 'package a\nimport data.b.z\nq := upper(z)', 'b.rego': 'package b\nz := 1' }), ['rego_type_error@a.rego:3: upper: invalid argument(s)'], 'an imported rule of another package');
  t.same(errs('package p\nq := upper([x | x := 1])'), ['rego_type_error@2'], 'an array comprehension of numbers');
});

t.test('rules of unknown or mixed type, and locals named like rules, are not refused', async (t) => {
  const ok = [
    'package p\nb := 1 if input.a\nb := "s" if input.b\nq := count(b)', // mixed values
    'package p\nb := 1 if input.a\nelse := "s"\nq := count(b)', // mixed with else
    'package p\nb := input.x\nq := count(b)', // unknown
    'package p\nb[k] := 1 if some k in ["a"]\nq := count(b)', // a partial object
    'package p\nb := 1\nq if { some b in [[1]]; count(b) }', // a local b
    'package p\nb := 1\nf(b) := count(b)', // an argument b
    'package p\nb := 1\nq := [n | b := [1]; n := count(b)]', // a comprehension's own b
    'package p\nb.c := 1\nq := count(b)', // b is an object of rules
    'package p\na := count(b)\nb := upper(c)\nc := "x"',
    'package p\nf(x) := f(x - 1) if x > 0\nelse := 1\nq := count(f(1))', // recursion is an error elsewhere; no crash here
  ];
  for (const text of ok) t.same(errs(text).filter((e) => e.startsWith('rego_type_error')), [], text);
});

t.test('unification of terms of different known types is a match error', async (t) => {
  t.same(messages({ 'm.rego': 'package p\nq if {\n\t1 = "a"\n}' }), ['rego_type_error@m.rego:3: match error']);
  t.same(messages({ 'm.rego': 'package p\nb := "s"\nq if b = 1' }), ['rego_type_error@m.rego:3: match error']);
  t.same(messages({ 'm.rego': 'package p\nq if [1, 2] = {"a": 1}' }), ['rego_type_error@m.rego:2: match error']);
  // nothing binds x: OPA's safety stage fails first, so the type checker never runs
  t.same(messages({ 'm.rego': 'package p\nq if [1, x] = {"a": x}' }), ['rego_unsafe_var_error@m.rego:2: var x is unsafe']);
  t.same(messages({ 'm.rego': 'package p\nq if {\n\t[x, 1] = [2, y]\n\tx = input.a\n\ty == 1\n}' }), []);
  // OPA's RewriteEquals stage makes an expression `a == b` a unification before CheckTypes runs
  // (its TestInlinedSchemaAnnotationIgnoredByCache: `input.x == 42` under a boolean schema is a match error)
  t.same(messages({ 'm.rego': 'package p\nq if 1 == "a"' }), ['rego_type_error@m.rego:2: match error'], '== is checked as =');
  t.same(messages({ 'm.rego': 'package p\nq if 1 != "a"\nr := 1 == "a"' }), [], '!= and a comparison used as a value are not rewritten');
});

t.test('a ref into a scalar is an undefined ref', async (t) => {
  t.same(messages({ 'm.rego': 'package p\nx := 1\ny := x.foo' }), ['rego_type_error@m.rego:3: undefined ref: data.p.x.foo']);
  t.same(messages({ 'm.rego': 'package p\nx := "a"\ny if data.p.x.foo == 1' }), ['rego_type_error@m.rego:3: undefined ref: data.p.x.foo']);
  t.same(messages({ 'm.rego': 'package p\ny if {\n\tx := 1\n\tx[0] == 1\n}' }), ['rego_type_error@m.rego:4: undefined ref: x[0]']);
  try {
    compileToPlan([{ file: 'm.rego', text: 'package p\nx := 1\ny := x.foo' }]);
  } catch (e) {
    t.equal((e as CompileErrors).errors[0]?.message, 'undefined ref: data.p.x.foo\n\tdata.p.x.foo\n\t^^^^^^^^\n\thave: number', "OPA's detail lines");
  }
  t.same(messages({ 'm.rego': 'package p\nx := {"a": {"b": 1}}\ny := x.a.b\nz := input.x.y' }), [], 'objects and input are not scalars');
});

t.test('array and object literals are typed member by member, as OPA types them', async (t) => {
  // unification of two literals: lengths, key sets and member types must agree
  for (const body of ['[1, 2] = [1, 2, 3]', '["a", 1] = ["a", "b"]', '{"k": 1} = {"k": 1, "j": 2}', '{"k": 1, "j": "s"} = {"k": 1, "j": 2}']) {
    t.same(errs(`package p\nq if {\n\t${body}\n}`), ['rego_type_error@3'], body);
  }
  // a key a constant object lacks, whether the object is a rule, a local or a literal
  t.same(messages({ 'm.rego': 'package p\nlimits := {"cpu": 2, "mem": 4}\nq if limits.disk > 1' }), ['rego_type_error@m.rego:3: undefined ref: data.p.limits.disk']);
  t.same(messages({ 'm.rego': 'package p\nlimits := {"cpu": 2}\nq if limits[0] > 1' }), ['rego_type_error@m.rego:3: undefined ref: data.p.limits[0]']);
  t.same(messages({ 'm.rego': 'package p\nq if {\n\tcfg := {"team": {"lead": "ann"}}\n\tcfg.team.owner == "ann"\n}' }), ['rego_type_error@m.rego:4: undefined ref: cfg.team.owner']);
  // an array is indexed by numbers only; a member of a literal keeps its own type
  t.same(messages({ 'm.rego': 'package p\nq if {\n\tpair = [[1, 2], "s"]\n\tpair[0].first == 1\n}' }), ['rego_type_error@m.rego:4: undefined ref: pair[0].first']);
  t.same(messages({ 'm.rego': 'package p\nq if {\n\tpair := [1, "s"]\n\tpair[1].x == 1\n}' }), ['rego_type_error@m.rego:4: undefined ref: pair[1].x']);
  t.same(messages({ 'm.rego': 'package p\nq if {\n\tsizes := {"s": 1}\n\tn := 3\n\tsizes[n] == 1\n}' }), ['rego_type_error@m.rego:5: undefined ref: sizes[n]']);
  try {
    compileToPlan([{ file: 'm.rego', text: 'package p\nlimits := {"cpu": 2, "mem": 4}\nq if limits.disk > 1' }], {});
    t.fail('compiled');
  } catch (e) {
    t.equal((e as CompileErrors).errors[0]?.message, 'undefined ref: data.p.limits.disk\n\tdata.p.limits.disk\n\t              ^\n\t              have: "disk"\n\t              want (one of): ["cpu" "mem"]', "OPA's detail lines");
  }
});

t.test('what OPA leaves open stays open: empty literals, variable keys, past the end, several bindings', async (t) => {
  const ok = [
    'package p\nq if { o = {}; not o.foo }', // {} is object[any: any]
    'package p\nq if { a = []; not a[0] }', // [] is array[any]
    'package p\nq if { a := [1, 2]; not a[5] }', // an index past a literal's end is undefined, not a type error
    'package p\nq if { o := {"a": 1}; some k; o[k] == 1 }',
    'package p\nq if { o := {1: "a"}; o[1] == "a" }', // a non-string key: not typed
    'package p\nx := {"a": 1}\nq := object.get(x, "b", 0)',
    'package p\nx := {"a": 1} if input.y\nelse := {"b": 2}\nq := x.b', // several values: not typed
    'package p\nx := {"a": 1}\nx2 if x.a == 2\nq if x2 with x as {"a": 2}',
    'package p\nq if { x = "b"; o := {"a": 1, "b": 2}; o[x] == 2 }',
    'package p\nq if { [a, b] = split(input.s, "."); a == b }', // a builtin's array result has no length
    'package p\nq if { {"a": 1, "b": 2} = {"b": 2, "a": 1} }',
    'package p\nq if { x = input.a; x.b == 1 }',
    'package p\nq if { x = {"a": 1}; some i; x[i] == 1 }',
    'package p\na.b.c := {"d": 1}\na.b.e := 2\nq := a.b.e',
  ];
  for (const text of ok) t.same(errs(text), [], text);
});

t.test('operand types of more builtins are checked where they are known', async (t) => {
  for (const body of ['json.remove("s", {"a"})', 'json.filter({"a": 1}, "a")', 'time.add_date("now", 0, 0, 1)', 'bits.and(1, "2")', 'union({1, 2})', 'to_number([1])', 'strings.count(1, "a")', 'regex.replace(1, "a", "b")', 'net.cidr_contains("10.0.0.0/8", 1)']) {
    t.same(errs(`package p\nq := ${body}`), ['rego_type_error@2'], body);
  }
  for (const body of ['json.remove({"a": 1}, ["a"])', 'json.filter({"a": 1}, {["a"]})', 'time.date([0, "UTC"])', 'union({{1}, {2}})', 'to_number(null)', 'strings.any_prefix_match({"ab"}, "a")', 'object.subset([1, 2], [1])', 'graph.reachable({"a": ["b"]}, {"a"})', 'json.remove(input.x, input.y)']) {
    t.same(errs(`package p\nq := ${body}`), [], body);
  }
});

t.test("union types (OPA's any<…>): a member of mixed type must be one of them", async (t) => {
  // issue #16 gap 1: ["a", 1] has members of type any<number, string>; null is neither
  t.same(messages({ 'm.rego': 'package p\nq if {\n\tx = ["a", 1]\n\tx[_] = null\n}' }), ['rego_type_error@m.rego:4: match error']);
  t.same(errs('package p\nq if {\n\tx := ["a", 1]\n\tx[i] = null\n}'), ['rego_type_error@4'], 'declared with :=, any key variable');
  t.same(errs('package p\nq if {\n\tx := {"a", 1}\n\tx[_] = null\n}'), ['rego_type_error@4'], 'a set literal');
  t.same(errs('package p\nq if {\n\tx := {"a": 1, "b": "s"}\n\tx[_] = null\n}'), ['rego_type_error@4'], "an object's values");
  t.same(errs('package p\nq := 1 if input.a\nq := "s" if input.b\nr if q = null'), ['rego_type_error@4'], 'the values of several definitions');
  t.same(errs('package p\nq if {\n\tx := {"a": 1}\n\tupper(x[_])\n}'), ['rego_type_error@4'], 'a builtin operand');
  t.same(errs('package p\nq if {\n\tx := ["a", 1]\n\ty := x[_]\n\ty == null\n}'), ['rego_type_error@5'], '== is checked as = (OPA RewriteEquals)');
  try {
    compileToPlan([{ file: 'm.rego', text: 'package p\nq if {\n\tx := [null, "a", 1]\n\tx[_] = true\n}' }], {});
    t.fail('compiled');
  } catch (e) {
    t.equal((e as CompileErrors).errors[0]?.message, 'match error\n\tleft  : any<null, number, string>\n\tright : boolean', "members in OPA's order of types");
  }
  // a constant key of a set selects a member of its type (OPA's selectConstant: types.Select of
  // a set gives the member type when the key's type is it), so x["b"] is a string here
  t.same(messages({ 'm.rego': 'package p\nq if {\n\tx := {"a"}\n\tx["b"] = null\n}' }), ['rego_type_error@m.rego:4: match error']);
  // a union fits wherever one of its members does
  const ok = [
    'package p\nq if { x := ["a", 1]; x[_] = "a" }',
    'package p\nq if { x := ["a", 1]; x[_] = 1 }',
    'package p\nq if { x := ["a", 1]; upper(x[_]) }',
    'package p\nq := 1 if input.a\nq := "s" if input.b\nr := count(q)',
    'package p\nq if { x := ["a", input.y]; x[_] = null }', // an unknown member: the union is unknown
    'package p\nq if { x := {"a": 1, "b": "s"}; x[k] = "s" }',
    'package p\ndefault d := false\nd := "s" if input.a\nr if d = true',
  ];
  for (const text of ok) t.same(errs(text), [], text);
});

t.test("a user function's argument types come from its body, and calls are checked against them", async (t) => {
  // issue #16 gap 2: x is plus's operand, so f takes a number
  t.same(messages({ 'm.rego': 'package p\nf(x) = y if { y := x + 1 }\nq := f("a")' }), ['rego_type_error@m.rego:3: data.p.f: invalid argument(s)']);
  t.same(errs('package p\nf(x) := upper(x)\nq := f(1)'), ['rego_type_error@3'], 'a use in the head');
  t.same(errs('package p\nf(x) := count(x)\nq := f(1)'), ['rego_type_error@3'], "a builtin's union parameter");
  t.same(errs('package p\nf(x, b) := upper(x) if b\nq if f(1, true)'), ['rego_type_error@3'], 'a call as a condition');
  t.same(errs('package p\nf(x) := upper(x)\nf(x) := lower(x) if false\nq := f(1)'), ['rego_type_error@4'], 'several definitions join their argument types');
  // the first use in literal order types the argument; later uses only check against it
  t.same(errs('package p\nf(x) = y if { y := x + 1; x == 2 }\nq := f("a")'), ['rego_type_error@3'], 'plus before ==');
  t.same(errs('package p\nf(x) if { startswith(x, "a"); count(x) > 0 }\nq := f([1])'), ['rego_type_error@3'], 'startswith before count');
  t.same(errs('package p\nf(x) if { x > 0; upper(x) }\nq := f(1)'), [], 'gt takes any: x stays any');
  // OPA checks the body as its safety check ordered it, in passes, nested calls being literals of their own
  t.same(errs('package p\nf(x) if { count(x) > n; n = 0; startswith(x, "a") }\nq := f([1])'), [], "count(x) is checked first: only gt waits for n");
  t.same(errs('package p\nf(x) if { startswith(x, p); p = "a"; count(x, n) }\nq := f([1])'), [], 'startswith waits for p, after count in the same pass');
  t.same(errs('package p\nf(x) if { startswith(x, p); p = "a"; upper(x) }\nq := f([1])'), ['rego_type_error@3'], 'upper is checked before startswith');
  t.same(errs('package p\nf(x) if { count(split(x, ",")) > 1 }\nq := f(1)'), ['rego_type_error@3'], 'a nested call types it before the outer one');
  t.same(errs('package p\nf(x) if { x = "a" }\nq := f(1)'), ['rego_type_error@3'], 'unified with a string');
  t.same(errs('package p\nf(x) := n if { count(x, n) }\nq := f(1)'), ['rego_type_error@3'], 'an input operand');
  t.same(errs('package p\nf(n) if { count([1], n); n > 0 }\nq := f("a")'), ['rego_type_error@3'], "the result operand takes the builtin's result type");
  // a later use that does not fit the first one's type is an error in the body, and the
  // function is then any: its calls are not checked (checkRule puts types.A at its path)
  t.same(messages({ 'm.rego': 'package p\nf(x) if { upper(x); x + 1 > 0 }\nq := f(1)' }), ['rego_type_error@m.rego:2: plus: invalid argument(s)']);
  t.same(errs('package p\nf(x) := y if { y := upper(x); x = [1] }\nq := f(1)'), ['rego_type_error@2'], 'a match error with the typed argument');
  t.same(messages({ 'a.rego': 'package a\nf(x) := x * 2', 'b.rego': 'package b\nimport data.a\nq := a.f("s")' }), ['rego_type_error@b.rego:3: data.a.f: invalid argument(s)'], 'through an import');
  const ok = [
    'package p\nf(x) = y if { y := x + 1 }\nq := f(1)',
    'package p\nf(x) = y if { y := x + 1 }\nq := f(input.a)', // unknown operand
    'package p\nf(x) := count(x)\nq := f("abc")',
    'package p\nf(x) = y if { x == 2; y := x + 1 }\nq := f("a")', // == types x as any when it comes first
    'package p\nf(x) if { count(x) > 0; startswith(x, "a") }\nq := f([1])', // count's union parameter first
    'package p\nf(x) if { [y | y := upper(x)]; x + 1 > 0 }\nq := f(1)', // a closure types its own copy: + comes first
    'package p\nf(x) := upper(x) if { x == "a" }\nq := f(1)', // the head's value is checked after the body
    'package p\nf(x) if { startswith(x, p); p = "a"; count(x) > 0 }\nq := f([1])', // safety order: startswith waits for p, count types x
    'package p\nf(x) if { x > 0; upper(x) }\nq := f(1)', // two uses: the first one is OPA's, not guessed here
    'package p\nf(x) := [y | y := x + 1]\nq := f("a")', // a closure types its own copy of x
    'package p\nf(x) if { every y in [1] { x + y > 0 } }\nq := f("a")',
    'package p\nf(x) := upper(x)\nf(x) := 1 if x == "a"\nq := f(1)', // one definition leaves x untyped: any
    'package p\nf(x) := upper(x)\nf(x) := x + 1 if false\nq := f(1)', // any<number, string>
    'package p\nf(x) := upper(x) if false\nelse := 1\nq := f(1)',
    'package p\nf(_) := 1\nq := f("a")',
    'package p\nupper(x) := x + 1\nq := upper(1)', // a package function named like a builtin
  ];
  for (const text of ok) t.same(errs(text), [], text);
});

t.test('a variable bound as the key of a ref, or by some … in, has the key or member type', async (t) => {
  // issue #16 gap 3: OPA's refChecker types a key variable with the collection's keys, and
  // `some k, v in xs` is `xs[k] = v`, whose v takes the type of the values
  t.same(errs('package p\nq if {\n\tx := ["a"]\n\tx[i]\n\tupper(i)\n}'), ['rego_type_error@5'], "an array's keys are numbers");
  t.same(errs('package p\nq if {\n\tsome i\n\tx := [1]\n\tx[i]\n\tupper(i)\n}'), ['rego_type_error@6'], 'declared with some first');
  t.same(errs('package p\nq if {\n\tx := {1, 2}\n\tx[m]\n\tupper(m)\n}'), ['rego_type_error@5'], "a set's keys are its members");
  t.same(errs('package p\nq if {\n\tsome k, v in ["a"]\n\tupper(k)\n}'), ['rego_type_error@4']);
  t.same(errs('package p\nq if {\n\tsome v in [1]\n\tupper(v)\n}'), ['rego_type_error@4']);
  t.same(errs('package p\nq if {\n\tsome v in {"a": 1}\n\tupper(v)\n}'), ['rego_type_error@4'], "an object's values");
  t.same(errs('package p\nq if {\n\tsome k, _ in {"a": 1}\n\tk + 1\n}'), ['rego_type_error@4'], "a closed object's keys are strings");
  t.same(errs('package p\narr := [1, 2]\nq if {\n\tsome v in arr\n\tupper(v)\n}'), ['rego_type_error@5'], 'a rule of known type');
  t.same(errs('package p\nq if {\n\tsome i\n\t[1][i]\n\ti == "a"\n}'), ['rego_type_error@5'], 'i is a number: == is checked as = (OPA RewriteEquals)');
  // bound in two places: the first ref in OPA's check order types i (refChecker PutOne), the
  // second is checked against it (checkRefLeaf: a number cannot select in an object of strings)
  t.same(errs('package p\nq if { x := ["a"]; x[i]; y := {"k": 1}; y[i] }'), ['rego_type_error@2'], 'typed by the first ref');
  const ok = [
    'package p\nq if { some k, v in ["a"]; upper(v) }',
    'package p\nq if { some v in input.a; upper(v) }', // unknown collection
    'package p\nq contains k if { some k in ["a"]; upper(k) }',
    'package p\nf(i) if { x := [1]; x[i]; upper(i) }', // an argument is not bound by the ref
    'package p\ni := "a"\nq if { x := {"a": 1}; x[i] == 1; upper(i) }', // a rule of that name is read, not bound
    'package p\nq if { xs := [[1]]; some v in xs; v[0] == 1 }',
  ];
  for (const text of ok) t.same(errs(text), [], text);
});

function details(text: string): string[] {
  try {
    compileToPlan([{ file: 'm.rego', text }], {});
  } catch (e) {
    if (e instanceof CompileErrors) return e.errors.map((x) => x.message);
    throw e;
  }
  return [];
}

t.test('a call with its output written out is checked too, the output against the result type (OPA checkExprBuiltin)', async (t) => {
  for (const body of ['plus(true, 1, x)', 'x = [null]; plus(x[0], 1, y)', 'sum([null | true], x)', 'sum([1, 2, "3", 4], x)', 'sum({"a": 1, "b": 2}, x)', 'count([1], "a")', 'q2 = "foo"; plus(q2, input.y, 0)']) {
    t.same(errs(`package p\nq if {\n\t${body}\n}`), ['rego_type_error@3'], body);
  }
  t.same(errs('package p\nq if { plus(1, 2, x); count([1], n) }'), [], 'fitting operands and fresh outputs');
});

t.test('a set literal operand is checked member by member (OPA unify1Set)', async (t) => {
  t.same(errs('package p\nq if { sum({1, 2, "3", 4}, x) }'), ['rego_type_error@2']);
  t.same(errs('package p\nq := sum({1, 2, "3"})'), ['rego_type_error@2']);
  t.same(errs('package p\nq := sum({1, 2, 3})'), []);
  t.same(errs('package p\nq := concat(",", {"a", input.b})'), []);
});

t.test('the detail lists an output the checker has not typed as ???, and the result as the last wanted type', async (t) => {
  // OPA's old server test had "want: (number, number, number)"; since OPA declares its builtins'
  // operands with names (types.Named) ArgErrDetail prints them (checkExprBuiltin's namedFargs)
  t.same(details('package p\nq if { x := "a" + input.y }'), ['plus: invalid argument(s)\n\thave: (string, any, ???)\n\twant: (x: number, y: number, z: number)']);
  t.same(details('package p\nq if { plus(true, 1, x) }'), ['plus: invalid argument(s)\n\thave: (boolean, number, ???)\n\twant: (x: number, y: number, z: number)']);
  t.same(details('package p\nq if { count([1], "a") }'), ['count: invalid argument(s)\n\thave: (array<number>, string)\n\twant: (collection: any<string, array[any], object[any: any], set[any]>, n: number)']);
  // a call that is a statement has no output, but the wanted signature still ends with the result
  t.same(details('package p\nq if { upper(1) }'), ['upper: invalid argument(s)\n\thave: (number)\n\twant: (x: string, y: string)']);
  t.same(details('package p\nf(x) = y if { y := x + 1 }\nq := f("a")'), ['data.p.f: invalid argument(s)\n\thave: (string, ???)\n\twant: (number, number)']);
});

t.test("builtins are checked against OPA's declarations: the ones added with it (issue #16)", async (t) => {
  for (const body of ['json.patch({}, 1)', 'uri.parse(1)', 'strings.split_n("a", ".", "1")', 'time.format("x")', 'object.union_n([1])', 'net.cidr_merge(1)', 'crypto.x509.parse_keypair(1, "a")', 'regex.is_valid(1)', 'semver.is_valid(1) + 1']) {
    t.same(errs(`package p\n\nq := ${body}`), ['rego_type_error@3'], body);
  }
  for (const body of ['json.patch({}, [{"op": "add", "path": "/a", "value": 1}])', 'uri.parse("http://x")', 'strings.split_n("a.b", ".", 1)', 'time.format([1, "UTC", "2006"])', 'semver.is_valid(1)', 'object.union_n([{"a": 1}, input.x])']) {
    t.same(errs(`package p\nq := ${body}`), [], body);
  }
  t.same(errs('package p\nq if {\n\t[h, p, s] := io.jwt.decode(input.t)\n\tstartswith(s, "x")\n}'), [], 'a static array result destructured');
  t.same(errs('package p\nq if {\n\tx := io.jwt.decode(input.t)\n\tupper(x)\n}'), ['rego_type_error@4'], 'its result is an array');
  t.same(details('package p\nq := strings.replace_n(1, "a")'), ['strings.replace_n: invalid argument(s)\n\thave: (number, string, ???)\n\twant: (patterns: object[string: string], value: string, output: string)']);
});

t.test('an index of a union type that has number in it may index an array (gatekeeper-library k8sdisallowedtags)', async (t) => {
  t.same(errs('package p\nq if {\n\tparts := split(input.image, "/")\n\tnot contains(parts[count(parts) - 1], ":")\n}'), []);
  t.same(errs('package p\nq if {\n\tparts := split(input.image, "/")\n\tparts[count(parts) > 1]\n}'), ['rego_type_error@4'], 'a boolean index still is not');
});

t.test('variables a := pattern declares take their types from the value, member by member (OPA unify1)', async (t) => {
  t.same(errs('package p\nq if {\n\t[x, y] := [1, "s"]\n\tx + y\n}'), ['rego_type_error@4'], 'array literal: x number, y string');
  t.same(errs('package p\nq if {\n\t{"k": v} := {"k": "s"}\n\tabs(v)\n}'), ['rego_type_error@4'], 'object literal: v string');
  t.same(errs('package p\nq if {\n\t[x, [y, z]] := [1, [true, "s"]]\n\tcount(x)\n}'), ['rego_type_error@4'], 'nested patterns');
  t.same(errs('package p\nq if {\n\txs := [1, 2]\n\t[a, b] := xs\n\tupper(b)\n}'), ['rego_type_error@5'], 'through a typed variable');
  // fitting uses, unknown values, lengths that do not match and keys the object lacks: no error
  t.same(errs('package p\nq if {\n\t[x, [y, z]] := [1, [true, "s"]]\n\tx + 1 == 2\n\tendswith(z, "s")\n\tnot y\n}'), []);
  t.same(errs('package p\nq if {\n\t[a, b] := input.x\n\tupper(a)\n\tabs(b)\n}'), []);
  t.same(errs('package p\nq if {\n\t{"k": v, "j": w} := {"k": 1, "j": input.w}\n\tupper(w)\n}'), []);
});
