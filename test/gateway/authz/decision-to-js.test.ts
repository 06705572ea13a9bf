// decisionToJs is the authorize stage's faster toJs: it must give exactly what toJs gives
// (key order included, since the audit event serialises the decision as converted), and give
// back the evaluator's own value when that already is plain JSON in Rego key order.
import t from 'tap';
import { RObject, RSet, toJs, type Value } from '../../../src/policy/index.js';
import { decisionToJs } from '../../../src/gateway/authz/load.js';

const proto = JSON.parse('{"__proto__": {"x": 1}, "a": 2}') as Value;

const cases: Record<string, Value> = {
  scalar: 'x',
  null: null,
  big: 12345678901234567890n,
  'sorted keys': { allow: true, status: 403 },
  'unsorted keys (object literal order)': { allow: true, upstream: { name: 'up', credentials: 'c', headers: { 'x-user-id': 'u1' }, remove_headers: ['cookie'] }, rate_limit: [{ key: 'user:u1', limit: 1e9, window_s: 60 }] },
  'non-ASCII keys (code point order)': { 'é': 1, z: 2, '\u{1F600}': 3, '\uFFFF': 4 },
  'a set inside': { allow: true, tags: RSet.of(['b', 'a', { z: 1, y: 2 }]) },
  'a composite-key object inside': { m: new RObject().set(1, 'one').set('k', { b: 1, a: 2 }) },
  '__proto__ key': proto,
  'nested arrays': [[1, [2, { b: 1, a: 2 }]], []],
};

/** cases that already are what toJs makes of them (plain objects, keys in code-point order) */
const asIs = new Set(['sorted keys', '__proto__ key']);

for (const [name, v] of Object.entries(cases)) {
  t.test(name, async (t) => {
    const want = toJs(v);
    const got = decisionToJs(v);
    t.same(got, want);
    const text = (x: unknown) => JSON.stringify(x, (_k, y: unknown) => (typeof y === 'bigint' ? `${y}n` : y));
    t.equal(text(got), text(want), 'same key order');
    if (got !== null && typeof got === 'object') {
      if (asIs.has(name)) t.equal(got, v, 'already plain and in order: the evaluator value itself');
      else t.not(got, v, 'a copy, not the evaluator value');
    }
  });
}

t.test('a decision from object literals leaves the JS back end in order and is not copied', async (t) => {
  const { loadPolicyBundle } = await import('../../../src/policy/index.js');
  const bundle = await loadPolicyBundle({
    modules: [{ file: 'p.rego', text: 'package p\nimport rego.v1\nd := {"upstream": {"name": "up", "headers": {"x-b": "1", "x-a": input.u}}, "allow": true, "rate_limit": [{"window_s": 60, "key": "k", "limit": 5}]}\n' }],
    entrypoints: ['p/d'],
    engine: 'js',
  });
  const v = bundle.evaluate('p/d', { u: 'me' }) as Value;
  t.equal(decisionToJs(v), v, 'returned as is');
  t.equal(JSON.stringify(v), JSON.stringify(toJs(v)), 'keys already in the order toJs gives');
});

t.test('an enumerable key inherited from a polluted prototype is not taken for the policy’s', async (t) => {
  const parent = { zzz: 1 };
  const v = Object.create(parent) as Record<string, Value>;
  v['a'] = 1;
  const got = decisionToJs(v as Value);
  t.not(got, v, 'copied');
  t.same(Object.keys(got as object), ['a'], 'own keys only');
});

t.test('an enumerable key on Object.prototype itself is not taken for the policy’s', async (t) => {
  const v = { a: 1, b: { c: 2 } } as Value;
  const P = Object.prototype as Record<string, unknown>;
  P['zzz'] = 1; // for…in now lists zzz on every object
  let got: unknown;
  try {
    got = decisionToJs(v);
  } finally {
    delete P['zzz'];
  }
  t.not(got, v, 'copied');
  t.equal(JSON.stringify(got), '{"a":1,"b":{"c":2}}', 'own keys only');
  t.equal(decisionToJs(v), v, 'not copied once the prototype is clean again');
});

t.test('a null-prototype object is copied to a plain one', async (t) => {
  const v = Object.assign(Object.create(null) as Record<string, unknown>, { a: 1 }) as Value;
  const got = decisionToJs(v);
  t.equal(Object.getPrototypeOf(got), Object.prototype);
  t.equal(JSON.stringify(got), '{"a":1}');
});
