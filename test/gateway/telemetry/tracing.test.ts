/**
 * OpenTelemetry end to end (README "Telemetry"): a real gateway (JWT, Rego policy, Redis rate
 * limit, audit events to Redis) in front of a real upstream, exporting to a real OTLP/HTTP
 * receiver. The upstream's `traceparent` must name the gateway's upstream span; the spans,
 * the access log line and the audit event must carry the same ids; sampling 0 and telemetry off
 * must leave the client's `traceparent` alone and export nothing.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import pino from 'pino';
import { Registry } from 'prom-client';
import t from 'tap';
import { request } from 'undici';
import { createAuditConsumer, type AuditEvent } from '../../../src/consumer/index.js';
import { loadConfigText } from '../../../src/gateway/config/load.js';
import { buildStages } from '../../../src/gateway/pipeline/stages.js';
import { createGateway } from '../../../src/gateway/server/gateway.js';
import { startUpstream, type Upstream } from '../helpers.js';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from './otlp-receiver.js';

const REDIS = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const CLIENT_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const CLIENT_SPAN = '00f067aa0ba902b7';

async function until(what: string, ok: () => boolean, ms = 10_000): Promise<void> {
  for (let waited = 0; !ok(); waited += 25) {
    if (waited >= ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

interface Stack {
  url: string;
  up: Upstream;
  token: string;
  logs: Record<string, unknown>[];
  registry: Registry;
  flush(): Promise<void>;
  prefix: string;
  close(): Promise<void>;
}

/** gateway with every stage, telemetry as given (YAML fragment, '' = off) */
async function startStack(telemetryYaml: string): Promise<Stack> {
  const dir = mkdtempSync(join(tmpdir(), 'regate-otel-'));
  writeFileSync(join(dir, 'gw.rego'), 'package gateway\n\ndefault decision := false\n\ndecision := true if input.token.sub == "alice"\n');
  const { publicKey, privateKey } = await generateKeyPair('ES256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256' };
  const token = await new SignJWT({ sub: 'alice', scope: 'read' }).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).setIssuer('https://idp.test').setAudience('api').setIssuedAt().setExpirationTime('5m').sign(privateKey);
  const up = await startUpstream((_req, res) => res.end('hello'));
  const prefix = `otel${process.pid}${Math.floor(Math.random() * 1e6)}`;
  const config = loadConfigText(
    `listen: { host: 127.0.0.1, port: 0 }
admin: { enabled: false }
log: { access: true }
upstreams: { echo: { url: "${up.url}", timeout_ms: 2000 } }
tokens: { jwt: { keys: [${JSON.stringify(jwk)}], issuer: "https://idp.test", audience: api, algorithms: [ES256] } }
policies: { dir: ${dir}, engine: js }
redis: { url: "${REDIS}", prefix: ${prefix} }
events: { spool_dir: "${join(dir, 'spool')}", flush_ms: 5 }
ratelimit:
  key_prefix: "{${prefix}}:rl:"
  timeout_ms: 2000
  routes:
    echo: [{ key: "sub:{sub}", limit: 1000, window_s: 60 }]
${telemetryYaml}
routes:
  - { id: echo, match: { path_prefix: /echo }, upstream: echo, auth: jwt, policy: gateway/decision }
`,
    { file: join(dir, 'regate.yaml'), env: {} },
  );
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim() !== '') logs.push(JSON.parse(line) as Record<string, unknown>);
      cb();
    },
  });
  const logger = pino({ level: 'info' }, sink);
  const registry = new Registry();
  const built = await buildStages(config, { logger, registry });
  const gw = createGateway({ config, logger, registry, stages: built.stages, ...(built.onComplete ? { onComplete: built.onComplete } : {}), ...(built.telemetry ? { telemetry: built.telemetry } : {}) });
  const port = await gw.listen(0);
  return {
    url: `http://127.0.0.1:${port}`,
    up,
    token,
    logs,
    registry,
    prefix,
    flush: async () => {
      await built.telemetry?.flush();
    },
    async close() {
      await gw.close(1000);
      await built.close();
      await up.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function exportedCount(registry: Registry, result: 'success' | 'failure'): Promise<number> {
  const m = await registry.getSingleMetric('regate_telemetry_spans_exported_total')?.get();
  return m?.values.find((v) => v.labels['result'] === result)?.value ?? -1;
}

function traceparentsSeen(up: Upstream, i: number): string[] {
  const raw = up.seen[i]?.rawHeaders ?? [];
  const out: string[] = [];
  for (let k = 0; k + 1 < raw.length; k += 2) if ((raw[k] as string).toLowerCase() === 'traceparent') out.push(raw[k + 1] as string);
  return out;
}

t.test('a proxied request is traced: server span, stage spans, upstream client span named by the upstream traceparent', async (t) => {
  const otlp: OtlpReceiver = await startOtlpReceiver();
  const s = await startStack(`telemetry: { otlp_endpoint: "${otlp.url}", sample_ratio: 1, service_name: regate-test }`);
  const audit: AuditEvent[] = [];
  const consumer = createAuditConsumer({ redis: REDIS, prefix: s.prefix, handler: (e) => void audit.push(e) });
  t.teardown(async () => {
    await consumer.close();
    await s.close();
    await otlp.close();
  });

  // 1. with the client's sampled trace and a tracestate
  const r1 = await request(`${s.url}/echo/a?x=1`, {
    headers: { authorization: `Bearer ${s.token}`, traceparent: `00-${CLIENT_TRACE}-${CLIENT_SPAN}-01`, tracestate: 'vendor=abc', 'user-agent': 'otel-test/1' },
  });
  t.equal(r1.statusCode, 200);
  t.equal(await r1.body.text(), 'hello');
  // 2. without a trace: the gateway starts one (ratio 1)
  const r2 = await request(`${s.url}/echo/b`, { headers: { authorization: `Bearer ${s.token}` } });
  t.equal(r2.statusCode, 200);
  await r2.body.dump();
  // 3. a refused request: authenticate fails, no upstream span
  const r3 = await request(`${s.url}/echo/c`, { headers: { authorization: 'Bearer nope' } });
  t.equal(r3.statusCode, 401);
  await r3.body.dump();

  await s.flush();
  await until('spans of three requests', () => otlp.spans.filter((x) => x.kind === 2).length >= 3);
  t.match(otlp.contentTypes[0], /application\/json/, 'OTLP/HTTP JSON');
  const spans = otlp.spans;
  t.equal(spans[0]?.resource['service.name'], 'regate-test');

  // -- request 1
  const tp1 = traceparentsSeen(s.up, 0);
  t.equal(tp1.length, 1, 'the upstream got one traceparent (replaced, not appended)');
  const m1 = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/.exec(tp1[0] ?? '');
  t.ok(m1, `upstream traceparent ${tp1[0]}`);
  t.equal(m1?.[1], CLIENT_TRACE, 'same trace as the client');
  t.not(m1?.[2], CLIENT_SPAN, 'parent is no longer the client span');
  t.equal(s.up.seen[0]?.headers['tracestate'], 'vendor=abc', 'tracestate travels on');
  const server1 = spans.find((x) => x.kind === 2 && x.traceId === CLIENT_TRACE) as ReceivedSpan;
  t.ok(server1, 'server span in the client trace');
  t.equal(server1.parentSpanId, CLIENT_SPAN, 'server span is a child of the client span');
  t.equal(server1.name, 'GET echo');
  t.match(server1.attributes, {
    'http.request.method': 'GET',
    'url.path': '/echo/a',
    'http.route': 'echo',
    'http.response.status_code': 200,
    'server.address': '127.0.0.1',
    'user_agent.original': 'otel-test/1',
    'network.protocol.version': '1.1',
  });
  const children = spans.filter((x) => x.traceId === CLIENT_TRACE && x.parentSpanId === server1.spanId);
  t.same(children.map((x) => x.name).sort(), ['GET', 'authenticate', 'authorize', 'ratelimit'], 'children: the three stages and the upstream call');
  const upstream1 = children.find((x) => x.kind === 3) as ReceivedSpan;
  t.equal(upstream1.spanId, m1?.[2], "the upstream's traceparent names the gateway's upstream span");
  t.match(upstream1.attributes, { 'server.address': '127.0.0.1', 'server.port': s.up.port, 'http.response.status_code': 200, 'http.request.method': 'GET' });

  // -- request 2: a new trace, same shape
  const m2 = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/.exec(traceparentsSeen(s.up, 1)[0] ?? '');
  t.ok(m2);
  const server2 = spans.find((x) => x.kind === 2 && x.traceId === m2?.[1]) as ReceivedSpan;
  t.ok(server2, 'the gateway started a trace and the upstream is in it');
  t.equal(server2.parentSpanId, '', 'a root span');
  t.equal(spans.find((x) => x.spanId === m2?.[2])?.parentSpanId, server2.spanId);

  // -- request 3: refused in authenticate
  const server3 = spans.find((x) => x.kind === 2 && x.attributes['http.response.status_code'] === 401) as ReceivedSpan;
  t.ok(server3);
  const authn3 = spans.find((x) => x.parentSpanId === server3.spanId && x.name === 'authenticate');
  t.match(authn3?.attributes, { 'error.type': 'GW_ERR_TOKEN_INVALID' });
  t.notOk(spans.some((x) => x.parentSpanId === server3.spanId && x.kind === 3), 'no upstream span');
  t.equal(s.up.seen.length, 2);

  // every exported span is counted
  t.equal(await exportedCount(s.registry, 'success'), spans.length, 'regate_telemetry_spans_exported_total{result="success"}');

  // access log lines name the same ids
  const access = s.logs.filter((l) => l['msg'] === 'request');
  const a1 = access.find((l) => l['path'] === '/echo/a') as Record<string, unknown>;
  t.match(a1, { trace_id: CLIENT_TRACE, span_id: server1.spanId, status: 200, upstream: 'echo', user_agent: 'otel-test/1', bytes_out: 5, bytes_in: 0 });
  t.type(a1['duration_ms'], 'number');

  // audit events too (OPA's trace_id / span_id)
  await until('audit events', () => audit.length >= 3);
  const e1 = audit.find((e) => (e.input as { request: { path: string } }).request.path === '/echo/a') as AuditEvent;
  t.equal(e1.trace_id, CLIENT_TRACE);
  t.equal(e1.span_id, server1.spanId);
  t.equal(e1.req_id, (e1.input as { request: { id: string } }).request.id);
});

t.test('sample_ratio 0: nothing exported, the client traceparent passes through unchanged', async (t) => {
  const otlp = await startOtlpReceiver();
  const s = await startStack(`telemetry: { otlp_endpoint: "${otlp.url}/v1/traces", sample_ratio: 0 }`);
  t.teardown(async () => {
    await s.close();
    await otlp.close();
  });
  const client = `00-${CLIENT_TRACE}-${CLIENT_SPAN}-00`;
  const r1 = await request(`${s.url}/echo/a`, { headers: { authorization: `Bearer ${s.token}`, traceparent: client } });
  t.equal(r1.statusCode, 200);
  await r1.body.dump();
  const r2 = await request(`${s.url}/echo/b`, { headers: { authorization: `Bearer ${s.token}` } });
  t.equal(r2.statusCode, 200);
  await r2.body.dump();
  await s.flush();
  t.same(traceparentsSeen(s.up, 0), [client], 'unchanged');
  t.same(traceparentsSeen(s.up, 1), [], 'none invented for an unsampled request');
  t.equal(otlp.posts, 0, 'no export');
  t.equal(otlp.spans.length, 0);
  const a1 = s.logs.find((l) => l['msg'] === 'request' && l['path'] === '/echo/a');
  t.equal(a1?.['trace_id'], CLIENT_TRACE, "an unsampled request logs the client's trace id");
  t.notOk(a1 && 'span_id' in a1);

  // parent-based: a client that sampled its trace is followed whatever the ratio
  const r3 = await request(`${s.url}/echo/c`, { headers: { authorization: `Bearer ${s.token}`, traceparent: `00-${CLIENT_TRACE}-${CLIENT_SPAN}-01` } });
  t.equal(r3.statusCode, 200);
  await r3.body.dump();
  await s.flush();
  await until('the sampled client trace', () => otlp.spans.some((x) => x.kind === 2));
  const tp = traceparentsSeen(s.up, 2);
  t.equal(tp.length, 1);
  t.not(tp[0], `00-${CLIENT_TRACE}-${CLIENT_SPAN}-01`, 'replaced by the gateway span');
  t.ok(otlp.spans.some((x) => x.kind === 3 && tp[0] === `00-${CLIENT_TRACE}-${x.spanId}-01`), 'names the exported upstream span');
});

t.test('telemetry off: the client traceparent passes through, no trace fields', async (t) => {
  const s = await startStack('');
  t.teardown(() => s.close());
  const client = `00-${CLIENT_TRACE}-${CLIENT_SPAN}-01`;
  const r = await request(`${s.url}/echo/a`, { headers: { authorization: `Bearer ${s.token}`, traceparent: client, tracestate: 'a=b' } });
  t.equal(r.statusCode, 200);
  await r.body.dump();
  t.same(traceparentsSeen(s.up, 0), [client]);
  t.equal(s.up.seen[0]?.headers['tracestate'], 'a=b');
  const a = s.logs.find((l) => l['msg'] === 'request');
  t.ok(a);
  t.notOk(a && 'trace_id' in a);
});

t.test('a collector that refuses: spans counted as failed, a warning, requests unaffected', async (t) => {
  const otlp = await startOtlpReceiver(400);
  const s = await startStack(`telemetry: { otlp_endpoint: "${otlp.url}" }`);
  t.teardown(async () => {
    await s.close();
    await otlp.close();
  });
  const r = await request(`${s.url}/echo/a`, { headers: { authorization: `Bearer ${s.token}` } });
  t.equal(r.statusCode, 200);
  await r.body.dump();
  await s.flush();
  await until('the failed export', () => otlp.posts > 0);
  // the exporter reports after the response to its post: poll the counter (bounded)
  let failed = 0;
  for (let i = 0; i < 200 && failed === 0; i++) {
    failed = await exportedCount(s.registry, 'failure');
    if (failed === 0) await new Promise((r) => setTimeout(r, 25));
  }
  t.equal(failed, 5, "the request's five spans are counted as lost");
  t.equal(await exportedCount(s.registry, 'success'), 0);
  t.ok(s.logs.some((l) => l['level'] === 40 && String(l['msg']).startsWith('telemetry: span export failed')), 'a warning');
});
