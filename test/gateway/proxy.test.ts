/**
 * The proxy end to end: real node:http upstreams on 127.0.0.1, the real gateway (uWS) in-process,
 * real clients (undici, raw sockets where the wire matters).
 */
import t from 'tap';
import http from 'node:http';
import net from 'node:net';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { Agent, request } from 'undici';
import { echoConfig, parseRaw, rawExchange, readAll, startGateway, startUpstream } from './helpers.js';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

t.test('GET and POST bodies pass byte-exact (10 MB), 404 JSON on unknown paths', async (t) => {
  const big = randomBytes(10 * 1024 * 1024);
  const up = await startUpstream((req, res) => {
    if (req.method === 'GET') {
      res.setHeader('content-length', big.length);
      res.end(big);
    } else {
      res.setHeader('content-type', 'application/octet-stream');
      req.pipe(res); // chunked back: no content-length
    }
  });
  const gw = await startGateway(echoConfig(up.url, '    limits: { max_body_bytes: 20000000 }'));
  const agent = new Agent();
  t.teardown(async () => {
    await agent.close();
    await gw.close();
    await up.close();
  });

  const g = await request(`${gw.url}/echo/big`, { dispatcher: agent });
  t.equal(g.statusCode, 200);
  t.equal(g.headers['content-length'], String(big.length));
  t.equal(sha(Buffer.from(await g.body.arrayBuffer())), sha(big));

  const p = await request(`${gw.url}/echo/up`, { method: 'POST', body: big, dispatcher: agent });
  t.equal(p.statusCode, 200);
  t.equal(p.headers['transfer-encoding'], 'chunked');
  t.equal(sha(Buffer.from(await p.body.arrayBuffer())), sha(big));

  // chunked request body (no content-length) streams too
  const c = await request(`${gw.url}/echo/up`, { method: 'POST', body: Readable.from([big.subarray(0, 3), big.subarray(3, 1_000_000)]), dispatcher: agent });
  t.equal(sha(Buffer.from(await c.body.arrayBuffer())), sha(big.subarray(0, 1_000_000)));

  const n = await request(`${gw.url}/nope`, { dispatcher: agent });
  t.equal(n.statusCode, 404);
  t.match(n.headers['content-type'], /application\/json/);
  const body = (await n.body.json()) as { error: string; request_id: string };
  t.equal(body.error, 'GW_ERR_NOT_FOUND');
  t.equal(body.request_id, n.headers['x-request-id']);
  t.equal(up.seen.filter((s) => s.url === '/nope').length, 0);
});

t.test('x-request-id is honoured or generated, sent upstream and returned', async (t) => {
  const up = await startUpstream();
  const gw = await startGateway(echoConfig(up.url));
  const agent = new Agent();
  t.teardown(async () => {
    await agent.close();
    await gw.close();
    await up.close();
  });
  const a = await request(`${gw.url}/echo/1`, { headers: { 'x-request-id': 'abc-123' }, dispatcher: agent });
  await a.body.dump();
  t.equal(a.headers['x-request-id'], 'abc-123');
  t.equal(up.seen.at(-1)?.headers['x-request-id'], 'abc-123');
  const b = await request(`${gw.url}/echo/2`, { dispatcher: agent });
  await b.body.dump();
  t.match(b.headers['x-request-id'], /^[0-9a-f-]{36}$/);
  t.equal(up.seen.at(-1)?.headers['x-request-id'], b.headers['x-request-id']);
  t.equal(up.seen.filter((s) => s.rawHeaders.filter((h) => h.toLowerCase() === 'x-request-id').length !== 1).length, 0, 'exactly one x-request-id upstream');
});

t.test('hop-by-hop headers are removed both ways; forwarding headers are set; one Date', async (t) => {
  const up = await startUpstream((req, res) => {
    res.setHeader('connection', 'X-Resp-Hop');
    res.setHeader('x-resp-hop', '1');
    res.setHeader('proxy-authenticate', 'Basic');
    res.setHeader('x-kept', 'yes');
    res.end('ok');
  });
  const gw = await startGateway(echoConfig(up.url));
  t.teardown(async () => {
    await gw.close();
    await up.close();
  });
  const req =
    'GET /echo/h HTTP/1.1\r\nHost: gw.example:8080\r\nConnection: close, X-Secret-Hop\r\nX-Secret-Hop: 1\r\nKeep-Alive: timeout=5\r\n' +
    'TE: trailers\r\nProxy-Authorization: Basic eA==\r\nProxy-Connection: keep-alive\r\nX-Forwarded-For: 6.6.6.6\r\nForwarded: for=6.6.6.6\r\nX-Kept-Req: 1\r\n\r\n';
  const { data } = await rawExchange(gw.port, req, 500);
  const r = parseRaw(data);
  t.equal(r.status, 200);
  const names = r.headers.map(([n]) => n);
  t.equal(names.filter((n) => n === 'date').length, 1, 'one Date');
  t.equal(names.filter((n) => n === 'uwebsockets').length, 1, 'one uWebSockets');
  t.notOk(names.includes('x-resp-hop'), 'response field named in Connection is removed');
  t.notOk(names.includes('proxy-authenticate'));
  t.notOk(names.includes('keep-alive'));
  t.ok(names.includes('x-kept'));
  t.equal(r.body.toString(), 'ok');

  const seen = up.seen.at(-1)!;
  const h = seen.headers;
  for (const gone of ['x-secret-hop', 'te', 'proxy-authorization', 'proxy-connection']) t.equal(h[gone], undefined, `${gone} not forwarded`);
  t.not(h['keep-alive'], 'timeout=5');
  t.equal(h['x-kept-req'], '1');
  t.equal(h['host'], `127.0.0.1:${up.port}`);
  t.equal(h['x-forwarded-for'], '127.0.0.1', 'untrusted incoming X-Forwarded-For is replaced');
  t.equal(h['x-forwarded-proto'], 'http');
  t.equal(h['x-forwarded-host'], 'gw.example:8080');
  t.equal(h['forwarded'], 'for=127.0.0.1;proto=http;host="gw.example:8080"');
});

t.test('limits: 431 for big heads, 413 for big bodies (declared or streamed)', async (t) => {
  const up = await startUpstream();
  const gw = await startGateway(echoConfig(up.url, '    limits: { max_body_bytes: 100000 }') + '\nlimits: { max_header_bytes: 4096 }\n');
  const agent = new Agent();
  t.teardown(async () => {
    await agent.close();
    await gw.close();
    await up.close();
  });
  const h = await request(`${gw.url}/echo/x`, { headers: { 'x-big': 'a'.repeat(5000) }, dispatcher: agent });
  t.equal(h.statusCode, 431);
  t.equal(((await h.body.json()) as { error: string }).error, 'GW_ERR_HEADERS_TOO_LARGE');
  const b = await request(`${gw.url}/echo/x`, { method: 'POST', body: Buffer.alloc(100001), dispatcher: agent });
  t.equal(b.statusCode, 413);
  t.equal(((await b.body.json()) as { error: string }).error, 'GW_ERR_BODY_TOO_LARGE');
  const before = up.seen.length;
  const s = await request(`${gw.url}/echo/x`, { method: 'POST', body: Readable.from([Buffer.alloc(60000), Buffer.alloc(60000)]), dispatcher: agent });
  // The upstream may have started receiving the body; the client still gets 413, never a 200.
  t.equal(s.statusCode, 413);
  await s.body.dump();
  const ok = await request(`${gw.url}/echo/x`, { method: 'POST', body: Buffer.alloc(100000), dispatcher: agent });
  t.equal(ok.statusCode, 200);
  t.equal((await ok.body.arrayBuffer()).byteLength, 100000);
  t.ok(up.seen.length >= before + 1);
});

t.test('HEAD, 204, 304, chunked and Connection: close answers', async (t) => {
  const up = await startUpstream((req, res) => {
    switch (req.url) {
      case '/echo/head':
        res.setHeader('content-length', '5');
        res.end(req.method === 'HEAD' ? undefined : 'hello');
        return;
      case '/echo/204':
        res.statusCode = 204;
        res.end();
        return;
      case '/echo/304':
        res.statusCode = 304;
        res.setHeader('etag', '"v1"');
        res.end();
        return;
      case '/echo/chunked':
        res.write('a');
        setTimeout(() => res.end('b'), 5);
        return;
      case '/echo/close':
        res.setHeader('connection', 'close');
        res.end('closing');
        return;
    }
    res.end('?');
  });
  const gw = await startGateway(echoConfig(up.url));
  const agent = new Agent();
  t.teardown(async () => {
    await agent.close();
    await gw.close();
    await up.close();
  });
  const head = parseRaw((await rawExchange(gw.port, 'HEAD /echo/head HTTP/1.1\r\nHost: x\r\n\r\n', 300)).data);
  t.equal(head.status, 200);
  t.same(head.headers.filter(([n]) => n === 'content-length'), [['content-length', '5']]);
  t.equal(head.body.length, 0, 'HEAD answer has no body');

  const r204 = parseRaw((await rawExchange(gw.port, 'GET /echo/204 HTTP/1.1\r\nHost: x\r\n\r\n', 300)).data);
  t.equal(r204.status, 204);
  t.notOk(r204.headers.some(([n]) => n === 'content-length' || n === 'transfer-encoding'), '204 carries no framing');
  t.equal(r204.body.length, 0);

  const r304 = await request(`${gw.url}/echo/304`, { headers: { 'if-none-match': '"v1"' }, dispatcher: agent });
  t.equal(r304.statusCode, 304);
  t.equal(r304.headers['etag'], '"v1"');
  await r304.body.dump();

  const ch = await request(`${gw.url}/echo/chunked`, { dispatcher: agent });
  t.equal(ch.headers['transfer-encoding'], 'chunked');
  t.equal(await ch.body.text(), 'ab');

  for (let i = 0; i < 3; i++) {
    const c = await request(`${gw.url}/echo/close`, { dispatcher: agent });
    t.equal(c.statusCode, 200);
    t.notOk(c.headers['connection'] === 'close', 'upstream Connection: close is the upstream hop\'s business');
    t.equal(await c.body.text(), 'closing');
  }
  // a client that asks to close gets its answer, then the close
  const closing = await rawExchange(gw.port, 'GET /echo/head HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', 2000);
  t.equal(parseRaw(closing.data).body.toString(), 'hello');
  t.ok(closing.closed, 'gateway closed the connection after Connection: close');
});

t.test('upstream idle-close between requests is survived', async (t) => {
  const up = await startUpstream((_req, res) => res.end('fine'));
  up.server.keepAliveTimeout = 20; // the upstream drops idle keep-alive sockets quickly
  const gw = await startGateway(echoConfig(up.url));
  const agent = new Agent();
  t.teardown(async () => {
    await agent.close();
    await gw.close();
    await up.close();
  });
  for (let i = 0; i < 5; i++) {
    const r = await request(`${gw.url}/echo/${i}`, { dispatcher: agent });
    t.equal(r.statusCode, 200);
    t.equal(await r.body.text(), 'fine');
    await new Promise((r) => setTimeout(r, 60));
  }
  t.ok(up.connections >= 2, 'the upstream did close idle sockets');
});

t.test('slow upstream → 504; refused connection → 502', async (t) => {
  const held: http.ServerResponse[] = [];
  const up = await startUpstream((_req, res) => {
    held.push(res); // never answers
  });
  const gw = await startGateway(echoConfig(up.url).replace('timeout_ms: 2000', 'timeout_ms: 200'));
  const free = net.createServer();
  await new Promise<void>((r) => free.listen(0, '127.0.0.1', r));
  const deadPort = (free.address() as net.AddressInfo).port;
  await new Promise<void>((r) => free.close(() => r()));
  const gw2 = await startGateway(echoConfig(`http://127.0.0.1:${deadPort}`));
  const agent = new Agent();
  t.teardown(async () => {
    for (const r of held) r.destroy();
    await agent.close();
    await gw.close();
    await gw2.close();
    await up.close();
  });
  const r = await request(`${gw.url}/echo/slow`, { dispatcher: agent });
  t.equal(r.statusCode, 504);
  t.equal(((await r.body.json()) as { error: string }).error, 'GW_ERR_UPSTREAM_TIMEOUT');
  const d = await request(`${gw2.url}/echo/x`, { dispatcher: agent });
  t.equal(d.statusCode, 502);
  t.equal(((await d.body.json()) as { error: string }).error, 'GW_ERR_UPSTREAM_CONNECT');
});

t.test('breaker: a dead upstream opens it → 503 + Retry-After without contacting the upstream; half-open recovers', async (t) => {
  let alive = false;
  let accepted = 0;
  const backend = http.createServer((_req, res) => res.end('back'));
  // The "upstream" accepts and immediately drops connections while dead, and serves once alive.
  const front = net.createServer((sock) => {
    accepted++;
    if (alive) backend.emit('connection', sock);
    else sock.destroy();
  });
  await new Promise<void>((r) => front.listen(0, '127.0.0.1', r));
  const port = (front.address() as net.AddressInfo).port;
  // The open phase must outlast the five refused requests below even on a loaded machine: with
  // 300 ms the breaker sometimes turned half-open among them and its trial went to the still
  // dead upstream (502). 2 s costs the test that much wall time, no CPU.
  const gw = await startGateway(echoConfig(`http://127.0.0.1:${port}`).replace('reset_timeout_ms: 60000', 'reset_timeout_ms: 2000'));
  const agent = new Agent();
  t.teardown(async () => {
    await agent.close();
    await gw.close();
    front.close();
    backend.close();
  });
  const codes: string[] = [];
  let status = 0;
  for (let i = 0; i < 20 && status !== 503; i++) {
    const r = await request(`${gw.url}/echo/x`, { dispatcher: agent });
    status = r.statusCode;
    codes.push(((await r.body.json()) as { error: string }).error);
    if (status === 503) t.equal(r.headers['retry-after'], '2', 'the reset timeout, in whole seconds');
  }
  t.equal(status, 503, `breaker opened after ${codes.join(',')}`);
  t.equal(codes.at(-1), 'GW_ERR_UPSTREAM_UNAVAILABLE');
  t.same(gw.gw.status().upstreams, { echo: 'open' });
  const touched = accepted;
  for (let i = 0; i < 5; i++) {
    const r = await request(`${gw.url}/echo/x`, { dispatcher: agent });
    t.equal(r.statusCode, 503);
    await r.body.dump();
  }
  t.equal(accepted, touched, 'an open breaker does not contact the upstream');

  alive = true;
  // wait (bounded) for the half-open window, then one trial closes the breaker
  let recovered = false;
  for (let i = 0; i < 100 && !recovered; i++) {
    await new Promise((r) => setTimeout(r, 50));
    const r = await request(`${gw.url}/echo/x`, { dispatcher: agent });
    recovered = r.statusCode === 200;
    await r.body.dump();
  }
  t.ok(recovered, 'half-open trial succeeded');
  t.same(gw.gw.status().upstreams, { echo: 'closed' });
  const metrics = await gw.registry.metrics();
  t.match(metrics, /regate_upstream_breaker_state\{upstream="echo",state="closed",worker="0"\} 1/);
  t.match(metrics, /regate_requests_total\{route="echo",method="GET",status="503"\} [1-9]/);
});

t.test('breaker count_5xx: 5xx answers are relayed to the client and open the breaker; without it they never do', async (t) => {
  const up = await startUpstream((_req, res) => {
    res.statusCode = 500;
    res.end('upstream broke');
  });
  const counted = await startGateway(echoConfig(up.url).replace('volume_threshold: 3,', 'volume_threshold: 3, count_5xx: true,'));
  const plain = await startGateway(echoConfig(up.url));
  const agent = new Agent();
  t.teardown(async () => {
    await agent.close();
    await counted.close();
    await plain.close();
    await up.close();
  });
  const statuses: number[] = [];
  for (let i = 0; i < 10 && statuses.at(-1) !== 503; i++) {
    const r = await request(`${counted.url}/echo/x`, { dispatcher: agent });
    statuses.push(r.statusCode);
    const text = await r.body.text();
    if (r.statusCode === 500) t.equal(text, 'upstream broke', 'the 5xx body reaches the client');
  }
  t.equal(statuses.at(-1), 503, `opened after ${statuses.join(',')}`);
  t.ok(statuses.slice(0, -1).every((s) => s === 500));
  t.same(counted.gw.status().upstreams, { echo: 'open' });
  for (let i = 0; i < 6; i++) {
    const r = await request(`${plain.url}/echo/x`, { dispatcher: agent });
    t.equal(r.statusCode, 500);
    await r.body.dump();
  }
  t.same(plain.gw.status().upstreams, { echo: 'closed' }, 'without count_5xx a 5xx is an answer, not a failure');
});

t.test('a client abort mid-stream cancels the upstream call', async (t) => {
  let upstreamClosed!: () => void;
  const closed = new Promise<void>((r) => (upstreamClosed = r));
  let timer: NodeJS.Timeout | undefined;
  const up = await startUpstream((_req, res) => {
    res.on('close', () => {
      clearInterval(timer);
      upstreamClosed();
    });
    // an endless download
    timer = setInterval(() => res.write(Buffer.alloc(16 * 1024, 1)), 5);
  });
  const gw = await startGateway(echoConfig(up.url));
  t.teardown(async () => {
    clearInterval(timer);
    await gw.close();
    await up.close();
  });
  await new Promise<void>((resolve, reject) => {
    const req = http.get(`${gw.url}/echo/stream`, (res) => {
      res.once('data', () => {
        req.destroy(); // the client goes away mid-body
        resolve();
      });
    });
    req.on('error', () => {});
    req.setTimeout(5000, () => reject(new Error('no data')));
  });
  await closed; // bounded by the tap timeout; resolves only if the upstream saw the cancel
  t.pass('upstream response was closed after the client aborted');
  const metrics = await gw.registry.metrics();
  t.match(metrics, /regate_requests_total\{route="echo",method="GET",status="(200|499)"\} 1/);
});

t.test('pipelining: uWS closes a connection that pipelines behind an asynchronous answer', async (t) => {
  // Documented behaviour of uWS v20.30 (checked here so an upgrade that changes it is noticed):
  // when a second request arrives on a connection whose previous response is still pending
  // asynchronously (every proxied request is), uWS aborts the pending response and closes the
  // connection without answering either. Answers given synchronously (404, 413, 431, 503 from an
  // open breaker…) are written before the next request is parsed, so pipelining those works.
  // Browsers and common HTTP clients do not pipeline; the bench runs autocannon with pipelining 1.
  const up = await startUpstream((_req, res) => setTimeout(() => res.end('late'), 20));
  const gw = await startGateway(echoConfig(up.url));
  t.teardown(async () => {
    await gw.close();
    await up.close();
  });
  const two = 'GET /echo/a HTTP/1.1\r\nHost: x\r\n\r\nGET /echo/b HTTP/1.1\r\nHost: x\r\n\r\n';
  const proxied = await rawExchange(gw.port, two, 3000);
  t.ok(proxied.closed, 'connection closed');
  t.equal(proxied.data.length, 0, 'neither pipelined request is answered');

  const sync = await rawExchange(gw.port, 'GET /x HTTP/1.1\r\nHost: x\r\n\r\nGET /y HTTP/1.1\r\nHost: x\r\n\r\n', 300);
  t.equal((sync.data.toString().match(/HTTP\/1\.1 404/g) ?? []).length, 2, 'synchronous answers are pipelined fine');

  // one request at a time on the same connection (keep-alive) is the supported mode
  const ka = await rawExchange(gw.port, 'GET /echo/a HTTP/1.1\r\nHost: x\r\n\r\n', 500);
  t.match(ka.data.toString(), /^HTTP\/1\.1 200 OK/);
});

t.test('405 with Allow for a method the route does not take', async (t) => {
  const up = await startUpstream();
  const gw = await startGateway(echoConfig(up.url).replace('{ path_prefix: /echo }', '{ path_prefix: /echo, methods: [GET] }'));
  const agent = new Agent();
  t.teardown(async () => {
    await agent.close();
    await gw.close();
    await up.close();
  });
  const r = await request(`${gw.url}/echo/x`, { method: 'DELETE', dispatcher: agent });
  t.equal(r.statusCode, 405);
  t.equal(r.headers['allow'], 'GET');
  t.equal(((await r.body.json()) as { error: string }).error, 'GW_ERR_METHOD_NOT_ALLOWED');
  void readAll;
});
