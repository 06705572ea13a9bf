/**
 * Payload encryption end to end (issue #18): the regate/client SDK → a real gateway → a real
 * upstream that records the bytes it got, and back; hand-made JWEs for every refusal.
 */
import { randomBytes } from 'node:crypto';
import t, { type Test } from 'tap';
import { CompactEncrypt, base64url, compactDecrypt, decodeProtectedHeader, generateKeyPair, importJWK, type JWK } from 'jose';
import { createRegateClient } from '../../../src/client/index.js';
import { accessTokenHash } from '../../../src/gateway/payload/open-request.js';
import { signToken, startPayloadGateway, startRecorder, writeKey } from './harness.js';

const up = await startRecorder();
const ecFile = writeKey('enc-ec', 'ec256');
const rsaFile = writeKey('enc-rsa', 'rsa');
const gw = await startPayloadGateway(up.url, [['enc-ec', ecFile]]);
t.teardown(async () => {
  await gw.close();
  await up.close();
});
const alice = await signToken('alice');
const bob = await signToken('bob');

/** a fetch that records what went over the wire (the JWE bodies and the sealed answers) */
function wireFetch() {
  const wire: { req: { url: string; headers: Headers; body: string | undefined }; res: { status: number; type: string | null; body: string } }[] = [];
  const f: typeof fetch = async (input, init) => {
    const res = await fetch(input, init);
    const body = await res.clone().text();
    wire.push({ req: { url: String(input), headers: new Headers(init?.headers), body: typeof init?.body === 'string' ? init.body : undefined }, res: { status: res.status, type: res.headers.get('content-type'), body } });
    return res;
  };
  return { f, wire };
}

async function gatewayKey(url: string): Promise<{ kid: string; alg: string; key: Awaited<ReturnType<typeof importJWK>> }> {
  const { keys } = (await (await fetch(`${url}/.well-known/regate/jwks.json`)).json()) as { keys: JWK[] };
  const k = keys[0]!;
  return { kid: k.kid!, alg: k.alg!, key: await importJWK(k, k.alg) };
}

/** A JWE as the SDK would make it, with header fields overridden. */
async function makeJwe(url: string, token: string | undefined, body: string, over: Record<string, unknown> = {}, key?: Parameters<CompactEncrypt['encrypt']>[0]): Promise<string> {
  const gk = await gatewayKey(url);
  const header = { alg: gk.alg, enc: 'A256GCM', kid: gk.kid, cty: 'application/json', iat: Math.floor(Date.now() / 1000), jti: base64url.encode(randomBytes(18)), ...(token ? { ath: accessTokenHash(token) } : {}), ...over };
  return new CompactEncrypt(new TextEncoder().encode(body)).setProtectedHeader(header as never).encrypt(key ?? gk.key);
}

const post = (url: string, body: string, token?: string, type = 'application/jose') =>
  fetch(url, { method: 'POST', headers: { 'content-type': type, ...(token ? { authorization: `Bearer ${token}` } : {}) }, body });

async function refusedWith(t: Test, res: Response, status: number, code: string, what: string) {
  t.equal(res.status, status, `${what}: ${status}`);
  const j = (await res.json()) as { error?: string; message?: string };
  t.equal(j.error, code, `${what}: ${code}`);
}

t.test('JWKS on the data listener: public keys, use enc, cacheable', async (t) => {
  const res = await fetch(`${gw.url}/.well-known/regate/jwks.json`);
  t.equal(res.status, 200);
  t.match(res.headers.get('cache-control'), /max-age=300/);
  const { keys } = (await res.json()) as { keys: JWK[] };
  t.equal(keys.length, 1);
  t.match(keys[0], { kid: 'enc-ec', use: 'enc', kty: 'EC', crv: 'P-256', alg: 'ECDH-ES+A256KW' });
  t.notOk('d' in keys[0]!, 'no private part');
});

t.test('SDK → gateway → upstream and back (EC key), then a session (dir)', async (t) => {
  const { f, wire } = wireFetch();
  const api = createRegateClient({ baseUrl: gw.url, token: alice, fetch: f });
  const before = up.seen.length;
  const res = await api.fetch('/pay/orders', { method: 'POST', body: JSON.stringify({ amount: 12 }), headers: { 'content-type': 'application/json' } });
  t.equal(res.status, 200);
  t.equal(res.headers.get('content-type'), 'application/json', 'the SDK gives back the original media type');
  const j = (await res.json()) as { got: string; type: string; kid: string };
  t.same(j, { got: '{"amount":12}', path: '/pay/orders', type: 'application/json', kid: 'enc-ec' }, 'upstream got plaintext, cty, and the policy saw the key id');
  const rec = up.seen[before]!;
  t.equal(rec.body.toString(), '{"amount":12}', 'the upstream recorded the plaintext bytes');
  t.equal(rec.headers['content-length'], '13');
  t.equal(rec.headers['authorization'], undefined, 'no bearer token upstream');
  const first = wire.at(-1)!;
  t.equal(first.res.type, 'application/jose', 'the answer was sealed on the wire');
  t.notMatch(first.res.body, /amount/, 'no plaintext on the wire');
  t.notMatch(first.req.body ?? '', /amount/);
  t.equal(decodeProtectedHeader(first.req.body!).alg, 'ECDH-ES+A256KW');
  t.ok(api.sessionKid, 'the gateway granted a session');

  const res2 = await api.fetch('/pay/orders', { method: 'POST', body: '{"amount":13}', headers: { 'content-type': 'application/json' } });
  t.equal(res2.status, 200);
  t.equal(((await res2.json()) as { got: string }).got, '{"amount":13}');
  const second = wire.at(-1)!;
  t.match(decodeProtectedHeader(second.req.body!), { alg: 'dir', kid: api.sessionKid }, 'steady state: dir with the session key');
  t.match(decodeProtectedHeader(second.res.body), { alg: 'dir', kid: api.sessionKid }, 'answer sealed with the session key');

  // The session is bound to the token it was granted under. A session granted by hand, so the
  // test holds its key: the refusals below are the binding's, not a wrong key's.
  const rsp = await generateKeyPair('ECDH-ES+A256KW', { crv: 'P-256', extractable: true });
  const { exportJWK } = await import('jose');
  const pub = await exportJWK(rsp.publicKey);
  const granted = await post(`${gw.url}/pay/grant`, await makeJwe(gw.url, alice, '{}', { rsp: { kty: pub.kty, crv: pub.crv, x: pub.x, y: pub.y }, ses: 'new' }), alice);
  t.equal(granted.status, 200);
  const grant = JSON.parse(new TextDecoder().decode((await compactDecrypt(granted.headers.get('regate-session')!, rsp.privateKey)).plaintext)) as { kid: string; k: string; exp: number };
  t.match(grant, { kid: /^s\./, k: /^[A-Za-z0-9_-]{43}$/ }, 'a 256-bit session key');
  const inSession = (token: string) =>
    new CompactEncrypt(new TextEncoder().encode('{"s":1}')).setProtectedHeader({ alg: 'dir', enc: 'A256GCM', kid: grant.kid, cty: 'application/json', iat: Math.floor(Date.now() / 1000), jti: base64url.encode(randomBytes(18)), ath: accessTokenHash(token) } as never).encrypt(base64url.decode(grant.k));
  const own = await post(`${gw.url}/pay/x`, await inSession(alice), alice);
  t.equal(own.status, 200, 'the session works under its token');
  t.match(decodeProtectedHeader(await own.text()), { alg: 'dir', kid: grant.kid }, 'and its answer is sealed with it');
  await refusedWith(t, await post(`${gw.url}/pay/x`, await inSession(bob), bob), 400, 'GW_ERR_PAYLOAD_DECRYPT', 'the session under another user\'s token');
  const alice2 = await signToken('alice', { jti: 'second-token' });
  await refusedWith(t, await post(`${gw.url}/pay/x`, await inSession(alice2), alice2), 400, 'GW_ERR_PAYLOAD_DECRYPT', "the session under alice's next token (another jti)");
  const again = createRegateClient({ baseUrl: gw.url, token: alice2 });
  t.equal((await again.fetch('/pay/orders', { method: 'POST', body: '{}' })).status, 200, 'the new token gets its own session');
});

t.test('SDK round trip with an RSA key (RSA-OAEP-256)', async (t) => {
  const g = await startPayloadGateway(up.url, [['enc-rsa', rsaFile]]);
  t.teardown(() => g.close());
  const { f, wire } = wireFetch();
  const api = createRegateClient({ baseUrl: g.url, token: alice, fetch: f, sessions: false });
  const res = await api.fetch('/pay/rsa', { method: 'POST', body: 'hello', headers: { 'content-type': 'text/plain' } });
  t.equal(res.status, 200);
  t.match(await res.json(), { got: 'hello', type: 'text/plain', kid: 'enc-rsa' });
  t.equal(decodeProtectedHeader(wire.at(-1)!.req.body!).alg, 'RSA-OAEP-256');
  t.equal(api.sessionKid, undefined, 'no session when not asked for');
});

t.test('key rotation: old key still decrypts; a client with a stale JWKS retries once', async (t) => {
  const newFile = writeKey('enc-new', 'ec384');
  let target = gw.url;
  const { f, wire } = wireFetch();
  const routed: typeof fetch = (input, init) => f(String(input).replace(/^http:\/\/127\.0\.0\.1:\d+/, target), init);
  const api = createRegateClient({ baseUrl: gw.url, token: alice, fetch: routed, sessions: false });
  t.equal((await api.fetch('/pay/r', { method: 'POST', body: 'a' })).status, 200, 'JWKS cached: enc-ec');

  // the in-flight case: a JWE made for enc-ec reaches a gateway that rotated to [enc-new, enc-ec]
  const inFlight = await makeJwe(gw.url, alice, '"in flight"');
  const rotated = await startPayloadGateway(up.url, [['enc-new', newFile], ['enc-ec', 'enc-ec.pem']]);
  t.teardown(() => rotated.close());
  t.equal((await post(`${rotated.url}/pay/r`, inFlight, alice)).status, 200, 'a request in flight to the old key still decrypts');
  const { keys } = (await (await fetch(`${rotated.url}/.well-known/regate/jwks.json`)).json()) as { keys: JWK[] };
  t.same(keys.map((k) => k.kid), ['enc-new', 'enc-ec'], 'the new key is advertised first');

  target = rotated.url;
  t.equal((await api.fetch('/pay/r', { method: 'POST', body: 'b' })).status, 200, 'stale JWKS still fine while the old key is listed');

  const removed = await startPayloadGateway(up.url, [['enc-new', newFile]]);
  t.teardown(() => removed.close());
  target = removed.url;
  const n = wire.length;
  const res = await api.fetch('/pay/r', { method: 'POST', body: 'c' });
  t.equal(res.status, 200, 'after the old key is removed the SDK refetches the JWKS and retries once');
  const calls = wire.slice(n).map((w) => `${w.res.status} ${new URL(w.req.url).pathname}`);
  t.same(calls, ['400 /pay/r', '200 /.well-known/regate/jwks.json', '200 /pay/r']);
});

t.test('replays are refused (same instance)', async (t) => {
  const jwe = await makeJwe(gw.url, alice, '{"n":1}');
  t.equal((await post(`${gw.url}/pay/replay`, jwe, alice)).status, 200);
  await refusedWith(t, await post(`${gw.url}/pay/replay`, jwe, alice), 400, 'GW_ERR_PAYLOAD_DECRYPT', 'the same JWE again');
  const old = await makeJwe(gw.url, alice, '{}', { iat: Math.floor(Date.now() / 1000) - 3600 });
  await refusedWith(t, await post(`${gw.url}/pay/replay`, old, alice), 400, 'GW_ERR_PAYLOAD_DECRYPT', 'iat outside the window');
});

t.test('replays are refused across instances sharing Redis', async (t) => {
  const prefix = `pe-test-${process.pid}-${Date.now()}`;
  const redis = `redis: { url: "redis://127.0.0.1:6379", prefix: ${prefix} }`;
  const a = await startPayloadGateway(up.url, [['enc-ec', 'enc-ec.pem']], { redis });
  const b = await startPayloadGateway(up.url, [['enc-ec', 'enc-ec.pem']], { redis });
  t.teardown(async () => {
    await a.close();
    await b.close();
  });
  const jwe = await makeJwe(a.url, alice, '{"n":2}');
  t.equal((await post(`${a.url}/pay/x`, jwe, alice)).status, 200, 'first on instance A');
  await refusedWith(t, await post(`${b.url}/pay/x`, jwe, alice), 400, 'GW_ERR_PAYLOAD_DECRYPT', 'the same JWE on instance B');
  // a session granted by A works on B (Redis holds it, sealed)
  const api = createRegateClient({ baseUrl: a.url, token: alice });
  t.equal((await api.fetch('/pay/s', { method: 'POST', body: '1' })).status, 200);
  const kid = api.sessionKid;
  t.ok(kid);
  let target = a.url;
  const apiB = createRegateClient({ baseUrl: a.url, token: alice, fetch: (i, init) => fetch(String(i).replace(a.url, target), init) });
  t.equal((await apiB.fetch('/pay/s', { method: 'POST', body: '2' })).status, 200, 'B-client gets its own session from A');
  target = b.url;
  const { f, wire } = wireFetch();
  const viaB = createRegateClient({ baseUrl: a.url, token: alice, fetch: (i, init) => f(String(i).replace(a.url, target), init) });
  target = a.url;
  t.equal((await viaB.fetch('/pay/s', { method: 'POST', body: '3' })).status, 200, 'session from A');
  target = b.url;
  const res = await viaB.fetch('/pay/s', { method: 'POST', body: '4' });
  t.equal(res.status, 200, 'and used on B');
  t.equal(decodeProtectedHeader(wire.at(-1)!.req.body!).alg, 'dir', 'B accepted the session A granted (no retry)');
});

t.test('ath: the body is bound to the token it travels with', async (t) => {
  const jwe = await makeJwe(gw.url, alice, '{}');
  await refusedWith(t, await post(`${gw.url}/pay/x`, jwe, bob), 400, 'GW_ERR_PAYLOAD_DECRYPT', "alice's body with bob's token");
  const noAth = await makeJwe(gw.url, undefined, '{}');
  await refusedWith(t, await post(`${gw.url}/pay/x`, noAth, alice), 400, 'GW_ERR_PAYLOAD_DECRYPT', 'no ath on an authenticated route');
});

t.test('tampered, wrong key, alg none, dir without session, oversized, zip: refused, gateway unharmed', async (t) => {
  const good = await makeJwe(gw.url, alice, '{"ok":true}');
  const parts = good.split('.');
  const ct = Buffer.from(parts[3]!, 'base64url');
  ct[0] = ct[0]! ^ 1;
  const tampered = [parts[0], parts[1], parts[2], ct.toString('base64url'), parts[4]].join('.');
  await refusedWith(t, await post(`${gw.url}/pay/x`, tampered, alice), 400, 'GW_ERR_PAYLOAD_DECRYPT', 'tampered ciphertext');
  const tagCut = [parts[0], parts[1], parts[2], parts[3], ''].join('.');
  await refusedWith(t, await post(`${gw.url}/pay/x`, tagCut, alice), 400, 'GW_ERR_PAYLOAD_DECRYPT', 'no tag');

  const other = await generateKeyPair('ECDH-ES+A256KW', { crv: 'P-256' });
  await refusedWith(t, await post(`${gw.url}/pay/x`, await makeJwe(gw.url, alice, '{}', {}, other.publicKey), alice), 400, 'GW_ERR_PAYLOAD_DECRYPT', 'encrypted to another key under our kid');
  await refusedWith(t, await post(`${gw.url}/pay/x`, await makeJwe(gw.url, alice, '{}', { kid: 'nope' }), alice), 400, 'GW_ERR_PAYLOAD_DECRYPT', 'unknown kid');

  const none = [Buffer.from(JSON.stringify({ alg: 'none', enc: 'A256GCM', kid: 'enc-ec', iat: Math.floor(Date.now() / 1000), jti: base64url.encode(randomBytes(18)), ath: accessTokenHash(alice) })).toString('base64url'), '', '', Buffer.from('{"x":1}').toString('base64url'), ''].join('.');
  await refusedWith(t, await post(`${gw.url}/pay/x`, none, alice), 400, 'GW_ERR_PAYLOAD_DECRYPT', 'alg none');
  const dir = await makeJwe(gw.url, alice, '{}', { alg: 'dir', kid: 's.unknown' }, randomBytes(32));
  await refusedWith(t, await post(`${gw.url}/pay/x`, dir, alice), 400, 'GW_ERR_PAYLOAD_DECRYPT', 'dir without a session');
  const dirGatewayKid = await makeJwe(gw.url, alice, '{}', { alg: 'dir' }, randomBytes(32));
  await refusedWith(t, await post(`${gw.url}/pay/x`, dirGatewayKid, alice), 400, 'GW_ERR_PAYLOAD_DECRYPT', 'dir under a gateway kid');
  const a128 = await makeJwe(gw.url, alice, '{}', { enc: 'A128GCM' });
  await refusedWith(t, await post(`${gw.url}/pay/x`, a128, alice), 400, 'GW_ERR_PAYLOAD_DECRYPT', 'enc other than A256GCM');

  // a deflate bomb: 5 MB of zeros in a few kB
  const gk = await gatewayKey(gw.url);
  const bomb = await new CompactEncrypt(new Uint8Array(5 * 1024 * 1024))
    .setProtectedHeader({ alg: gk.alg, enc: 'A256GCM', zip: 'DEF', kid: gk.kid, iat: Math.floor(Date.now() / 1000), jti: base64url.encode(randomBytes(18)), ath: accessTokenHash(alice) } as never)
    .encrypt(gk.key);
  t.ok(bomb.length < 100_000, 'the bomb is small on the wire');
  await refusedWith(t, await post(`${gw.url}/pay/x`, bomb, alice), 400, 'GW_ERR_PAYLOAD_DECRYPT', 'zip');

  const big = await makeJwe(gw.url, alice, 'x'.repeat(1024 * 1024 + 10));
  await refusedWith(t, await post(`${gw.url}/pay/x`, big, alice), 413, 'GW_ERR_PAYLOAD_TOO_LARGE', 'oversized JWE');
  await refusedWith(t, await post(`${gw.url}/pay/x`, 'not.a.jwe', alice), 400, 'GW_ERR_PAYLOAD_DECRYPT', 'garbage');
  await refusedWith(t, await post(`${gw.url}/pay/x`, 'a.b.c.d.e', alice), 400, 'GW_ERR_PAYLOAD_DECRYPT', 'five garbage parts');

  const after = await post(`${gw.url}/pay/x`, good, alice);
  t.equal(after.status, 200, 'the gateway still serves a good request');
});

t.test('required vs optional vs off', async (t) => {
  await refusedWith(t, await post(`${gw.url}/pay/x`, '{"a":1}', alice, 'application/json'), 415, 'GW_ERR_PAYLOAD_REQUIRED', 'plaintext on required');
  const before = up.seen.length;
  const opt = await post(`${gw.url}/opt/x`, '{"a":1}', alice, 'application/json');
  t.equal(opt.status, 200, 'plaintext on optional passes');
  t.equal(opt.headers.get('content-type'), 'application/json', 'and its answer is not sealed');
  t.equal(up.seen[before]!.body.toString(), '{"a":1}');
  const enc = await post(`${gw.url}/opt/x`, await makeJwe(gw.url, alice, '{"b":2}'), alice);
  t.equal(enc.status, 200, 'an encrypted body on optional is opened');
  t.equal(up.seen.at(-1)!.body.toString(), '{"b":2}');
  const off = await post(`${gw.url}/plain/x`, 'eyJ.x.y.z.w', alice);
  t.equal(off.status, 200, 'off: application/jose passes as is');
  t.equal(up.seen.at(-1)!.body.toString(), 'eyJ.x.y.z.w');
  await refusedWith(t, await fetch(`${gw.url}/pay/x`, { headers: { authorization: `Bearer ${alice}` } }), 415, 'GW_ERR_PAYLOAD_REQUIRED', 'a bodyless request without Regate-JWE on required');
  const getOpt = await fetch(`${gw.url}/opt/x`, { headers: { authorization: `Bearer ${alice}` } });
  t.equal(getOpt.status, 200, 'a bodyless plaintext request on optional passes');
  const openRoute = await post(`${gw.url}/open/x`, await makeJwe(gw.url, undefined, 'anon'));
  t.equal(openRoute.status, 200, 'auth: none route: no ath needed');
});

t.test('encrypted error answers and the answer size bound', async (t) => {
  const { f, wire } = wireFetch();
  const api = createRegateClient({ baseUrl: gw.url, token: alice, fetch: f, sessions: false });
  const denied = await api.fetch('/pay/deny', { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
  t.equal(denied.status, 403);
  t.equal(wire.at(-1)!.res.type, 'application/jose', 'the gateway error was sealed on the wire');
  t.match(await denied.json(), { error: 'GW_ERR_FORBIDDEN' }, 'the SDK opens it');

  const upErr = await api.fetch('/pay/status/500', { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
  t.equal(upErr.status, 500, 'an upstream error status passes, sealed');
  t.equal(wire.at(-1)!.res.type, 'application/jose');

  const ok = await api.fetch('/pay/big?n=5000', { method: 'POST', body: '{}' });
  t.equal(ok.status, 200);
  t.equal((await ok.arrayBuffer()).byteLength, 5000);
  const tooBig = await api.fetch('/pay/big?n=2000000', { method: 'POST', body: '{}' });
  t.equal(tooBig.status, 502);
  t.match(await tooBig.json(), { error: 'GW_ERR_PAYLOAD_RESPONSE_TOO_LARGE' });

  const g = await startPayloadGateway(up.url, [['enc-ec', 'enc-ec.pem']], { payload: 'max_response_bytes: 1000\n  oversize: pass' });
  t.teardown(() => g.close());
  const passApi = createRegateClient({ baseUrl: g.url, token: alice, sessions: false });
  const passed = await passApi.fetch('/pay/big?n=3000', { method: 'POST', body: '{}' });
  t.equal(passed.status, 200, 'oversize: pass relays it');
  t.equal(passed.headers.get('content-type'), 'application/octet-stream', 'unsealed');
  t.equal((await passed.arrayBuffer()).byteLength, 3000);

  // the answer opens only with the rsp key, and names the request it answers
  const rsp = await generateKeyPair('ECDH-ES+A256KW', { crv: 'P-256', extractable: true });
  const { exportJWK } = await import('jose');
  const pub = await exportJWK(rsp.publicKey);
  const jwe = await makeJwe(gw.url, alice, '{"q":1}', { rsp: { kty: pub.kty, crv: pub.crv, x: pub.x, y: pub.y }, jti: 'request-id-0123456789' });
  const raw = await post(`${gw.url}/pay/x`, jwe, alice);
  const text = await raw.text();
  const opened = await compactDecrypt(text, rsp.privateKey);
  t.match(opened.protectedHeader, { alg: 'ECDH-ES+A256KW', enc: 'A256GCM', cty: 'application/json', req: 'request-id-0123456789' });
  t.match(JSON.parse(new TextDecoder().decode(opened.plaintext)), { got: '{"q":1}' });
});

t.test('bodyless requests: the JWE in Regate-JWE, the answer sealed, no replay', async (t) => {
  const { f, wire } = wireFetch();
  const api = createRegateClient({ baseUrl: gw.url, token: alice, fetch: f });
  const before = up.seen.length;
  const res = await api.fetch('/pay/items?x=1');
  t.equal(res.status, 200, 'the policy saw an encrypted request');
  t.match(await res.json(), { got: '', path: '/pay/items', kid: 'enc-ec' });
  const rec = up.seen[before]!;
  t.equal(rec.method, 'GET');
  t.equal(rec.headers['regate-jwe'], undefined, 'the upstream never sees the JWE header');
  t.equal(rec.headers['content-length'], undefined, 'nor a made-up body length');
  t.equal(wire.at(-1)!.res.type, 'application/jose', 'the answer was sealed');
  t.ok(api.sessionKid, 'a GET can open a session too');
  const again = await api.fetch('/pay/items');
  t.equal(again.status, 200);
  const head = wire.at(-1)!.req.headers.get('regate-jwe')!;
  t.equal(decodeProtectedHeader(head).alg, 'dir', 'in the session');
  await refusedWith(t, await fetch(`${gw.url}/pay/items`, { headers: { authorization: `Bearer ${alice}`, 'regate-jwe': head } }), 400, 'GW_ERR_PAYLOAD_DECRYPT', 'the same Regate-JWE again');
  const withBody = await makeJwe(gw.url, alice, 'not empty');
  await refusedWith(t, await fetch(`${gw.url}/pay/items`, { headers: { authorization: `Bearer ${alice}`, 'regate-jwe': withBody } }), 400, 'GW_ERR_PAYLOAD_DECRYPT', 'a Regate-JWE must seal nothing');
  const del = await api.fetch('/pay/items/1', { method: 'DELETE' });
  t.equal(del.status, 200, 'DELETE too');
});
