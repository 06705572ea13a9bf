/**
 * The exchange's contract for a known-length response: `end()` right after a `write()` that
 * returned false (the socket took only part of the chunk) must still deliver every byte.
 *
 * That is what happens on the proxy path: the upstream parser reports the end of a
 * Content-Length body together with its last bytes (both come out of one read), so the proxy
 * calls `write(last)` and then `end()` at once, while the client's socket may be full. Before the
 * fix `end()` saw a length shortfall and closed the connection, dropping the tail it held (CI saw
 * a 200 MB download arrive 46 700 bytes short). Through the whole gateway that needs the last
 * upstream read (≤ 64 KiB) to meet a full socket, a matter of timing; here a real uWS app drives
 * the exchange directly and a raw client that reads nothing until the end has been called makes
 * the socket full on purpose: a small first chunk, then one far larger than any loopback socket
 * buffer, then `end()`. The client must get every byte, and the connection must stay open for
 * a next request (a cut would close it).
 */
import t from 'tap';
import net from 'node:net';
import { createHash, randomBytes } from 'node:crypto';
import { loadUws, type TemplatedApp } from '../../../src/gateway/server/uws-loader.js';
import { UwsExchange } from '../../../src/gateway/server/uws-exchange.js';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

t.test('end() right after a write the socket only partly took delivers the whole body', async (t) => {
  const { uws, build } = loadUws();
  const head = randomBytes(1024);
  // far beyond what the kernel buffers between the two ends of a loopback connection hold
  const tail = randomBytes(48 * 1024 * 1024);
  const size = head.length + tail.length;
  const seen: { lastWrite: boolean | null; ended: boolean } = { lastWrite: null, ended: false };
  const app = uws.App();
  app.get('/*', (res) => {
    const ex = new UwsExchange(res, build.pausable);
    ex.start(200, 'OK', ['content-type', 'application/octet-stream'], { kind: 'length', size });
    ex.write(head);
    seen.lastWrite = ex.write(tail);
    ex.end();
    seen.ended = true;
  });
  const port = await new Promise<number>((resolve, reject) =>
    app.listen('127.0.0.1', 0, (sock) => (sock ? resolve(uws.us_socket_local_port(sock)) : reject(new Error('listen failed')))),
  );
  // `close` exists on uWS v20.30 apps; the bundled typings predate it (as gateway.ts says)
  t.teardown(() => (app as TemplatedApp & { close(): void }).close());

  const client = net.connect(port, '127.0.0.1');
  await new Promise((r) => client.once('connect', r));
  client.pause();
  client.write('GET /big HTTP/1.1\r\nhost: x\r\n\r\n');
  // read nothing until the handler has written and ended (bounded wait)
  for (let i = 0; i < 200 && !seen.ended; i++) await new Promise((r) => setTimeout(r, 10));
  t.ok(seen.ended, 'the handler ran');
  t.equal(seen.lastWrite, false, 'the last write met a full socket (the case under test)');

  const body = Buffer.allocUnsafe(size);
  let got = 0;
  let headText: string | null = null;
  let early = Buffer.alloc(0);
  const closed = await new Promise<boolean>((resolve) => {
    const onData = (d: Buffer) => {
      if (headText === null) {
        early = Buffer.concat([early, d]);
        const i = early.indexOf('\r\n\r\n');
        if (i < 0) return;
        headText = early.subarray(0, i).toString('latin1');
        d = early.subarray(i + 4);
      }
      const n = Math.min(d.length, size - got);
      d.copy(body, got, 0, n);
      got += n;
      if (got === size) {
        client.off('data', onData);
        client.off('close', onClose);
        resolve(false);
      }
    };
    const onClose = () => resolve(true);
    client.on('data', onData);
    client.once('close', onClose);
    client.resume();
  });
  t.equal(closed, false, `the connection was not cut (got ${got} of ${size} body bytes)`);
  t.match(headText ?? '', new RegExp(`content-length: ${size}`, 'i'), 'the announced length');
  t.equal(got, size, 'every byte arrived');
  t.equal(sha(body), sha(Buffer.concat([head, tail])), 'byte-exact');

  if (closed) return; // nothing more to ask of a cut connection
  // an intact connection answers the next request
  client.write('GET /again HTTP/1.1\r\nhost: x\r\n\r\n');
  const second = await new Promise<string>((resolve) => {
    let text = '';
    const onData = (d: Buffer) => {
      text += d.subarray(0, 64).toString('latin1');
      if (text.includes('\r\n')) {
        client.off('data', onData);
        resolve(text.slice(0, text.indexOf('\r\n')));
      }
    };
    client.on('data', onData);
    client.once('close', () => resolve('closed'));
  });
  t.equal(second, 'HTTP/1.1 200 OK', 'keep-alive intact');
  client.destroy();
});
