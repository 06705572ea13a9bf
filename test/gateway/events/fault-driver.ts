/**
 * The fault scenario: 20 s of events at a fixed rate through the emitter, with Redis
 * made unavailable from 5 s to 11 s (killed then restarted, or CLIENT PAUSE), then check that
 * every accepted event reached a consumer (ids compared) and count duplicates.
 *
 * Timings are measured and reported (t.comment), never asserted. The traffic is paced from the
 * elapsed time, so a slow tick catches up rather than lowering the rate.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Test } from 'tap';
import { createAuditConsumer } from '../../../src/consumer/index.js';
import { createEventEmitter } from '../../../src/gateway/events/index.js';
import { startRedisServer } from '../../helpers/redis-server.js';
import type { RedisServer } from '../../helpers/redis-server.js';
import { makeCtx, quietDeps, waitFor } from './fixtures.js';

export interface FaultPlan {
  durationMs: number;
  ratePerS: number;
  outageAtMs: number;
  outageEndMs: number;
  fault: (redis: RedisServer) => Promise<void>;
  recover: (redis: RedisServer) => Promise<void>;
}

function pct(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]! : 0;
}

export async function runFaultScenario(t: Test, plan: FaultPlan): Promise<void> {
  const redis = await startRedisServer();
  const spool = mkdtempSync(join(tmpdir(), 'regate-fault-spool-'));
  t.teardown(async () => {
    await redis.stop();
    rmSync(spool, { recursive: true, force: true });
  });
  const em = createEventEmitter(
    { redis: { url: redis.url, command_timeout_ms: 500, connect_timeout_ms: 500 }, events: { spool_dir: spool, replay_interval_ms: 250, spool_fsync_ms: 50 } },
    quietDeps(),
  );
  const seen = new Map<string, number>();
  const consumer = createAuditConsumer({
    redis: redis.url,
    handler: (e) => void seen.set(e.decision_id, (seen.get(e.decision_id) ?? 0) + 1),
    // a batch held by a consumer when Redis died comes back quickly instead of after 30 s
    worker: { lockDuration: 3000, stalledInterval: 1000 },
  });
  await consumer.ready();
  t.ok(await waitFor(() => em.stats().redis === 'ready', 10000), 'emitter connected');

  const accepted: string[] = [];
  const lat: { phase: 'before' | 'outage' | 'after'; ns: number }[] = [];
  let phase: 'before' | 'outage' | 'after' = 'before';
  const start = performance.now();
  const faultAt = start + plan.outageAtMs;
  const recoverAt = start + plan.outageEndMs;
  let faulted = false;
  let recovered = false;
  const total = Math.floor((plan.durationMs / 1000) * plan.ratePerS);
  const cpu0 = process.cpuUsage();
  // bounded: one iteration per 10 ms tick for the duration, plus slack for slow ticks
  for (let tick = 0; tick < plan.durationMs / 10 + 1000 && accepted.length < total; tick++) {
    const now = performance.now();
    if (!faulted && now >= faultAt) {
      faulted = true;
      phase = 'outage';
      await plan.fault(redis);
    }
    if (!recovered && now >= recoverAt) {
      recovered = true;
      phase = 'after';
      await plan.recover(redis);
    }
    const due = Math.min(total, Math.floor(((now - start) / 1000) * plan.ratePerS));
    while (accepted.length < due) {
      const ctx = makeCtx({ status: 200 });
      const t0 = process.hrtime.bigint();
      const id = em.emitAudit(ctx);
      lat.push({ phase, ns: Number(process.hrtime.bigint() - t0) });
      accepted.push(id);
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  const cpu = process.cpuUsage(cpu0);
  await em.flush();
  const stats0 = em.stats();
  // Everything accepted is now in Redis or in the spool; wait for replay and consumption.
  const allIn = await waitFor(() => accepted.every((id) => seen.has(id)), 60000, 100);
  const st = em.stats();
  await em.close();
  await consumer.close();

  const missing = accepted.filter((id) => !seen.has(id));
  let duplicates = 0;
  for (const n of seen.values()) if (n > 1) duplicates += n - 1;
  t.equal(accepted.length, total, `${total} events accepted`);
  t.ok(allIn, 'consumer caught up');
  t.equal(missing.length, 0, 'no accepted event lost');
  t.equal(st.dropped, 0, 'nothing dropped');
  t.ok(stats0.spooled > 0, 'the outage was seen: events went through the spool');
  t.equal(st.replayed, st.spooled, 'everything spooled was replayed');
  const by = (p: string) => lat.filter((l) => l.phase === p).map((l) => l.ns).sort((a, b) => a - b);
  const fmt = (p: string) => {
    const s = by(p);
    return `${p}: n=${s.length} p50=${(pct(s, 0.5) / 1000).toFixed(1)}µs p99=${(pct(s, 0.99) / 1000).toFixed(1)}µs max=${(pct(s, 1) / 1000).toFixed(1)}µs`;
  };
  t.comment(`accepted=${accepted.length} delivered=${seen.size} duplicates=${duplicates} spooled=${st.spooled} replayed=${st.replayed} sent=${st.sent} dropped=${st.dropped}`);
  t.comment(`emitAudit() latency ${fmt('before')} | ${fmt('outage')} | ${fmt('after')}`);
  t.comment(`process CPU during traffic: ${((cpu.user + cpu.system) / accepted.length).toFixed(1)} µs/event (emitter + consumer + test, shared machine)`);
}
