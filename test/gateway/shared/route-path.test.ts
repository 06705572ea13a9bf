// The one path rule of a route (shared/route-path.ts), and the router carrying it.
import t from 'tap';
import { stripLengthOf, upstreamPathOf } from '../../../src/gateway/shared/route-path.js';
import { compileRouter } from '../../../src/gateway/routing/router.js';
import type { RouteConfig } from '../../../src/gateway/config/types.js';

const route = (match: RouteConfig['match'], strip_prefix: boolean): RouteConfig => ({ id: 'r', match, upstream: 'u', auth: 'none', strip_prefix, payload_encryption: 'off' });

t.test('strip length: the prefix without its trailing slash, only when asked and only for prefixes', async (t) => {
  t.equal(stripLengthOf(route({ path_prefix: '/api' }, true)), 4);
  t.equal(stripLengthOf(route({ path_prefix: '/api/' }, true)), 4, 'a trailing slash is the boundary itself');
  t.equal(stripLengthOf(route({ path_prefix: '/' }, true)), 0, '`/` strips nothing');
  t.equal(stripLengthOf(route({ path_prefix: '/api' }, false)), 0);
  t.equal(stripLengthOf(route({ path: '/api' }, true)), 0, 'an exact path is never stripped');
});

t.test('upstream path', async (t) => {
  t.equal(upstreamPathOf('/api/x/y', 4), '/x/y');
  t.equal(upstreamPathOf('/api', 4), '/', 'stripping everything leaves /');
  t.equal(upstreamPathOf('/api/', 4), '/');
  t.equal(upstreamPathOf('/api//evil.example/x', 4), '//evil.example/x', 'the proxy checks the result (proxy/forward.ts)');
  t.equal(upstreamPathOf('/api/x', 0), '/api/x');
});

t.test('the router computes it once per route, with the same function', async (t) => {
  const routes = [route({ path_prefix: '/api/' }, true), { ...route({ path_prefix: '/raw' }, false), id: 'raw' }];
  const router = compileRouter(routes);
  t.equal(router.match('GET', 'h', '/api/x').stripLength, 4);
  t.equal(router.match('GET', 'h', '/raw/x').stripLength, 0);
});
