import t from 'tap';
import { compileRouter } from '../../src/gateway/routing/router.js';
import type { RouteConfig } from '../../src/gateway/config/types.js';

const r = (id: string, match: RouteConfig['match']): RouteConfig => ({ id, match, upstream: 'u', auth: 'none', strip_prefix: false });
const router = compileRouter([
  r('root', { path_prefix: '/' }),
  r('car', { path_prefix: '/car' }),
  r('car-exact', { path: '/car/insurance' }),
  r('car-v2', { path_prefix: '/car/v2/' }),
  r('ro', { path_prefix: '/ro', methods: ['GET'] }),
  r('host', { path_prefix: '/h', host: 'api.example.com' }),
  r('wild', { path_prefix: '/w', host: '*.example.com' }),
]);
const id = (m: string, h: string, p: string) => router.match(m, h, p).config.id;
const code = (m: string, h: string, p: string) => {
  try {
    router.match(m, h, p);
    return 'matched';
  } catch (err) {
    return (err as { code: string }).code;
  }
};

t.test('exact beats prefix, longer prefix beats shorter, segment boundaries hold', async (t) => {
  t.equal(id('GET', 'x', '/car/insurance'), 'car-exact');
  t.equal(id('GET', 'x', '/car/insurance/1'), 'car');
  t.equal(id('GET', 'x', '/car'), 'car');
  t.equal(id('GET', 'x', '/car/'), 'car');
  t.equal(id('GET', 'x', '/cars'), 'root', '/car never matches /cars');
  t.equal(id('GET', 'x', '/car/v2'), 'car-v2');
  t.equal(id('GET', 'x', '/car/v2/x'), 'car-v2');
  t.equal(id('GET', 'x', '/car/v22'), 'car');
  t.equal(id('GET', 'x', '/'), 'root');
});

t.test('methods: mismatch is 405 with Allow; HEAD rides on GET', async (t) => {
  t.equal(id('HEAD', 'x', '/ro/1'), 'ro');
  try {
    router.match('POST', 'x', '/ro/1');
    t.fail('expected 405');
  } catch (err) {
    t.equal((err as { code: string }).code, 'GW_ERR_METHOD_NOT_ALLOWED');
    t.equal((err as { status: number }).status, 405);
    t.same((err as { headers: object }).headers, { allow: 'GET' });
  }
});

t.test('hosts: exact (port ignored, case-insensitive) and wildcard', async (t) => {
  t.equal(id('GET', 'API.example.com:8443', '/h/1'), 'host');
  t.equal(id('GET', 'other', '/h/1'), 'root');
  t.equal(id('GET', 'a.example.com', '/w'), 'wild');
  t.equal(id('GET', 'example.com', '/w'), 'root');
});

t.test('no route is 404; dot segments are refused', async (t) => {
  const only = compileRouter([r('a', { path_prefix: '/a' })]);
  t.throws(() => only.match('GET', 'x', '/b'), { code: 'GW_ERR_NOT_FOUND' });
  t.equal(code('GET', 'x', '/car/../admin'), 'GW_ERR_BAD_PATH');
  t.equal(code('GET', 'x', '/car/%2E%2e/admin'), 'GW_ERR_BAD_PATH');
  t.equal(code('GET', 'x', '/car/./x'), 'GW_ERR_BAD_PATH');
  t.equal(code('GET', 'x', '/car/a.b/..x'), 'matched');
  t.equal(code('GET', 'x', '*'), 'GW_ERR_BAD_TARGET');
});
