import t from 'tap';
import { parseDecision } from '../../../src/gateway/authz/decision.js';
import { checkTarget as checkUpstreamPath } from '../../../src/gateway/shared/path-check.js';
import { GatewayError } from '../../../src/gateway/errors.js';

const catalog = { upstreams: new Set(['car', 'home']), credentials: new Set(['car-basic']) };
const meta = { revision: 'rev1', evalNs: 1000 };

function rejects(tt: Pick<typeof t, 'throws'>, raw: unknown, what: string) {
  tt.throws(() => parseDecision(raw, catalog, meta), { code: 'GW_ERR_POLICY_DECISION' }, what);
}

t.test('booleans and full objects', async (t) => {
  t.equal(parseDecision(true, catalog, meta).allow, true);
  t.equal(parseDecision(false, catalog, meta).allow, false);
  t.equal(parseDecision(undefined, catalog, meta).allow, false, 'undefined decision denies');
  const d = parseDecision({
    allow: true,
    upstream: { name: 'car', path: '/car/u1/get_my_insurance?x=1', headers: { 'X-User-Id': 'u1' }, remove_headers: ['Cookie'], credentials: 'car-basic' },
    rate_limit: [{ key: 'user:u1', limit: 100, window_s: 60 }],
    response_headers: { 'cache-control': 'no-store' },
    labels: { product: 'car' },
  }, catalog, meta);
  t.equal(d.upstream?.name, 'car');
  t.same(d.upstream?.headers, { 'x-user-id': 'u1' }, 'header names are lower-cased');
  t.same(d.upstream?.remove_headers, ['cookie']);
  t.equal(d.revision, 'rev1');
  const deny = parseDecision({ allow: false, status: 403, reason: 'no product', insufficient_scope: 'car:read' }, catalog, meta);
  t.equal(deny.requiredScope, 'car:read');
  t.equal(deny.insufficientScope, true);
});

t.test('header maps: lower-cased names wherever the mixed case starts, valid maps as the policy wrote them', async (t) => {
  // the first upper-case name after valid lower-case ones: the copy keeps those before it, in order
  const mixed = { 'x-a': '1', 'X-B': '2', 'x-c': '3' };
  const d = parseDecision({ allow: true, upstream: { headers: mixed }, response_headers: { 'Cache-Control': 'no-store', vary: 'accept' } }, catalog, meta);
  t.strictSame(Object.entries(d.upstream?.headers ?? {}), [['x-a', '1'], ['x-b', '2'], ['x-c', '3']]);
  t.strictSame(Object.entries(d.response_headers ?? {}), [['cache-control', 'no-store'], ['vary', 'accept']]);
  t.strictSame(mixed, { 'x-a': '1', 'X-B': '2', 'x-c': '3' }, "the policy's object is not changed");
  // already valid and lower-case: nothing to copy (nothing downstream writes to a decision's maps)
  const lower = { 'x-user-id': 'u1' };
  const labels = { product: 'car' };
  const same = parseDecision({ allow: true, upstream: { headers: lower }, labels }, catalog, meta);
  t.equal(same.upstream?.headers, lower);
  t.equal(same.labels, labels);
  // a bad value after good ones still fails the whole decision
  rejects(t, { allow: true, upstream: { headers: { 'x-a': '1', 'X-B': 'a\r\nb' } } }, 'CR/LF after a copied name');
  rejects(t, { allow: true, labels: { a: 'x', b: 1 } }, 'a label that is not a string');
  rejects(t, { allow: true, rate_limit: [{ key: 'k', limit: 1, window_s: 60 }, { key: '', limit: 1, window_s: 60 }] }, 'the second bucket is checked too');
  rejects(t, { allow: true, upstream: { remove_headers: ['x-a', 'Host'] } }, 'a protected name after an ordinary one');
});

t.test('attacks and mistakes fail closed with GW_ERR_POLICY_DECISION', async (t) => {
  rejects(t, { allow: true, upstream: { headers: { 'x-user': 'a\r\nx-admin: 1' } } }, 'CR/LF in a header value');
  rejects(t, { allow: true, upstream: { headers: { 'x-user': 'a\nb' } } }, 'bare LF');
  rejects(t, { allow: true, upstream: { headers: { 'bad name': 'a' } } }, 'space in a header name');
  rejects(t, { allow: true, upstream: { headers: { Host: 'evil.example' } } }, 'Host override');
  rejects(t, { allow: true, upstream: { headers: { 'content-length': '0' } } }, 'Content-Length override');
  rejects(t, { allow: true, upstream: { headers: { 'transfer-encoding': 'chunked' } } }, 'Transfer-Encoding');
  rejects(t, { allow: true, upstream: { remove_headers: ['host'] } }, 'removing Host');
  rejects(t, { allow: true, upstream: { name: 'http://evil.example' } }, 'undeclared upstream');
  rejects(t, { allow: true, upstream: { credentials: 'root-password' } }, 'undeclared credentials');
  rejects(t, { allow: true, upstream: { path: '/car/../admin' } }, 'dot segment');
  rejects(t, { allow: true, upstream: { path: '/car/%2e%2e/admin' } }, 'encoded dot');
  rejects(t, { allow: true, upstream: { path: '/car/a%2Fb' } }, 'encoded slash');
  rejects(t, { allow: true, upstream: { path: '/car/a%5cb' } }, 'encoded backslash');
  rejects(t, { allow: true, upstream: { path: '//evil.example/x' } }, 'authority form');
  rejects(t, { allow: true, upstream: { path: 'http://evil.example/x' } }, 'absolute form');
  rejects(t, { allow: true, upstream: { path: '/a b' } }, 'space');
  rejects(t, { allow: 'yes' }, 'allow not boolean');
  rejects(t, { allow: false, status: 200 }, 'non-error status on deny');
  rejects(t, { allow: true, extra: 1 }, 'unknown field');
  rejects(t, { allow: true, rate_limit: [{ key: 'k', limit: -1, window_s: 60 }] }, 'negative limit');
  rejects(t, { allow: true, response_headers: { 'set-cookie': 'a=b' } }, 'set-cookie response header');
  rejects(t, 42, 'number decision');
  const err = (() => { try { parseDecision({ allow: true, upstream: { name: 'nope' } }, catalog, meta); } catch (e) { return e; } })();
  t.ok(err instanceof GatewayError);
  t.equal((err as GatewayError).status, 500);
});

t.test('checkUpstreamPath accepts ordinary paths', async (t) => {
  t.equal(checkUpstreamPath('/car/u123/get_my_insurance'), null);
  t.equal(checkUpstreamPath('/a/b?x=%2F&y=..'), null, 'the query may hold encoded slashes and dots');
  t.equal(checkUpstreamPath('/a/b.c/..d'), null, '"..d" is not a dot segment');
});
