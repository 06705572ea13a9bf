import t from 'tap';
import { createResultEncoder } from '../../../src/gateway/events/result-json.js';

/** A decision shaped like the bench policy's, for user `u`. */
const decision = (u: string, limit = 1_000_000_000) => ({
  allow: true,
  rate_limit: [{ key: `user:${u}`, limit, window_s: 60 }],
  upstream: { credentials: 'up-basic', headers: { 'x-user-id': u }, name: 'up', path: `/users/${u}/orders`, remove_headers: ['cookie'] },
});

t.test('repeated and varying answers come out exactly as JSON.stringify writes them', async (t) => {
  const encode = createResultEncoder();
  for (let i = 0; i < 300; i++) {
    const d = decision(`user-${i % 7}`, i % 3 === 0 ? 10 : 1_000_000_000);
    t.equal(encode(d), JSON.stringify(d), `answer ${i}`);
    if (i % 50 === 0) {
      const deny = { allow: false, reason: `no ${i}`, status: 403 };
      t.equal(encode(deny), JSON.stringify(deny), 'a second shape beside the first');
    }
  }
});

t.test('a leaf of another JSON type, a key more or less, another order or length: still exact', async (t) => {
  const encode = createResultEncoder();
  const base = { a: 'x', b: [1, 2], c: { d: true, e: null } };
  const variants: unknown[] = [
    base,
    { a: 'y', b: [3, 4], c: { d: false, e: null } },
    { a: 1, b: [1, 2], c: { d: true, e: null } },
    { a: 'x', b: [1, 2, 3], c: { d: true, e: null } },
    { a: 'x', b: [1, 2], c: { d: true, e: 'now a string' } },
    { b: [1, 2], a: 'x', c: { d: true, e: null } },
    { a: 'x', b: [1, 2], c: { d: true } },
    { a: 'x', b: [1, 2], c: { d: true, e: null, f: 0 } },
    { a: 'x', b: [1, 2], c: { d: true, e: undefined } },
    { a: 'x', b: [NaN, -0], c: { d: Infinity, e: null } },
    { a: 'x', b: [1, { deep: [] }], c: {} },
    { '2': 'int keys first', a: 'x', '1': 'y', b: [1, 2], c: { d: true, e: null } },
    [],
    [base, base],
    true,
    'plain',
    null,
  ];
  for (let round = 0; round < 4; round++) for (const v of variants) t.equal(encode(v), JSON.stringify(v), JSON.stringify(v));
});

t.test('a varying string that JSON escapes takes the exact path', async (t) => {
  const encode = createResultEncoder();
  for (const u of ['a', 'b', 'quote"d', 'back\\slash', 'line\nfeed', 'nul\u0000', 'emoji 😀', 'lone \ud800', 'é ü', 'c']) {
    const d = decision(u);
    t.equal(encode(d), JSON.stringify(d), JSON.stringify(u));
  }
});

t.test('keys and constant leaves that need escaping are written as JSON writes them', async (t) => {
  const encode = createResultEncoder();
  for (let i = 0; i < 5; i++) {
    const d = { 'we"ird\nkey': 'con"st\u0001', n: i, '__proto__x': [i] };
    t.equal(encode(d), JSON.stringify(d));
  }
});

t.test('objects JSON.stringify treats differently never match a shape', async (t) => {
  const encode = createResultEncoder();
  const plain = { a: { b: 1 } };
  t.equal(encode(plain), JSON.stringify(plain));
  t.equal(encode(plain), JSON.stringify(plain));
  const withToJson = { a: { b: 1, toJSON: () => 'replaced' } };
  t.equal(encode(withToJson), JSON.stringify(withToJson), 'an own toJSON function');
  const nullProto = { a: Object.assign(Object.create(null) as object, { b: 1 }) };
  t.equal(encode(nullProto), JSON.stringify(nullProto), 'a null-prototype object');
  const own = { a: {} as Record<string, unknown> };
  Object.defineProperty(own.a, '__proto__', { value: 1, enumerable: true });
  t.equal(encode(own), JSON.stringify(own), "an own '__proto__' key");
  t.equal(encode({ a: { b: new Date(0) } }), JSON.stringify({ a: { b: new Date(0) } }), 'a Date (toJSON on its prototype)');
  t.throws(() => encode({ a: { b: 1n } }), TypeError, 'a bigint throws as JSON.stringify does');
  const cyclic: Record<string, unknown> = { a: 1 };
  cyclic.self = cyclic;
  t.throws(() => encode(cyclic), TypeError, 'a cycle throws as JSON.stringify does');
  t.equal(encode(undefined), undefined);
});

t.test('a polluted prototype turns the shapes off, so the text stays JSON.stringify', async (t) => {
  const encode = createResultEncoder();
  const d = decision('u1');
  t.equal(encode(d), JSON.stringify(d));
  t.equal(encode(decision('u2')), JSON.stringify(decision('u2')));
  const proto = Object.prototype as Record<string, unknown>;
  const arrayProto = Array.prototype as unknown as Record<string, unknown>;
  try {
    proto.polluted = 'yes';
    t.equal(encode(decision('u3')), JSON.stringify(decision('u3')), 'an enumerable key on Object.prototype');
  } finally {
    delete proto.polluted;
  }
  try {
    Object.defineProperty(proto, 'toJSON', { value: () => 'obj', configurable: true, writable: true });
    t.equal(encode(decision('u4')), JSON.stringify(decision('u4')), 'Object.prototype.toJSON');
  } finally {
    delete proto.toJSON;
  }
  try {
    Object.defineProperty(arrayProto, 'toJSON', { value: () => 'arr', configurable: true, writable: true });
    t.equal(encode(decision('u5')), JSON.stringify(decision('u5')), 'Array.prototype.toJSON');
  } finally {
    delete arrayProto.toJSON;
  }
  t.equal(encode(decision('u6')), JSON.stringify(decision('u6')), 'and back to the shapes');
});

t.test('answers that never repeat their structure stay exact and the shapes stay bounded', async (t) => {
  const encode = createResultEncoder();
  for (let i = 0; i < 500; i++) {
    const v = { items: Array.from({ length: i % 40 }, (_, j) => `x${j}`), [`k${i}`]: i };
    t.equal(encode(v), JSON.stringify(v), `answer ${i}`);
  }
  const big = { list: Array.from({ length: 1000 }, (_, i) => i) };
  t.equal(encode(big), JSON.stringify(big), 'a result too large for a shape');
  t.equal(encode(big), JSON.stringify(big));
});
