/**
 * Identity is the gateway's (issue #14, item 5). On a route whose policy sets no `x-user-id`, a
 * client's own `x-user-id: bob` used to reach the backend (the demo's home API trusts it), and
 * `X-Real-IP`, `True-Client-IP`, `X-Original-URL`, `X-Rewrite-URL` passed too. Now the edge
 * removes every identity and forwarding header a client sends, and every header a configured
 * credential sets, before the policy, the audit event or the upstream see the request.
 */
import t from 'tap';
import { makePolicyDir, startGw } from '../gateway/authz/fixtures.js';
import { headerOf } from '../helpers/llhttp.js';
import { rawGet, sendOne, startRecordingUpstream, statusOf } from './wire.js';

const up = await startRecordingUpstream({
  answer: () => 'HTTP/1.1 200 OK\r\nServer: Apache/2.4.1 (Unix)\r\nX-Powered-By: PHP/5.6\r\nX-Backend: kept\r\ncontent-length: 2\r\n\r\nok',
});
t.teardown(() => up.close());
// The policy echoes what it saw of the request headers into a response header, so the test can
// tell what reached `input.request.headers`.
const policies = makePolicyDir({
  'idp/idp.rego': `package idp

import rego.v1

decision := {"allow": true, "response_headers": {"x-policy-saw": concat(",", sort(object.keys(input.request.headers)))}}
`,
});
t.teardown(() => policies.remove());

const spoofed = [
  'X-User-Id: bob',
  'X-Client-Id: admin-app',
  'X-Real-IP: 10.0.0.1',
  'True-Client-IP: 10.0.0.2',
  'X-Original-URL: /admin',
  'X-Rewrite-URL: /admin',
  'X-Forwarded-For: 10.0.0.3',
  'X-Forwarded-Host: internal.example',
  'X-Forwarded-Prefix: /admin',
  'Forwarded: for=10.0.0.4;host=internal.example',
  'Signature: sig1=:AAAA:',
  'Signature-Input: sig1=("@method");keyid="gw"',
  'X-Tenant: other-tenant',
  'X-Device: ios',
];

const yaml = (visible: boolean) => `
listen: { host: 127.0.0.1, port: 0 }
admin: { host: 127.0.0.1, port: 0 }
upstreams:
  app: { url: "${up.url}" }
credentials:
  ledger-hmac: { type: hmac, key_id: gw, secret: "0123456789abcdef0123456789abcdef" }
policies: { dir: "${policies.dir}", engine: js }
security: { identity_headers: [x-tenant], identity_headers_visible_to_policy: ${visible} }
routes:
  - { id: home, match: { path_prefix: /home }, upstream: app, policy: idp/decision }
`;

t.test('a client cannot speak for the gateway', async (t) => {
  const gw = await startGw(yaml(false));
  t.teardown(() => gw.close());
  up.reset();
  const r = await sendOne(Number(new URL(gw.url).port), rawGet('/home/insurance', spoofed));
  t.equal(statusOf(r), 200);
  const m = up.requests()[0];
  if (!m) return t.fail('no request upstream');
  for (const name of ['x-user-id', 'x-client-id', 'x-real-ip', 'true-client-ip', 'x-original-url', 'x-rewrite-url', 'x-forwarded-prefix', 'signature', 'signature-input', 'x-tenant']) {
    t.equal(headerOf(m, name), undefined, `${name} from the client never reaches the upstream`);
  }
  t.equal(headerOf(m, 'x-forwarded-for'), '127.0.0.1', 'x-forwarded-for is the gateway\'s, not a chain the client began');
  t.equal(headerOf(m, 'x-forwarded-host'), 'gw.test');
  t.equal(headerOf(m, 'forwarded'), 'for=127.0.0.1;proto=http;host=gw.test');
  t.equal(headerOf(m, 'x-device'), 'ios', 'ordinary headers pass');
  const saw = r.responses[0]?.headers.find(([k]) => k.toLowerCase() === 'x-policy-saw')?.[1] ?? '';
  t.same(saw.split(','), ['host', 'x-device'], 'the policy saw none of them either');
  const names = (r.responses[0]?.headers ?? []).map(([k]) => k.toLowerCase());
  t.notOk(names.includes('server'), 'the upstream\'s Server header is not relayed');
  t.notOk(names.includes('x-powered-by'), 'nor X-Powered-By');
  t.ok(names.includes('x-backend'), 'other response headers are');
});

t.test('identity_headers_visible_to_policy shows them to the policy, never to the upstream', async (t) => {
  const gw = await startGw(yaml(true));
  t.teardown(() => gw.close());
  up.reset();
  const r = await sendOne(Number(new URL(gw.url).port), rawGet('/home/insurance', ['X-User-Id: bob', 'X-Tenant: t2']));
  const saw = r.responses[0]?.headers.find(([k]) => k.toLowerCase() === 'x-policy-saw')?.[1] ?? '';
  t.same(saw.split(','), ['host', 'x-tenant', 'x-user-id']);
  const m = up.requests()[0];
  t.equal(m && headerOf(m, 'x-user-id'), undefined);
  t.equal(m && headerOf(m, 'x-tenant'), undefined);
});
