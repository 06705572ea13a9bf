/**
 * Development token server for the demo stack: oidc-provider on 127.0.0.1 issuing RFC 9068 JWT
 * and opaque access tokens to a demo client (client_credentials), with introspection and
 * revocation for the gateway.
 *
 *   npx tsx examples/token-server.ts [--port 9400] [--keys var/token-server-keys.json] [--ttl 3600]
 *                                    [--host 127.0.0.1] [--issuer http://token-server:9400]
 *
 * Client secrets come from TOKEN_SERVER_APP_SECRET and TOKEN_SERVER_GATEWAY_SECRET when set
 * (so a compose file can hand the same secret to the gateway), else they are random.
 *
 * It prints the `tokens:` section for regate.yaml and a sample of each token kind, then serves
 * until SIGINT/SIGTERM. With --keys, the signing keys are read from (or first written to) that
 * file, so JWTs issued before a restart still verify after it. Client secrets are generated per
 * run and printed: this is a development tool, not a deployment.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import type { JWK } from 'jose';
import { startTokenServer, tokensConfigFor } from '../src/devtools/token-server.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    keys: { type: 'string' },
    ttl: { type: 'string', default: '3600' },
    host: { type: 'string', default: '127.0.0.1' },
    issuer: { type: 'string' },
  },
});

const port = Number(values.port);
const ttl = Number(values.ttl);
if (!Number.isInteger(port) || port < 0 || port > 65535) throw new TypeError(`--port: not a port: ${values.port}`);
if (!Number.isInteger(ttl) || ttl < 1) throw new TypeError(`--ttl: not a positive number of seconds: ${values.ttl}`);

const keysFile = values.keys;
const keys = keysFile && existsSync(keysFile) ? (JSON.parse(readFileSync(keysFile, 'utf8')) as { keys: JWK[] }).keys : undefined;
const secrets = { app: process.env.TOKEN_SERVER_APP_SECRET, gateway: process.env.TOKEN_SERVER_GATEWAY_SECRET };
const ts = await startTokenServer({
  port,
  host: values.host,
  accessTokenTtlS: ttl,
  secrets,
  ...(values.issuer ? { issuer: values.issuer } : {}),
  ...(keys ? { keys } : {}),
});
if (keysFile && !keys) {
  mkdirSync(dirname(keysFile), { recursive: true });
  // Private keys: readable by the owner only.
  writeFileSync(keysFile, JSON.stringify({ keys: ts.keys }, null, 2), { mode: 0o600 });
}

const app = ts.clients.app;
process.stdout.write(
  [
    `token server: ${ts.issuer}`,
    '',
    '# regate.yaml',
    stringify({ tokens: tokensConfigFor(ts) }).trimEnd(),
    '',
    `# get a token (client_credentials as ${app.client_id}):`,
    `curl -s -u '${app.client_id}:${app.client_secret}' -d grant_type=client_credentials -d resource=urn:regate:api -d 'scope=read car:read' ${ts.tokenEndpoint}`,
    `#   resource=urn:regate:api → RS256 JWT, urn:regate:api:es256 → ES256 JWT, urn:regate:api:opaque → opaque`,
    '',
    `sample JWT:    ${await ts.issueJwt({ scope: 'read car:read' })}`,
    `sample opaque: ${await ts.issueOpaque({ scope: 'read car:read' })}`,
    '',
  ].join('\n'),
);

for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    void ts.stop().then(() => process.exit(0));
  });
}
