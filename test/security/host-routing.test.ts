/**
 * One host, two spellings: a route bound to a Host must not be bypassed by another spelling of
 * the same host that falls through to a broader route in front of the same backend.
 *
 * Before: with a token-protected route for `admin.example.com` and an open catch-all, a client
 * sending `Host: admin.example.com.` (the absolute DNS form: the same name to DNS, browsers and
 * the backends that serve virtual hosts by X-Forwarded-Host) or `admin%2eexample.com` (which some
 * decode) reached the backend through the open route, with that Host in X-Forwarded-Host and
 * Forwarded — no token asked. Now the router ignores the root dot, and the edge refuses a Host with
 * percent-encoding or an empty label (400 GW_ERR_BAD_HOST).
 */
import t from 'tap';
import { headerOf } from '../helpers/llhttp.js';
import { HS256_TOKENS, startEdgeGateway } from './edge-gateway.js';
import { rawGet, sendOne, statusOf } from './wire.js';

const edge = await startEdgeGateway(t, {
  sections: [HS256_TOKENS],
  routes: [
    '{ id: admin, match: { host: admin.example.com, path_prefix: / }, upstream: app, auth: jwt }',
    '{ id: tenants, match: { host: "*.tenant.example", path_prefix: / }, upstream: app, auth: jwt }',
    '{ id: public, match: { path_prefix: / }, upstream: app }',
  ],
});
const { up, port } = edge;
const hosts = (names: string[]) => names.map((host) => [host, rawGet('/x', [], host)] as const);

t.test('every spelling of a protected host meets its route', async (t) => {
  await edge.refuses(t, 401, 'GW_ERR_TOKEN_MISSING', hosts(['admin.example.com', 'admin.example.com.', 'ADMIN.Example.COM.', 'admin.example.com.:8443', 'a.tenant.example.', 'b.TENANT.example.:80']));
});

t.test('a Host with percent-encoding or an empty label is refused', async (t) => {
  await edge.refuses(t, 400, 'GW_ERR_BAD_HOST', hosts(['admin%2eexample.com', 'admin%2Eexample%2Ecom', '%61dmin.example.com', 'admin.example.com..', '.admin.example.com', 'admin..example.com', '.']));
});

t.test('other hosts still reach the open route, their Host forwarded as sent', async (t) => {
  for (const host of ['www.example.com', 'www.example.com.', 'admin.example.com.evil', 'tenant.example']) {
    up.reset();
    const r = await sendOne(port, rawGet('/x', [], host));
    t.equal(statusOf(r), 200, host);
    const m = up.requests()[0];
    t.equal(m && headerOf(m, 'x-forwarded-host'), host);
  }
});
