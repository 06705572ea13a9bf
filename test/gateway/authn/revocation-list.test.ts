// The local revocation list: the three kinds, expiry at the token's end, the sub rule on `iat`,
// and the bound (expired entries go first, then the oldest, counted).
import t from 'tap';
import { createRevocationList } from '../../../src/gateway/authn/revocation-list.js';
import { hashToken } from '../../../src/gateway/authn/token-cache.js';
import { tokenSha256 } from '../../../src/cli/token.js';
import type { TokenInfo } from '../../../src/gateway/pipeline/context.js';

const info = (claims: Record<string, unknown>): TokenInfo => ({ active: true, scope: [], claims, ...(typeof claims.sub === 'string' ? { sub: claims.sub } : {}) });
const NOW = 1_800_000_000_000;

t.test('sha256, jti and sub entries, each until its expiry', async (t) => {
  const list = createRevocationList(10);
  const token = 'opaque-token-1';
  t.ok(list.add({ kind: 'sha256', value: tokenSha256(token), at: NOW, until: NOW + 1000 }));
  t.equal(list.check(hashToken(token), info({}), NOW), 'sha256', 'the CLI digest matches the cache key of the same token');
  t.equal(list.check(hashToken('another'), info({}), NOW), null);
  t.equal(list.check(hashToken(token), info({}), NOW + 1000), null, 'gone at its expiry');
  t.equal(list.size, 0, 'and dropped from the list');

  list.add({ kind: 'jti', value: 'j1', at: NOW, until: NOW + 5000 });
  t.equal(list.check('k', info({ jti: 'j1' }), NOW), 'jti');
  t.equal(list.check('k', info({ jti: 'j2' }), NOW), null);
  t.notOk(list.add({ kind: 'jti', value: 'j1', at: NOW, until: NOW + 1000 }), 'a repeat with an earlier expiry changes nothing');
  t.equal(list.check('k', info({ jti: 'j1' }), NOW + 2000), 'jti', 'the later expiry holds');
});

t.test('sub revokes tokens issued up to the revocation second, and tokens without iat', async (t) => {
  const list = createRevocationList(10);
  list.add({ kind: 'sub', value: 'u1', at: NOW + 500, until: NOW + 60_000 });
  const s = NOW / 1000;
  t.equal(list.check('k', info({ sub: 'u1', iat: s - 10 }), NOW), 'sub', 'issued before');
  t.equal(list.check('k', info({ sub: 'u1', iat: s }), NOW), 'sub', 'issued in the same second (the safe side)');
  t.equal(list.check('k', info({ sub: 'u1', iat: s + 1 }), NOW), null, 'issued in a later second');
  t.equal(list.check('k', info({ sub: 'u1' }), NOW), 'sub', 'no iat: cannot show it is newer');
  t.equal(list.check('k', info({ sub: 'u2', iat: s - 10 }), NOW), null, 'another subject');
  list.add({ kind: 'sub', value: 'u1', at: NOW + 5000, until: NOW + 60_000 });
  t.equal(list.check('k', info({ sub: 'u1', iat: s + 1 }), NOW), 'sub', 'a later revocation of the subject moves the line');
});

t.test('bounded: expired entries leave first, then the oldest, counted', async (t) => {
  const list = createRevocationList(2);
  const far = Date.now() + 3_600_000;
  list.add({ kind: 'jti', value: 'old', at: NOW, until: Date.now() - 1 }); // already expired
  list.add({ kind: 'jti', value: 'a', at: NOW, until: far });
  list.add({ kind: 'jti', value: 'b', at: NOW, until: far });
  t.equal(list.dropped, 0, 'the expired entry made room');
  list.add({ kind: 'jti', value: 'c', at: NOW, until: far });
  t.equal(list.size, 2);
  t.equal(list.dropped, 1);
  t.equal(list.check('k', info({ jti: 'a' }), Date.now()), null, 'the oldest went');
  t.equal(list.check('k', info({ jti: 'c' }), Date.now()), 'jti');
  t.throws(() => createRevocationList(0), TypeError);
});
