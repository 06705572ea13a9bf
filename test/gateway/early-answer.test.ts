/**
 * An answer sent before the request body was read (here a 401 to a large POST without a token)
 * must not crash the gateway: body bytes keep arriving after the answer until the connection
 * closes, and the exchange once paused the finished response on them, which uWS answers by
 * aborting the process (found with payload encryption's oversized-JWE test, issue #18).
 */
import t from 'tap';
import pino from 'pino';
import { Registry } from 'prom-client';
import { loadConfigText } from '../../src/gateway/config/load.js';
import { buildStages } from '../../src/gateway/pipeline/stages.js';
import { createGateway } from '../../src/gateway/server/gateway.js';

const yaml = `
listen: { host: 127.0.0.1, port: 0 }
admin: { enabled: false }
upstreams: { u: { url: "http://127.0.0.1:9" } }
tokens: { jwt: { keys: [ { kty: EC, crv: P-256, x: "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU", y: "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0", kid: k } ], issuer: i, audience: a } }
routes: [ { id: r, match: { path_prefix: / }, upstream: u, auth: jwt } ]
`;

t.test('a 401 to a 4 MB body, five times over, and the gateway still answers', async (t) => {
  const config = loadConfigText(yaml, { file: 'early.yaml', env: {} });
  const logger = pino({ level: 'silent' });
  const registry = new Registry();
  const built = await buildStages(config, { logger, registry });
  const gw = createGateway({ config, logger, registry, stages: built.stages });
  const port = await gw.listen(0);
  t.teardown(async () => {
    await gw.close(100);
    await built.close();
  });
  for (let i = 0; i < 5; i++) {
    const status = await fetch(`http://127.0.0.1:${port}/x`, { method: 'POST', body: Buffer.alloc(4 * 1024 * 1024) }).then(
      (r) => r.status,
      () => 0, // the connection may close while the client is still sending: fine
    );
    t.ok(status === 401 || status === 0, `answer ${i}: ${status}`);
  }
  const after = await fetch(`http://127.0.0.1:${port}/x`);
  t.equal(after.status, 401, 'still serving');
});
