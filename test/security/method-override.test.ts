/**
 * The method the policy decides on is the method the backend runs. Express's method-override,
 * Rack::MethodOverride, Symfony/Laravel, ASP.NET Core's UseHttpMethodOverride and OData read
 * `X-HTTP-Method-Override`, `X-HTTP-Method` or `X-Method-Override` as the request's real method:
 * a read-only client allowed `POST /orders/1` (or `GET`) by its policy sent
 * `X-HTTP-Method-Override: DELETE` and the backend deleted. The edge now removes these fields
 * (and their CGI aliases, `X_HTTP_Method_Override`) like the identity fields: the policy, the
 * audit event and the upstream never see them.
 */
import t from 'tap';
import { makePolicyDir } from '../gateway/authz/fixtures.js';
import { headerOf } from '../helpers/llhttp.js';
import { startEdgeGateway } from './edge-gateway.js';
import { rawGet, sendOne, statusOf } from './wire.js';

const policies = makePolicyDir({
  // read-only: GET and POST (a search endpoint) allowed, DELETE never; echoes the header names it saw
  'ro/ro.rego': `package ro

import rego.v1

decision := {"allow": input.request.method in {"GET", "POST"}, "response_headers": {"x-policy-saw": concat(",", sort(object.keys(input.request.headers)))}}
`,
});
t.teardown(() => policies.remove());

// (their CGI aliases, `X_HTTP_Method_Override`, are removed by the same rule as the identity
// fields' — header-aliases.test.ts; uWS 20.30 does not answer names with `_` at all)
const OVERRIDES = ['X-HTTP-Method-Override: DELETE', 'X-HTTP-Method: DELETE', 'X-Method-Override: DELETE'];

t.test('a method override never reaches the policy or the upstream', async (t) => {
  const { port, up } = await startEdgeGateway(t, {
    sections: [`policies: { dir: "${policies.dir}", engine: js }`],
    routes: ['{ id: orders, match: { path_prefix: /orders }, upstream: app, auth: none, policy: ro/decision }'],
  });
  const denied = await sendOne(port, `DELETE /orders/1 HTTP/1.1\r\nHost: gw.test\r\n\r\n`);
  t.equal(statusOf(denied), 401, 'sanity: the policy refuses DELETE (an anonymous caller: 401)');
  t.equal(up.requests().length, 0);
  for (const [method, bytes] of [
    ['GET', rawGet('/orders/1', [...OVERRIDES, 'X-Device: ios'])],
    ['POST', `POST /orders/1 HTTP/1.1\r\nHost: gw.test\r\n${OVERRIDES.map((l) => `${l}\r\n`).join('')}X-Device: ios\r\nContent-Length: 0\r\n\r\n`],
  ] as const) {
    up.reset();
    const r = await sendOne(port, bytes);
    t.equal(statusOf(r), 200, `${method}: allowed as ${method}`);
    const m = up.requests()[0];
    if (!m) {
      t.fail(`${method}: no request upstream`);
      continue;
    }
    t.equal(m.method, method);
    for (const line of OVERRIDES) {
      const name = line.slice(0, line.indexOf(':'));
      t.equal(headerOf(m, name.toLowerCase()), undefined, `${method}: ${name} does not reach the upstream`);
    }
    t.equal(headerOf(m, 'x-device'), 'ios', 'ordinary fields pass');
    const saw = r.responses[0]?.headers.find(([k]) => k.toLowerCase() === 'x-policy-saw')?.[1] ?? '';
    t.same(saw.split(','), ['host', 'x-device'].concat(method === 'POST' ? ['content-length'] : []).sort(), `${method}: the policy saw none of them`);
  }
});
