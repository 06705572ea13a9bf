// examples/audit-consumer.ts is what the README shows: run it exactly as written, against a
// private redis-server (it uses the default prefix and queue), and check what it prints.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import t from 'tap';
import { createEventEmitter } from '../../src/gateway/events/index.js';
import { startRedisServer } from '../helpers/redis-server.js';
import { makeCtx, quietDeps, waitFor } from '../gateway/events/fixtures.js';
import { configSections } from '../helpers/config-sections.js';

const ROOT = new globalThis.URL('../..', import.meta.url).pathname;

t.test('the documented consumer prints each event once', async (t) => {
  const redis = await startRedisServer();
  const spool = mkdtempSync(join(tmpdir(), 'regate-spool-'));
  t.teardown(async () => {
    await redis.stop();
    rmSync(spool, { recursive: true, force: true });
  });
  const child = spawn(process.execPath, ['--import=tsx', 'examples/audit-consumer.ts'], { cwd: ROOT, env: { ...process.env, REDIS_URL: redis.url }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  t.teardown(() => void child.kill('SIGKILL'));

  const em = createEventEmitter(configSections({ redis: { url: redis.url }, events: { spool_dir: spool, flush_ms: 5 } }), quietDeps());
  await waitFor(() => em.stats().redis === 'ready', 10000);
  const ctxs = [makeCtx({ status: 200, sub: 'alice' }), makeCtx({ status: 403, sub: 'bob' }), makeCtx({ status: 200, auth: null })];
  const ids = ctxs.map((c) => em.emitAudit(c));
  await em.flush();
  // at-least-once: the same batch delivered again must not be printed twice
  const q = new Queue('audit', { connection: { url: redis.url }, prefix: 'regate' });
  const again = { decision_id: ids[1], timestamp: 'x', gateway: { status: 403, route: 'car-insurance', sub: 'bob' } };
  await q.add('batch', { events: [again] });
  await q.close();
  await em.close();

  t.ok(await waitFor(() => out.trim().split('\n').length >= 3 && ids.every((id) => out.includes(id)), 30000), 'all printed');
  await new Promise((r) => setTimeout(r, 300)); // give a duplicate the chance to show up
  const lines = out.trim().split('\n');
  t.equal(lines.length, 3, 'the duplicate was dropped');
  t.match(lines[0], new RegExp(`^\\S+Z 200 car-insurance alice ${ids[0]}$`));
  t.match(lines[1], new RegExp(`^\\S+Z 403 car-insurance bob ${ids[1]}$`));
  t.match(lines[2], new RegExp(`^\\S+Z 200 car-insurance - ${ids[2]}$`));
  child.kill('SIGINT');
  t.equal(await exited, 0, 'stops cleanly on SIGINT');
  t.equal(err, '');
});
