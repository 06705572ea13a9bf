/**
 * A client must not be able to open an upstream's circuit breaker (issue #14, item 2).
 *
 * Before: a path or header value the upstream client could not encode (`/mobile/中`, or
 * `a\u0100b` with `client: undici`) ended in 500 GW_ERR_INTERNAL and counted as an upstream
 * failure; a handful of unauthenticated requests opened the breaker and every other user got
 * 503, while /readyz said all was well. Now such input is refused at the edge (or forwarded as
 * the client's bytes), only the upstream's own failures count, and /readyz names open breakers.
 */
import t from 'tap';
import { startGw, until } from '../gateway/authz/fixtures.js';
import { rawGet, sendOne, startRecordingUpstream, statusOf, utf8Bytes } from './wire.js';

const up = await startRecordingUpstream();
t.teardown(() => up.close());

for (const client of ['regate', 'undici'] as const) {
  t.test(`${client}: malformed client input never opens the breaker`, async (t) => {
    const gw = await startGw(`
listen: { host: 127.0.0.1, port: 0 }
admin: { host: 127.0.0.1, port: 0 }
upstreams:
  app: { url: "${up.url}", client: ${client}, breaker: { volume_threshold: 3, error_threshold_percentage: 10, reset_timeout_ms: 60000 } }
routes:
  - { id: open, match: { path_prefix: /mobile }, upstream: app }
`);
    t.teardown(() => gw.close());
    const port = Number(new URL(gw.url).port);
    const hostile = [
      `GET ${utf8Bytes('/mobile/中')} HTTP/1.1\r\nHost: gw.test\r\n\r\n`,
      rawGet('/mobile/x', [`X-A: ${utf8Bytes('a\u0100b')}`]),
      rawGet('/mobile/x', ['X-A: a\xffb']),
      rawGet('/mobile/%zz'),
      rawGet('/mobile/a\\b'),
      'GET /mobile/x HTTP/1.1\r\nHost: gw.test\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\n',
    ];
    const statuses: number[] = [];
    for (let round = 0; round < 5; round++) for (const h of hostile) statuses.push(statusOf(await sendOne(port, h)));
    t.ok(statuses.every((s) => s === 0 || (s >= 200 && s < 500) || s === 501), `no 5xx but 501 for client faults (got ${[...new Set(statuses)].join(',')})`);
    const ok = await sendOne(port, rawGet('/mobile/ok'));
    t.equal(statusOf(ok), 200, 'an ordinary request still goes through: the breaker stayed closed');
    const ready = (await (await fetch(`${gw.admin}/readyz`)).json()) as { open_breakers: string[] };
    t.same(ready.open_breakers, [], '/readyz names no open breaker');
  });
}

t.test('/readyz names an upstream whose breaker the upstream itself opened', async (t) => {
  const dead = await startRecordingUpstream();
  const deadUrl = dead.url;
  await dead.close(); // connections are refused from now on
  const gw = await startGw(`
listen: { host: 127.0.0.1, port: 0 }
admin: { host: 127.0.0.1, port: 0 }
upstreams:
  gone: { url: "${deadUrl}", connect_timeout_ms: 500, breaker: { volume_threshold: 2, error_threshold_percentage: 10, reset_timeout_ms: 60000 } }
routes:
  - { id: gone, match: { path_prefix: /gone }, upstream: gone }
`);
  t.teardown(() => gw.close());
  for (let i = 0; i < 4; i++) await fetch(`${gw.url}/gone/x`);
  const seen = await until(async () => {
    const r = (await (await fetch(`${gw.admin}/readyz`)).json()) as { status: string; open_breakers: string[] };
    return r.open_breakers.includes('gone') && r.status === 'degraded';
  });
  t.ok(seen, '/readyz reports status "degraded" with the open breaker named');
});
