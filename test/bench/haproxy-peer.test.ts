/**
 * The HAProxy peer of the bench suite (bench/peers/haproxy.ts, full.cfg.template) does the job its
 * row claims: a valid RS256 token passes; a forged, expired, wrong-issuer, wrong-audience, ES256
 * or missing token gets 401, a token without scope `read` 403; the per-caller stick table answers
 * 429 past the limit (each caller its own bucket); the upstream receives the rewritten path,
 * x-user-id and the basic credential, and no cookie or bearer token — checked on the bytes a raw
 * TCP upstream receives; one JSON log line per request reaches the UDP sink.
 * Skipped, with the reason, where HAProxy is not installed.
 */
import dgram from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { skipWith } from '../helpers/skip.js';
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import { rs256PublicPem, startHaproxy } from '../../bench/peers/haproxy.js';
import { HAPROXY, locateTool } from '../../bench/lib/system-tool.js';

const found = locateTool(HAPROXY);
if (!found) skipWith(t, 'haproxy is not installed (apt-get install -y haproxy): the HAProxy peer cannot be checked here');
else {
  const ISS = 'https://issuer.test';
  const AUD = 'urn:regate:api';
  const dir = mkdtempSync(join(tmpdir(), 'regate-haproxy-peer-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));

  // tokens signed here with jose (no token server: the peer only needs the key)
  const rs = await generateKeyPair('RS256', { extractable: true });
  const rsJwk: JWK = { ...(await exportJWK(rs.privateKey)), alg: 'RS256', kid: 'rs1' };
  const other = await generateKeyPair('RS256');
  const es = await generateKeyPair('ES256');
  const now = Math.floor(Date.now() / 1000);
  const sign = (claims: Record<string, unknown>, key: Parameters<SignJWT['sign']>[0] = rs.privateKey, alg = 'RS256') =>
    new SignJWT({ iss: ISS, aud: AUD, scope: 'read', iat: now, exp: now + 600, ...claims }).setProtectedHeader({ alg, kid: 'rs1', typ: 'at+jwt' }).sign(key);

  // the upstream: raw TCP, keeps every request head it receives, answers 200 with keep-alive
  const heads: string[] = [];
  const upstream = net.createServer((s) => {
    let buf = '';
    s.on('data', (d) => {
      buf += d.toString('latin1');
      let end: number;
      while ((end = buf.indexOf('\r\n\r\n')) >= 0) {
        heads.push(buf.slice(0, end));
        buf = buf.slice(end + 4);
        s.write('HTTP/1.1 200 OK\r\ncontent-length: 3\r\ncontent-type: text/plain\r\n\r\nok\n');
      }
    });
    s.on('error', () => {});
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  t.teardown(() => void upstream.close());

  const logs: string[] = [];
  const sink = dgram.createSocket('udp4');
  sink.on('message', (m) => logs.push(m.toString()));
  await new Promise<void>((r) => sink.bind(0, '127.0.0.1', r));
  t.teardown(() => sink.close());

  const hp = await startHaproxy({
    bin: found.bin,
    kind: 'full',
    dir,
    upstreamUrl: `http://127.0.0.1:${(upstream.address() as net.AddressInfo).port}`,
    cpus: null,
    job: { publicKeyPem: rs256PublicPem([rsJwk]), issuer: ISS, audience: AUD, basic: { username: 'gateway', password: 'bench-secret' }, rateLimit: 3, logPort: sink.address().port },
  });
  t.teardown(() => hp.proc.stop());
  let sent = 0; // requests sent to HAProxy: each must log one line
  const get = async (path: string, token?: string, extra: Record<string, string> = {}) => {
    sent++;
    const res = await fetch(hp.url + path, { headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...extra } });
    return { status: res.status, body: await res.text(), wwwAuth: res.headers.get('www-authenticate') };
  };

  t.test('a valid token passes; the upstream gets the rewritten path, x-user-id and the basic credential', async (t) => {
    heads.length = 0;
    const r = await get('/api/orders/7', await sign({ sub: 'alice', client_id: 'app' }), { cookie: 'session=secret' });
    t.equal(r.status, 200, r.body);
    t.equal(r.body, 'ok\n');
    t.equal(heads.length, 1, 'one request reached the upstream');
    const [line, ...fields] = heads[0]!.split('\r\n');
    t.equal(line, 'GET /users/alice/orders HTTP/1.1', "the policy's path rewrite: /users/<caller>/orders");
    const h = new Map(fields.map((f) => [f.slice(0, f.indexOf(':')).toLowerCase(), f.slice(f.indexOf(':') + 1).trim()]));
    t.equal(h.get('x-user-id'), 'alice');
    t.equal(h.get('authorization'), 'Basic ' + Buffer.from('gateway:bench-secret').toString('base64'), 'the bearer token is replaced by the backend credential');
    t.notOk(h.has('cookie'), 'the cookie is removed');
    t.equal(h.get('x-forwarded-for'), '127.0.0.1');
    t.match(h.get('x-request-id'), /^[0-9a-f-]{36}$/, 'a request id, as regate sends');
  });

  t.test('the caller is client_id when the token has no sub', async (t) => {
    heads.length = 0;
    t.equal((await get('/api/x', await sign({ client_id: 'machine' }))).status, 200);
    t.match(heads[0], /^GET \/users\/machine\/orders HTTP\/1\.1\r\n/);
    t.match(heads[0], /\r\nx-user-id: machine(\r\n|$)/);
  });

  t.test('bad tokens get 401 and never reach the upstream', async (t) => {
    heads.length = 0;
    const good = await sign({ sub: 'alice' });
    const forged = good.slice(0, good.lastIndexOf('.') + 1) + Buffer.alloc(256, 7).toString('base64url');
    const cases: [string, string | undefined][] = [
      ['no token', undefined],
      ['forged signature', forged],
      ['signed by another key', await sign({ sub: 'alice' }, other.privateKey)],
      ['expired', await sign({ sub: 'alice', exp: now - 30 })],
      ['wrong issuer', await sign({ sub: 'alice', iss: 'https://evil.test' })],
      ['wrong audience', await sign({ sub: 'alice', aud: 'urn:other' })],
      ['ES256, not the configured RS256', await sign({ sub: 'alice' }, es.privateKey, 'ES256')],
      ['not a JWT', 'opaque-token'],
    ];
    for (const [name, token] of cases) {
      const r = await get('/api/orders', token);
      t.equal(r.status, 401, name);
      t.match(r.wwwAuth, /^Bearer error="invalid_token"/, `${name}: WWW-Authenticate`);
    }
    t.equal(heads.length, 0, 'the upstream saw none of them');
  });

  t.test("the policy's rule: scope read, GET, /api/ — else 403", async (t) => {
    heads.length = 0;
    t.equal((await get('/api/orders', await sign({ sub: 'carol', scope: 'write' }))).status, 403, 'no read scope');
    t.equal((await get('/api/orders', await sign({ sub: 'carol', scope: 'readonly' }))).status, 403, 'a scope that only starts with read');
    t.equal((await get('/other', await sign({ sub: 'carol' }))).status, 403, 'outside /api/');
    sent++;
    const post = await fetch(hp.url + '/api/orders', { method: 'POST', body: 'x', headers: { authorization: `Bearer ${await sign({ sub: 'carol' })}` } });
    t.equal(post.status, 403, 'not GET');
    await post.text();
    t.equal(heads.length, 0);
    t.equal((await get('/api/orders', await sign({ sub: 'carol', scope: 'write read' }))).status, 200, 'read among other scopes');
  });

  t.test('the rate limit is per caller: the 4th request in the window gets 429, another caller still passes', async (t) => {
    const bob = await sign({ sub: 'bob' });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await get('/api/x', bob)).status);
    t.same(statuses, [200, 200, 200, 429, 429]);
    t.equal((await get('/api/x', await sign({ sub: 'dave' }))).status, 200, 'dave has his own bucket');
  });

  t.test('one JSON log line per request, answered or refused, reaches the sink', async (t) => {
    await get('/api/log-check', await sign({ sub: 'erin' }));
    // UDP datagrams arrive after the answers: wait (bounded) for as many as requests were sent
    for (let i = 0; i < 100 && logs.length < sent; i++) await new Promise((r) => setTimeout(r, 20));
    t.equal(logs.length, sent, 'one datagram per request');
    // JSON.parse throws on a line that is not one JSON object after the syslog header
    const entries = logs.map((l) => JSON.parse(l.slice(l.indexOf('{'))) as Record<string, unknown>);
    t.match(entries.find((e) => e.sub === 'erin'), { id: /^[0-9a-f-]{36}$/, method: 'GET', path: '/api/log-check', status: 200, client_id: '-' });
    t.ok(entries.some((e) => e.status === 401) && entries.some((e) => e.status === 403) && entries.some((e) => e.status === 429), 'refusals are logged too');
  });
}
