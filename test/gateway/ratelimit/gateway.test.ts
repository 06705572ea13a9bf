// Two real gateways (uWS, config loader, buildStages, proxy) sharing one Redis: the limit holds
// across them, 429s carry the headers, and the audit + rate-limit events reach the queues.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import pino from 'pino';
import { Registry } from 'prom-client';
import t from 'tap';
import { createAuditConsumer, createRateLimitConsumer } from '../../../src/consumer/index.js';
import type { AuditEvent, RateLimitEvent } from '../../../src/consumer/index.js';
import { loadConfigText } from '../../../src/gateway/config/load.js';
import { buildStages } from '../../../src/gateway/pipeline/stages.js';
import { createGateway } from '../../../src/gateway/server/gateway.js';
import { startUpstream } from '../helpers.js';
import { uniquePrefix, waitFor } from '../events/fixtures.js';

const URL = 'redis://127.0.0.1:6379';

t.test('two gateways share one limit through Redis', async (t) => {
  const up = await startUpstream();
  const prefix = uniquePrefix('gw');
  const spool = mkdtempSync(join(tmpdir(), 'regate-spool-'));
  const yaml = `
listen: { host: 127.0.0.1, port: 0 }
admin: { enabled: false }
upstreams:
  echo: { url: ${up.url}, timeout_ms: 2000, connect_timeout_ms: 500 }
routes:
  - id: echo
    match: { path_prefix: /echo }
    upstream: echo
redis: { url: "${URL}", prefix: ${prefix} }
events: { spool_dir: "${spool}", flush_ms: 5 }
ratelimit:
  key_prefix: "{${prefix}}:rl:"
  timeout_ms: 5000
  routes:
    echo: [{ key: "ip:{remote_addr}", limit: 20, window_s: 3600 }]
`;
  const gws: { url: string; close(): Promise<void>; limiter: { stats(): { redis: string } } }[] = [];
  for (let i = 0; i < 2; i++) {
    const config = loadConfigText(yaml, { file: 'test.yaml', env: {} });
    const deps = { logger: pino({ level: 'silent' }), registry: new Registry() };
    const built = await buildStages(config, deps);
    const gw = createGateway({ config, ...deps, stages: built.stages, onComplete: built.onComplete });
    const port = await gw.listen(0);
    const limiter = built.stages.find((s) => s.name === 'ratelimit') as unknown as { stats(): { redis: string } };
    gws.push({ url: `http://127.0.0.1:${port}`, limiter, close: async () => { await gw.close(1000); await built.close(); } });
  }
  const audit = new Map<string, AuditEvent>();
  const rl: RateLimitEvent[] = [];
  const ca = createAuditConsumer({ redis: URL, prefix, handler: (e) => void audit.set(e.decision_id, e) });
  const cr = createRateLimitConsumer({ redis: URL, prefix, handler: (e) => void rl.push(e) });
  t.teardown(async () => {
    for (const g of gws) await g.close();
    await ca.close();
    await cr.close();
    await up.close();
    const r = new Redis(URL);
    const keys = [...(await r.keys(`${prefix}:*`)), ...(await r.keys(`{${prefix}}:*`))];
    if (keys.length) await r.del(...keys);
    r.disconnect();
    rmSync(spool, { recursive: true, force: true });
  });
  // both limiters connected (else the first requests would use the local fallback)
  t.ok(await waitFor(() => gws.every((g) => g.limiter.stats().redis === 'ready'), 10000));

  const results: { status: number; headers: Headers; body: string }[] = [];
  // 60 requests, 6 at a time, alternating gateways
  for (let round = 0; round < 10; round++) {
    results.push(
      ...(await Promise.all(
        Array.from({ length: 6 }, async (_, i) => {
          const res = await fetch(`${gws[(round * 6 + i) % 2]!.url}/echo/x`);
          return { status: res.status, headers: res.headers, body: await res.text() };
        }),
      )),
    );
  }
  const ok = results.filter((r) => r.status === 200);
  const limited = results.filter((r) => r.status === 429);
  t.equal(ok.length, 20, 'exactly the limit admitted across both gateways');
  t.equal(limited.length, 40);
  t.equal(ok[0]!.headers.get('ratelimit-policy'), '"b0";q=20;w=3600');
  t.match(ok[0]!.headers.get('ratelimit'), /^"b0";r=\d+;t=\d+$/);
  const l = limited[0]!;
  t.equal(JSON.parse(l.body).error, 'GW_ERR_RATE_LIMITED');
  t.ok(Number(l.headers.get('retry-after')) >= 1);
  t.equal(l.headers.get('ratelimit-policy'), '"b0";q=20;w=3600');
  t.match(l.headers.get('ratelimit'), /^"b0";r=0;t=\d+$/);

  t.ok(await waitFor(() => audit.size === 60 && rl.filter((e) => e.type === 'limit_exceeded').length === 40, 20000), 'events consumed');
  const exceeded = rl.filter((e) => e.type === 'limit_exceeded');
  const limitedAudit = [...audit.values()].filter((e) => e.gateway.rate_limited);
  t.equal(limitedAudit.length, 40);
  t.ok(limitedAudit.every((e) => e.gateway.status === 429 && e.gateway.error === 'GW_ERR_RATE_LIMITED'));
  t.same(new Set(exceeded.map((e) => e.decision_id)), new Set(limitedAudit.map((e) => e.decision_id)), 'limit_exceeded events name the audit decision');
  t.match(exceeded[0], { key: 'ip:127.0.0.1', limit: 20, window_s: 3600, route: 'echo', remaining: 0 });
});
