/**
 * The full-pipeline route of the suite (bench/run.ts "regate full pipeline") with its parts
 * switched on one at a time, for the benches that say what each part costs
 * (bench/pipeline-parts.ts in CPU time, bench/instructions.ts in instructions):
 *   passthrough   auth: none, no stages
 *   jwt           + a cached RS256 JWT (authenticate stage)
 *   policy        + the Rego policy (bench/peers/policy), the decision mapped: header, basic credential
 *   ratelimit     + the decision's rate-limit bucket, checked against Redis (local leases)
 *   audit         + an audit event per request to Redis (BullMQ): the whole pipeline
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TokenServer } from '../../src/devtools/token-server.js';
import { regateBaseConfig } from './servers.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

export const PARTS = ['passthrough', 'jwt', 'policy', 'ratelimit', 'audit'] as const;
export type Part = (typeof PARTS)[number];

export interface PartsEnv {
  upstreamUrl: string;
  connections: number;
  ts: TokenServer;
  redisUrl: string;
  /** where the event spool may write */
  dir: string;
}

/**
 * The regate config for `part`; requests go to `/api/…` with the bearer token of `partHeaders`.
 *
 * `slow`: the gateway runs under valgrind (bench/instructions.ts), ~50× slower and more on a
 * loaded machine. Its waits on the token server and Redis get long timeouts: with the defaults
 * the first request's JWKS fetch timed out (503 GW_ERR_TOKEN_SERVER_UNAVAILABLE), and a
 * rate-limit check or an event send that times out takes the fallback path (local limiter,
 * spool), which is not the work the part is meant to measure. And the two per-request costs
 * that are shared by a span of time rather than by a count of requests are pinned to what they
 * are at full speed (~10 k requests/s): an audit batch is sealed by size, 200 events (20 ms of
 * full-speed traffic, the default flush_ms), not every 20 ms (a handful of events at valgrind's
 * pace, each batch's BullMQ send then charged to a few requests); a rate-limit lease is spent,
 * its 100 tokens, before it expires (at valgrind's pace it expired half used after 250 ms, a
 * refund and a new lease each time). The pipeline and its stages are the same.
 * @example startRegate({ name: 'policy', dir, cpus, config: partConfig('policy', env) });
 */
export function partConfig(part: Part, env: PartsEnv, opts: { slow?: boolean } = {}): string {
  const base = regateBaseConfig(env.upstreamUrl, env.connections);
  if (part === 'passthrough') return base + `routes:\n  - { id: api, match: { path_prefix: /api/ }, upstream: up, auth: none }\n`;
  const has = (p: Part) => PARTS.indexOf(part) >= PARTS.indexOf(p);
  const { ts } = env;
  const slow = opts.slow === true;
  return (
    base +
    `credentials:\n  up-basic: { type: basic, username: gateway, password: bench-secret }\n` +
    `tokens:\n  jwt: { jwks_uri: "${ts.jwksUri}", issuer: "${ts.issuer}", audience: "${ts.audience}", algorithms: [RS256, ES256], typ: at+jwt${slow ? ', jwks_timeout_ms: 300000' : ''} }\n` +
    (has('policy') ? `policies: { dir: "${join(root, 'bench/peers/policy')}", engine: js }\n` : '') +
    (has('ratelimit')
      ? `redis: { url: "${env.redisUrl}", prefix: parts${slow ? ', connect_timeout_ms: 60000, command_timeout_ms: 60000' : ''} }\n` +
        `ratelimit: { on_unavailable: local${slow ? ', timeout_ms: 10000, leases: { ttl_ms: 60000 }' : ''} }\n`
      : '') +
    (has('audit') ? `events: { spool_dir: "${join(env.dir, 'spool')}"${slow ? ', batch_size: 200, flush_ms: 10000' : ''} }\n` : has('ratelimit') ? `events: { enabled: false }\n` : '') +
    `routes:\n  - { id: api, match: { path_prefix: /api/ }, upstream: up, auth: jwt${has('policy') ? ', policy: bench/decision' : ''} }\n`
  );
}

/** The request headers for `part`: a bearer token for every part but passthrough. */
export function partHeaders(part: Part, jwt: string): Record<string, string> {
  return part === 'passthrough' ? {} : { authorization: `Bearer ${jwt}` };
}
