/**
 * The operator metrics, scraped from a real gateway's admin /metrics (startRegate: uWS, the
 * authorize stage over a real policy, events to Redis, the admin listener): process and Node.js
 * metrics under `regate_`, per-upstream latency and status class (an answering upstream and a
 * dead one), allow/deny per route and reason, policy latency, events queue and spool gauges.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import pino from 'pino';
import t from 'tap';
import { request } from 'undici';
import { loadConfigText } from '../../../src/gateway/config/load.js';
import { startRegate } from '../../../src/gateway/server/run.js';
import { startUpstream } from '../helpers.js';

const REDIS = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';

/** a port nobody listens on (bound, then closed) */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

/** the value of one series in Prometheus text, or undefined */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$/.exec(line);
    if (m === null || m[1] !== name) continue;
    const got: Record<string, string> = {};
    for (const p of (m[2] ?? '').slice(1, -1).matchAll(/([a-zA-Z_]+)="([^"]*)"/g)) got[p[1] as string] = p[2] as string;
    if (Object.entries(labels).every(([k, v]) => got[k] === v)) return Number(m[3]);
  }
  return undefined;
}

t.test('/metrics has the operator metrics', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'regate-metrics-'));
  writeFileSync(join(dir, 'gw.rego'), 'package gateway\n\ndefault decision := true\n\ndecision := false if contains(input.request.path, "deny")\n');
  const up = await startUpstream((req, res) => {
    res.statusCode = req.url?.includes('missing') ? 404 : 200;
    res.end('ok');
  });
  const dead = await closedPort();
  const prefix = `metrics${process.pid}`;
  const config = loadConfigText(
    `listen: { host: 127.0.0.1, port: 0 }
admin: { host: 127.0.0.1, port: 0 }
upstreams:
  echo: { url: "${up.url}", timeout_ms: 2000 }
  dead: { url: "http://127.0.0.1:${dead}", timeout_ms: 1000, connect_timeout_ms: 500 }
policies: { dir: ${dir}, engine: js }
redis: { url: "${REDIS}", prefix: ${prefix} }
events: { spool_dir: "${join(dir, 'spool')}", flush_ms: 5 }
routes:
  - { id: echo, match: { path_prefix: /echo }, upstream: echo, policy: gateway/decision }
  - { id: gone, match: { path_prefix: /gone }, upstream: dead }
`,
    { file: join(dir, 'regate.yaml'), env: {} },
  );
  const running = await startRegate(config, pino({ level: 'silent' }));
  t.teardown(async () => {
    await running.close();
    await up.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const gw = `http://127.0.0.1:${running.port}`;
  const statuses: number[] = [];
  for (const p of ['/echo/a', '/echo/b', '/echo/missing', '/echo/deny', '/gone/x']) {
    const r = await request(gw + p);
    statuses.push(r.statusCode);
    await r.body.dump();
  }
  // a deny without a token asks the caller to authenticate (RFC 6750 §3): 401
  t.same(statuses, [200, 200, 404, 401, 502]);

  const res = await request(`http://127.0.0.1:${running.adminPort}/metrics`);
  t.equal(res.statusCode, 200);
  const text = await res.body.text();

  // prom-client's default metrics, once, under the regate_ prefix
  for (const name of ['regate_process_cpu_user_seconds_total', 'regate_process_resident_memory_bytes', 'regate_nodejs_eventloop_lag_seconds', 'regate_nodejs_heap_size_used_bytes']) {
    t.ok(sample(text, name) !== undefined, name);
  }
  t.notOk(/^process_cpu_user_seconds_total/m.test(text), 'no unprefixed default metrics');

  // per upstream: duration and status class
  t.equal(sample(text, 'regate_upstream_request_duration_seconds_count', { upstream: 'echo' }), 3);
  t.equal(sample(text, 'regate_upstream_responses_total', { upstream: 'echo', status_class: '2xx' }), 2);
  t.equal(sample(text, 'regate_upstream_responses_total', { upstream: 'echo', status_class: '4xx' }), 1);
  t.equal(sample(text, 'regate_upstream_responses_total', { upstream: 'dead', status_class: 'error' }), 1, 'no answer: class error');
  t.equal(sample(text, 'regate_upstream_request_duration_seconds_count', { upstream: 'dead' }), 1);

  // decisions per route and reason
  t.equal(sample(text, 'regate_decisions_total', { route: 'echo', result: 'allow', reason: 'allowed' }), 3);
  t.equal(sample(text, 'regate_decisions_total', { route: 'echo', result: 'deny', reason: 'GW_ERR_POLICY_DENIED_UNAUTHENTICATED' }), 1);
  t.equal(sample(text, 'regate_decisions_total', { route: 'gone', result: 'allow', reason: 'allowed' }), 1, 'an upstream failure is not a deny');

  // policy latency: one observation per decision
  t.equal(sample(text, 'regate_policy_evaluation_duration_seconds_count', { route: 'echo' }), 4);
  t.ok((sample(text, 'regate_policy_evaluation_duration_seconds_sum', { route: 'echo' }) ?? -1) > 0);

  // events: queue depth, in-flight batches, spool size (read at scrape time)
  t.ok(sample(text, 'regate_events_queue_depth', { queue: 'audit' }) !== undefined, 'queue depth');
  t.ok(sample(text, 'regate_events_inflight_batches') !== undefined, 'in-flight batches');
  // (not asserted 0: events of requests made before the producer connected go to the spool first)
  t.ok((sample(text, 'regate_events_spool_bytes') ?? -1) >= 0, 'spool size');

  // bounded cardinality: no series names a path or a client value
  t.notOk(/\/echo\/|missing|deny"/.test(text.split('\n').filter((l) => l.startsWith('regate_') && !l.startsWith('regate_decisions_total')).join('\n')), 'no request values in labels');
});

t.test('with worker threads, /metrics sums the workers and has the process metrics once', async (t) => {
  const up = await startUpstream((_req, res) => res.end('ok'));
  const config = loadConfigText(
    `listen: { host: 127.0.0.1, port: 0, workers: 2 }
admin: { host: 127.0.0.1, port: 0 }
upstreams: { echo: { url: "${up.url}", timeout_ms: 2000 } }
routes: [ { id: echo, match: { path_prefix: /echo }, upstream: echo } ]
`,
    { file: join(tmpdir(), 'metrics-workers.yaml'), env: {} },
  );
  const running = await startRegate(config, pino({ level: 'silent' }));
  t.teardown(async () => {
    await running.close();
    await up.close();
  });
  for (let i = 0; i < 6; i++) {
    const r = await request(`http://127.0.0.1:${running.port}/echo/${i}`, { reset: true });
    await r.body.dump();
  }
  const text = await (await request(`http://127.0.0.1:${running.adminPort}/metrics`)).body.text();
  t.equal(sample(text, 'regate_upstream_responses_total', { upstream: 'echo', status_class: '2xx' }), 6, 'summed over workers');
  t.equal(text.split('\n').filter((l) => l.startsWith('regate_process_cpu_user_seconds_total ')).length, 1, 'process CPU once');
  t.ok((sample(text, 'regate_process_resident_memory_bytes') ?? 0) > 1e6);
  for (const w of ['0', '1']) t.ok(sample(text, 'regate_worker_eventloop_delay_seconds', { worker: w, quantile: '0.99' }) !== undefined, `worker ${w}'s event-loop delay`);
});
