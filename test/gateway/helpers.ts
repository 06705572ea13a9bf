/**
 * Real servers for the gateway tests: upstreams on 127.0.0.1 (ephemeral ports) and an
 * in-process gateway built from YAML text through the real config loader.
 */
import type { ChildProcess } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { Registry } from 'prom-client';
import { loadConfigText } from '../../src/gateway/config/load.js';
import { createGateway, type Gateway, type GatewayOptions } from '../../src/gateway/server/gateway.js';

export interface Upstream {
  port: number;
  url: string;
  server: http.Server;
  /** connections accepted so far */
  connections: number;
  /** requests seen so far (method, url, headers) */
  seen: { method: string; url: string; headers: http.IncomingHttpHeaders; rawHeaders: string[] }[];
  close(): Promise<void>;
}

/** An upstream whose handler defaults to echoing method, path, headers and body. */
export async function startUpstream(handler?: http.RequestListener): Promise<Upstream> {
  const up: Upstream = { port: 0, url: '', server: null as unknown as http.Server, connections: 0, seen: [], close: async () => {} };
  const server = http.createServer((req, res) => {
    up.seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, rawHeaders: req.rawHeaders });
    if (handler) return handler(req, res);
    res.setHeader('x-upstream-method', req.method ?? '');
    res.setHeader('x-upstream-url', req.url ?? '');
    if (req.headers['content-length'] !== undefined) res.setHeader('content-length', req.headers['content-length']);
    req.pipe(res);
  });
  server.on('connection', () => up.connections++);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  up.server = server;
  up.port = (server.address() as AddressInfo).port;
  up.url = `http://127.0.0.1:${up.port}`;
  up.close = () =>
    new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    });
  return up;
}

export interface TestGateway {
  gw: Gateway;
  port: number;
  url: string;
  registry: Registry;
  close(): Promise<void>;
}

export async function startGateway(yaml: string, extra: Partial<GatewayOptions> = {}): Promise<TestGateway> {
  const config = loadConfigText(yaml, { file: 'test.yaml', env: {} });
  const registry = new Registry();
  const gw = createGateway({ config, logger: pino({ level: 'silent' }), registry, ...extra });
  const port = await gw.listen(0);
  return { gw, port, url: `http://127.0.0.1:${port}`, registry, close: () => gw.close(1000) };
}

/**
 * The upstream client the tests run against (`REGATE_TEST_UPSTREAM_CLIENT=undici|regate`);
 * unset = the config default. As a YAML fragment for an upstream's flow mapping: `, client: x`.
 */
export const testUpstreamClient = process.env['REGATE_TEST_UPSTREAM_CLIENT'] as 'regate' | 'undici' | undefined;
export const clientYaml = testUpstreamClient ? `, client: ${testUpstreamClient}` : '';

/** A minimal one-route config in front of `upstreamUrl`. */
export function echoConfig(upstreamUrl: string, more = ''): string {
  return `
listen: { host: 127.0.0.1, port: 0 }
admin: { enabled: false }
upstreams:
  echo:
    url: ${upstreamUrl}${testUpstreamClient ? `\n    client: ${testUpstreamClient}` : ''}
    timeout_ms: 2000
    connect_timeout_ms: 500
    breaker: { volume_threshold: 3, reset_timeout_ms: 60000 }
routes:
  - id: echo
    match: { path_prefix: /echo }
    upstream: echo
${more}`;
}

export interface RawResponse {
  head: string;
  status: number;
  headers: [string, string][];
  body: Buffer;
  closed: boolean;
}

/**
 * Sends raw bytes on one connection and collects everything until the server closes it or
 * `waitMs` passes (for keep-alive answers). Used where a real client would hide the wire.
 */
export function rawExchange(port: number, payload: string | Buffer, waitMs = 300): Promise<{ data: Buffer; closed: boolean }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const s = net.connect(port, '127.0.0.1', () => s.write(payload));
    let closed = false;
    const timer = setTimeout(() => {
      s.destroy();
      resolve({ data: Buffer.concat(chunks), closed });
    }, waitMs);
    s.on('data', (b) => chunks.push(b));
    s.on('error', () => {});
    s.on('close', () => {
      closed = true;
      clearTimeout(timer);
      resolve({ data: Buffer.concat(chunks), closed });
    });
  });
}

/** Parses the first response out of raw bytes (Content-Length framed or bodiless). */
export function parseRaw(data: Buffer): RawResponse {
  const end = data.indexOf('\r\n\r\n');
  const head = data.subarray(0, end).toString('latin1');
  const lines = head.split('\r\n');
  const status = Number(lines[0]?.split(' ')[1]);
  const headers = lines.slice(1).map((l) => {
    const i = l.indexOf(':');
    return [l.slice(0, i).toLowerCase(), l.slice(i + 1).trim()] as [string, string];
  });
  return { head, status, headers, body: data.subarray(end + 4), closed: false };
}

/** Collects the request body of a node:http request. */
export async function readAll(stream: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of stream) parts.push(c);
  return Buffer.concat(parts);
}

/**
 * Resolves with the `regate ready` log line of a `regate start` child (its ports), or rejects
 * with its stderr when it exits first.
 * @example const { port, admin_port } = await cliReady(spawn(process.execPath, [...]));
 */
export function cliReady(child: ChildProcess): Promise<{ port: number; admin_port: number }> {
  return new Promise((resolve, reject) => {
    let buf = '';
    let err = '';
    child.stderr?.on('data', (d) => (err += d));
    child.stdout?.on('data', (d) => {
      buf += d;
      for (const line of buf.split('\n')) if (line.includes('"regate ready"')) resolve(JSON.parse(line) as { port: number; admin_port: number });
    });
    child.once('exit', (code) => reject(new Error(`regate exited ${code}: ${err}`)));
  });
}
