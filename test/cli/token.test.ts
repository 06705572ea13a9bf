// `regate token revoke`: the entry it writes, the token read from stdin and hashed (never sent),
// and — as `regate audit tail` — a bounded wait with a clear error on an unreachable Redis and an
// exit on SIGTERM while it waits. The fan-out itself: test/gateway/authn/revocation.test.ts.
import t from 'tap';
import { Redis } from 'ioredis';
import { revokeTokens, run, tokenSha256 } from '../../src/cli/token.js';
import { RedisUnreachableError } from '../../src/cli/redis-deadline.js';
import { revocationKeys } from '../../src/gateway/shared/revocation-store.js';
import { closedPort, spawnRegate } from './spawn-regate.js';
import { regate } from './run-regate.js';

const REDIS = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `revokecli${process.pid}`;
const redis = new Redis(REDIS);
t.teardown(async () => {
  const keys = revocationKeys(REDIS, prefix);
  await redis.del(keys.expiry, keys.data);
  redis.disconnect();
});

t.test('the entry lands in the sorted set with the token\'s expiry, and on the channel', async (t) => {
  const keys = revocationKeys(REDIS, prefix);
  t.equal(keys.channel, `${prefix}:revocations`);
  const listener = new Redis(REDIS);
  t.teardown(() => listener.disconnect());
  const heard = new Promise<string>((resolve) => listener.on('message', (_c: string, m: string) => resolve(m)));
  await listener.subscribe(keys.channel);
  const exp = Math.floor(Date.now() / 1000) + 600;
  const { receivers } = await revokeTokens({ redis: REDIS, prefix, kind: 'jti', value: 'jti-1', exp });
  t.ok(receivers >= 1, 'the subscriber above received it');
  t.equal(Number(await redis.zscore(keys.expiry, 'jti:jti-1')), exp * 1000, 'kept until the token expires');
  t.match(JSON.parse(await heard), { kind: 'jti', value: 'jti-1', until: exp * 1000 });
  const ttl = await redis.pttl(keys.expiry);
  t.ok(ttl > 0 && ttl <= 600_000 + 60_000, `the set itself expires after its last entry (${ttl} ms)`);
  // a second revocation with an earlier expiry does not shorten the first
  await revokeTokens({ redis: REDIS, prefix, kind: 'jti', value: 'jti-1', exp: exp - 300 });
  t.equal(Number(await redis.zscore(keys.expiry, 'jti:jti-1')), exp * 1000);
});

t.test('a token on standard input is hashed; only the digest reaches Redis', async (t) => {
  const token = `opaque-${process.pid}-${Date.now()}`;
  const r = regate(['token', 'revoke', 'sha256', '--redis', REDIS, '--prefix', prefix], undefined, token + '\n');
  t.equal(r.code, 0, r.stderr);
  const digest = tokenSha256(token);
  t.match(r.stdout, `revoked sha256 ${digest}`);
  const keys = revocationKeys(REDIS, prefix);
  t.ok(await redis.zscore(keys.expiry, `sha256:${digest}`), 'stored under the digest');
  // '-1': ioredis types ZRANGE's stop as a string (start may be a number)
  const all = JSON.stringify([await redis.zrange(keys.expiry, 0, '-1'), await redis.hgetall(keys.data)]);
  t.notOk(all.includes(token), 'the token itself is nowhere in Redis');
});

t.test('usage errors exit 2 before any connection', async (t) => {
  t.equal(await run(['revoke', 'email', '--value', 'x']), 2);
  t.equal(await run(['revoke', 'sha256', '--value', 'short']), 2);
  t.equal(await run(['revoke', 'jti', '--value', 'x', '--exp', '12']), 2, 'an --exp in the past');
  t.equal(await run(['revoke', 'jti', '--value', 'x', '--redis', 'http://x']), 2);
});

t.test('an unreachable Redis is an error within the timeout, naming the address and the reason', async (t) => {
  const port = await closedPort();
  const t0 = performance.now();
  const err = await revokeTokens({ redis: `redis://127.0.0.1:${port}`, kind: 'sub', value: 'u1', timeoutMs: 1000 }, undefined, () => undefined).catch((e: unknown) => e);
  const ms = performance.now() - t0;
  t.type(err, RedisUnreachableError);
  t.match((err as Error).message, new RegExp(`127\\.0\\.0\\.1:${port}.*ECONNREFUSED`));
  t.ok(ms < 5000, `gave up after ${Math.round(ms)} ms`);
  t.equal(await run(['revoke', 'sub', '--value', 'u1', '--redis', `redis://127.0.0.1:${port}`, '--timeout', '0.5']), 1);
});

t.test('SIGTERM ends a revoke that is still waiting for Redis', async (t) => {
  const port = await closedPort();
  const { child, done } = spawnRegate(['token', 'revoke', 'sub', '--value', 'u1', '--redis', `redis://127.0.0.1:${port}`, '--timeout', '600'], { guardMs: 120_000 });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  for (let i = 0; i < 1200 && child.exitCode === null && !err.includes('waiting for Redis'); i++) await new Promise((r) => setTimeout(r, 50));
  t.match(err, /waiting for Redis at redis:\/\/127\.0\.0\.1/);
  child.kill('SIGTERM');
  const r = await done;
  t.equal(r.signal, null, 'exited by itself');
  t.equal(r.code, 130);
});
