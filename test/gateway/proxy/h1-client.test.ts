/**
 * The regate upstream client behind the real gateway, against raw TCP upstreams that misbehave
 * on purpose: malformed answers → 502 JSON, idle-close retry (only when replayable), pool queue,
 * client abort frees the connection slot, response timeouts.
 */
import t from 'tap';
import net from 'node:net';
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { Agent, request } from 'undici';
import { createH1Pool } from '../../../src/gateway/proxy/h1-pool.js';
import type { ClientExchange } from '../../../src/gateway/pipeline/exchange.js';
import { startGateway, startUpstream } from '../helpers.js';

function config(url: string, more = ''): string {
  return `
listen: { host: 127.0.0.1, port: 0 }
admin: { enabled: false }
upstreams:
  up:
    url: ${url}
    client: regate
    timeout_ms: 2000
    connect_timeout_ms: 500
    breaker: { enabled: false }
${more}
routes:
  - id: r
    match: { path_prefix: / }
    upstream: up
`;
}

interface RawUpstream {
  url: string;
  connections: number;
  requests: string[];
  close(): Promise<void>;
}

/**
 * A TCP upstream: `answer(head, index on this connection, socket)` gets each request head (the
 * body, if any, is read by the caller of socket) and writes whatever it likes.
 */
async function rawUpstream(answer: (head: string, n: number, sock: net.Socket) => void): Promise<RawUpstream> {
  const socks = new Set<net.Socket>();
  const up: RawUpstream = { url: '', connections: 0, requests: [], close: async () => {} };
  const server = net.createServer((sock) => {
    up.connections++;
    socks.add(sock);
    sock.on('close', () => socks.delete(sock));
    sock.on('error', () => {});
    let buf = '';
    let n = 0;
    sock.on('data', (d) => {
      buf += d.toString('latin1');
      for (let i = 0; i < 100; i++) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) break;
        const head = buf.slice(0, end);
        const cl = /\r\ncontent-length: (\d+)/i.exec(head);
        const bodyLen = cl ? Number(cl[1]) : 0;
        if (buf.length < end + 4 + bodyLen) break;
        buf = buf.slice(end + 4 + bodyLen);
        up.requests.push(head.split('\r\n')[0] ?? '');
        answer(head, n++, sock);
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  up.url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  up.close = () =>
    new Promise<void>((r) => {
      for (const s of socks) s.destroy();
      server.close(() => r());
    });
  return up;
}

t.test('malformed upstream answers become 502 GW_ERR_UPSTREAM_PROTOCOL', async (t) => {
  const answers: Record<string, string> = {
    '/fold': 'HTTP/1.1 200 OK\r\nX-A: 1\r\n folded\r\nContent-Length: 2\r\n\r\nok',
    '/clte': 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
    '/twocl': 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok',
    '/status': 'HTTP/1.1 99 Odd\r\n\r\n',
    '/garbage': 'SSH-2.0-OpenSSH_9.6\r\n\r\n',
  };
  const up = await rawUpstream((head, _n, sock) => {
    const path = head.split(' ')[1] ?? '';
    sock.write(answers[path] ?? 'HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nfine');
  });
  const gw = await startGateway(config(up.url));
  const agent = new Agent();
  t.teardown(async () => {
    await agent.close();
    await gw.close();
    await up.close();
  });
  for (const path of Object.keys(answers)) {
    const r = await request(`${gw.url}${path}`, { dispatcher: agent });
    t.equal(r.statusCode, 502, path);
    t.equal(((await r.body.json()) as { error: string }).error, 'GW_ERR_UPSTREAM_PROTOCOL', path);
  }
  const ok = await request(`${gw.url}/fine`, { dispatcher: agent });
  t.equal(await ok.body.text(), 'fine', 'the pool recovers');
});

t.test('a reused connection closed before any answer is retried on a new connection, only when replayable', async (t) => {
  // every connection answers its first request and silently closes on the second
  const up = await rawUpstream((_head, n, sock) => {
    if (n === 0) sock.write('HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nfine');
    else sock.destroy();
  });
  const gw = await startGateway(config(up.url));
  const agent = new Agent();
  t.teardown(async () => {
    await agent.close();
    await gw.close();
    await up.close();
  });
  for (let i = 0; i < 3; i++) {
    const r = await request(`${gw.url}/get${i}`, { dispatcher: agent });
    t.equal(r.statusCode, 200, `GET ${i}`);
    t.equal(await r.body.text(), 'fine');
  }
  t.equal(up.connections, 3, 'each retry went to a fresh connection');
  t.same(up.requests, ['GET /get0 HTTP/1.1', 'GET /get1 HTTP/1.1', 'GET /get1 HTTP/1.1', 'GET /get2 HTTP/1.1', 'GET /get2 HTTP/1.1']);

  // a request whose body already went out cannot be replayed: 502, sent once
  const before = up.requests.length;
  const p = await request(`${gw.url}/post`, { method: 'POST', body: 'payload', dispatcher: agent });
  t.equal(p.statusCode, 502);
  t.equal(((await p.body.json()) as { error: string }).error, 'GW_ERR_UPSTREAM_CONNECT');
  t.same(up.requests.slice(before), ['POST /post HTTP/1.1'], 'not replayed');
});

t.test('pool limit: calls beyond `connections` queue and then share the one connection', async (t) => {
  const held: http.ServerResponse[] = [];
  let release!: () => void;
  const allHeld = new Promise<void>((r) => (release = r));
  const up = await startUpstream((req, res) => {
    held.push(res);
    res.setHeader('x-path', req.url ?? '');
    if (held.length === 1) void allHeld.then(() => held.forEach((h, i) => setTimeout(() => h.end(`r${i}`), 0)));
    else res.end(`late ${req.url}`);
  });
  const gw = await startGateway(config(up.url, '    pool: { connections: 1 }'));
  const agent = new Agent({ connections: 10 });
  t.teardown(async () => {
    await agent.close();
    await gw.close();
    await up.close();
  });
  const calls = [0, 1, 2, 3].map((i) => request(`${gw.url}/q${i}`, { dispatcher: agent }).then(async (r) => ({ status: r.statusCode, path: r.headers['x-path'], body: await r.body.text() })));
  // bounded wait until the first request is held at the upstream
  for (let i = 0; i < 200 && held.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
  t.equal(held.length, 1, 'only one request reached the upstream while the first is pending');
  release();
  const results = await Promise.all(calls);
  t.same(
    results.map((r) => r.status),
    [200, 200, 200, 200],
  );
  t.equal(up.connections, 1, 'one upstream connection carried all four');
  t.equal(up.seen.length, 4);
});

t.test('a client abort mid-body destroys the upstream connection and frees its slot', async (t) => {
  let closes = 0;
  let timer: NodeJS.Timeout | undefined;
  const up = await startUpstream((req, res) => {
    if (req.url === '/endless') {
      res.on('close', () => {
        closes++;
        clearInterval(timer);
      });
      timer = setInterval(() => res.write(Buffer.alloc(16 * 1024, 1)), 5);
      return;
    }
    res.end('next');
  });
  const gw = await startGateway(config(up.url, '    pool: { connections: 1 }'));
  t.teardown(async () => {
    clearInterval(timer);
    await gw.close();
    await up.close();
  });
  await new Promise<void>((resolve, reject) => {
    const req = http.get(`${gw.url}/endless`, (res) => {
      res.once('data', () => {
        req.destroy();
        resolve();
      });
    });
    req.on('error', () => {});
    req.setTimeout(5000, () => reject(new Error('no data')));
  });
  for (let i = 0; i < 300 && closes === 0; i++) await new Promise((r) => setTimeout(r, 10));
  t.equal(closes, 1, 'the upstream saw its response cut');
  const agent = new Agent();
  const r = await request(`${gw.url}/after`, { dispatcher: agent });
  t.equal(await r.body.text(), 'next', 'the only pool slot is free again');
  await agent.close();
});

t.test('no head in time → 504; a stalled body is cut', async (t) => {
  const up = await rawUpstream((head, _n, sock) => {
    if (head.startsWith('GET /stall-body')) sock.write('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc');
    // /silent: never answers
  });
  const gw = await startGateway(config(up.url).replace('timeout_ms: 2000', 'timeout_ms: 200\n    body_timeout_ms: 200'));
  const agent = new Agent();
  t.teardown(async () => {
    await agent.close();
    await gw.close();
    await up.close();
  });
  const s = await request(`${gw.url}/silent`, { dispatcher: agent });
  t.equal(s.statusCode, 504);
  t.equal(((await s.body.json()) as { error: string }).error, 'GW_ERR_UPSTREAM_TIMEOUT');
  const b = await request(`${gw.url}/stall-body`, { dispatcher: agent });
  t.equal(b.statusCode, 200);
  await t.rejects(b.body.text(), 'the client connection is cut: the answer must not look complete');
});

t.test('a slow client gets the body byte-exact (backpressure copies only what the socket refused)', async (t) => {
  const big = randomBytes(6 * 1024 * 1024);
  const up = await startUpstream((req, res) => {
    if (req.url === '/chunked') {
      // chunked answer in odd-sized pieces
      let off = 0;
      const step = () => {
        for (let i = 0; i < 8 && off < big.length; i++) {
          const n = Math.min(big.length - off, 10_000 + (off % 7919));
          res.write(big.subarray(off, off + n));
          off += n;
        }
        if (off < big.length) setImmediate(step);
        else res.end();
      };
      return step();
    }
    res.setHeader('content-length', big.length);
    res.end(big);
  });
  const gw = await startGateway(config(up.url));
  t.teardown(async () => {
    await gw.close();
    await up.close();
  });
  for (const path of ['/length', '/chunked']) {
    const body = await new Promise<Buffer>((resolve, reject) => {
      const parts: Buffer[] = [];
      const req = http.get(`${gw.url}${path}`, (res) => {
        // read in bursts with pauses, so the gateway's client socket fills up repeatedly
        let reads = 0;
        res.on('data', (c: Buffer) => {
          parts.push(c);
          if (++reads % 4 === 0) {
            res.pause();
            setTimeout(() => res.resume(), 10);
          }
        });
        res.on('end', () => resolve(Buffer.concat(parts)));
        res.on('error', reject);
      });
      req.on('error', reject);
    });
    t.equal(body.length, big.length, `${path}: length`);
    t.ok(body.equals(big), `${path}: bytes`);
  }
});

t.test('the pool on its own: an exchange without the direct feed streams its Readable body', async (t) => {
  const up = await startUpstream(); // echoes the body
  const port = Number(new URL(up.url).port);
  const pool = createH1Pool({ host: '127.0.0.1', port, connections: 2, connectTimeoutMs: 500, headersTimeoutMs: 2000, bodyTimeoutMs: 0, keepAlive: true, keepAliveTimeoutMs: 4000 });
  t.teardown(async () => {
    await pool.close();
    await up.close();
  });
  const payload = randomBytes(300_000);
  const exchange = { body: Readable.from([payload.subarray(0, 1000), payload.subarray(1000)]) } as unknown as ClientExchange;
  const got = await new Promise<{ status: number; body: Buffer }>((resolve, reject) => {
    const parts: Buffer[] = [];
    let status = 0;
    pool.dispatch(
      { method: 'POST', path: '/echo/x', headers: ['host', 'x'], exchange },
      {
        onResponseStart: (_c, s) => void (status = s),
        onResponseData: (_c, b) => void parts.push(Buffer.from(b)),
        onResponseEnd: () => resolve({ status, body: Buffer.concat(parts) }),
        onResponseError: (_c, e) => reject(e),
      },
    );
  });
  t.equal(got.status, 200);
  t.ok(got.body.equals(payload), 'chunk-encoded upload echoed byte-exact');
  t.equal(up.seen.at(-1)?.headers['transfer-encoding'], 'chunked');
  t.same(pool.stats(), { open: 1, idle: 1, queued: 0 });
});
