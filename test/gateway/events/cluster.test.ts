// Redis Cluster: events through BullMQ with the hash-tagged prefix, the consumer, and the
// multi-bucket GCRA script (all rate-limit keys share the `{regate}` tag, hence one slot).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { createAuditConsumer } from '../../../src/consumer/index.js';
import { GatewayError } from '../../../src/gateway/errors.js';
import { createEventEmitter } from '../../../src/gateway/events/index.js';
import { createRateLimitStage } from '../../../src/gateway/ratelimit/index.js';
import { startRedisCluster } from '../../helpers/redis-server.js';
import { makeCtx, quietDeps, waitFor } from './fixtures.js';
import { configSections } from '../../helpers/config-sections.js';

t.test('events and rate limits on a 3-node Redis Cluster', async (t) => {
  const cluster = await startRedisCluster();
  const spool = mkdtempSync(join(tmpdir(), 'regate-spool-'));
  t.teardown(async () => {
    await cluster.stop();
    rmSync(spool, { recursive: true, force: true });
  });
  const em = createEventEmitter(configSections({ redis: { url: cluster.url, command_timeout_ms: 10000 }, events: { spool_dir: spool, flush_ms: 5, batch_size: 50 } }), quietDeps());
  const got = new Set<string>();
  const consumer = createAuditConsumer({ redis: cluster.url, handler: (e) => void got.add(e.decision_id) });
  const rl = createRateLimitStage(configSections({ redis: { url: cluster.url }, ratelimit: { timeout_ms: 2000, leases: { enabled: false } } }), { ...quietDeps(), emitter: em });
  t.teardown(async () => {
    await rl.close();
    await consumer.close();
    await em.close();
  });
  t.ok(await waitFor(() => em.stats().redis === 'ready' && rl.stats().redis === 'ready', 15000), 'connected to the cluster');
  const ids = Array.from({ length: 200 }, () => em.emitAudit(makeCtx()));
  await em.flush();
  t.ok(await waitFor(() => ids.every((id) => got.has(id)), 20000), 'all audit events consumed through the cluster');
  t.equal(em.stats().spooled, 0, 'sent directly, not via the spool');

  const outs: string[] = [];
  for (let i = 0; i < 4; i++) {
    const c = makeCtx();
    c.decision!.rate_limit = [{ key: 'user:a', limit: 100, window_s: 60 }, { key: 'client:b', limit: 3, window_s: 60 }];
    try {
      await rl.run(c);
      outs.push('ok');
    } catch (err) {
      outs.push((err as GatewayError).code);
    }
  }
  t.same(outs, ['ok', 'ok', 'ok', 'GW_ERR_RATE_LIMITED'], 'two buckets in one script call on the cluster');
  t.equal(rl.stats().fallbacks, 0);
});
