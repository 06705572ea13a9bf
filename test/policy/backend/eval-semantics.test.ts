/**
 * OPA's evaluation semantics that an audit against topdown (eval.go, errors.go) checked on both
 * back ends (issue #16): conflicts and their error codes, default with else, `with` replacing
 * functions, builtins and documents seen through other rules, `every` under `with`, print of an
 * undefined operand, object.union_n / object.filter edge cases. Each case runs on the JS and
 * the WASM back end and both must give OPA's answer.
 */
import t from 'tap';
import { compileToPlan, RegoError, type Value } from '../../../src/policy/index.js';
import { createJsEvaluator } from '../../../src/policy/backend/js/index.js';
import { createWasmEvaluator } from '../../../src/policy/backend/wasm/index.js';
import { stringifyJson } from '../../../src/policy/value/index.js';

interface Case {
  note: string;
  rego: string;
  input?: Value;
  strict?: boolean;
  /** the value of data.p.y (undefined: no value), or the OPA error code */
  want: { value: unknown } | { undefined: true } | { error: string; message: string };
  prints?: string[];
}

const CASES: Case[] = [
  { note: 'complete rule, two values', rego: 'y := 1 if input.a\ny := 2 if input.a', input: { a: true }, want: { error: 'eval_conflict_error', message: 'complete rules must not produce multiple outputs' } },
  { note: 'complete rule, the same value twice', rego: 'y := 1 if true\ny := 1 if true', want: { value: 1 } },
  { note: 'function, two values for one input', rego: 'f(a) := 1 if a > 0\nf(a) := 2 if a > 1\ny := f(5)', want: { error: 'eval_conflict_error', message: 'functions must not produce multiple outputs for same inputs' } },
  { note: 'default function does not hide a conflict', rego: 'default f(_) := 0\nf(x) := 1 if x > 0\nf(x) := 2 if x > 1\ny := f(input.n)', input: { n: 5 }, want: { error: 'eval_conflict_error', message: 'functions must not produce multiple outputs for same inputs' } },
  { note: 'partial object, two values for one key', rego: 'y[k] := 1 if some k in ["a"]\ny[k] := 2 if some k in ["a"]', want: { error: 'eval_conflict_error', message: 'object keys must be unique' } },
  { note: 'ref head rules, two values for one key', rego: 'y[k] := 1 if some k in ["x"]\ny.x := 2', want: { error: 'eval_conflict_error', message: 'object keys must be unique' } },
  { note: 'else value conflicts with another rule', rego: 'y := 1 if false\nelse := 2\ny := 3', want: { error: 'eval_conflict_error', message: 'complete rules must not produce multiple outputs' } },
  { note: 'default under else: the else value', rego: 'default y := 0\ny := 1 if input.a\nelse := 2 if input.b', input: { b: true }, want: { value: 2 } },
  { note: 'default under else: nothing holds', rego: 'default y := 0\ny := 1 if input.a\nelse := 2 if input.b', want: { value: 0 } },
  { note: 'else chain in a function', rego: 'f(x) := 1 if x > 10\nelse := 2 if x > 5\nelse := 3\ny := [f(11), f(6), f(1)]', want: { value: [1, 2, 3] } },
  { note: 'with replaces a function called through another', rego: 'f(x) := x + 1\ng(x) := f(x) * 2\nmock(_) := 100\ny := z if { z := g(1) with f as mock }', want: { value: 200 } },
  { note: 'with replaces a builtin inside a called function', rego: 'g(x) := count(x)\ny := z if { z := g([1, 2]) with count as 7 }', want: { value: 7 } },
  { note: 'with replaces a builtin by a function', rego: 'm(_) := 42\ny := z if { z := count([1]) with count as m }', want: { value: 42 } },
  { note: 'with replaces a function by a value', rego: 'f(x) := x\ny := z if { z := f(1) with f as 5 }', want: { value: 5 } },
  { note: 'with replaces a nondeterministic builtin read by a rule', rego: 'g := time.now_ns()\ny := z if { z := g with time.now_ns as 5 }', want: { value: 5 } },
  { note: 'with on input seen by another rule, twice in one body', rego: 'r := input.a\ny := [a, b] if { a := r with input.a as 1; b := r with input.a as 2 }', want: { value: [1, 2] } },
  { note: 'with a non-ground value built from locals and input', rego: 'y := z if { v := 3; z := input.a with input.a as [v, input.b] }', input: { b: 1 }, want: { value: [3, 1] } },
  { note: 'with replacing a rule, then a path below it', rego: 'q := {"a": 1}\ny := z if { z := data.p.q.a with data.p.q as {"a": 9} }', want: { value: 9 } },
  { note: 'with inside a comprehension', rego: 'r := input.a\ny := [v | some i in [1, 2]; v := r with input.a as i]', want: { value: [1, 2] } },
  { note: 'every under with', rego: 'y if { every x in input.xs { x > 0 } with input.xs as [1, 2] }', input: { xs: [-1] }, want: { value: true } },
  { note: 'with inside every', rego: 'y if { every x in [1, 2] { x < input.n with input.n as 5 } }', want: { value: true } },
  { note: 'print of an undefined operand', rego: 'y if { print("a", input.nope, 1) }', want: { value: true }, prints: ['a <undefined> 1'] },
  { note: 'print of an undefined ref in a function', rego: 'f(x) if { print("v=", x.nope) }\ny if f({})', want: { value: true }, prints: ['v= <undefined>'] },
  { note: 'object.union_n: later objects win, nested objects merge', rego: 'y := object.union_n([{"a": {"b": 1, "c": 2}}, {"a": {"b": 3}}, {"a": 4}])', want: { value: { a: 4 } } },
  { note: 'object.union_n: a scalar in between replaces the merge', rego: 'y := object.union_n([{"a": {"b": 1}}, {"a": 2}, {"a": {"c": 3}}])', want: { value: { a: { c: 3 } } } },
  { note: 'object.union_n of none', rego: 'y := object.union_n([])', want: { value: {} } },
  { note: 'object.union_n, a member not an object', rego: 'y := object.union_n([{"a": 1}, input.x])', input: { x: 1 }, strict: true, want: { error: 'eval_type_error', message: 'object.union_n: operand 1 must be array of objects but got array containing number' } },
  { note: 'object.filter by array, object and set keys', rego: 'y := [object.filter({"a": 1, "b": 2, 1: 3}, ["a", 1, "z"]), object.filter({"a": 1, "b": 2}, {"a": "x"}), object.filter({"a": 1, "b": 2}, {"b"})]', want: { value: [{ '1': 3, a: 1 }, { a: 1 }, { b: 2 }] } },
  { note: 'object.filter by a string', rego: 'y := object.filter({"a": 1}, input.k)', input: { k: 'a' }, strict: true, want: { error: 'eval_type_error', message: 'object.filter: operand 2 must be one of {object, set, array} but got string' } },
  { note: 'a type error without strict makes the expression undefined', rego: 'y := 1 + input.s', input: { s: 'a' }, want: { undefined: true } },
];

t.test('both back ends answer as OPA does', async (t) => {
  for (const c of CASES) {
    const plan = compileToPlan([{ file: 'p.rego', text: `package p\n${c.rego}` }], { entrypoints: ['p/y'] });
    for (const [engine, ev] of [['js', createJsEvaluator(plan)], ['wasm', await createWasmEvaluator(plan)]] as const) {
      const prints: string[] = [];
      let got: { value: unknown } | { undefined: true } | { error: string; message: string };
      try {
        const rows = ev.evaluate('p/y', c.input ?? {}, { strictBuiltinErrors: c.strict ?? false, print: (m: string) => prints.push(m) });
        const row = rows[0] as { result?: Value } | undefined;
        got = row?.result === undefined ? { undefined: true } : { value: JSON.parse(stringifyJson(row.result)) };
      } catch (e) {
        if (!(e instanceof RegoError)) throw e;
        got = { error: e.opaCode ?? e.code, message: e.message };
      }
      t.same(got, c.want, `${engine}: ${c.note}`);
      if (c.prints) t.same(prints, c.prints, `${engine}: ${c.note} (print)`);
    }
  }
});
