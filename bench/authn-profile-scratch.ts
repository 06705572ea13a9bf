import { createAuthenticateStage } from '../src/gateway/authn/index.js';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { pino } from 'pino';
import { Registry } from 'prom-client';
const { publicKey, privateKey } = await generateKeyPair('RS256');
const jwk = { ...(await exportJWK(publicKey)), kid: 'k1' };
const stage = createAuthenticateStage({ jwt: { keys: [jwk], issuer: 'https://idp.test', audience: 'api', algorithms: ['RS256'] } }, { logger: pino({ level: 'silent' }), registry: new Registry() });
const token = await new SignJWT({ sub: 'u1', scope: 'a b c', client_id: 'x', jti: 'abcdefghijklmnopqrstuvwxyz0123456789abcdefgh' }).setProtectedHeader({ alg: 'RS256', kid: 'k1', typ: 'at+jwt' }).setIssuer('https://idp.test').setAudience('api').setIssuedAt().setExpirationTime('5m').sign(privateKey);
const ctx: any = { id: '1', route: { id: 'r', auth: 'jwt' }, headers: { authorization: 'Bearer ' + token }, rawQuery: '' };
await stage.run(ctx);
console.log(token.length);
for (let r = 0; r < 6; r++) {
  const n = 300000; const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) stage.run(ctx);
  console.log('run ns', Number(process.hrtime.bigint() - t0) / n);
}
