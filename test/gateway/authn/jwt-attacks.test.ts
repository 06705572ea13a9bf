/**
 * The JWT attack suite (RFC 8725 §2): every forged or unacceptable token is refused with the
 * right status and code, against a real oidc-provider's JWKS.
 */
import { createPublicKey } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import t, { type Test } from 'tap';
import { createAuthenticateStage } from '../../../src/gateway/authn/index.js';
import { startTokenServer } from '../../helpers/oidc-provider.js';
import { bearer, createDeps, makeContext, runStage } from './stage-harness.js';
import { tokensSection } from '../../helpers/config-sections.js';

const ts = await startTokenServer();
t.teardown(() => ts.stop());
const { deps } = createDeps();
const stage = createAuthenticateStage(tokensSection({ jwt: { jwks_uri: ts.jwksUri, issuer: ts.issuer, audience: ts.audience, typ: 'at+jwt' } }), deps);
t.teardown(() => stage.close());

// An attacker-controlled key server on 127.0.0.1: it must never be asked for anything.
const attacker = await generateKeyPair('RS256', { extractable: true });
const attackerJwk = { ...(await exportJWK(attacker.publicKey)), kid: 'attacker', alg: 'RS256', use: 'sig' };
let attackerHits = 0;
const attackerServer = createServer((_req, res) => {
  attackerHits++;
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [attackerJwk] }));
});
await new Promise<void>((r) => attackerServer.listen(0, '127.0.0.1', r));
t.teardown(() => new Promise<void>((r) => attackerServer.close(() => r())));
const attackerUrl = `http://127.0.0.1:${(attackerServer.address() as AddressInfo).port}/jwks`;

const now = Math.floor(Date.now() / 1000);
const good = { iss: ts.issuer, aud: ts.audience, sub: 'victim', client_id: 'demo-app', scope: 'admin', iat: now, exp: now + 300 };
const realKid = ts.keys.find((k) => k.alg === 'RS256')!.kid!;
const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');

async function refused(t: Test, token: string, code: string, status: number, what: string) {
  const r = await runStage(stage, makeContext({ authorization: bearer(token) }));
  t.notOk(r.ok, `${what}: refused`);
  if (!r.ok) {
    t.equal(r.error.code, code, `${what}: code`);
    t.equal(r.error.status, status, `${what}: status`);
  }
}

t.test('sanity: the well-formed token is accepted (so refusals below are for the attack)', async (t) => {
  const r = await runStage(stage, makeContext({ authorization: bearer(await ts.signJwt(good)) }));
  t.ok(r.ok);
});

t.test('alg none', async (t) => {
  for (const alg of ['none', 'None', 'NONE', 'nOnE']) {
    const token = `${b64({ alg, typ: 'at+jwt', kid: realKid })}.${b64(good)}.`;
    await refused(t, token, 'GW_ERR_TOKEN_INVALID', 401, alg);
  }
});

t.test('HS256 signed with the RSA public key (key confusion)', async (t) => {
  const jwks = (await (await fetch(ts.jwksUri)).json()) as { keys: Array<Record<string, unknown>> };
  const rsa = jwks.keys.find((k) => k.kty === 'RSA')!;
  const pem = createPublicKey({ key: rsa as never, format: 'jwk' }).export({ type: 'spki', format: 'pem' }) as string;
  for (const [name, secret] of [['PEM', pem], ['PEM without newline', pem.trimEnd()], ['JWK n', String(rsa.n)]] as const) {
    const token = await new SignJWT(good).setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', kid: realKid }).sign(new TextEncoder().encode(secret));
    await refused(t, token, 'GW_ERR_TOKEN_INVALID', 401, `HS256 with ${name}`);
  }
});

t.test('unknown and injected kid', async (t) => {
  const signedByAttacker = (kid: string) => new SignJWT(good).setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', kid }).sign(attacker.privateKey);
  await refused(t, await signedByAttacker('attacker'), 'GW_ERR_TOKEN_INVALID', 401, 'unknown kid');
  await refused(t, await signedByAttacker(realKid), 'GW_ERR_TOKEN_INVALID', 401, 'real kid, attacker signature');
  await refused(t, await signedByAttacker('../../../../dev/null'), 'GW_ERR_TOKEN_INVALID', 401, 'path traversal kid');
  await refused(t, await signedByAttacker("x' OR '1'='1"), 'GW_ERR_TOKEN_INVALID', 401, 'SQL kid');
  const noKid = await new SignJWT(good).setProtectedHeader({ alg: 'RS256', typ: 'at+jwt' }).sign(attacker.privateKey);
  await refused(t, noKid, 'GW_ERR_TOKEN_INVALID', 401, 'no kid');
});

t.test('jku, x5u and embedded jwk headers are ignored', async (t) => {
  const sign = (h: Record<string, unknown>) => new SignJWT(good).setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', ...h }).sign(attacker.privateKey);
  await refused(t, await sign({ kid: 'attacker', jku: attackerUrl }), 'GW_ERR_TOKEN_INVALID', 401, 'jku');
  await refused(t, await sign({ kid: 'attacker', x5u: attackerUrl }), 'GW_ERR_TOKEN_INVALID', 401, 'x5u');
  await refused(t, await sign({ kid: 'attacker', jwk: attackerJwk }), 'GW_ERR_TOKEN_INVALID', 401, 'embedded jwk');
  await refused(t, await sign({ kid: realKid, jku: attackerUrl }), 'GW_ERR_TOKEN_INVALID', 401, 'real kid + jku');
  t.equal(attackerHits, 0, 'the attacker key server was never contacted');
});

t.test('time claims', async (t) => {
  await refused(t, await ts.signJwt({ ...good, exp: now - 3600 }), 'GW_ERR_TOKEN_EXPIRED', 401, 'expired');
  await refused(t, await ts.signJwt({ ...good, nbf: now + 3600 }), 'GW_ERR_TOKEN_INVALID', 401, 'not yet valid');
  await refused(t, await ts.signJwt({ ...good, iat: now + 3600 }), 'GW_ERR_TOKEN_INVALID', 401, 'issued in the future');
  const { exp: _exp, ...noExp } = good;
  await refused(t, await ts.signJwt(noExp), 'GW_ERR_TOKEN_INVALID', 401, 'no exp');
  const r = await runStage(stage, makeContext({ authorization: bearer(await ts.signJwt({ ...good, exp: Math.floor(Date.now() / 1000) - 5 })) }));
  t.ok(r.ok, 'expired by less than the clock tolerance (30 s) passes');
});

t.test('wrong issuer or audience', async (t) => {
  await refused(t, await ts.signJwt({ ...good, iss: 'https://evil.example' }), 'GW_ERR_TOKEN_INVALID', 401, 'wrong iss');
  await refused(t, await ts.signJwt({ ...good, iss: `${ts.issuer}/` }), 'GW_ERR_TOKEN_INVALID', 401, 'iss with trailing slash');
  await refused(t, await ts.signJwt({ ...good, aud: 'urn:other:api' }), 'GW_ERR_TOKEN_INVALID', 401, 'wrong aud');
  const { aud: _aud, ...noAud } = good;
  await refused(t, await ts.signJwt(noAud), 'GW_ERR_TOKEN_INVALID', 401, 'no aud');
  const r = await runStage(stage, makeContext({ authorization: bearer(await ts.signJwt({ ...good, aud: ['urn:other:api', ts.audience] })) }));
  t.ok(r.ok, 'an aud array containing ours passes');
});

t.test('tampered payload, header or signature — also after the genuine token is cached', async (t) => {
  const genuine = await ts.issueJwt({ scope: 'read' });
  t.ok((await runStage(stage, makeContext({ authorization: bearer(genuine) }))).ok);
  t.equal((await runStage(stage, makeContext({ authorization: bearer(genuine) }))).ctx.auth?.cache, 'hit');
  const [h, p, s] = genuine.split('.') as [string, string, string];
  const payload = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
  await refused(t, `${h}.${b64({ ...payload, scope: 'read admin' })}.${s}`, 'GW_ERR_TOKEN_INVALID', 401, 'scope escalated');
  await refused(t, `${h}.${b64({ ...payload, sub: 'someone-else' })}.${s}`, 'GW_ERR_TOKEN_INVALID', 401, 'sub swapped');
  const header = JSON.parse(Buffer.from(h, 'base64url').toString()) as Record<string, unknown>;
  await refused(t, `${b64({ ...header, typ: 'JWT' })}.${p}.${s}`, 'GW_ERR_TOKEN_INVALID', 401, 'header changed');
  await refused(t, `${h}.${p}.${s.slice(0, -2)}${s.endsWith('AA') ? 'BB' : 'AA'}`, 'GW_ERR_TOKEN_INVALID', 401, 'signature changed');
  await refused(t, `${h}.${p}`, 'GW_ERR_TOKEN_INVALID', 401, 'signature dropped');
  await refused(t, `${h}.${p}.${s}.${s}`, 'GW_ERR_TOKEN_INVALID', 401, 'extra segment');
});

t.test('garbage and oversized tokens never crash the stage', async (t) => {
  await refused(t, 'a'.repeat(64 * 1024), 'GW_ERR_TOKEN_TOO_LARGE', 431, '64 KB token');
  await refused(t, `${b64({ alg: 'RS256' })}.${'A'.repeat(8000)}.x`, 'GW_ERR_TOKEN_INVALID', 401, 'near-limit junk');
  await refused(t, 'not-a-jwt', 'GW_ERR_TOKEN_INVALID', 401, 'opaque string');
  await refused(t, `${b64('x')}.${b64('y')}.${b64('z')}`, 'GW_ERR_TOKEN_INVALID', 401, 'JSON strings as segments');
  // A stage that allows 64 KB tokens still refuses a 64 KB JWT as invalid — parsed, not crashed.
  const big = createAuthenticateStage(tokensSection({ max_token_bytes: 65536, jwt: { jwks_uri: ts.jwksUri, issuer: ts.issuer, audience: ts.audience } }), createDeps().deps);
  t.teardown(() => big.close());
  const huge = await ts.signJwt({ ...good, pad: 'x'.repeat(48 * 1024) });
  const r = await runStage(big, makeContext({ authorization: bearer(huge) }));
  t.ok(r.ok || r.error.status === 401 || r.error.status === 431, 'accepted or refused, never thrown');
  const junk = await runStage(big, makeContext({ authorization: bearer(`${b64({ alg: 'RS256', kid: realKid })}.${'A'.repeat(60000)}.AAAA`) }));
  t.notOk(junk.ok);
  if (!junk.ok) t.equal(junk.error.status, 401);
});
