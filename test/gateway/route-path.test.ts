/**
 * A route's path rule reaches the upstream the same way with and without the map stage (issue
 * #15: the rule used to be computed three times). The map stage runs when credentials are
 * declared; a second gateway without any forwards through the proxy alone.
 */
import t from 'tap';
import { startGateway } from './helpers.js';
import { sendOne, startRecordingUpstream, statusOf } from '../security/wire.js';

const up = await startRecordingUpstream({
  answer: (m) => `HTTP/1.1 200 OK\r\ncontent-length: ${m.url.length}\r\n\r\n${m.url}`,
});
t.teardown(() => up.close());

const routes = `
routes:
  - { id: api, match: { path_prefix: /api/ }, upstream: app, strip_prefix: true }
  - { id: raw, match: { path_prefix: /raw }, upstream: app }
  - { id: exact, match: { path: /exact }, upstream: app, strip_prefix: true }
`;
const base = `
listen: { host: 127.0.0.1, port: 0 }
admin: { enabled: false }
upstreams:
  app: { url: "${up.url}" }
`;
const withMap = await startGateway(base + 'credentials:\n  c: { type: basic, username: u, password: p }\n' + routes);
t.teardown(() => withMap.close());
const proxyOnly = await startGateway(base + routes);
t.teardown(() => proxyOnly.close());

const cases: [string, string][] = [
  ['/api/x/y?q=1', '/x/y?q=1'],
  ['/api', '/'],
  ['/api/', '/'],
  ['/api?', '/?'],
  ['/raw/x', '/raw/x'],
  ['/exact', '/exact'],
];
for (const [name, gw] of [['map stage', withMap], ['proxy only', proxyOnly]] as const) {
  t.test(name, async (t) => {
    for (const [target, expected] of cases) {
      const r = await sendOne(gw.port, `GET ${target} HTTP/1.1\r\nHost: gw.test\r\n\r\n`);
      t.equal(statusOf(r), 200, target);
      t.equal(r.responses[0]?.body.toString('latin1'), expected, `${target} → ${expected}`);
    }
  });
}
