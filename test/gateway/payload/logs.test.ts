/**
 * What the logs hold of encrypted exchanges (issue #18): the reason a JWE was refused, for the
 * operator, and never a plaintext body — not at trace level, not with the access log on. Also
 * an X25519 gateway key through the SDK.
 */
import t from 'tap';
import { createRegateClient } from '../../../src/client/index.js';
import { signToken, startPayloadGateway, startRecorder, writeKey } from './harness.js';

t.test('refusal reasons are logged, plaintext never', async (t) => {
  const up = await startRecorder();
  const lines: string[] = [];
  const gw = await startPayloadGateway(up.url, [['enc-x', writeKey('enc-x', 'x25519')]], { logLines: lines });
  t.teardown(async () => {
    await gw.close();
    await up.close();
  });
  const alice = await signToken('alice');
  const bob = await signToken('bob');
  const marker = 'PLAINTEXT-MARKER-7f3a9c';
  const api = createRegateClient({ baseUrl: gw.url, token: alice });
  const ok = await api.fetch('/pay/x', { method: 'POST', body: JSON.stringify({ secret: marker }), headers: { 'content-type': 'application/json' } });
  t.equal(ok.status, 200, 'X25519 key through the SDK');
  t.match(await ok.json(), { got: JSON.stringify({ secret: marker }), kid: 'enc-x' });
  const denied = await api.fetch('/pay/deny', { method: 'POST', body: marker });
  t.equal(denied.status, 403);
  // alice's token in the SDK, bob's on the wire: the ath check fails
  const mixed = createRegateClient({ baseUrl: gw.url, token: alice, sessions: false, fetch: (i, init) => {
    const h = new Headers(init?.headers);
    h.set('authorization', `Bearer ${bob}`);
    return fetch(i, { ...init, headers: h });
  } });
  const refused = await mixed.fetch('/pay/x', { method: 'POST', body: marker });
  t.equal(refused.status, 400);
  t.match(await refused.json(), { error: 'GW_ERR_PAYLOAD_DECRYPT', message: 'the encrypted body could not be processed' }, 'the client learns nothing more');
  const all = lines.join('');
  t.ok(lines.length > 0, 'the gateway logged');
  t.notOk(all.includes(marker), 'no plaintext in any log line');
  t.match(all, /ath does not match the access token/, 'the reason is in the log');
});
