// A Sentinel URL: the emitter, the consumer and the limiter find the master through Sentinel.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { createAuditConsumer } from '../../../src/consumer/index.js';
import { createEventEmitter } from '../../../src/gateway/events/index.js';
import { createRateLimitStage } from '../../../src/gateway/ratelimit/index.js';
import { startRedisSentinel, startRedisServer } from '../../helpers/redis-server.js';
import { makeCtx, quietDeps, waitFor } from './fixtures.js';
import { configSections } from '../../helpers/config-sections.js';

t.test('events and rate limits through Redis Sentinel', async (t) => {
  const master = await startRedisServer();
  const sentinel = await startRedisSentinel(master);
  const spool = mkdtempSync(join(tmpdir(), 'regate-spool-'));
  t.teardown(async () => {
    await sentinel.stop();
    await master.stop();
    rmSync(spool, { recursive: true, force: true });
  });
  const em = createEventEmitter(configSections({ redis: { url: sentinel.url }, events: { spool_dir: spool, flush_ms: 5 } }), quietDeps());
  const got = new Set<string>();
  const consumer = createAuditConsumer({ redis: sentinel.url, handler: (e) => void got.add(e.decision_id) });
  const rl = createRateLimitStage(configSections({ redis: { url: sentinel.url }, ratelimit: { timeout_ms: 2000, leases: { enabled: false } } }), { ...quietDeps(), emitter: em });
  t.teardown(async () => {
    await rl.close();
    await consumer.close();
    await em.close();
  });
  t.ok(await waitFor(() => em.stats().redis === 'ready' && rl.stats().redis === 'ready', 15000), 'connected via sentinel');
  const ids = Array.from({ length: 20 }, () => em.emitAudit(makeCtx()));
  await em.flush();
  t.ok(await waitFor(() => ids.every((id) => got.has(id)), 20000), 'consumed');
  const c = makeCtx();
  c.decision!.rate_limit = [{ key: 'k', limit: 5, window_s: 60 }];
  await rl.run(c);
  t.equal(rl.stats().redisCalls, 1);
  t.equal(rl.stats().fallbacks, 0);
  t.equal(await master.cli('EXISTS', '{regate}:rl:k:5:60'), '1', 'the bucket lives on the master Sentinel named');
});
