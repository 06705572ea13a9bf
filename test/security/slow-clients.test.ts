/**
 * Slow clients cannot starve others (issue #14, item 4). Before: request bodies streamed into
 * pooled upstream connections with no minimum data rate and the pool's wait queue had no bound
 * or timeout, so ~150 connections trickling a byte every 2 s made ordinary requests wait 10 s
 * and more. Now small bodies are read whole before a connection is taken, bodies that stall or
 * crawl get a 408, the wait queue is bounded and times out with a 503 + Retry-After, and a route
 * can cap its concurrent requests.
 *
 * The waits below are upper bounds on liveness (an answer arrives at all while the attackers are
 * still connected), not measurements of speed.
 */
import net from 'node:net';
import t from 'tap';
import { startGateway } from '../gateway/helpers.js';
import { codeOf, rawGet, sendOne, startRecordingUpstream, statusOf } from './wire.js';

/** A client that sends a POST head announcing `length` bytes, then one byte every `everyMs`. */
function trickle(port: number, path: string, length: number, everyMs: number, prefix = ''): { socket: net.Socket; closed: Promise<Buffer>; stop(): void } {
  const socket = net.connect(port, '127.0.0.1');
  const chunks: Buffer[] = [];
  let timer: NodeJS.Timeout | null = null;
  let sent = prefix.length;
  socket.on('connect', () => {
    socket.write(`POST ${path} HTTP/1.1\r\nHost: gw.test\r\nContent-Length: ${length}\r\n\r\n${prefix}`);
    timer = setInterval(() => {
      if (sent >= length - 1 || socket.destroyed) return; // never completes the body
      socket.write('x');
      sent++;
    }, everyMs);
  });
  socket.on('data', (d) => chunks.push(d));
  socket.on('error', () => {});
  const closed = new Promise<Buffer>((resolve) => socket.on('close', () => resolve(Buffer.concat(chunks))));
  return {
    socket,
    closed,
    stop() {
      if (timer) clearInterval(timer);
      socket.destroy();
    },
  };
}

const within = <T>(p: Promise<T>, ms: number): Promise<T | 'timeout'> => Promise.race([p, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), ms))]);

t.test('tricklers hold no pooled upstream connection; an ordinary request is answered meanwhile', async (t) => {
  const up = await startRecordingUpstream();
  t.teardown(() => up.close());
  const gw = await startGateway(`
listen: { host: 127.0.0.1, port: 0 }
admin: { enabled: false }
upstreams:
  app: { url: "${up.url}", pool: { connections: 4 } }
routes:
  - { id: up, match: { path_prefix: /up }, upstream: app }
`);
  t.teardown(() => gw.close());
  const attackers = Array.from({ length: 12 }, () => trickle(gw.port, '/up/slow', 2000, 200));
  t.teardown(() => attackers.forEach((a) => a.stop()));
  await new Promise((r) => setTimeout(r, 400)); // the attackers are mid-body now
  const r = await within(sendOne(gw.port, rawGet('/up/ordinary'), 10_000), 5000);
  t.not(r, 'timeout', 'the ordinary request is answered while 12 tricklers are connected');
  if (r !== 'timeout') t.equal(statusOf(r), 200);
  t.equal(up.requests().filter((m) => m.url === '/up/slow').length, 0, 'no trickled body reached the upstream');
  t.ok(attackers.every((a) => !a.socket.destroyed), 'the attackers were still connected');
});

t.test('a body that stalls or crawls gets a 408 and its connection is closed', async (t) => {
  const up = await startRecordingUpstream();
  t.teardown(() => up.close());
  const gw = await startGateway(`
listen: { host: 127.0.0.1, port: 0 }
admin: { enabled: false }
upstreams:
  app: { url: "${up.url}" }
limits: { buffer_body_bytes: 1024 }
routes:
  - { id: slow, match: { path_prefix: /slow }, upstream: app, limits: { body_timeout_ms: 300, body_min_bytes_per_s: 1000 } }
`);
  t.teardown(() => gw.close());
  // crawling: a byte every 100 ms never leaves the idle timeout, but averages 10 B/s
  const crawler = trickle(gw.port, '/slow/a', 500, 100);
  t.teardown(() => crawler.stop());
  const answer = await within(crawler.closed, 8000);
  t.not(answer, 'timeout', 'the crawler is cut off');
  if (answer !== 'timeout') t.match(answer.toString('latin1'), /^HTTP\/1\.1 408 .*GW_ERR_BODY_TIMEOUT/s, 'with a 408 and its code');
  // a large body (beyond the buffer) streams upstream, then stalls: the upstream call is cut too
  const staller = trickle(gw.port, '/slow/b', 100_000, 60_000, 'y'.repeat(4096));
  t.teardown(() => staller.stop());
  t.not(await within(staller.closed, 8000), 'timeout', 'the staller is cut off');
});

t.test('the pool wait queue is bounded and times out with 503 + Retry-After', async (t) => {
  // an upstream that never answers: every pooled connection stays busy
  const up = await startRecordingUpstream({ answer: () => null });
  t.teardown(() => up.close());
  const gw = await startGateway(`
listen: { host: 127.0.0.1, port: 0 }
admin: { enabled: false }
upstreams:
  app: { url: "${up.url}", timeout_ms: 30000, pool: { connections: 2, queue_limit: 2, queue_timeout_ms: 300 }, breaker: { enabled: false } }
routes:
  - { id: up, match: { path_prefix: /up }, upstream: app }
`);
  t.teardown(() => gw.close());
  const all = Array.from({ length: 5 }, (_, i) => within(sendOne(gw.port, rawGet(`/up/${i}`), 3000), 2500));
  const done = await Promise.all(all);
  const statuses = done.map((r) => (r === 'timeout' ? 'timeout' : statusOf(r)));
  t.equal(statuses.filter((s) => s === 503).length, 3, `two queued calls time out and one is refused at once (${statuses.join(',')})`);
  for (const r of done) {
    if (r === 'timeout' || statusOf(r) !== 503) continue;
    t.equal(codeOf(r), 'GW_ERR_UPSTREAM_BUSY');
    t.equal(r.responses[0]?.headers.find(([k]) => k.toLowerCase() === 'retry-after')?.[1], '1');
  }
});

t.test('a route can cap its concurrent requests', async (t) => {
  const up = await startRecordingUpstream({ answer: () => null });
  t.teardown(() => up.close());
  const gw = await startGateway(`
listen: { host: 127.0.0.1, port: 0 }
admin: { enabled: false }
upstreams:
  app: { url: "${up.url}", timeout_ms: 30000, breaker: { enabled: false } }
routes:
  - { id: capped, match: { path_prefix: /capped }, upstream: app, limits: { max_concurrent: 2 } }
`);
  t.teardown(() => gw.close());
  const held = [trickle(gw.port, '/capped/a', 10, 10_000), trickle(gw.port, '/capped/b', 10, 10_000)];
  t.teardown(() => held.forEach((h) => h.stop()));
  await new Promise((r) => setTimeout(r, 300));
  const r = await sendOne(gw.port, rawGet('/capped/c'));
  t.equal(statusOf(r), 503);
  t.equal(codeOf(r), 'GW_ERR_ROUTE_BUSY');
  held.forEach((h) => h.stop());
  await new Promise((r) => setTimeout(r, 300));
  // the slots come back: the upstream never answers, so a new request is accepted and waits
  const again = await within(sendOne(gw.port, rawGet('/capped/d'), 1000), 2000);
  t.ok(again === 'timeout' || statusOf(again) !== 503, 'slots are released when requests end');
});
