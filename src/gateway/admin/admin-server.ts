/**
 * The admin listener (node:http; it is not on the hot path): `/healthz` (the process answers),
 * `/readyz` (listening, not draining, every readiness check passes — details as JSON: uWS build,
 * per-worker upstream breaker states, `open_breakers` and status "degraded" while any upstream's
 * breaker is open, check results such as the policy status), `/metrics`
 * (Prometheus text), `/.well-known/jwks.json` (the public keys of the gateway-signed JWT
 * credentials, so upstreams can verify them — RFC 7517 §5 JWK Set). Binds 127.0.0.1 by default:
 * it exposes internals and has no auth.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { UwsBuild } from '../server/uws-loader.js';
import type { GatewayStatus } from '../server/gateway.js';
import { REGATE_VERSION } from '../server/version.js';

/** A named readiness probe; `ok: false` makes /readyz answer 503. */
export type ReadinessCheck = () => { ok: boolean; detail?: unknown } | Promise<{ ok: boolean; detail?: unknown }>;

/** Public keys (JWK Set) of the gateway's own signing keys. */
export type JwksProvider = () => { keys: unknown[] };

export interface AdminOptions {
  host: string;
  port: number;
  build: UwsBuild;
  metrics: () => Promise<{ contentType: string; body: string }>;
  workers: () => Promise<GatewayStatus[]>;
  checks?: ReadonlyMap<string, ReadinessCheck>;
  /** serves /.well-known/jwks.json; absent = an empty key set */
  jwks?: JwksProvider;
}

export interface AdminServer {
  port: number;
  close(): Promise<void>;
}

/**
 * @example const admin = await startAdminServer({ host: '127.0.0.1', port: 9901, build, metrics, workers });
 */
export async function startAdminServer(opts: AdminOptions): Promise<AdminServer> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const send = (status: number, type: string, body: string) => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' }).end(body);
    };
    const handle = async () => {
      if (path === '/.well-known/jwks.json') {
        const jwks = opts.jwks;
        // Keys live as long as the process (ephemeral ones change on restart): a short cache
        // lets verifiers skip a fetch per token without missing a restart for long.
        res.writeHead(200, { 'content-type': 'application/jwk-set+json', 'cache-control': 'public, max-age=60' });
        return void res.end(JSON.stringify(jwks ? jwks() : { keys: [] }));
      }
      if (path === '/healthz') return send(200, 'application/json', '{"status":"ok"}');
      if (path === '/metrics') {
        const m = await opts.metrics();
        return send(200, m.contentType, m.body);
      }
      if (path === '/readyz') {
        const workers = await opts.workers();
        const checks: Record<string, { ok: boolean; detail?: unknown }> = {};
        for (const [name, check] of opts.checks ?? []) {
          try {
            checks[name] = await check();
          } catch (err) {
            checks[name] = { ok: false, detail: String(err) };
          }
        }
        const ready = workers.length > 0 && workers.every((w) => !w.draining) && Object.values(checks).every((c) => c.ok);
        // An open breaker is the upstream's trouble, not this instance's: taking the instance out
        // of the load balancer would take every other route down with it. So /readyz stays 200
        // and says "degraded", naming the upstreams whose breaker is open (or half-open).
        const open = [...new Set(workers.flatMap((w) => Object.entries(w.upstreams).filter(([, s]) => s === 'open' || s === 'half_open').map(([n]) => n)))].sort();
        const status = !ready ? 'not_ready' : open.length > 0 ? 'degraded' : 'ready';
        const body = { status, open_breakers: open, version: REGATE_VERSION, node: process.version, uws: opts.build, workers, checks };
        return send(ready ? 200 : 503, 'application/json', JSON.stringify(body));
      }
      send(404, 'application/json', '{"error":"GW_ERR_NOT_FOUND","message":"admin endpoints: /healthz /readyz /metrics /.well-known/jwks.json"}');
    };
    handle().catch((err: unknown) => send(500, 'application/json', JSON.stringify({ error: 'GW_ERR_INTERNAL', message: String(err) })));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
