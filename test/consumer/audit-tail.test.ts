import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import t from 'tap';
import { formatEvent, tailEvents } from '../../src/cli/audit.js';
import { createEventEmitter } from '../../src/gateway/events/index.js';
import { makeCtx, quietDeps, uniquePrefix, waitFor } from '../gateway/events/fixtures.js';
import { configSections } from '../helpers/config-sections.js';

const URL = 'redis://127.0.0.1:6379';
const ROOT = new globalThis.URL('../..', import.meta.url).pathname;

async function cleanup(prefix: string): Promise<void> {
  const r = new Redis(URL);
  const keys = await r.keys(`${prefix}:*`);
  if (keys.length) await r.del(...keys);
  r.disconnect();
}

t.test('regate audit tail --follow --json shows waiting and live events of a running emitter', async (t) => {
  const prefix = uniquePrefix('tail');
  const spool = mkdtempSync(join(tmpdir(), 'regate-spool-'));
  const em = createEventEmitter(configSections({ redis: { url: URL, prefix }, events: { spool_dir: spool, flush_ms: 5 } }), quietDeps());
  t.teardown(async () => {
    await em.close();
    await cleanup(prefix);
    rmSync(spool, { recursive: true, force: true });
  });
  await waitFor(() => em.stats().redis === 'ready', 10000);
  const before = [em.emitAudit(makeCtx()), em.emitAudit(makeCtx())];
  await em.flush();

  // The real command line, through main() as bin/regate.js calls it (run with tsx: no build needed).
  const child = spawn(
    process.execPath,
    ['--import=tsx', '--input-type=module', '-e', "import { main } from './src/cli/main.ts'; process.exitCode = await main(process.argv.slice(1));", 'audit', 'tail', '--follow', '--json', '--redis', URL, '--prefix', prefix],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  t.teardown(() => void child.kill('SIGKILL'));

  t.ok(await waitFor(() => before.every((id) => out.includes(id)), 30000), 'waiting events listed');
  const live = [em.emitAudit(makeCtx({ status: 403 })), em.emitAudit(makeCtx({ status: 200 }))];
  em.emitRateLimit({ type: 'limit_exceeded', key: 'k', limit: 1, window_s: 1, remaining: 0, route: 'r', client_id: null, sub: null, decision_id: null });
  await em.flush();
  t.ok(await waitFor(() => live.every((id) => out.includes(id)), 30000), 'live events shown as they arrive');
  const lines = out.trim().split('\n').map((l) => JSON.parse(l) as { decision_id: string; gateway: { status: number } });
  t.same(lines.map((l) => l.decision_id), [...before, ...live], 'one JSON line per audit event, in order, nothing from the ratelimit queue');
  t.equal(lines[2]!.gateway.status, 403);
  child.kill('SIGINT');
  t.equal(await exited, 0, 'exits 0 on SIGINT');
  t.equal(err, '');
});

t.test('tail without --follow prints the backlog in human form and exits', async (t) => {
  const prefix = uniquePrefix('tail2');
  const spool = mkdtempSync(join(tmpdir(), 'regate-spool-'));
  const em = createEventEmitter(configSections({ redis: { url: URL, prefix }, events: { spool_dir: spool, flush_ms: 5 } }), quietDeps());
  t.teardown(async () => {
    await em.close();
    await cleanup(prefix);
    rmSync(spool, { recursive: true, force: true });
  });
  await waitFor(() => em.stats().redis === 'ready', 10000);
  const id = em.emitAudit(makeCtx({ status: 429, rateLimited: true }));
  em.emitRateLimit({ type: 'window_summary', key: 'user:u1', limit: 10, window_s: 60, remaining: 3, route: 'r', client_id: 'c', sub: 'u1', decision_id: null, allowed: 7, denied: 2 });
  await em.flush();
  const lines: string[] = [];
  t.equal(await tailEvents({ redis: URL, prefix, queue: 'audit', follow: false, json: false }, (l) => lines.push(l)), 0);
  t.equal(lines.length, 1);
  t.match(lines[0], new RegExp(`^\\S+Z ${id} 429 GET /car/insurance route=car-insurance sub=u123 client=mobile-app rate_limited$`));
  const rl: string[] = [];
  t.equal(await tailEvents({ redis: URL, prefix, queue: 'ratelimit', follow: false, json: false }, (l) => rl.push(l)), 0);
  t.match(rl[0], / window_summary key=user:u1 limit=10\/60s remaining=3 allowed=7 denied=2 route=r sub=u1$/);
});

t.test('usage errors exit 2', async (t) => {
  const { run } = await import('../../src/cli/audit.js');
  const w = process.stderr.write;
  process.stderr.write = (() => true) as typeof process.stderr.write;
  try {
    t.equal(await run([]), 2);
    t.equal(await run(['tail', '--bogus']), 2);
    t.equal(await run(['tail', '--redis']), 2);
    t.equal(await run(['tail', '--redis', 'http://nope']), 2);
  } finally {
    process.stderr.write = w;
  }
  t.equal(formatEvent({ x: 1 }), '{"x":1}');
});
