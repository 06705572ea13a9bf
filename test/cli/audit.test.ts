// `regate audit tail` against a Redis that is not there: a bounded wait, a clear error, exit on
// SIGINT/SIGTERM, and the one Redis variable name (REDIS_URL; REGATE_REDIS_URL deprecated).
import t from 'tap';
import { redisUrlFromEnv, tailEvents } from '../../src/cli/audit.js';
import { CLI_REDIS_TIMEOUT_MS } from '../../src/cli/redis-deadline.js';
import { closedPort, spawnRegate } from './spawn-regate.js';

t.test('tail against a closed port fails within 10 s with the address and the reason', async (t) => {
  const port = await closedPort();
  const warnings: string[] = [];
  const started = process.hrtime.bigint();
  const code = await tailEvents({ redis: `redis://127.0.0.1:${port}`, queue: 'audit', follow: true, json: false }, () => t.fail('no events'), undefined, (s) => warnings.push(s));
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  t.equal(code, 1);
  t.ok(CLI_REDIS_TIMEOUT_MS <= 10_000, 'the default bound is at most 10 s');
  // twice the default bound: the deadline is a timer, so only a hang can come near this
  t.ok(ms < 10_000, `returned after ${Math.round(ms)} ms`);
  t.match(warnings.join('\n'), new RegExp(`127\\.0\\.0\\.1:${port}.*ECONNREFUSED`));
});

t.test('the real command exits 1 against a closed port', async (t) => {
  const port = await closedPort();
  const r = await spawnRegate(['audit', 'tail', '--redis', `redis://127.0.0.1:${port}`, '--timeout', '1']).done;
  t.equal(r.signal, null, 'exited by itself');
  t.equal(r.code, 1);
  t.match(r.stderr, new RegExp(`cannot reach Redis at redis://127\\.0\\.0\\.1:${port}`));
  t.equal(r.stdout, '');
});

for (const sig of ['SIGTERM', 'SIGINT'] as const) {
  t.test(`${sig} ends a tail that is still waiting for Redis`, async (t) => {
    const port = await closedPort();
    // --timeout 600: only the signal can end it within the guard
    const { child, done } = spawnRegate(['audit', 'tail', '--follow', '--redis', `redis://127.0.0.1:${port}`, '--timeout', '600'], { guardMs: 120_000 });
    // signal once the command says it is waiting (its handlers are installed before it connects)
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    for (let i = 0; i < 1200 && child.exitCode === null && !err.includes('waiting for Redis'); i++) await new Promise((r) => setTimeout(r, 50));
    t.match(err, new RegExp(`waiting for Redis at redis://127\\.0\\.0\\.1:${port}`), 'says what it waits for');
    child.kill(sig);
    const r = await done;
    t.equal(r.signal, null, 'exited by itself, not killed by the guard');
    t.equal(r.code, 130, 'interrupted before anything was listed');
  });
}

t.test('REDIS_URL is the variable; REGATE_REDIS_URL still works with a deprecation warning', async (t) => {
  const warnings: string[] = [];
  const warn = (s: string) => void warnings.push(s);
  t.equal(redisUrlFromEnv({ REDIS_URL: 'redis://a:1', REGATE_REDIS_URL: 'redis://b:2' }, warn), 'redis://a:1');
  t.same(warnings, []);
  t.equal(redisUrlFromEnv({ REGATE_REDIS_URL: 'redis://b:2' }, warn), 'redis://b:2');
  t.equal(warnings.length, 1);
  t.match(warnings[0], /REGATE_REDIS_URL.*deprecated.*REDIS_URL/);
  t.equal(redisUrlFromEnv({}, warn), 'redis://127.0.0.1:6379');

  // and the command line uses it: the error names the address taken from the environment
  const port = await closedPort();
  const env: NodeJS.ProcessEnv = { ...process.env, REDIS_URL: `redis://127.0.0.1:${port}` };
  delete env.REGATE_REDIS_URL;
  const r = await spawnRegate(['audit', 'tail', '--timeout', '1'], { env }).done;
  t.equal(r.code, 1);
  t.match(r.stderr, new RegExp(`127\\.0\\.0\\.1:${port}`));
});
