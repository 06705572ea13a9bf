/**
 * Methods beyond RFC 9110's (WebDAV's PROPFIND, QUERY): what each uWS build does with them, seen
 * from a raw socket. The official build (20.56, Node 22+) routes them, so a route that lists
 * PROPFIND forwards it byte for byte; the Node 20 build (20.30) closes such a connection without
 * an answer before regate sees the request, so regate says so once at start for every route that
 * lists one.
 */
import pino from 'pino';
import { Registry } from 'prom-client';
import t from 'tap';
import { loadConfigText } from '../../../src/gateway/config/load.js';
import { createGateway } from '../../../src/gateway/server/gateway.js';
import { loadUws, routesExtensionMethods } from '../../../src/gateway/server/uws-loader.js';
import { captureLines, sendRaw, startRecordingUpstream, statusOf } from '../../security/wire.js';

t.test('the version rule: 20.56 on routes every method, 20.30 only the core ones', async (t) => {
  t.equal(routesExtensionMethods('20.56.0'), true);
  t.equal(routesExtensionMethods('21.0.0'), true);
  t.equal(routesExtensionMethods('20.30.0'), false);
});

t.test('PROPFIND on a route that lists it', async (t) => {
  const up = await startRecordingUpstream();
  t.teardown(() => up.close());
  const { lines, stream } = captureLines();
  const config = loadConfigText(
    `
listen: { host: 127.0.0.1, port: 0 }
admin: { enabled: false }
upstreams:
  dav: { url: "${up.url}" }
routes:
  - { id: dav, match: { path_prefix: /dav, methods: [GET, PROPFIND] }, upstream: dav }
  - { id: plain, match: { path_prefix: /plain, methods: [GET] }, upstream: dav }
`,
    { file: 'dav.yaml', env: {} },
  );
  const gw = createGateway({ config, logger: pino({ level: 'info' }, stream), registry: new Registry() });
  const port = await gw.listen(0);
  t.teardown(() => gw.close(500));
  const { build } = loadUws();
  const warned = lines.filter((l) => l.includes('closes connections that use PROPFIND'));
  const reply = await sendRaw(port, 'PROPFIND /dav/x HTTP/1.1\r\nHost: gw.test\r\nDepth: 1\r\n\r\n');
  if (build.extensionMethods) {
    t.equal(statusOf(reply), 200, `${build.package}@${build.version} routes PROPFIND`);
    const got = up.requests();
    t.equal(got.length, 1, 'the upstream received it');
    t.equal(got[0]?.method, 'PROPFIND');
    t.equal(got[0]?.url, '/dav/x');
    t.same(warned, [], 'nothing to warn about on this build');
  } else {
    t.equal(reply.data.length, 0, `${build.package}@${build.version} answers nothing`);
    t.ok(reply.closed, 'and closes the connection');
    t.equal(up.requests().length, 0, 'nothing reached the upstream');
    t.equal(warned.length, 1, 'one warning at start, for the route that lists PROPFIND');
    t.match(JSON.parse(warned[0] as string), { level: 40, route: 'dav', methods: ['PROPFIND'] });
  }
});
