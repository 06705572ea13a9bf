import t from 'tap';
import { createTokenCache, formatTokenHash, hashToken } from '../../../src/gateway/authn/token-cache.js';
import { normaliseTokenInfo } from '../../../src/gateway/authn/token-info.js';

t.test('bounded LRU: a hit refreshes recency, the least recent entry goes first', async (t) => {
  const c = createTokenCache<number>(3);
  c.set('a', 1);
  c.set('b', 2);
  c.set('c', 3);
  t.equal(c.get('a'), 1); // a is now the most recent
  c.set('d', 4); // evicts b
  t.equal(c.size, 3);
  t.equal(c.get('b'), undefined);
  t.equal(c.get('a'), 1);
  t.equal(c.get('c'), 3);
  t.equal(c.get('d'), 4);
  const off = createTokenCache<number>(0);
  off.set('a', 1);
  t.equal(off.get('a'), undefined, 'size 0 disables caching');
  t.throws(() => createTokenCache(-1), TypeError);
});

t.test('token hashes: fixed size, distinct per token, printable prefix for logs', async (t) => {
  const a = hashToken('eyJ.a.b');
  t.equal(a.length, 32);
  t.not(a, hashToken('eyJ.a.c'));
  t.equal(a, hashToken('eyJ.a.b'));
  t.match(formatTokenHash(a), /^[A-Za-z0-9_-]{12}$/);
});

t.test('TokenInfo normalisation (DESIGN input.token)', async (t) => {
  const a = normaliseTokenInfo({ sub: 'u', scope: 'a  b', client_id: 'c', exp: 10, iss: 'i', extra: { x: [1] } }, true);
  t.same(a.scope, ['a', 'b'], 'space-separated, empty parts dropped');
  t.equal(a.client_id, 'c');
  t.same(a.claims.extra, { x: [1] });
  t.ok(Object.isFrozen(a) && Object.isFrozen(a.scope) && Object.isFrozen((a.claims.extra as { x: unknown[] }).x), 'deeply frozen');
  t.same(normaliseTokenInfo({ scp: ['x', 1, 'y'] }, true).scope, ['x', 'y'], '`scp` arrays, non-strings dropped');
  t.same(normaliseTokenInfo({ scope: ['p'] }, true).scope, ['p'], '`scope` arrays');
  t.same(normaliseTokenInfo({}, true).scope, [], 'always an array');
  t.equal(normaliseTokenInfo({ azp: 'web' }, true).client_id, 'web', 'OIDC azp when there is no client_id');
  t.equal(normaliseTokenInfo({ sub: 7, exp: '10' }, true).sub, undefined, 'wrongly typed claims stay only in claims');
});
