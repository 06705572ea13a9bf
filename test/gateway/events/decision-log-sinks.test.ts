/**
 * Decision-log sinks with real parts: the real gateway (startRegate from YAML), a real HTTP
 * receiver that speaks OPA's upload protocol (gunzips, checks the headers and the event shape),
 * and `regate start` as a child process for the console sink (stdout is the product there).
 *
 * - service: 500s then 200s → retried, every event delivered, none duplicated beyond the ones
 *   the failures left unacknowledged (at-least-once), each body under the size limit;
 * - service: receiver down → gateway closed (events spooled) → receiver up → a new gateway on
 *   the same spool delivers them;
 * - console: every stdout line parses, decision events and log lines never share a line.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { cliReady, startUpstream } from '../helpers.js';
import { startGw, until } from '../authz/fixtures.js';
import { startReceiver } from './log-receiver.js';
import { regateCliArgs } from '../../helpers/regate-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'declog-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const up = await startUpstream((_req, res) => res.end('ok'));
t.teardown(() => up.close());

function config(serviceUrl: string, spool: string, more = ''): string {
  return `
listen: { host: 127.0.0.1, port: 0 }
admin: { enabled: false }
upstreams:
  echo: { url: "${up.url}" }
routes:
  - { id: echo, match: { path_prefix: /echo }, upstream: echo }
decision_logs:
  bullmq: false
  service: { url: "${serviceUrl}", spool_dir: "${spool}", timeout_ms: 2000${more} }
  reporting: { min_delay_seconds: 0.05, max_delay_seconds: 0.1, upload_size_limit_bytes: 1024 }
`;
}

/** OPA's EventV1 fields a decision-log consumer reads, as regate fills them. */
function checkShape(t: Test, e: Record<string, unknown>): void {
  t.match(e, {
    decision_id: /^[0-9a-f-]{36}$/,
    req_id: String,
    timestamp: /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z$/,
    path: String,
    input: { request: { method: 'GET' } },
    labels: { id: String, version: String },
    metrics: { timer_server_handler_ns: Number },
  });
}

async function send(url: string, ids: string[]): Promise<void> {
  for (const id of ids) {
    const res = await fetch(`${url}/echo/${id}`, { headers: { 'x-request-id': id } });
    await res.text();
  }
}

t.test('service: 500s then 200s — retried with backoff, every event delivered once or more, bodies under the limit', async (t) => {
  const rcv = await startReceiver({ fail: 3, token: 'tok-1' });
  t.teardown(() => rcv.close());
  const spool = join(dir, 'spool-retry');
  const gw = await startGw(config(rcv.url, spool, ', credentials: { bearer: { token: tok-1 } }'));
  const ids = Array.from({ length: 30 }, (_, i) => `retry-${i}`);
  await send(gw.url, ids);
  t.ok(await until(() => ids.every((id) => rcv.events.some((e) => e.req_id === id)), 400, 25), 'every event arrived');
  await gw.close();
  t.same(rcv.problems, [], 'OPA protocol: POST <url>/logs, gzip, application/json, bearer');
  t.ok(rcv.statuses.filter((s) => s === 500).length === 3 && rcv.statuses.includes(200), 'three failed uploads, then acknowledged ones');
  t.ok(rcv.sizes.every((n) => n <= 1024), `every body at most upload_size_limit_bytes compressed (${Math.max(...rcv.sizes)})`);
  t.ok(rcv.sizes.length > 3 + 1, 'the events took several bodies');
  const ours = rcv.events.filter((e) => ids.includes(e.req_id as string));
  const unique = new Set(ours.map((e) => e.decision_id));
  t.equal(unique.size, ids.length, 'one decision per request');
  // at-least-once: a duplicate can only be an event of a failed upload sent again
  t.ok(ours.length - unique.size <= 30, 'duplicates bounded by the failed uploads');
  for (const e of ours.slice(0, 3)) checkShape(t, e);
  t.equal((ours[0]!.labels as Record<string, string>).version !== 'regate', true, 'labels.version is the release');
});

t.test('service: receiver down, gateway restarted, events delivered from the spool afterwards', async (t) => {
  // a port that is closed now and free again later
  const probe = await startReceiver();
  const port = probe.port;
  await probe.close();
  const url = `http://127.0.0.1:${port}/v1`;
  const spool = join(dir, 'spool-restart');
  const gw1 = await startGw(config(url, spool));
  const ids = Array.from({ length: 12 }, (_, i) => `restart-${i}`);
  await send(gw1.url, ids);
  await gw1.close();
  t.ok(existsSync(spool) && readdirSync(spool).some((f) => /\.(jsonl|replay)$/.test(f)), 'the unacknowledged events are on disk');

  const rcv = await startReceiver({ port });
  t.teardown(() => rcv.close());
  const gw2 = await startGw(config(url, spool));
  t.ok(await until(() => ids.every((id) => rcv.events.some((e) => e.req_id === id)), 400, 25), 'the new gateway delivered the old events');
  await gw2.close();
  t.same(rcv.problems, []);
  t.equal(new Set(rcv.events.map((e) => e.decision_id)).size, ids.length, 'no event lost, none doubled');
  t.equal(readdirSync(spool).filter((f) => /\.(jsonl|replay)$/.test(f)).length, 0, 'the spool is empty once delivered');
});

t.test('console: each decision is one JSON line on stdout, never mixed with log lines', async (t) => {
  const cfg = join(dir, 'console.yaml');
  writeFileSync(cfg, `listen: { host: 127.0.0.1, port: 0 }\nadmin: { enabled: false }\nlog: { access: true }\nupstreams:\n  echo: { url: "${up.url}" }\nroutes:\n  - { id: echo, match: { path_prefix: /echo }, upstream: echo }\ndecision_logs: { bullmq: false, console: true }\n`);
  const child = spawn(process.execPath, [...regateCliArgs(), 'start', '--config', cfg], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.teardown(() => void child.kill('SIGKILL'));
  let out = '';
  child.stdout?.on('data', (d) => (out += d));
  const { port } = await cliReady(child);
  const ids = Array.from({ length: 40 }, (_, i) => `console-${i}`);
  // concurrent requests: access-log lines and decision lines are written in the same turns
  await Promise.all(ids.map((id) => fetch(`http://127.0.0.1:${port}/echo/${id}`, { headers: { 'x-request-id': id } }).then((r) => r.text())));
  child.kill('SIGTERM');
  t.equal(await new Promise((r) => child.once('exit', r)), 0);
  const lines = out.split('\n').filter((l) => l !== '');
  const parsed = lines.map((l) => {
    try {
      return JSON.parse(l) as Record<string, unknown>;
    } catch {
      return null;
    }
  });
  t.equal(parsed.filter((p) => p === null).length, 0, 'every stdout line is one JSON document');
  const decisions = parsed.filter((p): p is Record<string, unknown> => p !== null && 'decision_id' in p);
  t.same(decisions.map((d) => d.req_id).sort(), [...ids].sort(), 'one decision line per request');
  t.ok(decisions.every((d) => !('msg' in d) && !('level' in d)), 'no decision line carries a log record');
  t.ok(parsed.some((p) => p !== null && p.msg === 'regate ready'), 'log lines are there too');
  checkShape(t, decisions[0]!);
});
