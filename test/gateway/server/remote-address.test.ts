/**
 * The gateway keeps the last client's address as text and reuses it while the raw address
 * repeats (server/remote-address.ts). Two clients on two address families, their keep-alive
 * requests interleaved, must each be reported as themselves on every request — in
 * X-Forwarded-For, which the upstream sees — never as the one before.
 */
import t from 'tap';
import http from 'node:http';
import { startGateway, startUpstream } from '../helpers.js';

t.test('interleaved requests from 127.0.0.1 and ::1 each carry their own address upstream', async (t) => {
  const up = await startUpstream((_req, res) => res.end('ok'));
  // `::` takes IPv4 too (as v4-mapped addresses) where the host allows dual-stack sockets
  const gw = await startGateway(`
listen: { host: "::", port: 0 }
admin: { enabled: false }
upstreams:
  echo: { url: "${up.url}" }
routes:
  - { id: echo, match: { path_prefix: /echo }, upstream: echo }
`);
  const v4 = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const v6 = new http.Agent({ keepAlive: true, maxSockets: 1 });
  t.teardown(async () => {
    v4.destroy();
    v6.destroy();
    await gw.close();
    await up.close();
  });
  const get = (host: string, agent: http.Agent) =>
    new Promise<number>((resolve, reject) => {
      const req = http.get({ host, port: gw.port, path: '/echo/x', agent }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
    });

  const order = ['::1', '127.0.0.1', '127.0.0.1', '::1', '::1', '127.0.0.1', '::1', '127.0.0.1'];
  for (const host of order) t.equal(await get(host, host === '::1' ? v6 : v4), 200, `GET from ${host}`);
  const seen = up.seen.map((s) => s.headers['x-forwarded-for']);
  t.equal(seen.length, order.length);
  const asV6 = seen[0];
  const asV4 = seen[1];
  t.match(asV6, /:/, `::1 is reported as an IPv6 address (${asV6})`);
  t.match(asV4, /127\.0\.0\.1|7f00:1|7f00:0001/i, `127.0.0.1 is reported as itself, maybe v4-mapped (${asV4})`);
  t.not(asV6, asV4, 'the two clients differ');
  t.same(
    seen,
    order.map((h) => (h === '::1' ? asV6 : asV4)),
    'every request carries its own client, whichever came before it',
  );
});
