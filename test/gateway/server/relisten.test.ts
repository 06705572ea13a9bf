/**
 * relistenUntilBound (server/tls-listener.ts): after a certificate reload found its exclusive
 * port taken, the worker keeps trying to bind it instead of staying deaf. A real uWS app, a real
 * port held by another socket that lets it go after a few attempts, and a real request after.
 */
import t from 'tap';
import { createServer, type Server } from 'node:net';
import { request } from 'node:http';
import { loadUws } from '../../../src/gateway/server/uws-loader.js';
import { relistenUntilBound } from '../../../src/gateway/server/tls-listener.js';
import type { us_listen_socket } from '../../../src/gateway/server/uws-loader.js';

const { uws } = loadUws();

function hold(): Promise<{ server: Server; port: number }> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0, exclusive: true }, () => resolve({ server, port: (server.address() as { port: number }).port }));
  });
}

function get(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve(body));
    })
      .on('error', reject)
      .end();
  });
}

t.test('binds the port once the socket that took it lets it go, and serves', async (t) => {
  const { server, port } = await hold();
  const app = uws.App().any('/*', (res) => void res.end('back'));
  const retries: number[] = [];
  const bound = new Promise<us_listen_socket>((resolve) => {
    relistenUntilBound({
      uws,
      app,
      host: '127.0.0.1',
      port,
      exclusive: true,
      stopped: () => false,
      onBound: resolve,
      onRetry: (attempt, delay) => {
        retries.push(delay);
        // the port is freed after the second failed attempt
        if (attempt === 2) server.close();
      },
    });
  });
  const ls = await bound;
  t.teardown(() => {
    uws.us_listen_socket_close(ls);
    (app as unknown as { close(): void }).close();
  });
  t.same(retries, [50, 100], 'two failed attempts, backing off');
  t.equal(await get(port), 'back');
});

t.test('stops trying when the gateway is closing, and cancel stops it too', async (t) => {
  const { server, port } = await hold();
  t.teardown(() => server.close());
  const app = uws.App().any('/*', (res) => void res.end('x'));
  t.teardown(() => (app as unknown as { close(): void }).close());
  let attempts = 0;
  let stopped = false;
  let boundTwice = false;
  relistenUntilBound({ uws, app, host: '127.0.0.1', port, exclusive: true, stopped: () => stopped, onBound: () => (boundTwice = true), onRetry: (n) => { attempts = n; if (n === 3) stopped = true; } });
  await new Promise((r) => setTimeout(r, 800));
  t.equal(attempts, 3, 'no attempt after stopped() turned true');
  let a2 = 0;
  const r = relistenUntilBound({ uws, app, host: '127.0.0.1', port, exclusive: true, stopped: () => false, onBound: () => (boundTwice = true), onRetry: (n) => (a2 = n) });
  r.cancel();
  await new Promise((r) => setTimeout(r, 200));
  t.equal(a2, 0, 'cancelled before the first attempt');
  t.notOk(boundTwice);
});
