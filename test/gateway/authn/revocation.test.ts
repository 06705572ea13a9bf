/**
 * Revocation fan-out (issue #19, README "Token revocation"): two regate instances on one Redis —
 * A in-process, B with two uWS worker threads — in front of a real oidc-provider. A token
 * accepted by both is revoked through the call `regate token revoke` makes (and once through the
 * command itself) and refused with 401 GW_ERR_TOKEN_REVOKED by both, every worker included,
 * well within the bound; an instance started later learns the revocations from Redis.
 */
import t from 'tap';
import { revokeTokens, tokenSha256 } from '../../../src/cli/token.js';
import { startTokenServer } from '../../helpers/oidc-provider.js';
import { startUpstream } from '../helpers.js';
import { spawnRegate } from '../../cli/spawn-regate.js';
import { call, claimsOf, startInstance, untilAll } from './revocation-helpers.js';

const REDIS = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `revoke${process.pid}`;
// The issue's target is ~1 s; the bound asserted here is looser so a busy CI machine cannot flake
// it — the measured figure is printed (t.comment) and reported in the README.
const BOUND_MS = 3000;

const started = performance.now();
const ts = await startTokenServer();
t.teardown(() => ts.stop());
const upstream = await startUpstream();
t.teardown(() => upstream.close());
const a = await startInstance({ ts, upstream: upstream.url, redis: REDIS, prefix });
t.teardown(() => a.close());
const b = await startInstance({ ts, upstream: upstream.url, redis: REDIS, prefix, workers: 2 });
t.teardown(() => b.close());
const both = [a.url, b.url];
t.comment(`token server, instance A and instance B (2 workers) started in ${(performance.now() - started).toFixed(0)} ms`);

/**
 * Several fresh connections per instance, so B's two workers both answer. The kernel spreads
 * connections over the workers' SO_REUSEPORT sockets by a hash of the client port, so `n` fresh
 * connections all reach one worker with probability 2^(1-n): 4 left one worker cold about one run
 * in eight (it then introspected once more, CI on Node 24); a round that must reach every worker
 * uses `WARM` connections (2^-15).
 */
const WARM = 16;
async function statuses(path: string, token: string, n = 4): Promise<string[]> {
  const out: string[] = [];
  for (const base of both) for (let i = 0; i < n; i++) { const r = await call(base, path, token); out.push(`${r.status}${r.error ? ' ' + r.error : ''}`); }
  return out;
}

t.test('a JWT revoked by jti is refused by both instances and every worker', async (t) => {
  const jwt = await ts.issueJwt();
  const other = await ts.issueJwt();
  t.same(await statuses('/jwt/x', jwt, WARM), Array(2 * WARM).fill('200'), 'accepted (and now cached) everywhere');
  t.same(await statuses('/jwt/x', other), Array(8).fill('200'));
  const { jti, exp } = claimsOf(jwt);
  const t0 = performance.now();
  const { receivers } = await revokeTokens({ redis: REDIS, prefix, kind: 'jti', value: jti, exp });
  t.equal(receivers, 3, 'one subscriber per worker: A has one, B two');
  const ms = await untilAll(both, '/jwt/x', jwt, 401, t0);
  t.comment(`jti revocation refused on both instances after ${ms.toFixed(1)} ms`);
  t.ok(ms < BOUND_MS, `refused within ${BOUND_MS} ms (${ms.toFixed(1)} ms)`);
  t.same(await statuses('/jwt/x', jwt), Array(8).fill('401 GW_ERR_TOKEN_REVOKED'), 'on every connection, so on both of B\'s workers');
  t.same(await statuses('/jwt/x', other), Array(8).fill('200'), 'another token of the same client still passes');
});

t.test('an introspected opaque token revoked by sha256 is not served from the introspection cache', async (t) => {
  const opaque = await ts.issueOpaque();
  t.same(await statuses('/opaque/x', opaque, WARM), Array(2 * WARM).fill('200'), 'introspected and cached by every worker');
  const introspections = ts.requests.introspection;
  t.same(await statuses('/opaque/x', opaque), Array(8).fill('200'), 'answered from the cache');
  t.equal(ts.requests.introspection, introspections, 'no introspection call: the cache served');
  const t0 = performance.now();
  await revokeTokens({ redis: REDIS, prefix, kind: 'sha256', value: tokenSha256(opaque) });
  const ms = await untilAll(both, '/opaque/x', opaque, 401, t0);
  t.comment(`sha256 revocation of an opaque token refused on both instances after ${ms.toFixed(1)} ms`);
  t.ok(ms < BOUND_MS, `refused within ${BOUND_MS} ms (${ms.toFixed(1)} ms)`);
  t.same(await statuses('/opaque/x', opaque), Array(8).fill('401 GW_ERR_TOKEN_REVOKED'));
  // the token server still calls it active (nobody told it): only the revocation list refuses it
  const res = await fetch(ts.introspectionEndpoint, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`${ts.clients.gateway.client_id}:${ts.clients.gateway.client_secret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token: opaque }),
  });
  t.equal(((await res.json()) as { active: boolean }).active, true, 'the token server still says active');
});

t.test('an instance that starts later knows the earlier revocations', async (t) => {
  const jwt = await ts.issueJwt();
  const { jti, exp } = claimsOf(jwt);
  await revokeTokens({ redis: REDIS, prefix, kind: 'jti', value: jti, exp });
  const c = await startInstance({ ts, upstream: upstream.url, redis: REDIS, prefix });
  t.teardown(() => c.close());
  const r = await call(c.url, '/jwt/x', jwt);
  t.equal(r.error, 'GW_ERR_TOKEN_REVOKED', 'refused on its first request: the stored set was loaded before it listened');
  const metrics = await (await fetch(`${c.adminUrl}/metrics`)).text();
  t.match(metrics, /regate_token_revocation_feed_up 1/);
  t.match(metrics, /regate_token_revocation_entries [1-9]/);
});

t.test('`regate token revoke sub` refuses every token of the subject issued until then', async (t) => {
  const first = await ts.issueJwt();
  const opaque = await ts.issueOpaque();
  t.same(await statuses('/jwt/x', first), Array(8).fill('200'));
  t.same(await statuses('/opaque/x', opaque), Array(8).fill('200'));
  const { sub } = claimsOf(first);
  const t0 = performance.now();
  const r = await spawnRegate(['token', 'revoke', 'sub', '--value', sub, '--redis', REDIS, '--prefix', prefix, '--timeout', '5']).done;
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, /revoked sub .* 3 gateway worker\(s\) notified/);
  const ms = await untilAll(both, '/jwt/x', first, 401, t0, 15_000); // includes starting the CLI process
  t.comment(`sub revocation through the CLI process refused on both instances after ${ms.toFixed(1)} ms (CLI start-up included)`);
  t.same(await statuses('/jwt/x', first), Array(8).fill('401 GW_ERR_TOKEN_REVOKED'));
  // oidc-provider's introspection answer for a client-credentials token has no `sub` (RFC 7662
  // makes it optional): a subject revocation cannot name such a token; sha256 can (README).
  t.same(await statuses('/opaque/x', opaque), Array(8).fill('200'), 'an opaque token whose introspection has no sub is not covered');
  // a token issued in a later second is not covered ("issued before now", iat has 1 s resolution)
  const next = Math.ceil(Date.now() / 1000) * 1000;
  await new Promise((res) => setTimeout(res, next - Date.now() + 20));
  const fresh = await ts.issueJwt();
  t.same(await statuses('/jwt/x', fresh), Array(8).fill('200'), 'a token issued after the revocation passes');
});

t.test('bad input is refused before Redis is touched', async (t) => {
  await t.rejects(revokeTokens({ redis: REDIS, prefix, kind: 'sha256', value: 'not-a-digest' }), TypeError);
  await t.rejects(revokeTokens({ redis: REDIS, prefix, kind: 'sub', value: '' }), TypeError);
});
