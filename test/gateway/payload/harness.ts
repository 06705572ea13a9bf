/**
 * Real servers for the payload-encryption tests: encryption keys written as PEM files, a token
 * issuer (a local signing key the gateway trusts as a static JWK), an upstream that records the
 * exact bytes and headers it received, and whole gateways built the way `regate start` builds
 * them (config loader → buildStages → createGateway).
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { Registry } from 'prom-client';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { loadConfigText } from '../../../src/gateway/config/load.js';
import { buildStages } from '../../../src/gateway/pipeline/stages.js';
import { createGateway } from '../../../src/gateway/server/gateway.js';
import { clientYaml } from '../helpers.js';

export const dir = mkdtempSync(join(tmpdir(), 'regate-payload-'));

/** Writes a fresh private key as PEM into the test dir; returns its file name. */
export function writeKey(name: string, type: 'ec256' | 'ec384' | 'rsa' | 'x25519'): string {
  const kp =
    type === 'rsa'
      ? generateKeyPairSync('rsa', { modulusLength: 2048 })
      : type === 'x25519'
        ? generateKeyPairSync('x25519')
        : generateKeyPairSync('ec', { namedCurve: type === 'ec256' ? 'prime256v1' : 'secp384r1' });
  const file = `${name}.pem`;
  writeFileSync(join(dir, file), kp.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string);
  return file;
}

export const issuer = 'https://issuer.test';
const signer = await generateKeyPair('ES256', { extractable: true });
export const tokenJwk = { ...(await exportJWK(signer.publicKey)), kid: 'tok-1', alg: 'ES256' };

export function signToken(sub: string, extra: Record<string, unknown> = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ sub, scope: 'pay', client_id: 'app', ...extra }).setProtectedHeader({ alg: 'ES256', kid: 'tok-1' }).setIssuer(issuer).setAudience('api').setIssuedAt(now).setExpirationTime(now + 600).sign(signer.privateKey);
}

export interface Recorder {
  url: string;
  seen: { method: string; url: string; headers: http.IncomingHttpHeaders; body: Buffer }[];
  close(): Promise<void>;
}

/**
 * Records every request's bytes; answers JSON `{ "got": <bytes>, "path": … }`, or on `/…/big` a
 * body of `?n=` bytes, or on `/…/status/<code>` that status.
 */
export async function startRecorder(): Promise<Recorder> {
  const seen: Recorder['seen'] = [];
  const server = http.createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      const body = Buffer.concat(parts);
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      const u = new URL(req.url ?? '/', 'http://x');
      if (u.pathname.endsWith('/big')) {
        res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(Buffer.alloc(Number(u.searchParams.get('n') ?? '1000'), 0x61));
        return;
      }
      const m = /\/status\/(\d{3})$/.exec(u.pathname);
      res.writeHead(m ? Number(m[1]) : 200, { 'content-type': 'application/json' }).end(JSON.stringify({ got: body.toString('utf8'), path: u.pathname, type: req.headers['content-type'] ?? null, kid: req.headers['x-enc-kid'] ?? null }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    seen,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** the test policy: encrypted requests only, and the upstream learns which key opened the body */
mkdirSync(join(dir, 'policies'), { recursive: true });
writeFileSync(
  join(dir, 'policies', 'pay.rego'),
  `package pay

default decision := {"allow": false, "reason": "plaintext"}

decision := {"allow": true, "upstream": {"headers": {"x-enc-kid": input.request.encryption.kid}}} if {
	input.request.encrypted == true
	not endswith(input.request.path, "/deny")
}
`,
);

export interface GatewayUnderTest {
  url: string;
  port: number;
  /** the gateway's metrics */
  registry: Registry;
  /** exports the spans ended so far (with `telemetry`) */
  flush(): Promise<void>;
  close(): Promise<void>;
}

/**
 * A gateway with routes: /pay (jwt, required, policy), /opt (jwt, optional), /open (none,
 * required), /plain (jwt, off). `keys` are `[kid, file]` pairs, first advertised.
 */
export async function startPayloadGateway(upstream: string, keys: [string, string][], more: { payload?: string; redis?: string; logLines?: string[]; telemetry?: string; upstreams?: string; routes?: string } = {}): Promise<GatewayUnderTest> {
  const yaml = `
listen: { host: 127.0.0.1, port: 0 }
admin: { enabled: false }
upstreams:
  rec: { url: "${upstream}", timeout_ms: 3000${clientYaml} }
${more.upstreams ?? ''}
tokens:
  jwt: { keys: [ ${JSON.stringify(tokenJwk)} ], issuer: "${issuer}", audience: api, algorithms: [ES256] }
policies: { dir: ./policies }
${more.redis ?? ''}
${more.telemetry ?? ''}
payload_encryption:
  keys: [ ${keys.map(([kid, file]) => `{ kid: ${kid}, private_key_file: ./${file} }`).join(', ')} ]
  ${more.payload ?? ''}
routes:
  - { id: pay, match: { path_prefix: /pay }, upstream: rec, auth: jwt, policy: pay/decision, payload_encryption: required }
  - { id: opt, match: { path_prefix: /opt }, upstream: rec, auth: jwt, payload_encryption: optional }
  - { id: open, match: { path_prefix: /open }, upstream: rec, auth: none, payload_encryption: required }
  - { id: plain, match: { path_prefix: /plain }, upstream: rec, auth: jwt }
${more.routes ?? ''}
`;
  const config = loadConfigText(yaml, { file: join(dir, 'regate.yaml'), env: {} });
  const lines = more.logLines;
  const logger = lines ? pino({ level: 'trace' }, { write: (l: string) => void lines.push(l) }) : pino({ level: process.env['REGATE_TEST_LOG'] ?? 'silent' });
  const registry = new Registry();
  const built = await buildStages(config, { logger, registry });
  const gw = createGateway({ config, logger, registry, stages: built.stages, ...(built.onComplete ? { onComplete: built.onComplete } : {}), ...(built.payload ? { payload: built.payload } : {}), ...(built.telemetry ? { telemetry: built.telemetry } : {}) });
  const port = await gw.listen(0);
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    registry,
    flush: async () => {
      await built.telemetry?.flush();
    },
    async close() {
      await gw.close(1000);
      await built.close();
    },
  };
}
