/**
 * Revocation on a Redis Cluster (README "Token revocation", "Redis Cluster and Sentinel"): the
 * keys are hash-tagged like the queues', so the write script's two keys share a slot, and the
 * channel reaches a gateway subscribed through the cluster.
 */
import t from 'tap';
import { revokeTokens } from '../../../src/cli/token.js';
import { revocationKeys } from '../../../src/gateway/shared/revocation-store.js';
import { startRedisCluster } from '../../helpers/redis-server.js';
import { startTokenServer } from '../../helpers/oidc-provider.js';
import { startUpstream } from '../helpers.js';
import { call, claimsOf, startInstance, untilAll } from './revocation-helpers.js';

const cluster = await startRedisCluster();
t.teardown(() => cluster.stop());
const ts = await startTokenServer();
t.teardown(() => ts.stop());
const upstream = await startUpstream();
t.teardown(() => upstream.close());

t.test('keys share one slot; a revocation through the cluster reaches the gateway', async (t) => {
  const keys = revocationKeys(cluster.url, 'regate');
  t.same(keys, { channel: '{regate}:revocations', expiry: '{regate}:revocations:exp', data: '{regate}:revocations:data' });
  const gw = await startInstance({ ts, upstream: upstream.url, redis: cluster.url, prefix: 'regate' });
  t.teardown(() => gw.close());
  const jwt = await ts.issueJwt();
  t.equal((await call(gw.url, '/jwt/x', jwt)).status, 200);
  const t0 = performance.now();
  const { receivers } = await revokeTokens({ redis: cluster.url, prefix: 'regate', kind: 'jti', value: claimsOf(jwt).jti, exp: claimsOf(jwt).exp });
  // PUBLISH counts the subscribers of the node that ran the script only; the bus forwards it
  t.comment(`subscribers counted by the publishing node: ${receivers}`);
  const ms = await untilAll([gw.url], '/jwt/x', jwt, 401, t0);
  t.comment(`refused through the cluster after ${ms.toFixed(1)} ms`);
  t.same(await call(gw.url, '/jwt/x', jwt), { status: 401, error: 'GW_ERR_TOKEN_REVOKED' });
  // and a gateway that starts later reads the stored entry from the right node
  const late = await startInstance({ ts, upstream: upstream.url, redis: cluster.url, prefix: 'regate' });
  t.teardown(() => late.close());
  t.same(await call(late.url, '/jwt/x', jwt), { status: 401, error: 'GW_ERR_TOKEN_REVOKED' });
});
