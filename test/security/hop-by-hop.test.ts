/**
 * Fields that belong to one hop, from the attacker's side, both ways.
 *
 * - `Connection` may name any field (RFC 9110 §7.6.1), and a proxy drops what it names. A client
 *   naming the fields the gateway, the policy or a credential sets (`x-user-id`, `authorization`,
 *   `x-request-id`, `x-forwarded-for`) or the body's `Content-Length` must not make them vanish
 *   upstream or unframe the body; an upstream naming `x-request-id` or a policy's response header
 *   must not remove the gateway's.
 * - `Proxy` (httpoxy, CVE-2016-5385): CGI hands it to the backend as `HTTP_PROXY`, which most HTTP
 *   client libraries take for their outbound proxy. Before, a client's `Proxy: http://attacker`
 *   reached the upstream as sent; now it is dropped like the hop-by-hop fields, and a policy may
 *   not set it.
 */
import t from 'tap';
import { makePolicyDir } from '../gateway/authz/fixtures.js';
import { headerOf, headersOf, type ParsedMessage } from '../helpers/llhttp.js';
import { startEdgeGateway } from './edge-gateway.js';
import { sendOne, statusOf } from './wire.js';

const answer = (m: ParsedMessage): string =>
    m.url.startsWith('/home/answer')
      ? 'HTTP/1.1 200 OK\r\nConnection: x-request-id, x-policy, cache-control, x-named\r\nKeep-Alive: timeout=5\r\nProxy-Authenticate: Basic realm="up"\r\n' +
        'Upgrade: h2c\r\nTrailer: x-t\r\nx-request-id: upstream-id\r\nx-policy: upstream\r\ncache-control: public\r\nx-named: 1\r\nx-backend: kept\r\ncontent-length: 2\r\n\r\nok'
      : 'HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok';
const policies = makePolicyDir({
  'hop/hop.rego': `package hop

import rego.v1

decision := {"allow": true, "upstream": {"headers": {"x-user-id": "alice", "x-tenant": "t1"}, "credentials": "basic"},
  "response_headers": {"x-policy": "gateway"}}
`,
  'hop/proxy.rego': `package hop

import rego.v1

sets_proxy := {"allow": true, "upstream": {"headers": {"proxy": input.request.headers["x-next-hop"]}}}
`,
});
t.teardown(() => policies.remove());

const { up, port } = await startEdgeGateway(t, {
  answer,
  sections: ['credentials:\n  basic: { type: basic, username: gw, password: pw }', `policies: { dir: "${policies.dir}", engine: js }`],
  routes: [
    '{ id: home, match: { path_prefix: /home }, upstream: app, policy: hop/decision }',
    '{ id: proxy, match: { path_prefix: /proxy }, upstream: app, policy: hop/sets_proxy }',
  ],
});

t.test('a client cannot remove the gateway\'s fields by naming them, and hop fields and Proxy stay here', async (t) => {
  up.reset();
  const head = [
    'POST /home/x HTTP/1.1',
    'Host: gw.test',
    'Connection: keep-alive, x-user-id, authorization, x-request-id, x-forwarded-for, forwarded, x-tenant, content-length, x-device',
    'Proxy: http://127.0.0.1:9/',
    'TE: trailers',
    'Trailer: x-t',
    'Upgrade: websocket',
    'Keep-Alive: timeout=5',
    'Proxy-Connection: keep-alive',
    'Proxy-Authorization: Basic eDp5',
    'X-Device: ios',
    'X-Kept: yes',
    'Content-Length: 5',
  ];
  const r = await sendOne(port, `${head.join('\r\n')}\r\n\r\nhello`);
  t.equal(statusOf(r), 200);
  const m = up.requests()[0];
  if (!m) return t.fail('no request upstream');
  for (const name of ['proxy', 'te', 'trailer', 'upgrade', 'keep-alive', 'proxy-connection', 'proxy-authorization', 'connection']) {
    t.equal(headerOf(m, name), undefined, `${name} is not forwarded`);
  }
  t.equal(headerOf(m, 'x-device'), undefined, 'a field the client\'s Connection names is the client\'s hop: dropped');
  t.equal(headerOf(m, 'x-kept'), 'yes');
  t.same(headersOf(m, 'x-user-id'), ['alice'], 'the policy\'s x-user-id, once');
  t.same(headersOf(m, 'x-tenant'), ['t1']);
  t.same(headersOf(m, 'authorization'), [`Basic ${Buffer.from('gw:pw').toString('base64')}`], 'the credential\'s Authorization');
  t.same(headersOf(m, 'x-forwarded-for'), ['127.0.0.1']);
  t.same(headersOf(m, 'forwarded'), ['for=127.0.0.1;proto=http;host=gw.test']);
  const id = r.responses[0]?.headers.find(([k]) => k.toLowerCase() === 'x-request-id')?.[1];
  t.ok(id, 'the client got an x-request-id');
  t.same(headersOf(m, 'x-request-id'), [id], 'the upstream got the same one');
  t.equal(m.body.toString('latin1'), 'hello', 'the body is framed and whole');
  t.ok(m.complete);
});

t.test('an upstream cannot remove the gateway\'s response fields by naming them', async (t) => {
  const r = await sendOne(port, 'GET /home/answer HTTP/1.1\r\nHost: gw.test\r\n\r\n');
  t.equal(statusOf(r), 200);
  const res = r.responses[0];
  if (!res) return t.fail('no response');
  const all = (n: string) => res.headers.filter(([k]) => k.toLowerCase() === n).map(([, v]) => v);
  t.equal(all('x-request-id').length, 1, 'one x-request-id');
  t.not(all('x-request-id')[0], 'upstream-id', 'the gateway\'s');
  t.same(all('x-policy'), ['gateway'], 'the policy\'s response header, not the upstream\'s');
  for (const name of ['keep-alive', 'proxy-authenticate', 'upgrade', 'trailer', 'cache-control', 'x-named']) t.same(all(name), [], `${name} is not relayed`);
  t.notOk(all('connection').some((v) => /x-request-id|x-policy/i.test(v)), 'the upstream\'s Connection list is not relayed');
  t.same(all('x-backend'), ['kept']);
  t.equal(res.body.toString('latin1'), 'ok');
});

t.test('a policy cannot set Proxy either: the decision fails closed', async (t) => {
  up.reset();
  const r = await sendOne(port, 'GET /proxy/x HTTP/1.1\r\nHost: gw.test\r\nX-Next-Hop: http://127.0.0.1:9/\r\n\r\n');
  t.equal(statusOf(r), 500);
  t.equal(JSON.parse(r.responses[0]?.body.toString('utf8') ?? '{}').error, 'GW_ERR_POLICY_DECISION');
  t.equal(up.requests().length, 0, 'nothing reaches the upstream');
});
