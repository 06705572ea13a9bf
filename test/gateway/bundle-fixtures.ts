/**
 * What the `policies.bundles` tests share: a real bundle server on 127.0.0.1 (OPA's protocol:
 * ETag / 304, long polling; optionally HTTPS with client certificates, optionally refusing
 * requests without valid credentials), bundles whose policy allows exactly `/echo/<revision>`, a
 * gateway configured with one bundle, and probes of its answers and /readyz.
 *
 * @example
 *   const server = await startBundleServer();
 *   server.serve('v1', await echoBundle('v1'));
 *   const gw = await startBundleGateway(t, { url: server.url, upstream: up.url, persist, bundle: 'credentials: { bearer: x }' });
 *   t.equal(await status(gw, '/echo/v1'), 200);
 */
import http from 'node:http';
import https from 'node:https';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { request } from 'undici';
import { loadConfigText } from '../../src/gateway/config/load.js';
import { startRegate, type RunningRegate } from '../../src/gateway/server/run.js';
import { signBundleFiles, writeTarGz } from '../../src/policy/index.js';

type SigningKey = Parameters<typeof signBundleFiles>[1]['key'];

/**
 * A bundle whose policy allows exactly /echo/<rev> (the path is in its data); signed with `sign`;
 * `tamper` changes the data after signing.
 */
export async function echoBundle(rev: string, opts: { sign?: { key: SigningKey; algorithm: 'ES256'; keyid: string }; tamper?: boolean } = {}): Promise<Buffer> {
  const files = new Map<string, Uint8Array>([
    ['.manifest', Buffer.from(JSON.stringify({ revision: rev, roots: ['gw'] }))],
    ['gw/policy.rego', Buffer.from('package gw\nimport rego.v1\ndefault decision := false\ndecision if input.request.path == data.gw.allowed\n')],
    ['gw/data.json', Buffer.from(JSON.stringify({ allowed: `/echo/${rev}` }))],
  ]);
  if (opts.sign) files.set('.signatures.json', await signBundleFiles(files, opts.sign));
  if (opts.tamper) files.set('gw/data.json', Buffer.from(JSON.stringify({ allowed: '/echo/evil' })));
  return writeTarGz([...files].map(([name, data]) => ({ name: '/' + name, data })));
}

export interface BundleServer {
  url: string;
  serve(rev: string, bytes: Buffer): void;
  notModified: number;
  downloads: number;
  longPolls: number;
  /** requests `authorize` refused */
  refused: number;
  close(): Promise<void>;
}

export interface BundleServerOptions {
  port?: number;
  /** HTTPS with these options (cert, key, and for mutual TLS ca + requestCert + rejectUnauthorized) */
  tls?: https.ServerOptions;
  /** null: the request may have the bundle; a string: it is answered 401 with that WWW-Authenticate */
  authorize?: (req: http.IncomingMessage) => Promise<string | null>;
}

export async function startBundleServer(opts: BundleServerOptions = {}): Promise<BundleServer> {
  let current: { etag: string; bytes: Buffer } = { etag: '', bytes: Buffer.alloc(0) };
  const waiting = new Set<() => void>();
  const s: BundleServer = {
    url: '',
    notModified: 0,
    downloads: 0,
    longPolls: 0,
    refused: 0,
    serve(rev, bytes) {
      current = { etag: `"${rev}"`, bytes };
      for (const w of waiting) w();
    },
    close: async () => {},
  };
  const answer = (req: http.IncomingMessage, res: http.ServerResponse) => {
    // long polling (OPA's protocol): with `Prefer: wait=N` an unchanged bundle is held until it changes
    const wait = /wait=(\d+)/.exec(String(req.headers['prefer'] ?? ''));
    if (wait && req.headers['if-none-match'] === current.etag) {
      s.longPolls++;
      const reply = () => {
        waiting.delete(reply);
        clearTimeout(timer);
        const changed = req.headers['if-none-match'] !== current.etag;
        res.writeHead(changed ? 200 : 304, { etag: current.etag, 'content-type': 'application/vnd.openpolicyagent.bundles' }).end(changed ? current.bytes : undefined);
      };
      const timer = setTimeout(reply, Number(wait[1]) * 1000);
      waiting.add(reply);
      return;
    }
    if (req.headers['if-none-match'] === current.etag) {
      s.notModified++;
      res.writeHead(304, { etag: current.etag }).end();
      return;
    }
    s.downloads++;
    res.writeHead(200, { etag: current.etag, 'content-type': 'application/gzip' }).end(current.bytes);
  };
  const handler: http.RequestListener = (req, res) => {
    if (!opts.authorize) return answer(req, res);
    opts.authorize(req).then(
      (refusal) => {
        if (refusal === null) return answer(req, res);
        s.refused++;
        res.writeHead(401, { 'www-authenticate': refusal, 'content-type': 'application/json' }).end('{"error":"unauthorized"}');
      },
      (err: unknown) => res.writeHead(500).end(String(err)),
    );
  };
  const server = opts.tls ? https.createServer(opts.tls, handler) : http.createServer(handler);
  await new Promise<void>((r) => server.listen(opts.port ?? 0, '127.0.0.1', r));
  s.url = `${opts.tls ? 'https' : 'http'}://127.0.0.1:${(server.address() as AddressInfo).port}/bundles/main.tar.gz`;
  s.close = () => new Promise((r) => (server.closeAllConnections(), server.close(() => r())));
  return s;
}

export const MAX_DELAY_S = 0.3;
// max_delay_s plus the slack of a loaded 2-core CI machine (compile and request time)
export const WITHIN = MAX_DELAY_S * 1000 + 4000;

export interface BundleGatewayOptions {
  url: string;
  upstream: string;
  persist: string;
  workers?: number;
  /** polling settings of the bundle (YAML flow mapping body) */
  polling?: string;
  /** more keys of the bundle entry (YAML flow mapping body): signing, credentials, tls */
  bundle?: string;
  /** more lines under `policies:` */
  policies?: string;
}

/** A gateway with one bundle `main` from `url`; its route /echo asks gw/decision. Closed at teardown. */
export async function startBundleGateway(t: { teardown(fn: () => Promise<void>): void }, o: BundleGatewayOptions): Promise<RunningRegate> {
  const config = loadConfigText(
    `
listen: { host: 127.0.0.1, port: 0, workers: ${o.workers ?? 1} }
admin: { host: 127.0.0.1, port: 0 }
upstreams: { echo: { url: "${o.upstream}" } }
policies:
  persist_dir: ${o.persist}
  ${o.policies ?? ''}
  bundles:
    main: { url: "${o.url}", polling: { ${o.polling ?? `min_delay_s: 0.1, max_delay_s: ${MAX_DELAY_S}`} }${o.bundle ? `, ${o.bundle}` : ''} }
routes:
  - { id: echo, match: { path_prefix: /echo }, upstream: echo, policy: gw/decision }
`,
    { file: join(o.persist, '..', 'regate.yaml'), env: {} },
  );
  const gw = await startRegate(config, pino({ level: 'silent' }));
  t.teardown(() => gw.close());
  return gw;
}

/** The status of a GET on the data listener, over a new connection each time. */
export async function status(gw: RunningRegate, path: string): Promise<number> {
  const r = await request(`http://127.0.0.1:${gw.port}${path}`, { reset: true });
  await r.body.dump();
  return r.statusCode;
}

export interface Readyz {
  checks: { policy: { detail: { bundles?: Record<string, { revision: string }> } }; bundles: { detail: { active_revision: string | null; code?: string; message?: string }[] } };
}

export async function readyz(gw: RunningRegate): Promise<Readyz> {
  const r = await request(`http://127.0.0.1:${gw.adminPort}/readyz`);
  return (await r.body.json()) as Readyz;
}

/** The bundle's last failure in /readyz ('' when none). */
export async function bundleMessage(gw: RunningRegate): Promise<string> {
  return (await readyz(gw)).checks.bundles.detail[0]?.message ?? '';
}

/** polls `cond` every 50 ms, at most `ms` */
export async function until(ms: number, cond: () => Promise<boolean>): Promise<boolean> {
  for (let waited = 0; waited <= ms; waited += 50) {
    if (await cond()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}
