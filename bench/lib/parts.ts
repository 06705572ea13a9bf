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
 * @example startRegate({ name: 'policy', dir, cpus, config: partConfig('policy', env) });
 */
export function partConfig(part: Part, env: PartsEnv): string {
  const base = regateBaseConfig(env.upstreamUrl, env.connections);
  if (part === 'passthrough') return base + `routes:\n  - { id: api, match: { path_prefix: /api/ }, upstream: up, auth: none }\n`;
  const has = (p: Part) => PARTS.indexOf(part) >= PARTS.indexOf(p);
  const { ts } = env;
  return (
    base +
    `credentials:\n  up-basic: { type: basic, username: gateway, password: bench-secret }\n` +
    `tokens:\n  jwt: { jwks_uri: "${ts.jwksUri}", issuer: "${ts.issuer}", audience: "${ts.audience}", algorithms: [RS256, ES256], typ: at+jwt }\n` +
    (has('policy') ? `policies: { dir: "${join(root, 'bench/peers/policy')}", engine: js }\n` : '') +
    (has('ratelimit') ? `redis: { url: "${env.redisUrl}", prefix: parts }\nratelimit: { on_unavailable: local }\n` : '') +
    (has('audit') ? `events: { spool_dir: "${join(env.dir, 'spool')}" }\n` : has('ratelimit') ? `events: { enabled: false }\n` : '') +
    `routes:\n  - { id: api, match: { path_prefix: /api/ }, upstream: up, auth: jwt${has('policy') ? ', policy: bench/decision' : ''} }\n`
  );
}

/** The request headers for `part`: a bearer token for every part but passthrough. */
export function partHeaders(part: Part, jwt: string): Record<string, string> {
  return part === 'passthrough' ? {} : { authorization: `Bearer ${jwt}` };
}
