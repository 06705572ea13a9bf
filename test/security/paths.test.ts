/**
 * Path guarantees hold for every upstream path (issue #14, item 6): passed through, stripped of
 * a route prefix, or rewritten by a policy. Before, `..\x`, `..;/x`, `..#`, `%2e%2e#` and a
 * strip-prefix route given `//evil.example/x` were forwarded as sent — common backends normalise
 * them into another path, or read `//host` as an authority — and raw UTF-8 in the path was sent
 * as its low bytes. Now each is refused with a 400 and nothing reaches the upstream.
 */
import t from 'tap';
import { startGateway } from '../gateway/helpers.js';
import { codeOf, sendOne, startRecordingUpstream, statusOf, utf8Bytes } from './wire.js';

const up = await startRecordingUpstream({
  answer: (m) => `HTTP/1.1 200 OK\r\ncontent-length: ${m.url.length}\r\n\r\n${m.url}`,
});
t.teardown(() => up.close());
const gw = await startGateway(`
listen: { host: 127.0.0.1, port: 0 }
admin: { enabled: false }
upstreams:
  app: { url: "${up.url}" }
routes:
  - { id: api, match: { path_prefix: /api }, upstream: app, strip_prefix: true }
  - { id: public, match: { path_prefix: /public }, upstream: app }
`);
t.teardown(() => gw.close());

const get = (target: string) => sendOne(gw.port, `GET ${target} HTTP/1.1\r\nHost: gw.test\r\n\r\n`);

const refused: [string, string][] = [
  ['/public/..\\admin', 'a backslash (Windows servers read it as "/")'],
  ['/public/..%5cadmin', 'an encoded backslash'],
  ['/public/..;/admin', '";" path parameters (Tomcat drops them, then resolves "..")'],
  ['/public/x;jsessionid=1', 'any ";" in the path'],
  ['/public/..#/x', 'a fragment'],
  ['/public/%2e%2e#', 'encoded dots with a fragment'],
  ['/public/%2e%2e/admin', 'encoded dot segment'],
  ['/public/.%2E/admin', 'half-encoded dot segment'],
  ['/public/%252e%252e/admin', 'double-encoded dot segment'],
  ['/public/%c0%ae%c0%ae/admin', 'overlong UTF-8 dots'],
  ['/public/%u002e%u002e/admin', "IIS's %u dots"],
  ['/public/.../admin', 'only dots (Windows trims trailing dots)'],
  ['/public/a%2fb', 'an encoded slash'],
  ['/public/a%00b', 'an encoded NUL'],
  ['/public/a%0d%0ab', 'encoded CR LF'],
  ['/public/a%zzb', 'malformed percent-encoding'],
  ['//evil.example/public/x', 'a leading "//"'],
  ['/api//evil.example/x', 'a strip-prefix route that would leave "//evil.example/x"'],
  [utf8Bytes('/public/é'), 'raw UTF-8 (a URI is ASCII; llhttp refuses it)'],
  ['/public/a"b', 'a quote'],
  ['/public/a{b}', 'braces'],
  ['/public/a`b', 'a backtick'],
];

for (const [target, why] of refused) {
  t.test(`refused: ${why}`, async (t) => {
    up.reset();
    const r = await get(target);
    t.equal(statusOf(r), 400, target);
    t.ok(['GW_ERR_BAD_PATH', 'GW_ERR_BAD_TARGET'].includes(codeOf(r) ?? ''), `a JSON body with a stable code (${codeOf(r)})`);
    t.equal(up.requests().length, 0, 'nothing reaches the upstream');
  });
}

t.test('ordinary paths, encoded characters and browser-style queries still pass, byte for byte', async (t) => {
  up.reset();
  const targets = ['/public/a/b.json', '/public/caf%C3%A9', '/public/x?filter[name]=a|b&q=%20', '/public/v1.2/x.y', '/api/x?y=1'];
  for (const target of targets) {
    const r = await get(target);
    t.equal(statusOf(r), 200, target);
  }
  t.same(
    up.requests().map((m) => m.url),
    ['/public/a/b.json', '/public/caf%C3%A9', '/public/x?filter[name]=a|b&q=%20', '/public/v1.2/x.y', '/x?y=1'],
  );
});

t.test('security.allow_encoded_slashes: an encoded "/" reaches the upstream as sent; every other path rule still holds', async (t) => {
  const open = await startGateway(`
listen: { host: 127.0.0.1, port: 0 }
admin: { enabled: false }
security: { allow_encoded_slashes: true }
upstreams:
  app: { url: "${up.url}" }
routes:
  - { id: public, match: { path_prefix: /public }, upstream: app }
`);
  t.teardown(() => open.close());
  up.reset();
  const r = await sendOne(open.port, `GET /public/a%2Fb%2fc HTTP/1.1\r\nHost: gw.test\r\n\r\n`);
  t.equal(statusOf(r), 200, 'allowed, as the key says');
  t.same(
    up.requests().map((m) => m.url),
    ['/public/a%2Fb%2fc'],
    'byte for byte',
  );
  for (const bad of ['/public/%2e%2e/admin', '/public/..%5cadmin', '/public/a%00b']) {
    const refusedNow = await sendOne(open.port, `GET ${bad} HTTP/1.1\r\nHost: gw.test\r\n\r\n`);
    t.equal(statusOf(refusedNow), 400, `${bad} still refused`);
  }
  t.equal(up.requests().length, 1, 'nothing else reached the upstream');
});
