/**
 * The real `regate start` in a child process: bad config exit, proxying, 200 MB each way with
 * bounded gateway RSS, admin endpoints, worker threads sharing the port, SIGTERM drain.
 */
import t from 'tap';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import http from 'node:http';
import net from 'node:net';
import { Readable } from 'node:stream';
import { Agent, request } from 'undici';
import { cliReady, clientYaml, startUpstream } from './helpers.js';
import { loadUws, type us_listen_socket } from '../../src/gateway/server/uws-loader.js';
import { regateCliArgs } from '../helpers/regate-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'regate-cli-'));

function writeConfig(name: string, text: string): string {
  const f = join(dir, name);
  writeFileSync(f, text);
  return f;
}

function runCli(args: string[], env: Record<string, string> = {}): ChildProcess {
  return spawn(process.execPath, [...regateCliArgs(), ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, UP_URL: process.env.UP_URL, ...env } });
}

const exited = (child: ChildProcess) => new Promise<number | null>((r) => (child.exitCode !== null ? r(child.exitCode) : child.once('exit', (c) => r(c))));

function rssKb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? 0);
}

t.test('a malformed config exits 1 with file:line and key', async (t) => {
  const f = writeConfig('bad.yaml', 'upstreams:\n  a: { url: "http://127.0.0.1:1" }\nroutes:\n  - id: r\n    match: { path: /x }\n    upstream: b\n');
  const child = runCli(['start', '--config', f]);
  let err = '';
  child.stderr?.on('data', (d) => (err += d));
  t.equal(await exited(child), 1);
  t.match(err, /bad\.yaml:6: routes\[0\]\.upstream: /);
});

t.test('regate start proxies, streams 200 MB each way with bounded RSS, serves admin, drains on SIGTERM', async (t) => {
  const TOTAL = 200 * 1024 * 1024;
  const chunk = Buffer.alloc(64 * 1024, 7);
  const up = await startUpstream((req, res) => {
    if (req.url === '/echo/download') {
      res.setHeader('content-length', TOTAL);
      let sent = 0;
      const pump = () => {
        while (sent < TOTAL) {
          sent += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      return pump();
    }
    if (req.url === '/echo/upload') {
      let n = 0;
      req.on('data', (c: Buffer) => (n += c.length));
      req.on('end', () => res.end(String(n)));
      return;
    }
    res.end('hello');
  });
  const f = writeConfig(
    'ok.yaml',
    `listen: { host: 127.0.0.1, port: 0 }
admin: { host: 127.0.0.1, port: 0 }
log: { level: info }
upstreams:
  echo: { url: "${up.url}"${clientYaml} }
routes:
  - id: echo
    match: { path_prefix: /echo }
    upstream: echo
    limits: { max_body_bytes: ${TOTAL} }
`,
  );
  const child = runCli(['start', '--config', f]);
  t.teardown(async () => {
    child.kill('SIGKILL');
    await up.close();
  });
  const { port, admin_port } = await cliReady(child);
  const agent = new Agent();
  const base = `http://127.0.0.1:${port}`;
  const g = await request(`${base}/echo/x`, { dispatcher: agent });
  t.equal(await g.body.text(), 'hello');

  const rss0 = rssKb(child.pid!);
  let peak = rss0;
  const sampler = setInterval(() => (peak = Math.max(peak, rssKb(child.pid!))), 20);

  // download: the client reads as fast as it can; the gateway must not buffer
  const d = await request(`${base}/echo/download`, { dispatcher: agent });
  let got = 0;
  for await (const c of d.body) got += (c as Buffer).length;
  t.equal(got, TOTAL);
  const downMb = (Math.max(peak, rssKb(child.pid!)) - rss0) / 1024;
  t.ok(downMb < 100, `gateway RSS grew ${downMb.toFixed(1)} MB while 200 MB went down (limit 100 MB)`);

  // upload: generated on the fly, so only the gateway could hold it (undici reads a generator
  // too, but types the body as a stream: Readable.from pulls the generator as it is read)
  async function* gen() {
    for (let sent = 0; sent < TOTAL; sent += chunk.length) yield chunk;
  }
  const u = await request(`${base}/echo/upload`, { method: 'POST', body: Readable.from(gen()), headers: { 'content-length': String(TOTAL) }, dispatcher: agent });
  t.equal(await u.body.text(), String(TOTAL));
  clearInterval(sampler);
  const upMb = (Math.max(peak, rssKb(child.pid!)) - rss0) / 1024;
  // uWS 20.56 (the build Node 24 runs) re-reads right after a receive that filled its 512 KiB
  // buffer without checking for a pause() made in onData (uSockets 833497e), so each resume()
  // delivers what the kernel queued in one burst; 20.30 holds the pause. No JS call can stop
  // that loop, so on that build the upload bound is a todo (README "Behaviour worth knowing").
  const leakyPause = /btc-vision/.test(loadUws().build.package);
  t.ok(upMb < 100, `gateway RSS grew ${upMb.toFixed(1)} MB after 200 MB more went up (limit 100 MB)`, leakyPause ? { todo: 'uWS 20.56 does not hold res.pause() after a resume()' } : {});

  // admin endpoints
  const admin = `http://127.0.0.1:${admin_port}`;
  const h = await request(`${admin}/healthz`, { dispatcher: agent });
  t.equal(h.statusCode, 200);
  await h.body.dump();
  const r = await request(`${admin}/readyz`, { dispatcher: agent });
  t.equal(r.statusCode, 200);
  const rz = (await r.body.json()) as { status: string; uws: { package: string; binary: string }; workers: { upstreams: Record<string, string> }[] };
  t.equal(rz.status, 'ready');
  t.match(rz.uws.binary, /^uws_.*\.node$/);
  t.same(rz.workers[0]?.upstreams, { echo: 'closed' });
  const m = await request(`${admin}/metrics`, { dispatcher: agent });
  const text = await m.body.text();
  t.match(text, /regate_build_info\{[^}]*uws_package="@[^"]+"/);
  t.match(text, /regate_requests_total\{route="echo",method="POST",status="200"\} 1/);
  t.match(text, /regate_request_duration_seconds_bucket/);
  await agent.close();

  child.kill('SIGTERM');
  t.equal(await exited(child), 0, 'drained and exited 0 on SIGTERM');
});

t.test('SIGTERM lets an in-flight request finish before exit', async (t) => {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let arrived!: () => void;
  const arrival = new Promise<void>((r) => (arrived = r));
  const up = await startUpstream((_req, res) => {
    arrived();
    void gate.then(() => res.end('finished'));
  });
  const f = writeConfig('drain.yaml', `listen: { host: 127.0.0.1, port: 0 }\nadmin: { enabled: false }\nupstreams:\n  echo: { url: "${up.url}"${clientYaml} }\nroutes:\n  - id: echo\n    match: { path_prefix: /echo }\n    upstream: echo\n`);
  const child = runCli(['start', '--config', f]);
  t.teardown(async () => {
    child.kill('SIGKILL');
    await up.close();
  });
  const { port } = await cliReady(child);
  const body = new Promise<string>((resolve, reject) => {
    http.get(`http://127.0.0.1:${port}/echo/slow`, (res) => {
      let s = '';
      res.on('data', (d) => (s += d));
      res.on('end', () => resolve(s));
    }).on('error', reject);
  });
  await arrival;
  child.kill('SIGTERM');
  release();
  t.equal(await body, 'finished');
  t.equal(await exited(child), 0);
});

/** Can two uWS apps listen on one port with this build (SO_REUSEPORT)? Probed, not assumed. */
async function uwsSharesPorts(): Promise<boolean> {
  const { uws } = loadUws();
  const listen = (app: ReturnType<typeof uws.App>, port: number) =>
    new Promise<us_listen_socket | false>((r) => app.listen('127.0.0.1', port, (ls) => r(ls)));
  const a = uws.App();
  const b = uws.App();
  // A fixed free port: uSockets sets SO_REUSEPORT only when binding a given port.
  const port = await new Promise<number>((r) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => r(p));
    });
  });
  const la = await listen(a, port);
  if (!la) return false;
  const lb = await listen(b, port);
  uws.us_listen_socket_close(la);
  if (lb) uws.us_listen_socket_close(lb);
  return lb !== false;
}

t.test('listen.workers: 2 — one port shared by two uWS threads, or refused with a clear error when the build cannot', async (t) => {
  const up = await startUpstream((_req, res) => res.end('w'));
  const f = writeConfig(
    'workers.yaml',
    `listen: { host: 127.0.0.1, port: 0, workers: 2 }\nadmin: { host: 127.0.0.1, port: 0 }\nupstreams:\n  echo: { url: "${up.url}"${clientYaml} }\nroutes:\n  - id: echo\n    match: { path_prefix: /echo }\n    upstream: echo\n`,
  );
  const child = runCli(['start', '--config', f]);
  t.teardown(async () => {
    child.kill('SIGKILL');
    await up.close();
  });
  if (!(await uwsSharesPorts())) {
    // trufflesuite v20.30: no SO_REUSEPORT, so a second thread cannot join the port.
    let err = '';
    child.stderr?.on('data', (d) => (err += d));
    t.equal(await exited(child), 1);
    t.match(err, /workers\.yaml:1: listen\.workers: 2 workers cannot share port/);
    return;
  }
  const { port, admin_port } = await cliReady(child);
  // fresh connections so the kernel spreads them over both listeners
  for (let i = 0; i < 40; i++) {
    const a = new Agent();
    const r = await request(`http://127.0.0.1:${port}/echo/${i}`, { dispatcher: a });
    t.equal(await r.body.text(), 'w');
    await a.close();
  }
  const agent = new Agent();
  const rz = (await (await request(`http://127.0.0.1:${admin_port}/readyz`, { dispatcher: agent })).body.json()) as { workers: { worker: number }[] };
  t.same(rz.workers.map((w) => w.worker).sort(), [0, 1]);
  const text = await (await request(`http://127.0.0.1:${admin_port}/metrics`, { dispatcher: agent })).body.text();
  t.match(text, /regate_requests_total\{route="echo",method="GET",status="200"\} 40\b/, 'counts of both workers are summed');
  t.match(text, /regate_build_info\{[^}]*worker="1"/);
  await agent.close();
  child.kill('SIGTERM');
  t.equal(await exited(child), 0);
});

// Both policy engines run the example policies end to end: the JS back end and regate's WASM
// modules through @open-policy-agent/opa-wasm.
for (const engine of ['js', 'wasm']) t.test(`regate demo (engine ${engine}) runs the whole stack and every printed curl line gets the status it promises`, async (t) => {
  const child = runCli(['demo', '--port', '0', '--admin-port', '0', '--engine', engine], { REGATE_SPOOL_DIR: await mkdtemp(join(tmpdir(), 'regate-demo-spool-')) });
  t.teardown(() => void child.kill('SIGKILL'));
  let out = '';
  const text = await new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (d) => {
      out += d;
      if (out.includes('Ctrl-C')) resolve(out);
    });
    child.once('exit', (code) => reject(new Error(`demo exited ${code}: ${out}`)));
  });
  const vars = new Map<string, string>();
  for (const m of text.matchAll(/export (\w+)='([^']+)'/g)) vars.set(m[1] as string, m[2] as string);
  t.ok(vars.has('ALICE') && vars.has('BOB'), 'user tokens are printed');
  t.match(text, `policy engine: ${engine}`);
  const lines = text.split('\n').filter((l) => /^\s*curl -si .*# \d{3}\s*$/.test(l));
  t.ok(lines.length >= 7, 'the walk-through has a line per step');
  const agent = new Agent();
  const seen: number[] = [];
  for (const line of lines) {
    const url = /(http:\/\/\S+)/.exec(line)?.[1] as string;
    const expect = Number(/# (\d{3})\s*$/.exec(line)?.[1]);
    const headers: Record<string, string> = {};
    for (const h of line.matchAll(/-H "([^:]+): ([^"]+)"/g)) headers[(h[1] as string).toLowerCase()] = (h[2] as string).replace(/\$(\w+)/g, (_, v: string) => vars.get(v) ?? '');
    const r = await request(url, { headers, dispatcher: agent });
    const body = await r.body.text();
    t.equal(r.statusCode, expect, `${line.trim().replace(/Bearer \$\w+/, 'Bearer …')} → ${body.slice(0, 200)}`);
    seen.push(r.statusCode);
    if (expect === 200 && url.endsWith('/car/insurance')) {
      const b = JSON.parse(body) as { path: string; basic_auth_user: string; authorization_seen: string };
      t.equal(b.path, '/car/alice/get_my_insurance', 'the policy rewrote the path with the user id');
      t.equal(b.basic_auth_user, 'gateway', 'the car API received the gateway\'s basic credentials, not the bearer token');
    }
    if (expect === 200 && url.endsWith('/home/insurance')) t.equal((JSON.parse(body) as Record<string, string>)['x-user-id'], 'bob');
    if (expect === 401) t.match(r.headers['www-authenticate'], /^Bearer/);
    if (expect === 403 && url.endsWith('/orders')) t.match(r.headers['www-authenticate'], /insufficient_scope/);
  }
  t.ok(seen.includes(401) && seen.includes(403) && seen.includes(200), '401 → 403 → 200');
  await agent.close();
  child.kill('SIGTERM');
  t.equal(await exited(child), 0);
});
