import t from 'tap';
import { compileRouter } from '../../src/gateway/routing/router.js';
import type { RouteConfig } from '../../src/gateway/config/types.js';

const r = (id: string, match: RouteConfig['match']): RouteConfig => ({ id, match, upstream: 'u', auth: 'none', strip_prefix: false, payload_encryption: 'off' });
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

t.test('case_sensitive: false matches a path in any ASCII case; the precedence holds over the folded paths', async (t) => {
  const ci = (id: string, match: RouteConfig['match']) => r(id, { ...match, case_sensitive: false });
  const folding = compileRouter([
    r('root', { path_prefix: '/' }),
    ci('admin', { path_prefix: '/Admin/' }),
    ci('admin-users', { path_prefix: '/admin/users' }),
    ci('delete', { path: '/api/delete' }),
    r('docs', { path_prefix: '/Docs' }),
    ci('kelvin', { path_prefix: '/\u212Aelvin' }),
    ci('ro', { path_prefix: '/ro', methods: ['GET'] }),
  ]);
  const fid = (p: string) => folding.match('GET', 'x', p).config.id;
  for (const p of ['/admin', '/ADMIN/x', '/aDmIn/', '/Admin/usersx']) t.equal(fid(p), 'admin', p);
  for (const p of ['/admin/users', '/ADMIN/USERS/1']) t.equal(fid(p), 'admin-users', p);
  for (const p of ['/api/delete', '/API/DELETE', '/Api/Delete/']) t.equal(fid(p), 'delete', p);
  for (const p of ['/administrator', '/API/DELETE/x', '/api/deleted']) t.equal(fid(p), 'root', p);
  t.equal(fid('/Docs/a'), 'docs');
  t.equal(fid('/docs/a'), 'root', 'a case-sensitive route among folded ones keeps its spelling');
  t.equal(fid('/kelvin'), 'root', 'the Kelvin sign is not folded to k');
  t.equal(folding.match('GET', 'x', '/\u212Aelvin', true).config.id, 'kelvin', 'it matches only itself');
  t.equal(folding.match('GET', 'x', '/RO/1').config.id, 'ro');
  t.throws(() => folding.match('POST', 'x', '/RO/1'), { code: 'GW_ERR_METHOD_NOT_ALLOWED' }, 'a method it does not take is 405 in any case');
  // the matched route's prefix length strips the client's spelling
  const strip = compileRouter([{ ...ci('s', { path_prefix: '/Svc/' }), strip_prefix: true }]);
  t.equal(strip.match('GET', 'x', '/SVC/a').stripLength, 4);
  // without a case-insensitive route nothing folds
  t.equal(code('GET', 'x', '/CAR/insurance'), 'matched');
  t.equal(id('GET', 'x', '/CAR/insurance'), 'root');
});
