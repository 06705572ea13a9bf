/**
 * What the revocation tests share: a regate instance from YAML (startRegate: config loader,
 * stages, uWS, workers) in front of the echo upstream with a JWT route and an introspection
 * route, and a poll that measures how long until an instance refuses a token.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { loadConfigText } from '../../../src/gateway/config/load.js';
import { startRegate, type RunningRegate } from '../../../src/gateway/server/run.js';
import type { TokenServer } from '../../helpers/oidc-provider.js';

export interface Instance {
  url: string;
  adminUrl: string;
  running: RunningRegate;
  close(): Promise<void>;
}

export async function startInstance(opts: { ts: TokenServer; upstream: string; redis: string; prefix: string; mode?: 'fail_open' | 'fail_closed'; workers?: number }): Promise<Instance> {
  const dir = mkdtempSync(join(tmpdir(), 'regate-revoke-'));
  const { ts } = opts;
  const yaml = `
listen: { host: 127.0.0.1, port: 0, workers: ${opts.workers ?? 1} }
admin: { host: 127.0.0.1, port: 0 }
upstreams:
  echo: { url: "${opts.upstream}", timeout_ms: 2000 }
redis: { url: "${opts.redis}", prefix: ${opts.prefix}, connect_timeout_ms: 500, command_timeout_ms: 500 }
events: { enabled: false, spool_dir: "${join(dir, 'spool')}" }
log: { level: silent }
tokens:
  revocation: { enabled: true, on_redis_unavailable: ${opts.mode ?? 'fail_open'}, heartbeat_ms: 200 }
  jwt: { jwks_uri: "${ts.jwksUri}", issuer: "${ts.issuer}", audience: "${ts.audience}", typ: at+jwt }
  introspection:
    endpoint: "${ts.introspectionEndpoint}"
    client_id: ${ts.clients.gateway.client_id}
    client_secret: "${ts.clients.gateway.client_secret}"
    max_ttl_s: 300
routes:
  - { id: jwt, match: { path_prefix: /jwt }, upstream: echo, auth: jwt }
  - { id: opaque, match: { path_prefix: /opaque }, upstream: echo, auth: introspection }
`;
  const config = loadConfigText(yaml, { file: join(dir, 'regate.yaml'), env: {} });
  const running = await startRegate(config, pino({ level: 'silent' }));
  return {
    url: `http://127.0.0.1:${running.port}`,
    adminUrl: `http://127.0.0.1:${running.adminPort}`,
    running,
    async close() {
      await running.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** One request on a fresh connection (with several workers, the kernel picks a worker per connection). */
export async function call(base: string, path: string, token: string): Promise<{ status: number; error?: string }> {
  const res = await fetch(base + path, { headers: { authorization: `Bearer ${token}`, connection: 'close' } });
  const text = await res.text();
  let error: string | undefined;
  try {
    error = (JSON.parse(text) as { error?: string }).error;
  } catch {
    /* an upstream echo body */
  }
  return error === undefined ? { status: res.status } : { status: res.status, error };
}

/**
 * Polls every instance until each answers `status` for the token; resolves with the ms from
 * `sinceMs` (performance.now()) until the last one did, or rejects after `limitMs`.
 */
export async function untilAll(bases: string[], path: string, token: string, status: number, sinceMs: number, limitMs = 5000): Promise<number> {
  const pending = new Set(bases);
  let last = 0;
  for (let i = 0; i < 1000 && pending.size > 0; i++) {
    for (const b of [...pending]) {
      if ((await call(b, path, token)).status === status) {
        pending.delete(b);
        last = performance.now() - sinceMs;
      }
    }
    if (pending.size === 0) break;
    if (performance.now() - sinceMs > limitMs) throw new Error(`${[...pending].join(', ')} did not answer ${status} within ${limitMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
  return last;
}

/** The payload of a JWT (the test reads its own token's jti, sub and exp). */
export function claimsOf(jwt: string): { jti: string; sub: string; exp: number; iat: number } {
  return JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as { jti: string; sub: string; exp: number; iat: number };
}
