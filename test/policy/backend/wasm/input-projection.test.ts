// Input projection (input-projection.ts, apply-projection.ts): what the analysis keeps for typical Rego shapes, how
// applyProjection cuts values, and that decisions through the WASM evaluator with projection on
// match the JS back end on inputs built to tempt a wrong cut.
import t from 'tap';
import { compileToPlan, readPolicyDir, type Value } from '../../../../src/policy/index.js';
import { projectInputOf, projectionFromJson, projectionToJson } from '../../../../src/policy/backend/wasm/input-projection.js';
import { applyProjection, projectedJson } from '../../../../src/policy/backend/wasm/apply-projection.js';
import { needsTags } from '../../../../src/policy/backend/wasm/host-bridge.js';
import { compileWasm, createWasmEvaluator } from '../../../../src/policy/backend/wasm/index.js';
import { readCustomSection, PROJECTION_SECTION } from '../../../../src/policy/backend/wasm/compile.js';
import { createJsEvaluator } from '../../../../src/policy/backend/js/index.js';
import { RSet } from '../../../../src/policy/value/index.js';

async function planOf(text: string, entrypoint = 'p/r') {
  return compileToPlan([{ file: 'p.rego', text: `package p\nimport rego.v1\n${text}` }], { entrypoints: [entrypoint] });
}

async function projectionOf(text: string): Promise<unknown> {
  const p = projectInputOf(await planOf(text), ['p/r']);
  return p === undefined ? 'whole' : projectionToJson(p);
}

t.test('the example gateway policy needs four input paths', async (t) => {
  const { modules } = await readPolicyDir('policies');
  const plan = compileToPlan(modules, { entrypoints: ['insurance/decision'] });
  const p = projectInputOf(plan);
  t.same(p && projectionToJson(p), { request: { method: 1, path: 1 }, token: { sub: 1, claims: { products: 1 } } });
  const wasm = await compileWasm(plan);
  t.ok(readCustomSection(wasm, PROJECTION_SECTION), 'the module carries it');
});

t.test('what the analysis keeps', async (t) => {
  t.same(await projectionOf('r if input.a.b == 1'), { a: { b: 1 } }, 'constant-key path, compared whole at the end');
  t.same(await projectionOf('r if input.a'), { a: 1 }, 'truthiness compares the value');
  t.same(await projectionOf('r := input'), 'whole', 'input as a result');
  t.same(await projectionOf('r if count(input.a) > 1'), { a: 1 }, 'builtin operand');
  t.same(await projectionOf('r if { some k, v in input.h; v == 1 }'), { h: 1 }, 'iteration sees every key');
  t.same(await projectionOf('r if input.a[input.k] == 1'), { a: 1, k: 1 }, 'dynamic key');
  t.same(await projectionOf('f(x) := x.b\nr if f(input.a) == 2'), { a: { b: 1 } }, 'through a function argument');
  t.same(await projectionOf('f := input.a\nr if f.c == 3'), { a: { c: 1 } }, 'through a rule value');
  t.same(await projectionOf('r if input == {"a": 1}'), 'whole', 'input compared whole');
  t.same(await projectionOf('r if { input.a == 1 with input as {"a": 1} }'), 'whole', 'with on input');
  t.same(await projectionOf('r if { input.a.b == 1 with input.a.c as 1 }'), 'whole', 'with on an input path');
});

t.test('projection JSON round trip and malformed sections', async (t) => {
  const p = projectionFromJson({ a: { b: 1 }, __proto__x: 1 });
  t.ok(p);
  t.same(p && projectionToJson(p), { a: { b: 1 }, __proto__x: 1 });
  t.equal(projectionFromJson([1]), undefined);
  t.equal(projectionFromJson({ a: 2 }), undefined);
  t.equal(projectionFromJson(null), undefined);
});

t.test('applyProjection cuts plain objects only', async (t) => {
  const p = projectionFromJson({ a: { b: 1 }, s: { x: 1 }, l: { x: 1 }, n: { x: 1 } });
  if (!p) throw new Error('projection');
  const set = RSet.of(['x']);
  const cut = applyProjection({ a: { b: { deep: [1] }, c: 2 }, s: set, l: ['x'], n: 'str', other: 1 } as Value, p) as Record<string, unknown>;
  t.same(cut.a, { b: { deep: [1] } });
  t.equal(cut.s, set, 'sets stay whole');
  t.same(cut.l, ['x'], 'arrays stay whole');
  t.equal(cut.n, 'str', 'scalars stay');
  t.notOk('other' in cut);
  t.same(applyProjection('scalar', p), 'scalar', 'non-object input passes through');
  const proto = JSON.parse('{"__proto__": {"b": 7}}') as Value;
  const q = projectionFromJson(JSON.parse('{"__proto__": {"b": 1}}'));
  if (!q) throw new Error('projection');
  const r = applyProjection(proto, q) as Record<string, unknown>;
  t.ok(Object.hasOwn(r, '__proto__'), '__proto__ stays an own key');
  t.equal(JSON.stringify(r), '{"__proto__":{"b":7}}');
});

t.test('decisions with projection match the JS back end', async (t) => {
  const text = `
f(x) := x.b
r := {"a": f(input.a), "c": input.c, "keys": [k | some k, _ in input.h], "n": count(input.l)} if input.m == "GET"
`;
  const plan = await planOf(text);
  const js = createJsEvaluator(plan);
  const wasm = await createWasmEvaluator(plan);
  const inputs: (Value | undefined)[] = [
    { m: 'GET', a: { b: 1, z: 2 }, c: { d: [1, 2] }, h: { x: 1, y: 2 }, l: [1, 2, 3], extra: 'x'.repeat(100) },
    { m: 'GET', a: 'not an object', c: null, h: [5, 6], l: 'four' },
    { m: 'GET', a: [{ b: 1 }], c: RSet.of([1, 2]) as unknown as Value, h: {}, l: {} },
    { m: 'POST', a: { b: 1 } },
    'scalar input',
    [1, 2],
    undefined,
  ];
  for (const input of inputs) {
    t.same(wasm.evaluate('p/r', input), js.evaluate('p/r', input), JSON.stringify(input) ?? 'undefined');
  }
});

t.test('projectedJson is JSON.stringify of applyProjection, or null when tags are needed', async (t) => {
  const p = projectionFromJson({ a: { b: 1, c: { d: 1 } }, e: 1, '\u0001S': { x: 1 }, u: 1 });
  if (!p) throw new Error('projection');
  const values: unknown[] = [
    { a: { b: 'x', c: { d: [1, 'two'], z: 3 }, y: 2 }, e: null, f: 'dropped' },
    { a: { b: { deep: true } }, e: 'é€😀"\\\n' },
    { a: 'scalar', e: [1, { k: 2 }] },
    { a: { c: 'not an object' } },
    { e: 2 ** 60 },
    { e: 10n },
    { e: RSet.of([1]) },
    { '\u0001S': { x: 1 } },
    { '\u0001S': { x: 1 }, e: 1 },
    { a: { c: { d: 1, '\u0001N': 2 } } },
    { u: undefined, e: 1 },
    { u: undefined },
    {},
    'scalar',
    [1, { a: 1 }],
    null,
  ];
  for (const v of values) {
    const cut = applyProjection(v as Value, p);
    const want = needsTags(cut) ? null : JSON.stringify(cut);
    t.equal(projectedJson(v as Value, p), want, String(JSON.stringify(v, (_, x) => (typeof x === 'bigint' ? `${x}n` : x))));
  }
});
