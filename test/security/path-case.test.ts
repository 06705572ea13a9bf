/**
 * One path, spelled in another case, in front of a backend that routes case-insensitively (IIS,
 * ASP.NET, Spring or Express set to ignore case, an app that looks paths up under a `_ci` MySQL
 * collation): `/ADMIN/x` is `/admin/x` to it.
 *
 * Before: routing was case-sensitive only. With a token-protected `/admin` prefix route, an exact
 * `/api/delete` route and an open catch-all, `/ADMIN/x`, `/Admin/x`, `/API/Delete` reached such a
 * backend through the open route, no token asked. Now `match.case_sensitive: false` (or
 * `security.case_sensitive_paths: false` for every route) matches a path in any ASCII case; the
 * upstream and the policy still get the client's spelling, and percent-encoded characters that
 * Unicode case folding makes ASCII letters (`/adm%C4%B1n`: `ı` → `I`) are refused.
 */
import t from 'tap';
import { makePolicyDir } from '../gateway/authz/fixtures.js';
import { headerOf } from '../helpers/llhttp.js';
import { HS256_TOKENS, signHs256, startEdgeGateway } from './edge-gateway.js';
import { rawGet, sendOne, statusOf } from './wire.js';

const policies = makePolicyDir({
  'edge/case.rego': `package edge

import rego.v1

# the route the router chose and the path the policy was given, for the upstream to show
decision := {"allow": true, "upstream": {"headers": {"x-route": input.route.id, "x-policy-path": input.request.path}}}
`,
});
t.teardown(() => policies.remove());
const policySection = `policies: { dir: "${policies.dir}", engine: js }`;
const token = await signHs256();

/** The same three routes, case-insensitive by the global default or by the protected routes' own key. */
const routes = (own: string) => [
  `{ id: admin, match: { path_prefix: /admin${own} }, upstream: app, auth: jwt, policy: edge/decision, strip_prefix: false }`,
  `{ id: delete, match: { path: /api/delete${own} }, upstream: app, auth: jwt }`,
  `{ id: strip, match: { path_prefix: /Svc/V1${own} }, upstream: app, strip_prefix: true, policy: edge/decision }`,
  '{ id: public, match: { path_prefix: / }, upstream: app, policy: edge/decision }',
];
const setups: [name: string, sections: string[], routes: string[]][] = [
  ['security.case_sensitive_paths: false', [HS256_TOKENS, policySection, 'security: { case_sensitive_paths: false }'], routes('')],
  ['match.case_sensitive: false', [HS256_TOKENS, policySection], routes(', case_sensitive: false')],
];

for (const [name, sections, rs] of setups) {
  t.test(name, async (t) => {
    const edge = await startEdgeGateway(t, { sections, routes: rs });
    const { up, port } = edge;

    t.test('another case of a protected path asks for a token', async (t) => {
      const targets = ['/ADMIN/x', '/Admin/x', '/aDMIN', '/ADMIN', '/API/Delete', '/api/DELETE/', '/Api/Delete?X=1'];
      await edge.refuses(t, 401, 'GW_ERR_TOKEN_MISSING', targets.map((p) => [p, rawGet(p)]));
    });

    t.test('with a token, the upstream and the policy get the client\'s spelling', async (t) => {
      for (const target of ['/ADMIN/Report?Q=A', '/admin/x', '/aDmIn/MiXeD/%C3%A9']) {
        up.reset();
        const r = await sendOne(port, rawGet(target, [`Authorization: Bearer ${token}`]));
        t.equal(statusOf(r), 200, target);
        const m = up.requests()[0];
        if (!m) return t.fail(`${target}: no request upstream`);
        t.equal(m.url, target, `${target}: the upstream gets the bytes the client sent`);
        t.equal(headerOf(m, 'x-route'), 'admin', `${target}: through the protected route`);
        t.equal(headerOf(m, 'x-policy-path'), target.split('?')[0], `${target}: the policy's input.request.path is the client's`);
      }
    });

    t.test('a stripped prefix is cut by its length, whatever its case', async (t) => {
      up.reset();
      for (const target of ['/svc/v1/Items', '/SVC/V1/Items', '/Svc/V1']) t.equal(statusOf(await sendOne(port, rawGet(target))), 200, target);
      t.same(up.requests().map((m) => m.url), ['/Items', '/Items', '/']);
      t.same(up.requests().map((m) => headerOf(m, 'x-route')), ['strip', 'strip', 'strip']);
      t.same(up.requests().map((m) => headerOf(m, 'x-policy-path')), ['/svc/v1/Items', '/SVC/V1/Items', '/Svc/V1']);
    });

    t.test('characters that Unicode case folding makes ASCII letters are refused percent-encoded', async (t) => {
      // ı (U+0131) → I, İ (U+0130) → i, ſ (U+017F) → S, K (U+212A) → k, ß → SS, ﬁ (U+FB01) → FI; and encoded twice
      const targets = ['/adm%C4%B1n/x', '/adm%c4%b1n/x', '/adm%C4%B0n/x', '/%C5%BFvc/v1/x', '/%E2%84%AAeys', '/Stra%C3%9Fe', '/pro%EF%AC%81le', '/adm%25C4%25B1n/x'];
      await edge.refuses(t, 400, 'GW_ERR_BAD_PATH', targets.map((p) => [p, rawGet(p)]));
    });

    t.test('other paths reach the open route as sent', async (t) => {
      // Å (U+00C5) and the Ångström sign fold to å, not ASCII; `/administrator` is another segment
      const targets = ['/administrator', '/ADMINISTRATOR', '/caf%C3%A9', '/%C3%85', '/%E2%84%AB', '/api/deleted', '/API/DELETE/x'];
      up.reset();
      for (const target of targets) t.equal(statusOf(await sendOne(port, rawGet(target))), 200, target);
      t.same(up.requests().map((m) => m.url), targets);
      t.same(up.requests().map((m) => headerOf(m, 'x-route')), targets.map(() => 'public'));
    });
  });
}

t.test('by default routing is case-sensitive, and encoded non-ASCII letters pass', async (t) => {
  const { up, port } = await startEdgeGateway(t, { sections: [HS256_TOKENS, policySection], routes: routes('') });
  const targets = ['/ADMIN/x', '/API/Delete', '/adm%C4%B1n/x'];
  up.reset();
  for (const target of targets) t.equal(statusOf(await sendOne(port, rawGet(target))), 200, target);
  t.same(up.requests().map((m) => m.url), targets);
  t.same(up.requests().map((m) => headerOf(m, 'x-route')), targets.map(() => 'public'), 'a case-sensitive backend has no /ADMIN: the open route serves it');
  t.equal(statusOf(await sendOne(port, rawGet('/admin/x'))), 401);
});

t.test('a case-sensitive route beside a case-insensitive one keeps its own spelling', async (t) => {
  const { up, port } = await startEdgeGateway(t, {
    sections: [HS256_TOKENS, policySection],
    routes: [
      '{ id: admin, match: { path_prefix: /admin, case_sensitive: false }, upstream: app, auth: jwt }',
      '{ id: docs, match: { path_prefix: /Docs }, upstream: app, policy: edge/decision }',
      '{ id: public, match: { path_prefix: / }, upstream: app, policy: edge/decision }',
    ],
  });
  t.equal(statusOf(await sendOne(port, rawGet('/ADMIN/x'))), 401);
  up.reset();
  for (const target of ['/Docs/a', '/docs/a', '/DOCS']) t.equal(statusOf(await sendOne(port, rawGet(target))), 200, target);
  t.same(up.requests().map((m) => headerOf(m, 'x-route')), ['docs', 'public', 'public']);
});
