import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import t from 'tap';
import { openSpool } from '../../../src/gateway/events/spool.js';
import type { EncodedBatch, SpooledBatch } from '../../../src/gateway/events/spool.js';

const logger = pino({ level: 'silent' });

/** A batch as the emitter seals it (`{"events":[…]}` as bytes), and as replay reads it back. */
function encoded(q: string, id: string, events: unknown[]): EncodedBatch {
  return { q, id, n: events.length, data: Buffer.from(JSON.stringify({ events })) };
}
function batch(i: number, n = 3): EncodedBatch {
  return encoded('audit', `b${i}`, Array.from({ length: n }, (_, k) => ({ decision_id: `e${i}-${k}` })));
}
function spooled(i: number, n = 3): SpooledBatch {
  return { q: 'audit', id: `b${i}`, events: Array.from({ length: n }, (_, k) => ({ decision_id: `e${i}-${k}` })) };
}

t.test('a spool line is the JSON of { q, id, events }, read back as objects', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'regate-spool-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const s = openSpool({ dir, maxBytes: 1 << 20, fsyncMs: 10, logger });
  t.ok(s.append(encoded('a"q', 'b\\1', [{ x: 'é\n' }, { y: [1, 2] }])));
  const got: SpooledBatch[] = [];
  await s.replay(async (b) => void got.push(b));
  t.same(got, [{ q: 'a"q', id: 'b\\1', events: [{ x: 'é\n' }, { y: [1, 2] }] }]);
  await s.close();
});

t.test('append, replay with a failure midway, replay the rest', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'regate-spool-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const s = openSpool({ dir, maxBytes: 1 << 20, fsyncMs: 10, logger });
  for (let i = 0; i < 10; i++) t.ok(s.append(batch(i)));
  t.ok(s.pending());
  const seen: string[] = [];
  const r1 = await s.replay(async (b) => {
    if (b.id === 'b4') throw new Error('redis gone');
    seen.push(b.id);
  });
  t.same(r1, { sent: 4, events: 12, failed: true });
  t.ok(s.pending(), 'rest kept');
  s.append(batch(10)); // arrives during the outage
  const r2 = await s.replay(async (b) => void seen.push(b.id));
  t.same(r2, { sent: 7, events: 21, failed: false });
  t.same(seen, ['b0', 'b1', 'b2', 'b3', 'b4', 'b5', 'b6', 'b7', 'b8', 'b9', 'b10']);
  t.notOk(s.pending());
  t.equal(s.bytes(), 0);
  await s.close();
  t.same(readdirSync(dir), []);
});

t.test('size cap drops and reports', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'regate-spool-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const drops: [string, number, string][] = [];
  const s = openSpool({ dir, maxBytes: 2048, fsyncMs: 10, logger, onDrop: (q, n, r) => drops.push([q, n, r]) });
  let ok = 0;
  for (let i = 0; i < 100; i++) if (s.append(batch(i, 5))) ok++;
  t.ok(ok > 0 && ok < 100, `${ok} batches fit`);
  t.equal(drops.length, 100 - ok);
  t.same(drops[0], ['audit', 5, 'spool_full']);
  t.ok(s.bytes() <= 2048);
  let events = 0;
  await s.replay(async (b) => void (events += b.events.length));
  t.equal(events, ok * 5, 'everything accepted is replayed');
  await s.close();
});

t.test('two spools in one process never take each other\'s files', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'regate-spool-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const a = openSpool({ dir, maxBytes: 1 << 20, fsyncMs: 10, logger });
  const b = openSpool({ dir, maxBytes: 1 << 20, fsyncMs: 10, logger });
  a.append(batch(1));
  b.append(batch(2));
  const seenA: string[] = [];
  await a.replay(async (x) => void seenA.push(x.id));
  t.same(seenA, ['b1']);
  b.append(batch(3));
  const seenB: string[] = [];
  await b.replay(async (x) => void seenB.push(x.id));
  t.same(seenB, ['b2', 'b3'], 'b kept writing to its own file while a replayed');
  await a.close();
  await b.close();
});

t.test('files of dead processes are claimed, torn lines skipped', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'regate-spool-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const host = hostname().replace(/[^A-Za-z0-9_.]/g, '_');
  // pid 2^22+1 is above Linux's pid_max default, so it is not alive
  writeFileSync(join(dir, `${host}-4194305-0a1b2c3d-1700000000000.jsonl`), JSON.stringify(spooled(1)) + '\n' + '{"q":"audit","id":"b2","ev');
  writeFileSync(join(dir, `otherhost-1-0a1b2c3d-1700000000000.jsonl`), JSON.stringify(spooled(9)) + '\n');
  const s = openSpool({ dir, maxBytes: 1 << 20, fsyncMs: 10, logger });
  t.ok(s.pending());
  const ids: string[] = [];
  const r = await s.replay(async (b) => void ids.push(b.id));
  t.same(ids, ['b1'], 'only this host\'s dead files; the torn line is skipped');
  t.notOk(r.failed);
  t.same(readdirSync(dir), ['otherhost-1-0a1b2c3d-1700000000000.jsonl']);
  await s.close();
});
