/**
 * One reading of the query for the policy and the upstream. The policy's `input.request.query`
 * splits on `&` only (URLSearchParams, as WHATWG URL and current Python, Go and Rack do), but Rack
 * 2, Python before 3.9.2 (CVE-2021-23336), PHP's `arg_separator.input=&;` and Go before 1.17 also
 * split on `;`, and Go 1.17+ drops every pair holding one: `?view=summary;admin=true` was
 * `{view: "summary;admin=true"}` to a policy that refuses `admin`, and `admin=true` to a Rack 2
 * backend. A raw `;` in the query is now refused, as in the path (`%3B` in a value passes);
 * `security.allow_query_semicolons: true` lets it through for backends that read it as data.
 */
import t from 'tap';
import { makePolicyDir } from '../gateway/authz/fixtures.js';
import { startEdgeGateway } from './edge-gateway.js';
import { rawGet, sendOne, statusOf } from './wire.js';

const policies = makePolicyDir({
  // a typical "this parameter is not for you" rule
  'q/q.rego': `package q

import rego.v1

default decision := false

decision if not input.request.query.admin
`,
});
t.teardown(() => policies.remove());

const routes = ['{ id: r, match: { path_prefix: /r }, upstream: app, auth: none, policy: q/decision }'];
const sections = [`policies: { dir: "${policies.dir}", engine: js }`];

t.test('a raw ";" in the query is refused, so no backend can split where the policy did not', async (t) => {
  const edge = await startEdgeGateway(t, { routes, sections });
  await edge.refuses(t, 400, 'GW_ERR_BAD_TARGET', ['/r/x?view=summary;admin=true', '/r/x?;admin=true', '/r/x?a=1&b=2;admin'].map((p) => [p, rawGet(p)]));
  edge.up.reset();
  const r = await sendOne(edge.port, rawGet('/r/x?view=summary%3Badmin%3Dtrue&b=2'));
  t.equal(statusOf(r), 200, 'an encoded ";" is data to every parser');
  t.equal(edge.up.requests()[0]?.url, '/r/x?view=summary%3Badmin%3Dtrue&b=2', 'forwarded byte for byte');
  t.equal(statusOf(await sendOne(edge.port, rawGet('/r/x?admin=true'))), 401, 'sanity: the policy refuses admin');
});

t.test('security.allow_query_semicolons: true forwards it as sent', async (t) => {
  const edge = await startEdgeGateway(t, { routes, sections: [...sections, 'security: { allow_query_semicolons: true }'] });
  const r = await sendOne(edge.port, rawGet('/r/x?sort=name;desc'));
  t.equal(statusOf(r), 200);
  t.equal(edge.up.requests()[0]?.url, '/r/x?sort=name;desc');
});
