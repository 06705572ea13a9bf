/**
 * An OPA decision-log service for tests: a real node:http server on 127.0.0.1 that takes OPA's
 * upload (POST <url>/logs, gzip JSON array), checks the protocol, records the events it
 * acknowledged, and can answer 500 a given number of times first.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

export interface Receiver {
  port: number;
  url: string;
  /** events received with a 2xx, in order */
  events: Record<string, unknown>[];
  /** the acknowledged bodies as text (big integers exact) */
  raw: string[];
  /** compressed body sizes of every POST */
  sizes: number[];
  statuses: number[];
  problems: string[];
  close(): Promise<void>;
}

/** An OPA decision-log service: answers `fail` 500s first, then 200s; records what it acknowledged. */
export async function startReceiver(opts: { fail?: number; port?: number; token?: string } = {}): Promise<Receiver> {
  let failLeft = opts.fail ?? 0;
  const r: Receiver = { port: 0, url: '', events: [], raw: [], sizes: [], statuses: [], problems: [], close: async () => {} };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      r.sizes.push(body.length);
      if (req.method !== 'POST' || req.url !== '/v1/logs') r.problems.push(`${req.method} ${req.url}`);
      if (req.headers['content-encoding'] !== 'gzip') r.problems.push(`content-encoding ${req.headers['content-encoding']}`);
      if (req.headers['content-type'] !== 'application/json') r.problems.push(`content-type ${req.headers['content-type']}`);
      if (opts.token !== undefined && req.headers.authorization !== `Bearer ${opts.token}`) r.problems.push(`authorization ${req.headers.authorization}`);
      const status = failLeft > 0 ? 500 : 200;
      if (failLeft > 0) failLeft--;
      r.statuses.push(status);
      if (status === 200) {
        const arr = JSON.parse(gunzipSync(body).toString('utf8')) as unknown;
        if (!Array.isArray(arr)) r.problems.push('body is not a JSON array');
        else {
          r.events.push(...(arr as Record<string, unknown>[]));
          r.raw.push(gunzipSync(body).toString('utf8'));
        }
      }
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((ok) => server.listen(opts.port ?? 0, '127.0.0.1', ok));
  r.port = (server.address() as AddressInfo).port;
  r.url = `http://127.0.0.1:${r.port}/v1`;
  r.close = () => new Promise<void>((ok) => { server.closeAllConnections(); server.close(() => ok()); });
  return r;
}

