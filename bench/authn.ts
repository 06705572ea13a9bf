/**
 * Authenticate-stage benchmark (issue 3).
 *
 *   npx tsx bench/authn.ts [--quick] [--json out.json]
 *
 * Measures, against a real oidc-provider on 127.0.0.1:
 * 1. cached token: ns per `stage.run(ctx)` (hash + LRU lookup + context write), JWT and opaque,
 *    next to the SHA-256 alone — the goal is ≤ 2 µs added per request (best of 10 interleaved
 *    rounds);
 * 2. uncached JWT verification (cache disabled): µs per verify for RS256 and ES256;
 * 3. introspection path: requests/s with a cache hit and with a miss (cache disabled, so every
 *    request is a pooled keep-alive POST to the token server), at a fixed concurrency.
 *
 * Numbers depend on the machine and on whatever else runs on it: the load average is printed
 * with the results. Run it on an idle machine for numbers worth comparing.
 */
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { createAuthenticateStage, type AuthenticateStage } from '../src/gateway/authn/index.js';
import { hashToken } from '../src/gateway/authn/token-cache.js';
import { createRequestContext, type RequestContext } from '../src/gateway/pipeline/context.js';
import { startTokenServer, type TokenServer } from '../src/devtools/token-server.js';
import { tokensSection } from '../test/helpers/config-sections.js';

const quick = process.argv.includes('--quick');
const jsonOut = process.argv.includes('--json') ? process.argv[process.argv.indexOf('--json') + 1] : undefined;
const SYNC_ITER = quick ? 20_000 : 100_000;
const VERIFY_ITER = quick ? 300 : 3000;
const RPS_MS = quick ? 2000 : 5000;
const CONCURRENCY = 32;

function ctxFor(token: string, auth: 'jwt' | 'introspection'): RequestContext {
  return createRequestContext({
    id: 'bench', method: 'GET', path: '/x', rawQuery: '', headers: { authorization: `Bearer ${token}`, host: 'bench' },
    host: 'bench', scheme: 'http', remoteAddr: '127.0.0.1', route: { id: 'bench', upstream: 'u', auth }, startNs: 0n,
  });
}

function stageFor(ts: TokenServer, extra: { jwt?: object; introspection?: object } = {}): AuthenticateStage {
  return createAuthenticateStage(
    tokensSection({
      jwt: { jwks_uri: ts.jwksUri, issuer: ts.issuer, audience: ts.audience, ...extra.jwt },
      introspection: { endpoint: ts.introspectionEndpoint, client_id: ts.clients.gateway.client_id, client_secret: ts.clients.gateway.client_secret, connections: 16, max_ttl_s: 3600, ...extra.introspection },
    }),
    { logger: pino({ level: 'silent' }), registry: new Registry() },
  );
}

/**
 * ns per synchronous call for each function, measured in interleaved rounds and keeping each
 * one's best round: on a shared machine the minimum is the estimate least disturbed by others,
 * and interleaving gives every function the same chances.
 */
function timeSyncInterleaved(fns: Record<string, () => void>, iter: number, rounds = 10): Record<string, number> {
  const best: Record<string, number> = {};
  for (let round = 0; round < rounds; round++) {
    for (const [name, fn] of Object.entries(fns)) {
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < iter; i++) fn();
      best[name] = Math.min(best[name] ?? Infinity, Number(process.hrtime.bigint() - t0) / iter);
    }
  }
  return best;
}

async function timeAsync(fn: () => Promise<void>, iter: number): Promise<number> {
  for (let i = 0; i < Math.min(50, iter); i++) await fn(); // warm-up
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < iter; i++) await fn();
  return Number(process.hrtime.bigint() - t0) / iter;
}

/** requests/s of `fn` run by CONCURRENCY loops for `ms` (each loop bounded by the deadline). */
async function rps(fn: (worker: number, i: number) => Promise<void>, ms: number): Promise<number> {
  let done = 0;
  const deadline = Date.now() + ms;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async (_, w) => {
      for (let i = 0; Date.now() < deadline; i++) {
        await fn(w, i);
        done++;
      }
    }),
  );
  return done / (ms / 1000);
}

function mustPass(r: void | Promise<void>): void {
  if (r !== undefined) throw new Error('expected the synchronous cache-hit path');
}

const ts = await startTokenServer({ accessTokenTtlS: 3600 });
const results: Record<string, number> = {};
try {
  const rsJwt = await ts.issueJwt();
  const esJwt = await ts.issueJwt({ alg: 'ES256' });
  const opaque = await ts.issueOpaque();

  // 1. cached tokens
  const cached = stageFor(ts);
  const jwtCtx = ctxFor(rsJwt, 'jwt');
  const opaqueCtx = ctxFor(opaque, 'introspection');
  await cached.run(jwtCtx);
  await cached.run(opaqueCtx);
  const header = jwtCtx.headers.authorization!;
  Object.assign(
    results,
    timeSyncInterleaved(
      {
        sha256_jwt_ns: () => void hashToken(rsJwt),
        slice_sha256_jwt_ns: () => void hashToken(header.slice(7)),
        cached_jwt_run_ns: () => mustPass(cached.run(jwtCtx)),
        cached_opaque_run_ns: () => mustPass(cached.run(opaqueCtx)),
      },
      SYNC_ITER,
    ),
  );
  results.jwt_length = rsJwt.length;

  // 2. uncached JWT verification
  const uncached = stageFor(ts, { jwt: { cache_max_entries: 0, negative_ttl_s: 0 }, introspection: { cache_max_entries: 0, negative_ttl_s: 0 } });
  const esCtx = ctxFor(esJwt, 'jwt');
  results.uncached_rs256_verify_us = (await timeAsync(async () => uncached.run(jwtCtx) as Promise<void>, VERIFY_ITER)) / 1000;
  results.uncached_es256_verify_us = (await timeAsync(async () => uncached.run(esCtx) as Promise<void>, VERIFY_ITER)) / 1000;

  // 3. introspection path: distinct tokens per worker so single-flight does not merge misses
  const perWorker = 4;
  const tokens = await Promise.all(Array.from({ length: CONCURRENCY * perWorker }, () => ts.issueOpaque()));
  const ctxs = tokens.map((tk) => ctxFor(tk, 'introspection'));
  for (const c of ctxs) await cached.run(c);
  results.introspection_hit_rps = await rps(async (w, i) => {
    const r = cached.run(ctxs[w * perWorker + (i % perWorker)]!);
    if (r) await r;
  }, RPS_MS);
  const before = ts.requests.introspection;
  results.introspection_miss_rps = await rps(async (w, i) => {
    await uncached.run(ctxs[w * perWorker + (i % perWorker)]!);
  }, RPS_MS);
  results.introspection_miss_calls = ts.requests.introspection - before;

  await cached.close();
  await uncached.close();
} finally {
  await ts.stop();
}

const env = { node: process.version, cpus: cpus().length, cpu: cpus()[0]?.model ?? '?', loadavg_1m: Number(loadavg()[0]!.toFixed(2)), quick };
console.log(`authn bench (${env.cpu}, ${env.cpus} cpus, load ${env.loadavg_1m}${quick ? ', --quick' : ''})`);
console.log(`  cached JWT (${results.jwt_length} chars): ${results.cached_jwt_run_ns!.toFixed(0)} ns/request  (SHA-256 alone ${results.sha256_jwt_ns!.toFixed(0)} ns, slice from the header + SHA-256 ${results.slice_sha256_jwt_ns!.toFixed(0)} ns)`);
console.log(`  cached opaque token:      ${results.cached_opaque_run_ns!.toFixed(0)} ns/request`);
console.log(`  uncached RS256 verify:    ${results.uncached_rs256_verify_us!.toFixed(1)} µs`);
console.log(`  uncached ES256 verify:    ${results.uncached_es256_verify_us!.toFixed(1)} µs`);
console.log(`  introspection, cache hit: ${results.introspection_hit_rps!.toFixed(0)} req/s (concurrency ${CONCURRENCY})`);
console.log(`  introspection, miss:      ${results.introspection_miss_rps!.toFixed(0)} req/s (${results.introspection_miss_calls} token-server calls)`);
if (jsonOut) writeFileSync(jsonOut, JSON.stringify({ env, results }, null, 2));
