/**
 * A field the gateway owns, spelled the way a CGI-style backend reads it.
 *
 * CGI, PHP, WSGI, Rack (and nginx with `underscores_in_headers on`) hand `x_user_id` to the program
 * as the same `HTTP_X_USER_ID` as `x-user-id`. Before: on uWS 20.56 (Node 22+) a client's
 * `x_user_id: bob`, `x_forwarded_for`, `x_real_ip`, `x_request_id`, and the underscore form of a
 * header the policy or a credential sets, all reached the upstream next to (or instead of) the
 * gateway's own — a PHP backend behind regate read `bob` as the caller. The edge now removes a
 * field whose name, with every character but letters, digits and `-` read as `-`, is one it
 * removes; the proxy never forwards one beside a field it sets.
 * uWS 20.30 (Node 20) never answers a request with such a name: there nothing may reach the
 * upstream either.
 */
import t from 'tap';
import { makePolicyDir } from '../gateway/authz/fixtures.js';
import { headerOf } from '../helpers/llhttp.js';
import { loadUws } from '../../src/gateway/server/uws-loader.js';
import { startEdgeGateway } from './edge-gateway.js';
import { rawGet, sendRaw, statusOf } from './wire.js';

const { build } = loadUws();
const [major = 0, minor = 0] = build.version.split('.').map(Number);
/** uWS 20.56 and later deliver field names with `_` or `.` to the handler */
const delivered = major > 20 || (major === 20 && minor >= 56);

const policies = makePolicyDir({
  'alias/alias.rego': `package alias

import rego.v1

decision := {"allow": true, "upstream": {"headers": {"x-tenant": "t1"}, "credentials": "key"},
  "response_headers": {"x-policy-saw": concat(",", sort(object.keys(input.request.headers)))}}
`,
});
t.teardown(() => policies.remove());

const { up, port } = await startEdgeGateway(t, {
  sections: ['credentials:\n  key: { type: header, header: x-api-key, value: "gateway-secret" }', `policies: { dir: "${policies.dir}", engine: js }`],
  routes: ['{ id: home, match: { path_prefix: /home }, upstream: app, policy: alias/decision }'],
});

/** what each spoofed field tries to be, as the backend would read it: the gateway's value, or nothing */
const spoofed: [line: string, owned: string][] = [
  ['x_user_id: bob', 'x-user-id'],
  ['X_Client_Id: admin-app', 'x-client-id'],
  ['x_real_ip: 10.0.0.1', 'x-real-ip'],
  ['x.user.id: bob', 'x-user-id'],
  ['x_forwarded_for: 10.0.0.2', 'x-forwarded-for'],
  ['X_Forwarded_Host: internal.example', 'x-forwarded-host'],
  ['x_request_id: forged-id', 'x-request-id'],
  ['x_tenant: other-tenant', 'x-tenant'],
  ['x_api_key: stolen', 'x-api-key'],
];

t.test('no field reaches the upstream under a name a CGI backend reads as the gateway\'s', async (t) => {
  up.reset();
  const r = await sendRaw(port, rawGet('/home/x', [...spoofed.map(([l]) => l), 'x_device_type: ios']));
  const m = up.requests()[0];
  if (!delivered) {
    t.equal(statusOf(r), 0, 'uWS 20.30 does not answer such a request');
    t.equal(m, undefined, 'and nothing reaches the upstream');
    return;
  }
  t.equal(statusOf(r), 200);
  if (!m) return t.fail('no request upstream');
  const alias = (n: string) => n.toLowerCase().replace(/[^a-z0-9-]/g, '-');
  for (const [line, owned] of spoofed) {
    const name = line.slice(0, line.indexOf(':'));
    t.notOk(m.headers.some(([k]) => k !== owned && alias(k) === owned), `${name} is not forwarded`);
  }
  // the gateway's own fields are there, once, with its values
  t.equal(headerOf(m, 'x-tenant'), 't1');
  t.equal(headerOf(m, 'x-api-key'), 'gateway-secret');
  t.equal(headerOf(m, 'x-forwarded-for'), '127.0.0.1');
  t.not(headerOf(m, 'x-request-id'), 'forged-id');
  t.equal(headerOf(m, 'x_device_type'), 'ios', 'an underscore name that stands for nothing of the gateway\'s passes as sent');
  const saw = r.responses[0]?.headers.find(([k]) => k.toLowerCase() === 'x-policy-saw')?.[1] ?? '';
  t.same(saw.split(','), ['host', 'x_device_type', 'x_request_id', 'x_tenant'], 'the policy saw none of the identity aliases (the others are only replaced upstream, as their own names are)');
});
