import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import t from 'tap';
import { EncodedJobData, EncodedQueue } from '../../../src/gateway/events/encoded-queue.js';
import { createEventEmitter } from '../../../src/gateway/events/index.js';
import type { AuditEvent } from '../../../src/gateway/events/index.js';
import { createAuditConsumer } from '../../../src/consumer/index.js';
import { makeCtx, quietDeps, uniquePrefix, waitFor } from './fixtures.js';
import { configSections } from '../../helpers/config-sections.js';

const URL = 'redis://127.0.0.1:6379';

async function cleanup(prefix: string): Promise<void> {
  const r = new Redis(URL);
  const keys = await r.keys(`${prefix}:*`);
  if (keys.length) await r.del(...keys);
  r.disconnect();
}

t.test('a pre-serialised job is stored exactly as BullMQ stores the same data', async (t) => {
  const prefix = uniquePrefix('eq');
  const conn = new Redis(URL, { maxRetriesPerRequest: null });
  const plain = new Queue('q', { connection: conn, prefix });
  const encoded = new EncodedQueue('q', { connection: conn, prefix });
  t.teardown(async () => {
    await plain.close();
    await encoded.close();
    conn.disconnect();
    await cleanup(prefix);
  });
  const data = { events: [{ decision_id: 'a', s: 'ünï "q" \u2028', n: 1.5, nested: { x: [null, true] } }] };
  const opts = { jobId: 'j-plain', attempts: 3, backoff: { type: 'exponential', delay: 10 }, removeOnFail: 10 };
  await plain.add('batch', data, opts);
  await encoded.add('batch', new EncodedJobData(Buffer.from(JSON.stringify(data))), { ...opts, jobId: 'j-enc' });
  await encoded.add('batch', data, { ...opts, jobId: 'j-obj' }); // plain data still works through the subclass
  const r = new Redis(URL);
  const [a, b, c] = await Promise.all(['j-plain', 'j-enc', 'j-obj'].map((id) => r.hgetall(`${prefix}:q:${id}`)));
  r.disconnect();
  t.equal(b!.data, a!.data, 'same data bytes');
  t.equal(c!.data, a!.data);
  t.equal(b!.opts, a!.opts!.replace('"j-plain"', '"j-enc"'), 'same options (the job id aside)');
  t.equal(b!.name, 'batch');
  const read = await encoded.getJob('j-enc');
  t.same(read?.data, data, 'read back by BullMQ as the object');
});

t.test('the emitter delivers identical events through the encoded path; an unserialisable event is dropped alone', async (t) => {
  const prefix = uniquePrefix('ee');
  const spool = mkdtempSync(join(tmpdir(), 'regate-spool-'));
  const em = createEventEmitter(configSections({ redis: { url: URL, prefix, command_timeout_ms: 10000 }, events: { spool_dir: spool, batch_size: 50, flush_ms: 5 } }), quietDeps());
  const got = new Map<string, AuditEvent>();
  const c = createAuditConsumer({ redis: URL, prefix, handler: (e) => void got.set(e.decision_id, e) });
  t.teardown(async () => {
    await c.close();
    await em.close();
    await cleanup(prefix);
    rmSync(spool, { recursive: true, force: true });
  });
  t.ok(await waitFor(() => em.stats().redis === 'ready', 5000));
  const ids: string[] = [];
  for (let i = 0; i < 120; i++) ids.push(em.emitAudit(makeCtx({ headers: { 'x-note': `ünï "${i}" \u2028`, authorization: 'Bearer x' } })));
  const d = makeCtx().decision!;
  const bad = em.emitAudit(makeCtx({ decision: { ...d, raw: { big: 10n } } }));
  await em.flush();
  t.ok(await waitFor(() => got.size === ids.length), 'all serialisable events consumed');
  t.notOk(got.has(bad), 'the bigint event is not delivered');
  const e = got.get(ids[7]!)!;
  t.equal((e.input as { request: { headers: Record<string, string> } }).request.headers['x-note'], 'ünï "7" \u2028');
  t.same(e.erased, ['/input/request/headers/authorization']);
  const s = em.stats();
  t.equal(s.dropped, 1, 'counted');
  t.equal(s.sent, ids.length);
});

t.test('spooled batches are the JSON lines replay reads (an unserialisable event dropped alone)', async (t) => {
  const spool = mkdtempSync(join(tmpdir(), 'regate-spool-'));
  t.teardown(() => rmSync(spool, { recursive: true, force: true }));
  const em = createEventEmitter(configSections({ redis: { url: 'redis://127.0.0.1:9', connect_timeout_ms: 200 }, events: { spool_dir: spool, batch_size: 10, flush_ms: 5 } }), quietDeps());
  const ids = Array.from({ length: 12 }, () => em.emitAudit(makeCtx()));
  const d = makeCtx().decision!;
  em.emitAudit(makeCtx({ decision: { ...d, raw: 10n } }));
  await em.flush();
  t.ok(await waitFor(() => em.stats().spooled === 12, 5000));
  t.equal(em.stats().dropped, 1);
  await em.close();
  const lines = readdirSync(spool).flatMap((f) => readFileSync(join(spool, f), 'utf8').split('\n').filter(Boolean));
  const events = lines.flatMap((l) => (JSON.parse(l) as { events: AuditEvent[] }).events);
  t.same(events.map((e) => e.decision_id).sort(), [...ids].sort());
});
