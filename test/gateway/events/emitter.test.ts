import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import t from 'tap';
import { createEventEmitter } from '../../../src/gateway/events/index.js';
import type { AuditEvent, RateLimitEvent } from '../../../src/gateway/events/index.js';
import { createAuditConsumer, createRateLimitConsumer } from '../../../src/consumer/index.js';
import { makeCtx, quietDeps, uniquePrefix, waitFor } from './fixtures.js';
import { configSections } from '../../helpers/config-sections.js';

const URL = 'redis://127.0.0.1:6379';

t.test('audit and rate-limit events reach their queues in batches', async (t) => {
  const prefix = uniquePrefix('em');
  const spool = mkdtempSync(join(tmpdir(), 'regate-spool-'));
  const deps = quietDeps();
  // a generous command timeout: on a loaded machine a slow add would (correctly) spool, and this
  // test is about the direct path
  const em = createEventEmitter(configSections({ redis: { url: URL, prefix, command_timeout_ms: 10000 }, events: { spool_dir: spool, batch_size: 100, flush_ms: 5 } }), deps);
  const got = new Map<string, AuditEvent>();
  const jobs = new Set<string>();
  const rl: RateLimitEvent[] = [];
  const c = createAuditConsumer({ redis: URL, prefix, handler: (e, meta) => { got.set(e.decision_id, e); jobs.add(meta.jobId!); } });
  const c2 = createRateLimitConsumer({ redis: URL, prefix, handler: (e) => { rl.push(e); } });
  t.teardown(async () => {
    await c.close();
    await c2.close();
    await em.close();
    const r = new Redis(URL);
    const keys = await r.keys(`${prefix}:*`);
    if (keys.length) await r.del(...keys);
    r.disconnect();
    rmSync(spool, { recursive: true, force: true });
  });
  // let the producer connect so nothing goes to the spool on this happy path
  t.ok(await waitFor(() => em.stats().redis === 'ready', 5000));

  const ids: string[] = [];
  for (let i = 0; i < 1050; i++) ids.push(em.emitAudit(makeCtx({ status: 200 + (i % 3) })));
  const rid = em.emitRateLimit({ type: 'limit_exceeded', key: 'user:u1', limit: 5, window_s: 60, remaining: 0, route: 'r', client_id: 'c', sub: 'u1', decision_id: ids[0]! });
  await em.flush();
  t.ok(await waitFor(() => got.size === ids.length && rl.length === 1), 'all events consumed');
  t.same(new Set(got.keys()), new Set(ids));
  t.ok(jobs.size >= 11 && jobs.size < 100, `batched: ${jobs.size} jobs for ${ids.length} events`);
  t.equal(rl[0]!.event_id, rid);
  t.match(rl[0]!.timestamp, /Z$/);
  const st = em.stats();
  t.equal(st.emitted, 1051);
  t.equal(st.sent, 1051);
  t.equal(st.spooled, 0, 'nothing spooled while Redis is up');
  t.equal(st.dropped, 0);
  const metrics = await deps.registry.getSingleMetricAsString('regate_events_emitted_total');
  t.match(metrics, /queue="audit"} 1050/);
});

t.test('Redis unreachable: events go to the spool, the request path does not wait', async (t) => {
  const spool = mkdtempSync(join(tmpdir(), 'regate-spool-'));
  // port 9 (discard) on 127.0.0.1 refuses connections on this machine
  const em = createEventEmitter(configSections({ redis: { url: 'redis://127.0.0.1:9', connect_timeout_ms: 200 }, events: { spool_dir: spool, batch_size: 10, flush_ms: 5 } }), quietDeps());
  t.teardown(() => rmSync(spool, { recursive: true, force: true }));
  for (let i = 0; i < 95; i++) em.emitAudit(makeCtx());
  await em.flush();
  t.ok(await waitFor(() => em.stats().spooled === 95, 5000));
  const s = em.stats();
  t.equal(s.sent, 0);
  t.equal(s.dropped, 0);
  t.ok(s.spoolBytes > 0);
  await em.close();
  t.ok(readdirSync(spool).some((f) => f.endsWith('.jsonl')), 'spool file kept for the next run');
});

t.test('an event JSON cannot hold is dropped alone; batches are sealed by size too', async (t) => {
  const spool = mkdtempSync(join(tmpdir(), 'regate-spool-'));
  const deps = quietDeps();
  const em = createEventEmitter(configSections({ redis: { url: 'redis://127.0.0.1:9', connect_timeout_ms: 200 }, events: { spool_dir: spool, flush_ms: 5 } }), deps);
  t.teardown(() => rmSync(spool, { recursive: true, force: true }));
  const good: string[] = [];
  for (let i = 0; i < 5; i++) good.push(em.emitAudit(makeCtx()));
  const bad = makeCtx();
  bad.decision = { ...bad.decision!, raw: { n: 10n } }; // a bigint: JSON has no form for it
  em.emitAudit(bad);
  // ten 1 MB results: sealed by the 8 MB batch bound long before the 500-event count
  const big = 'x'.repeat(1 << 20);
  for (let i = 0; i < 10; i++) {
    const c = makeCtx();
    c.decision = { ...c.decision!, raw: { allow: true, big } };
    good.push(em.emitAudit(c));
  }
  await em.flush();
  t.ok(await waitFor(() => em.stats().spooled === 15, 10000), 'every good event spooled');
  t.equal(em.stats().dropped, 1, 'the bad one, alone');
  t.match(await deps.registry.getSingleMetricAsString('regate_events_dropped_total'), /reason="build_error"} 1/);
  await em.close();
  const lines = readdirSync(spool)
    .filter((f) => f.endsWith('.jsonl'))
    .flatMap((f) => readFileSync(join(spool, f), 'utf8').split('\n').filter((l) => l !== ''))
    .map((l) => JSON.parse(l) as { q: string; events: AuditEvent[] });
  t.same(lines.flatMap((l) => l.events.map((e) => e.decision_id)).sort(), [...good].sort());
  t.ok(lines.length >= 2, `sealed by size: ${lines.length} batches for 15 events`);
});

t.test('a later run replays an earlier run\'s spool', async (t) => {
  const spool = mkdtempSync(join(tmpdir(), 'regate-spool-'));
  const prefix = uniquePrefix('rp');
  t.teardown(() => rmSync(spool, { recursive: true, force: true }));
  const dead = createEventEmitter(configSections({ redis: { url: 'redis://127.0.0.1:9', connect_timeout_ms: 200 }, events: { spool_dir: spool, flush_ms: 5 } }), quietDeps());
  const ids = Array.from({ length: 30 }, () => dead.emitAudit(makeCtx()));
  await dead.close();
  const got = new Set<string>();
  const c = createAuditConsumer({ redis: URL, prefix, handler: (e) => void got.add(e.decision_id) });
  const live = createEventEmitter(configSections({ redis: { url: URL, prefix }, events: { spool_dir: spool, flush_ms: 5, replay_interval_ms: 50 } }), quietDeps());
  t.teardown(async () => {
    await c.close();
    await live.close();
    const r = new Redis(URL);
    const keys = await r.keys(`${prefix}:*`);
    if (keys.length) await r.del(...keys);
    r.disconnect();
  });
  t.ok(await waitFor(() => got.size === 30, 10000), 'replayed');
  t.same([...got].sort(), [...ids].sort());
  t.ok(await waitFor(() => readdirSync(spool).length === 0, 5000), 'spool truncated after replay');
  // counted when the replay run finishes, just after the file is deleted
  t.ok(await waitFor(() => live.stats().replayed === 30, 5000), 'replayed counter');
});
