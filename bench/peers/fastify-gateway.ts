/**
 * The Node peer gateway of the bench suite: what a competent team would build from common
 * libraries for the same job as regate's full pipeline — fastify + @fastify/http-proxy (undici
 * pool to the upstream), a bearer JWT verified with jose against a cached remote JWKS, the same
 * Rego policy compiled to WASM (`regate policy build -t wasm`) evaluated with
 * @open-policy-agent/opa-wasm, and the same path rewrite, backend basic credential and identity header.
 * It has no rate limiting and no audit events (regate's full-pipeline row does both), so the
 * comparison flatters the peer, not regate.
 *
 *   node --import tsx bench/peers/fastify-gateway.ts --upstream http://127.0.0.1:P --wasm policy.wasm \
 *     --jwks-uri URI --issuer ISS --audience AUD [--entrypoint bench/decision] [--port 0]
 *
 * Backend credentials come from PEER_UPSTREAM_USER / PEER_UPSTREAM_PASSWORD (never argv).
 * Prints `PORT <n>` when listening; SIGTERM closes it.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import Fastify from 'fastify';
import httpProxy from '@fastify/http-proxy';
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';
import { loadPolicy } from '@open-policy-agent/opa-wasm';

const { values } = parseArgs({
  options: {
    upstream: { type: 'string' },
    wasm: { type: 'string' },
    'jwks-uri': { type: 'string' },
    issuer: { type: 'string' },
    audience: { type: 'string' },
    entrypoint: { type: 'string', default: 'bench/decision' },
    port: { type: 'string', default: '0' },
    connections: { type: 'string', default: '128' },
  },
});
for (const k of ['upstream', 'wasm', 'jwks-uri', 'issuer', 'audience'] as const) {
  if (!values[k]) throw new TypeError(`fastify-gateway: --${k} is required`);
}

interface Decision {
  allow?: boolean;
  status?: number;
  reason?: string;
  upstream?: { path?: string; headers?: Record<string, string>; remove_headers?: string[]; credentials?: string };
}

const policy = await loadPolicy(readFileSync(values.wasm as string));
policy.setData({});
const entrypoint = values.entrypoint as string;
// jose caches the key set and refetches only on an unknown kid (with a cooldown).
const jwks = createRemoteJWKSet(new URL(values['jwks-uri'] as string));
const verifyOpts = { issuer: values.issuer as string, audience: values.audience as string, algorithms: ['RS256', 'ES256'] };
const basic = 'Basic ' + Buffer.from(`${process.env.PEER_UPSTREAM_USER ?? 'gateway'}:${process.env.PEER_UPSTREAM_PASSWORD ?? ''}`).toString('base64');
const credentials: Record<string, string> = { 'up-basic': basic };

declare module 'fastify' {
  interface FastifyRequest {
    decision?: Decision;
  }
}

const app = Fastify({ logger: false });

app.addHook('onRequest', async (req, reply) => {
  const h = req.headers.authorization;
  if (!h || !h.startsWith('Bearer ')) return reply.code(401).send({ error: 'missing bearer token' });
  let claims: JWTPayload;
  try {
    claims = (await jwtVerify(h.slice(7), jwks, verifyOpts)).payload;
  } catch {
    return reply.code(401).send({ error: 'invalid token' });
  }
  const scope = typeof claims.scope === 'string' ? claims.scope.split(' ').filter(Boolean) : [];
  const [path = '/', query = ''] = req.url.split('?', 2);
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (k !== 'authorization' && typeof v === 'string') headers[k] = v;
  const input = {
    request: { method: req.method, path, query: Object.fromEntries(new URLSearchParams(query).entries()), headers, host: req.hostname, scheme: 'http', remote_addr: req.ip },
    token: { active: true, sub: claims.sub, client_id: claims.client_id, scope, exp: claims.exp, iss: claims.iss, claims },
    route: { id: 'bench', upstream: 'up' },
  };
  const result = policy.evaluate(input, entrypoint) as Array<{ result: Decision | boolean }>;
  const raw = result[0]?.result;
  const decision: Decision = typeof raw === 'boolean' ? { allow: raw } : raw ?? { allow: false };
  if (!decision.allow) return reply.code(decision.status ?? 403).send({ error: decision.reason ?? 'forbidden' });
  req.decision = decision;
  // the decision's path rewrite: @fastify/http-proxy builds the upstream URL from the request URL
  // after the hooks (the route is already matched), so the rewrite is a new URL here
  const to = decision.upstream?.path;
  if (to !== undefined) req.raw.url = query ? `${to}?${query}` : to;
});

await app.register(httpProxy, {
  upstream: values.upstream as string,
  undici: { connections: Number(values.connections), pipelining: 1 },
  replyOptions: {
    rewriteRequestHeaders: (req, headers) => {
      const d = req.decision?.upstream;
      const out: Record<string, string | string[] | undefined> = { ...headers };
      delete out.authorization;
      for (const name of d?.remove_headers ?? []) delete out[name];
      Object.assign(out, d?.headers ?? {});
      if (d?.credentials) out.authorization = credentials[d.credentials];
      return out;
    },
  },
});

const address = await app.listen({ host: '127.0.0.1', port: Number(values.port) });
process.stdout.write(`PORT ${new URL(address).port}\n`);
const stop = () => void app.close().then(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
