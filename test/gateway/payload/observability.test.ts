/**
 * The payload stage's metrics and spans (README "Telemetry"): a real gateway exporting to a real
 * OTLP receiver; SDK calls (ECDH with a session grant, then `dir`), a plaintext refused on
 * `required` and passed on `optional`, a tampered JWE, an answer too large to seal. Each outcome
 * is counted once under its stable code, the labels come from fixed sets, and each request on an
 * encrypted route has a `payload` child span saying how it was opened.
 */
import t from 'tap';
import { createRegateClient } from '../../../src/client/index.js';
import { startOtlpReceiver } from '../telemetry/otlp-receiver.js';
import { signToken, startPayloadGateway, startRecorder, writeKey } from './harness.js';

const up = await startRecorder();
const otlp = await startOtlpReceiver();
const gw = await startPayloadGateway(up.url, [['enc-obs', writeKey('enc-obs', 'ec256')]], {
  payload: 'max_response_bytes: 2000',
  telemetry: `telemetry: { otlp_endpoint: "${otlp.url}", sample_ratio: 1 }`,
});
t.teardown(async () => {
  await gw.close();
  await up.close();
  await otlp.close();
});

async function values(name: string): Promise<{ labels: Record<string, string | number>; value: number }[]> {
  const m = await gw.registry.getSingleMetric(name)?.get();
  return (m?.values ?? []) as { labels: Record<string, string | number>; value: number }[];
}
const count = async (name: string, labels: Record<string, string>) =>
  (await values(name)).filter((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x)).reduce((a, v) => a + v.value, 0);

t.test('counts by result and code; payload spans with the key management', async (t) => {
  const alice = await signToken('alice');
  const api = createRegateClient({ baseUrl: gw.url, token: alice });
  const json = { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":1}' };
  t.equal((await api.fetch('/pay/one', json)).status, 200, 'first call: ECDH, a session granted');
  t.ok(api.sessionKid, 'the SDK holds a session');
  t.equal((await api.fetch('/pay/two', json)).status, 200, 'second call: dir');
  const plain = await fetch(`${gw.url}/pay/x`, { ...json, headers: { ...json.headers, authorization: `Bearer ${alice}` } });
  t.equal(plain.status, 415, 'plaintext on required');
  const optional = await fetch(`${gw.url}/opt/x`, { ...json, headers: { ...json.headers, authorization: `Bearer ${alice}` } });
  t.equal(optional.status, 200, 'plaintext on optional');
  const junk = await fetch(`${gw.url}/pay/x`, { method: 'POST', headers: { 'content-type': 'application/jose', authorization: `Bearer ${alice}` }, body: 'a.b.c.d.e' });
  t.equal(junk.status, 400, 'a JWE that does not open');
  const big = await api.fetch('/pay/big?n=5000', { method: 'POST', body: '{}' });
  t.equal(big.status, 502, 'an answer over max_response_bytes');

  const req = (result: string, alg = '-') => count('regate_payload_requests_total', { route: 'pay', alg, result });
  t.equal(await req('decrypted', 'ECDH-ES+A256KW'), 1, 'one ECDH request');
  t.equal(await req('decrypted', 'dir'), 2, 'two session requests (the dir call and the big one)');
  t.equal(await req('GW_ERR_PAYLOAD_REQUIRED'), 1);
  t.equal(await req('GW_ERR_PAYLOAD_DECRYPT'), 1);
  t.equal(await count('regate_payload_requests_total', { route: 'opt', result: 'plaintext' }), 1);
  t.equal(await count('regate_payload_answers_total', { route: 'pay', to: 'rsp', result: 'sealed' }), 1);
  t.equal(await count('regate_payload_answers_total', { route: 'pay', to: 'session', result: 'sealed' }), 1);
  t.equal(await count('regate_payload_answers_total', { route: 'pay', to: 'session', result: 'GW_ERR_PAYLOAD_RESPONSE_TOO_LARGE' }), 1, 'the refused answer counted once, not again as the sealed error that replaced it');
  t.equal(await count('regate_payload_sessions_issued_total', {}), 1);
  const labelValues = new Set((await values('regate_payload_requests_total')).flatMap((v) => [String(v.labels['alg']), String(v.labels['result'])]));
  t.same([...labelValues].filter((v) => !/^(-|dir|ECDH-ES(\+A256KW)?|RSA-OAEP-256|decrypted|plaintext|GW_ERR_[A-Z_]+)$/.test(v)), [], 'labels from fixed sets only');

  await gw.flush();
  for (let i = 0; i < 200 && otlp.spans.filter((s) => s.name === 'payload').length < 6; i++) await new Promise((r) => setTimeout(r, 25));
  const spans = otlp.spans.filter((s) => s.name === 'payload');
  t.equal(spans.length, 6, 'one payload span per request on an encrypted route (pay ×5, opt ×1)');
  for (const s of spans) t.equal(s.kind, 1, 'internal');
  const servers = new Map(otlp.spans.filter((s) => s.kind === 2).map((s) => [s.spanId, s]));
  t.ok(spans.every((s) => servers.has(s.parentSpanId)), 'children of the server spans');
  const opened = spans.filter((s) => s.attributes['regate.payload.encrypted'] === true);
  t.same(opened.map((s) => s.attributes['regate.payload.alg']).sort(), ['ECDH-ES+A256KW', 'dir', 'dir']);
  t.ok(opened.every((s) => s.attributes['regate.payload.sealed_answer'] === true));
  t.equal(opened.filter((s) => s.attributes['regate.payload.session'] === true).length, 2);
  t.notOk(spans.some((s) => Object.values(s.attributes).some((v) => String(v).startsWith('s.'))), 'no session kid in a span');
  const refused = spans.filter((s) => typeof s.attributes['error.type'] === 'string').map((s) => s.attributes['error.type']).sort();
  t.same(refused, ['GW_ERR_PAYLOAD_DECRYPT', 'GW_ERR_PAYLOAD_REQUIRED'], 'refusals carry their code');
  t.ok(spans.every((s) => s.status.code !== 2), 'a refusal (4xx) is not an error status');
  t.equal(spans.filter((s) => s.attributes['regate.payload.encrypted'] === false).length, 1, 'the optional plaintext one');
});
