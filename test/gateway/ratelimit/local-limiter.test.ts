/**
 * The in-process limiter's key table (ratelimit/local-limiter.ts): bounded, and a full table of
 * live keys makes room for many new keys at once, so that a client minting new bucket keys (new
 * IPv6 addresses under `{remote_addr}`) does not cost a scan of the whole table per request.
 */
import t from 'tap';
import { createLocalLimiter } from '../../../src/gateway/ratelimit/local-limiter.js';

const bucket = (key: string) => [{ key, limit: 10, window_s: 60, want: 1 }];

t.test('a full table of live keys is emptied to 90 %, oldest first, not by one key per new key', async (t) => {
  let now = 0;
  const local = createLocalLimiter({ share: 1, maxKeys: 100, now: () => now });
  for (let i = 0; i < 100; i++) local.check(bucket(`k${i}`));
  t.equal(local.size, 100, 'full');
  local.check(bucket('new-1'));
  t.equal(local.size, 91, 'the sweep left room: 90 kept, then the new key');
  for (let i = 2; i <= 9; i++) local.check(bucket(`new-${i}`));
  t.equal(local.size, 99, 'nine new keys later, no further sweep was needed');
  // the oldest were forgotten (a fresh bucket for them), the newest kept their state
  for (let i = 0; i < 9; i++) local.check(bucket('k99'));
  t.equal(local.check(bucket('k99')).admitted, false, 'k99 kept its count: its 11th request in the window is refused');
  t.equal(local.check(bucket('k0')).admitted, true);
});

t.test('expired keys go first', async (t) => {
  let now = 0;
  const local = createLocalLimiter({ share: 1, maxKeys: 10, now: () => now });
  for (let i = 0; i < 10; i++) local.check(bucket(`k${i}`));
  now += 61e6; // past every key's window (µs)
  local.check(bucket('fresh'));
  t.equal(local.size, 1, 'only the new key is left');
});
