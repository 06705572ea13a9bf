/**
 * The authenticate stage end to end through the real gateway (uWS, pipeline, proxy to a node:http
 * upstream), driven by autocannon over keep-alive connections:
 *
 *   npx tsx bench/authn-gateway.ts [--duration 10] [--connections 32]
 *
 * Routes: `none` (no token: the baseline), `jwt` (a cached RS256 JWT), `introspection` (a cached
 * opaque token), `introspection-miss` (a stage with the cache disabled: one token-server POST per
 * request). The difference between a token route and `none` is what authentication costs per
 * request end to end. Everything runs on this machine, so the load generator, the gateway, the
 * upstream and the token server share its cores — compare routes within one run, not across
 * machines.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { createAuthenticateStage } from '../src/gateway/authn/index.js';
import { loadConfigText } from '../src/gateway/config/load.js';
import { createGateway } from '../src/gateway/server/gateway.js';
import { startTokenServer } from '../src/devtools/token-server.js';

interface AutocannonResult {
  requests: { average: number };
  latency: { p50: number; p99: number };
  non2xx: number;
  errors: number;
}
// autocannon ships no types: a non-literal specifier keeps the compiler from asking for them.
const AUTOCANNON = 'autocannon';
const autocannon = ((await import(AUTOCANNON)) as { default: (opts: Record<string, unknown>) => Promise<AutocannonResult> }).default;

const { values } = parseArgs({ options: { duration: { type: 'string', default: '10' }, connections: { type: 'string', default: '32' } } });
const duration = Number(values.duration);
const connections = Number(values.connections);

const ts = await startTokenServer({ accessTokenTtlS: 3600 });
const upstream = createServer((_req, res) => res.end('ok'));
await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
const upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;

const yaml = (introspectionCache: number) => `
listen: { host: 127.0.0.1, port: 0 }
admin: { enabled: false }
log: { level: silent, access: false }
upstreams:
  up: { url: "${upstreamUrl}", timeout_ms: 5000, connect_timeout_ms: 1000 }
routes:
  - { id: none, match: { path_prefix: /none }, upstream: up, auth: none }
  - { id: jwt, match: { path_prefix: /jwt }, upstream: up, auth: jwt }
  - { id: introspection, match: { path_prefix: /introspection }, upstream: up, auth: introspection }
tokens:
  jwt: { jwks_uri: "${ts.jwksUri}", issuer: "${ts.issuer}", audience: "${ts.audience}" }
  introspection:
    endpoint: "${ts.introspectionEndpoint}"
    client_id: ${ts.clients.gateway.client_id}
    client_secret: "${ts.clients.gateway.client_secret}"
    max_ttl_s: 3600
    cache_max_entries: ${introspectionCache}
    negative_ttl_s: 0
    connections: 32
    breaker: { timeout_ms: 5000, volume_threshold: 1000000 }
`;

async function startGw(introspectionCache: number) {
  const config = loadConfigText(yaml(introspectionCache), { file: 'bench.yaml', env: {} });
  const logger = pino({ level: 'silent' });
  const stage = createAuthenticateStage(config.tokens, { logger, registry: new Registry() });
  const gw = createGateway({ config, logger, registry: new Registry(), stages: [stage] });
  const port = await gw.listen(0);
  return { url: `http://127.0.0.1:${port}`, close: async () => { await gw.close(1000); await stage.close(); } };
}

const jwt = await ts.issueJwt();
const opaque = await ts.issueOpaque();
const rows: Array<[string, AutocannonResult]> = [];
const cached = await startGw(10_000);
const miss = await startGw(0);
try {
  const run = async (name: string, url: string, token?: string | string[]) => {
    // Several tokens rotate per request, so concurrent misses rarely share one call (single-flight).
    let i = 0;
    const opts = Array.isArray(token)
      ? { requests: [{ setupRequest: (req: { headers?: Record<string, string> }) => ({ ...req, headers: { ...req.headers, authorization: `Bearer ${token[i++ % token.length]}` } }) }] }
      : { headers: token ? { authorization: `Bearer ${token}` } : {} };
    await autocannon({ url, connections, duration: 1, ...opts }); // warm-up (and fill the caches)
    rows.push([name, await autocannon({ url, connections, duration, ...opts })]);
  };
  await run('none (baseline)', `${cached.url}/none`);
  await run('jwt, cached', `${cached.url}/jwt`, jwt);
  await run('introspection, cached', `${cached.url}/introspection`, opaque);
  const many = await Promise.all(Array.from({ length: 256 }, () => ts.issueOpaque()));
  await run('introspection, miss', `${miss.url}/introspection`, many);
} finally {
  await cached.close();
  await miss.close();
  upstream.close();
  await ts.stop();
}

console.log(`authn through the gateway (${cpus()[0]?.model ?? '?'}, ${cpus().length} cpus, load ${loadavg()[0]!.toFixed(2)}; ${connections} connections, ${duration} s each)`);
for (const [name, r] of rows) {
  console.log(`  ${name.padEnd(24)} ${r.requests.average.toFixed(0).padStart(7)} req/s  p50 ${r.latency.p50} ms  p99 ${r.latency.p99} ms  non-2xx ${r.non2xx}  errors ${r.errors}`);
}
