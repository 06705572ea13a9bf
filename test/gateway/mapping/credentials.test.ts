import t from 'tap';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { createCredentials, gatewayJwks, verifyHmacSignature, contentDigest } from '../../../src/gateway/mapping/credentials/index.js';

t.test('basic credentials produce RFC 7617 header', async (t) => {
  const creds = await createCredentials({ car: { type: 'basic', username: 'gateway', password: 's3cret' } });
  const h = creds.get('car')!.headersFor({ method: 'GET', authority: 'car:80', target: '/' }) as Record<string, string>;
  t.equal(h.authorization, 'Basic ' + Buffer.from('gateway:s3cret').toString('base64'));
  await t.rejects(createCredentials({ x: { type: 'basic', username: 'a:b', password: 'p' } }), TypeError);
  await t.rejects(createCredentials({ x: { type: 'magic' } }), TypeError);
});

t.test('gateway JWT is verifiable with the gateway JWKS and cached per subject', async (t) => {
  const creds = await createCredentials({ id: { type: 'jwt', issuer: 'https://regate.local', audience: 'home-api', ttl_s: 60, alg: 'ES256' } });
  const cred = creds.get('id')!;
  const req = { method: 'GET', authority: 'home:80', target: '/home', sub: 'u1', clientId: 'mobile-app', scope: ['home:read'] };
  const first = await cred.headersFor(req);
  const second = cred.headersFor(req);
  t.notOk(typeof (second as Promise<unknown>).then === 'function', 'second call is served from the cache synchronously');
  t.same(second, first);
  const token = first.authorization!.replace(/^Bearer /, '');
  const { payload, protectedHeader } = await jwtVerify(token, createLocalJWKSet(gatewayJwks(creds) as never), { issuer: 'https://regate.local', audience: 'home-api' });
  t.equal(payload.sub, 'u1');
  t.equal(payload.client_id, 'mobile-app');
  t.equal(protectedHeader.alg, 'ES256');
  const other = await cred.headersFor({ ...req, sub: 'u2' });
  t.not(other.authorization, first.authorization, 'another subject gets its own token');
});

t.test('HMAC HTTP message signature round-trips and detects tampering', async (t) => {
  const secret = 'a-very-long-shared-secret';
  const creds = await createCredentials({ sig: { type: 'hmac', key_id: 'gw1', secret } });
  const body = Buffer.from('{"a":1}');
  const req = { method: 'POST', authority: 'orders.internal:8080', target: '/orders?x=1', contentDigest: contentDigest(body) };
  const h = creds.get('sig')!.headersFor(req) as Record<string, string>;
  t.match(h['signature-input'], /^sig1=\("@method" "@authority" "@path" "@query" "content-digest"\);created=\d+;keyid="gw1";alg="hmac-sha256"$/);
  const verify = (over: Partial<typeof req> & { headers?: Record<string, string>; body?: Buffer }) =>
    verifyHmacSignature({ method: over.method ?? req.method, authority: over.authority ?? req.authority, target: over.target ?? req.target, headers: over.headers ?? h, body: over.body ?? body }, { gw1: secret });
  t.equal(verify({}).ok, true);
  t.equal(verify({ method: 'DELETE' }).ok, false, 'method is covered');
  t.equal(verify({ target: '/orders?x=2' }).ok, false, 'query is covered');
  t.equal(verify({ target: '/admin?x=1' }).ok, false, 'path is covered');
  t.equal(verify({ body: Buffer.from('{"a":2}') }).ok, false, 'body is covered by content-digest');
  t.equal(verifyHmacSignature({ ...req, headers: h, body }, { gw1: 'another-secret-entirely' }).ok, false, 'wrong secret');
  await t.rejects(createCredentials({ s: { type: 'hmac', key_id: 'k', secret: 'short' } }), TypeError);
});
