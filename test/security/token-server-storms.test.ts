/**
 * Can a client without a valid token make regate hammer the token server? Forged JWTs (any
 * `kid`, signed with the attacker's own key) sent through the gateway while the JWKS endpoint is
 * failing, and while it is up: the number of JWKS fetches must stay bounded by the backoff
 * (`retry_after_s`) and the cooldown (`jwks_cooldown_ms`), not grow with the requests.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import t from 'tap';
import { startEdgeGateway } from './edge-gateway.js';
import { codeOf, rawGet, sendOne, statusOf } from './wire.js';

const ISSUER = 'https://idp.test';
const signer = await generateKeyPair('RS256', { extractable: true });
const publicJwk = { ...(await exportJWK(signer.publicKey)), kid: 'real', alg: 'RS256', use: 'sig' };
const attacker = await generateKeyPair('RS256');

/** A JWKS endpoint that counts its fetches; answers 503 while `failing`. */
async function startJwksServer(t: { teardown(fn: () => unknown): void }) {
  const state = { fetches: 0, failing: true };
  const server = createServer((_req, res) => {
    state.fetches++;
    if (state.failing) res.writeHead(503).end();
    else res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [publicJwk] }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => server.close(() => r())));
  return { state, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks` };
}

const forge = (kid: string) =>
  new SignJWT({ sub: 'mallory' }).setProtectedHeader({ alg: 'RS256', kid }).setIssuer(ISSUER).setAudience('api').setIssuedAt().setExpirationTime('5m').sign(attacker.privateKey);

async function gatewayFor(t: Parameters<typeof startEdgeGateway>[0], jwksUrl: string) {
  return startEdgeGateway(t, {
    sections: [`tokens:\n  jwt: { jwks_uri: "${jwksUrl}", issuer: "${ISSUER}", audience: api, algorithms: [RS256], retry_after_s: 30, jwks_cooldown_ms: 30000 }`],
    routes: ['{ id: a, match: { path_prefix: /a }, upstream: app, auth: jwt }'],
  });
}

t.test('a JWKS endpoint that fails before its first fetch is not asked once per forged token', async (t) => {
  const jwks = await startJwksServer(t);
  const { port, up } = await gatewayFor(t, jwks.url);
  for (let i = 0; i < 30; i++) {
    const r = await sendOne(port, rawGet('/a/x', [`Authorization: Bearer ${await forge(`k${i}`)}`]));
    t.equal(statusOf(r), 503, `request ${i}: the keys are unavailable`);
    t.equal(codeOf(r), 'GW_ERR_TOKEN_SERVER_UNAVAILABLE');
  }
  t.ok(jwks.state.fetches <= 2, `30 forged tokens, ${jwks.state.fetches} JWKS fetches (at most one per retry_after_s)`);
  t.equal(up.requests().length, 0);
});

t.test('while the JWKS endpoint is up, forged kids refetch it at most once per cooldown', async (t) => {
  const jwks = await startJwksServer(t);
  jwks.state.failing = false;
  const { port, up } = await gatewayFor(t, jwks.url);
  for (let i = 0; i < 30; i++) {
    const r = await sendOne(port, rawGet('/a/x', [`Authorization: Bearer ${await forge(`k${i}`)}`]));
    t.equal(statusOf(r), 401, `request ${i}: refused`);
  }
  t.ok(jwks.state.fetches <= 2, `30 forged kids, ${jwks.state.fetches} JWKS fetches`);
  t.equal(up.requests().length, 0);
});
