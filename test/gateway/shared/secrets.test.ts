import t from 'tap';
import { isSecretHeader, isSecretQueryParam, looksLikeCredential } from '../../../src/gateway/shared/secrets.js';

const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLWJ5dGVz';

t.test('credentials are recognised wherever they are', async (t) => {
  for (const v of [`Bearer ${jwt}`, 'bearer abcdefghijklmnopq', 'Basic dXNlcjpwYXNzd29yZA==', 'DPoP abcdefghijklmnop', 'Digest username="a", response="b"', jwt, `session=${jwt}; theme=dark`, ' Token abcdefghijklmnopqrs']) {
    t.ok(looksLikeCredential(v), v);
  }
});

t.test('ordinary values are not mistaken for credentials', async (t) => {
  for (const v of ['ios', 'basic plan', 'Bearer short', 'application/json', 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0)', 'gzip, deflate, br', 'de-CH, en;q=0.5', 'token bucket of size 10']) {
    t.notOk(looksLikeCredential(v), v);
  }
});

t.test('names and query parameters', async (t) => {
  t.ok(isSecretHeader('authorization', 'x'));
  t.ok(isSecretHeader('proxy-authorization', 'x'));
  t.ok(isSecretHeader('x-access-token', jwt));
  t.notOk(isSecretHeader('x-device', 'ios'));
  t.ok(isSecretQueryParam('access_token', 'anything'));
  t.ok(isSecretQueryParam('ACCESS_TOKEN', 'opaque-value'), 'in any case: the authenticate stage reads it as the token too');
  t.ok(isSecretQueryParam('id_token_hint', jwt));
  t.notOk(isSecretQueryParam('q', 'cars'));
});
