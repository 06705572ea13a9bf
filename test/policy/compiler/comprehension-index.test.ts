/**
 * Comprehension indexing (compiler/comprehension-index.ts, OPA's ComprehensionIndex): a
 * `var = comprehension` whose outer variables its body binds is evaluated once per evaluation,
 * grouped by those variables, and looked up. The results must be those of the comprehension
 * evaluated for each binding — the same elements, arrays in the same order — on both engines;
 * each condition OPA's compiler checks keeps its comprehension unindexed; and the work done by
 * a join is linear (counted in calls of a builtin in the comprehension's body, not in time).
 */
import t from 'tap';
import { compileToPlan } from '../../../src/policy/compiler/index.js';
import { createEvaluator } from '../../../src/policy/index.js';
import { allBuiltins, createRegistry } from '../../../src/policy/builtins/index.js';
import { parseJson, stringifyJson } from '../../../src/policy/value/index.js';
import type { Value } from '../../../src/policy/value/index.js';
import type { Policy } from '../../../src/policy/ir/types.js';

let ticks = 0;
const builtins = createRegistry([
  ...allBuiltins,
  // identity, counting its calls: the work a comprehension's body does
  { name: 'test.tick', arity: 1, impl: ([x]) => (ticks++, x as Value) },
]);

const indexed = (p: Policy): number => (p.funcs?.funcs ?? []).filter((f) => f.name.includes('$comprehension_index')).length;
const compile = (text: string, query: string): Policy => compileToPlan([{ file: 'c.rego', text }], { query, builtins });

// each rule twice: as OPA indexes it, and wrapped so that it is not a `var = comprehension`
const JOINS = `package c

one_key contains [o, xs] if {
	some o in input.os
	xs := [r.n | some r in input.rs; r.owner == o]
}
ref_one_key contains [o, xs] if {
	some o in input.os
	xs := array.concat([r.n | some r in input.rs; r.owner == o], [])
}

nested := [[o, xs] | some o in input.os; xs = [[i, r.n] | some i, r in input.rs; o = r.owner]]
ref_nested := [[o, xs] | some o in input.os; xs = array.concat([[i, r.n] | some i, r in input.rs; o = r.owner], [])]

two_keys contains [o, k, xs] if {
	some o in input.os
	some k in input.kinds
	xs := [r.n | some r in input.rs; r.kind == k; r.owner == o]
}
ref_two_keys contains [o, k, xs] if {
	some o in input.os
	some k in input.kinds
	xs := array.concat([r.n | some r in input.rs; r.kind == k; r.owner == o], [])
}

set_key contains [s, xs] if {
	some o in input.os
	s := {o, 1}
	xs := {r.n | some r in input.rs; {r.owner, 1} == s}
}
ref_set_key contains [s, xs] if {
	some o in input.os
	s := {o, 1}
	xs := {r.n | some r in input.rs; {r.owner, 1} == s} | set()
}

objects contains [o, xs] if {
	some o in input.os
	xs := {i: r.n | some i, r in input.rs; r.owner == o}
}
ref_objects contains [o, xs] if {
	some o in input.os
	xs := object.union({i: r.n | some i, r in input.rs; r.owner == o}, {})
}
`;
const NAMES = ['one_key', 'nested', 'two_keys', 'set_key', 'objects'];

// a small seeded generator: the cases are random but the same on every run
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}
const KEYS = ['1', '1.0', '2', '2.50', '2.5', '"1"', '"a"', '[1]', '[1.0]', '{"a":1}', '{"a":1.0}', 'null', 'true', 'false', '[]', '{}'];

function randomInput(r: () => number): string {
  const pick = <T>(xs: T[]): T => xs[Math.floor(r() * xs.length)]!;
  const os = Array.from({ length: 1 + Math.floor(r() * 8) }, () => pick(KEYS));
  const rs = Array.from({ length: Math.floor(r() * 30) }, (_, i) => {
    const fields = [`"n": ${i % 7}`, `"kind": ${pick(['"a"', '"b"', '1', '1.0'])}`];
    if (r() < 0.85) fields.push(`"owner": ${pick(KEYS)}`); // else undefined: never in a group
    return `{${fields.join(', ')}}`;
  });
  return `{"os": [${os.join(', ')}], "rs": [${rs.join(', ')}], "kinds": ["a", 1, "b"]}`;
}

t.test('an indexed comprehension gives what the unindexed one gives, on both engines (randomised)', async (t) => {
  const query = `x = [${NAMES.flatMap((n) => [`data.c.${n}`, `data.c.ref_${n}`]).join(', ')}]`;
  const policy = compile(JOINS, query);
  t.equal(indexed(policy), NAMES.length, 'each of the five is indexed, none of its reference');
  const js = await createEvaluator(policy, { engine: 'js', builtins });
  const wasm = await createEvaluator(policy, { engine: 'wasm', builtins });
  const r = rng(16);
  let nonEmpty = 0;
  for (let i = 0; i < 150; i++) {
    const text = randomInput(r);
    const input = parseJson(text);
    const a = js.evaluate('eval', input).map(stringifyJson);
    const b = wasm.evaluate('eval', input).map(stringifyJson);
    if (b[0] !== a[0]) t.fail(`js and wasm differ on ${text}`, { js: a[0], wasm: b[0] });
    const row = JSON.parse(a[0]!) as { x: unknown[] };
    for (let j = 0; j < NAMES.length; j++) {
      const [got, want] = [JSON.stringify(row.x[2 * j]), JSON.stringify(row.x[2 * j + 1])];
      if (got !== want) t.fail(`${NAMES[j]} on ${text}`, { got, want });
      if (j === 0 && /,\[\d/.test(got)) nonEmpty++;
    }
  }
  t.pass('150 random inputs compared');
  t.ok(nonEmpty > 50, `groups were found (${nonEmpty} inputs with a non-empty join)`);
  // 1 and 1.0 are one key, and a group keeps the order of input.rs
  const [row] = js.evaluate('eval', parseJson('{"os": [1.0, 3], "rs": [{"n": "a", "owner": 1}, {"n": "b", "owner": 2}, {"n": "c", "owner": 1.0}], "kinds": []}')).map(stringifyJson);
  t.ok(row?.startsWith('{"x":[[[1.0,["a","c"]],[3,[]]],'), String(row));
});

t.test('each condition OPA checks keeps a comprehension unindexed, and its answer the same', async (t) => {
  const cases: [string, string][] = [
    ['negated', 'ys := ["z"]\n\tnot ys = [r.n | some r in input.rs; r.owner == o]\n\txs := ys'],
    ['with', 'xs := [r.n | some r in input.rs; r.owner == o] with input.unused as 1'],
    ['not var = comprehension', 'xs := count([r.n | some r in input.rs; r.owner == o])'],
    ['an outer var the body cannot bind (a ref on it)', 'ob := {"id": o}\n\txs := [r.n | some r in input.rs; r.owner == ob.id]'],
    ['an outer var only compared in a call', 'xs := [r.n | some r in input.rs; startswith(r.n, o)]'],
    ['a ref keyed by a candidate (a lookup would become a scan)', 'xs := [v | v := input.m[o]]'],
    ['walk with a candidate as output', 'xs := [v | walk(input.m, [o, v])]'],
    ['a nested comprehension reads a candidate', 'xs := [r.n | some r in input.rs; r.owner == o; count([1 | o == o]) == 1]'],
    ['a nested every reads a candidate', 'xs := [r.n | some r in input.rs; r.owner == o; every y in [1] { o != y + 100 }]'],
    ['no outer var', 'xs := [r.n | some r in input.rs; r.owner == 1]'],
    ['the body ordered differently with the key unbound', 'xs := [r.n | g(o) == r.n; r = input.rs[_]; r.owner == o]'],
  ];
  const input = parseJson('{"os": [1, "1", 2.0], "rs": [{"n": "a", "owner": 1}, {"n": "b", "owner": 2}, {"n": "1", "owner": "1"}, {"n": "d", "owner": 1.0}], "m": {"1": "x", "2": "y"}}');
  for (const [name, lits] of cases) {
    const text = `package c\n\ng(x) := x\n\np contains [o, xs] if {\n\tsome o in input.os\n\t${lits}\n}\n`;
    const policy = compile(text, 'x = data.c.p');
    t.equal(indexed(policy), 0, `${name}: not indexed`);
    const js = await createEvaluator(policy, { engine: 'js', builtins });
    const wasm = await createEvaluator(policy, { engine: 'wasm', builtins });
    t.equal(wasm.evaluate('eval', input).map(stringifyJson)[0], js.evaluate('eval', input).map(stringifyJson)[0], `${name}: js and wasm agree`);
  }
  // and the control: the same rule with a plain join is indexed (the check above can fail)
  const plain = `package c\n\np contains [o, xs] if {\n\tsome o in input.os\n\txs := [r.n | some r in input.rs; r.owner == o]\n}\n`;
  t.equal(indexed(compile(plain, 'x = data.c.p')), 1, 'a plain join is indexed');
  // under `with` of a data path (mocked when planned) the rule is planned unindexed
  const mocked = `${plain}\nq := x if x := p with data.c.other as 1\n`;
  const js = await createEvaluator(compile(mocked, 'x = data.c.q'), { engine: 'js', builtins });
  t.match(js.evaluate('eval', input).map(stringifyJson)[0], /"a","d"/);
});

t.test('a join does linear work: the body runs once per element, not once per pair', async (t) => {
  const text = `package c

join contains [o, xs] if {
	some o in input.os
	xs := [r | some r in input.rs; test.tick(r.owner) == o]
}
ref_join contains [o, xs] if {
	some o in input.os
	xs := array.concat([r | some r in input.rs; test.tick(r.owner) == o], [])
}
`;
  const input = (n: number): Value => parseJson(JSON.stringify({ os: Array.from({ length: n }, (_, i) => i), rs: Array.from({ length: n }, (_, i) => ({ owner: (i * 7) % n })) }));
  const js = await createEvaluator(compile(text, 'x = data.c.join; y = data.c.ref_join'), { engine: 'js', builtins });
  ticks = 0;
  const [small] = js.evaluate('eval', input(200)).map(stringifyJson);
  const small2 = JSON.parse(small!) as { x: unknown[]; y: unknown[] };
  t.same(small2.x, small2.y, 'same answer');
  t.equal(ticks, 200 + 200 * 200, 'indexed: 200 calls; unindexed: 200 × 200');
  const big = await createEvaluator(compile(text, 'x = data.c.join'), { engine: 'js', builtins });
  ticks = 0;
  const [row] = big.evaluate('eval', input(2000)).map(stringifyJson);
  t.equal(ticks, 2000, 'a 2,000 × 2,000 join calls the body 2,000 times');
  t.equal((JSON.parse(row!) as { x: unknown[] }).x.length, 2000);
  // memoized per evaluation: a second evaluation builds its own index
  ticks = 0;
  big.evaluate('eval', input(10));
  t.equal(ticks, 10, 'the index is not kept across evaluations');
  // the WASM back end memoizes the index function too
  const wasm = await createEvaluator(compile(text, 'x = data.c.join'), { engine: 'wasm', builtins });
  ticks = 0;
  const [w] = wasm.evaluate('eval', input(2000)).map(stringifyJson);
  t.equal(ticks, 2000, 'wasm: a 2,000 × 2,000 join calls the body 2,000 times');
  t.equal(w, row, 'wasm: the same answer');
  ticks = 0;
  t.equal(wasm.evaluate('eval', input(10)).map(stringifyJson)[0], big.evaluate('eval', input(10)).map(stringifyJson)[0]);
  t.equal(ticks, 20, 'wasm: a second evaluation builds its own index (10 calls on each engine)');
});

t.test('a `with` evaluates the index again, under its own input, on both engines', async (t) => {
  const text = `package c

join contains [o, xs] if {
	some o in input.os
	xs := [r | some r in input.rs; test.tick(r.owner) == o]
}
both := [join, j2, join] if j2 := join with input.rs as [{"owner": 1}, {"owner": 1}]
`;
  const input = parseJson('{"os": [1, 2], "rs": [{"owner": 1}, {"owner": 2}]}');
  for (const engine of ['js', 'wasm'] as const) {
    const ev = await createEvaluator(compile(text, 'x = data.c.both'), { engine, builtins });
    ticks = 0;
    t.equal(ev.evaluate('eval', input).map(stringifyJson)[0], '{"x":[[[1,[{"owner":1}]],[2,[{"owner":2}]]],[[1,[{"owner":1},{"owner":1}]],[2,[]]],[[1,[{"owner":1}]],[2,[{"owner":2}]]]]}', engine);
    t.equal(ticks, 4, `${engine}: built once outside the with, once inside`);
  }
});
