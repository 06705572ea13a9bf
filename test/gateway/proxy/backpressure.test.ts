/**
 * Backpressure both ways on one connection.
 * - A client that reads slower than the upstream sends: every response chunk meets backpressure,
 *   the last one included; the whole body must arrive and the connection stay usable.
 * - An upload echoed back as it arrives (full duplex): request-body pauses and response
 *   backpressure interleave. On uWS 20.56 a pause/resume cycle there could leave the socket
 *   without writable notifications, and the response stalled until the idle timeout cut it
 *   (uws-loader.ts `pausable`); rounds are repeated because it took timing to hit.
 */
import t from 'tap';
import net from 'node:net';
import { createHash, randomBytes } from 'node:crypto';
import { Agent, request } from 'undici';
import { echoConfig, startGateway, startUpstream } from '../helpers.js';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** GET `path` on `sock`, reading one chunk every `gapMs`; resolves with the body once Content-Length bytes arrived. */
function slowGet(sock: net.Socket, path: string, gapMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let head: string | null = null;
    let need = -1;
    const parts: Buffer[] = [];
    let got = 0;
    let pending = Buffer.alloc(0);
    const onData = (d: Buffer) => {
      sock.pause();
      if (head === null) {
        pending = Buffer.concat([pending, d]);
        const i = pending.indexOf('\r\n\r\n');
        if (i < 0) return void setTimeout(() => sock.resume(), gapMs);
        head = pending.subarray(0, i).toString('latin1');
        const m = /content-length: (\d+)/i.exec(head);
        if (!m) return fail(new Error(`no content-length in ${head}`));
        need = Number(m[1]);
        d = pending.subarray(i + 4);
      }
      parts.push(d);
      got += d.length;
      if (got >= need) return done();
      setTimeout(() => sock.resume(), gapMs);
    };
    const onClose = () => fail(new Error(`connection closed after ${got} of ${need} body bytes`));
    const cleanup = () => {
      sock.off('data', onData);
      sock.off('close', onClose);
    };
    const done = () => {
      cleanup();
      sock.resume();
      resolve(Buffer.concat(parts));
    };
    const fail = (err: Error) => {
      cleanup();
      reject(err);
    };
    sock.on('data', onData);
    sock.on('close', onClose);
    sock.write(`GET ${path} HTTP/1.1\r\nhost: x\r\n\r\n`);
  });
}

t.test('a slow reader gets every byte, and the connection stays usable', async (t) => {
  const body = randomBytes(6 * 1024 * 1024);
  const up = await startUpstream((_req, res) => {
    res.writeHead(200, { 'content-length': String(body.length) });
    res.end(body);
  });
  const gw = await startGateway(echoConfig(up.url));
  t.teardown(async () => {
    await gw.close();
    await up.close();
  });
  for (let round = 0; round < 3; round++) {
    const sock = net.connect(gw.port, '127.0.0.1');
    await new Promise((r) => sock.once('connect', r));
    const got = await slowGet(sock, '/echo/slow', 1);
    t.equal(got.length, body.length, `round ${round}: whole body`);
    t.equal(sha(got), sha(body), `round ${round}: byte-exact`);
    // the same connection answers a second request: the first response ended cleanly
    const again = await slowGet(sock, '/echo/again', 0);
    t.equal(again.length, body.length, `round ${round}: keep-alive intact`);
    sock.destroy();
  }
});

t.test('uploads echoed back as they arrive complete, round after round', async (t) => {
  const big = randomBytes(10 * 1024 * 1024);
  const up = await startUpstream((req, res) => {
    res.setHeader('content-type', 'application/octet-stream');
    req.pipe(res); // chunked back while the body still comes in
  });
  const gw = await startGateway(echoConfig(up.url, '    limits: { max_body_bytes: 20000000 }'));
  const agent = new Agent();
  t.teardown(async () => {
    await agent.close();
    await gw.close();
    await up.close();
  });
  let ok = 0;
  for (let i = 0; i < 8; i++) {
    const p = await request(`${gw.url}/echo/duplex`, { method: 'POST', body: big, dispatcher: agent });
    const back = Buffer.from(await p.body.arrayBuffer());
    if (p.statusCode === 200 && sha(back) === sha(big)) ok++;
    else t.fail(`round ${i}: status ${p.statusCode}, ${back.length} bytes back`);
  }
  t.equal(ok, 8, 'every round echoed byte-exact');
});
