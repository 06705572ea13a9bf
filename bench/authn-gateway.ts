/**
 * The authenticate stage end to end through the real gateway (`regate start`: uWS, pipeline,
 * proxy to the bench upstream), driven over keep-alive connections by autocannon or wrk in its
 * own process:
 *
 *   npx tsx bench/authn-gateway.ts [--duration 10] [--connections 32] [--generator autocannon|wrk]
 *
 * Routes: `none` (no token: the baseline), `jwt` (a cached RS256 JWT), `introspection` (a cached
 * opaque token), `introspection-miss` (a second gateway with the introspection cache disabled:
 * one token-server POST per request; 256 tokens rotate per request so concurrent misses rarely
 * share one call through single-flight). The difference between a token route and `none` is what
 * authentication costs per request end to end; the gateway's CPU µs per request (from /proc) is
 * the least noisy measure of it. The gateway is pinned alone on the last CPU; the generator, the
 * upstream and the token server (in this process) share the others — compare routes within one
 * run, not across machines.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startTokenServer } from '../src/devtools/token-server.js';
import { planCpus } from './lib/cpu-plan.js';
import { GENERATORS, measureLoad, resolveGenerator, type GeneratorName, type LoadOptions, type LoadResult } from './lib/load.js';
import { probe } from './lib/probe.js';
import type { Proc } from './lib/procs.js';
import { regateBaseConfig, startRegate, startUpstream } from './lib/servers.js';

const { values } = parseArgs({ options: { duration: { type: 'string', default: '10' }, connections: { type: 'string', default: '32' }, generator: { type: 'string', default: 'autocannon' } } });
const duration = Number(values.duration);
const connections = Number(values.connections);
if (!GENERATORS.includes(values.generator as GeneratorName)) throw new TypeError(`--generator: one of ${GENERATORS.join(', ')}`);

const log = (line: string) => process.stderr.write(line + '\n');
const plan = planCpus();
const generator = resolveGenerator(values.generator as GeneratorName, connections, plan.loadCpuCount, log);
if ('reason' in generator) throw new Error(generator.reason);

const ts = await startTokenServer({ accessTokenTtlS: 3600 });
const dir = mkdtempSync(join(tmpdir(), 'regate-bench-authn-'));
const procs: Proc[] = [];

const config = (upstreamUrl: string, introspectionCache: number) =>
  regateBaseConfig(upstreamUrl, connections) +
  `routes:
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

const rows: Array<[string, LoadResult & { cpuUsPerReq: number | null }]> = [];
try {
  const up = await startUpstream(plan.loadCpus);
  procs.push(up.proc);
  const cached = await startRegate({ name: 'cached', dir, cpus: plan.proxyCpu, config: config(up.url, 10_000) });
  procs.push(cached.proc);
  const miss = await startRegate({ name: 'miss', dir, cpus: plan.proxyCpu, config: config(up.url, 0) });
  procs.push(miss.proc);

  const jwt = await ts.issueJwt();
  const opaque = await ts.issueOpaque();
  const run = async (name: string, url: string, proc: Proc, token?: string | string[]) => {
    const load: Pick<LoadOptions, 'headers' | 'headerCycle'> = Array.isArray(token)
      ? { headers: {}, headerCycle: { name: 'authorization', values: token.map((t) => `Bearer ${t}`) } }
      : { headers: token ? { authorization: `Bearer ${token}` } : {} };
    const first = Array.isArray(token) ? token[0] : token;
    const bad = await probe(url, first ? { authorization: `Bearer ${first}` } : {});
    if (bad) throw new Error(`${name}: ${bad}`);
    log(`measuring ${name} (${url}) with ${generator.name}`);
    // 1 s warm-up fills the caches (and the JIT) before the measured run
    rows.push([name, await measureLoad(url, { generator, connections, duration, amount: null, cpus: plan.loadCpus, ...load, warmup: 1, proc })]);
  };
  await run('none (baseline)', `${cached.url}/none`, cached.proc);
  await run('jwt, cached', `${cached.url}/jwt`, cached.proc, jwt);
  await run('introspection, cached', `${cached.url}/introspection`, cached.proc, opaque);
  const many = await Promise.all(Array.from({ length: 256 }, () => ts.issueOpaque()));
  await run('introspection, miss', `${miss.url}/introspection`, miss.proc, many);
} finally {
  for (const p of procs.reverse()) await p.stop();
  await ts.stop();
  rmSync(dir, { recursive: true, force: true });
}

const us = (n: number | null) => (n === null ? '–' : n.toFixed(1));
console.log(
  `authn through the gateway (${cpus()[0]?.model ?? '?'}, ${cpus().length} cpus, load ${loadavg()[0]!.toFixed(2)}; ${generator.name} ${generator.version}, ${connections} connections, ${duration} s each)`,
);
for (const [name, r] of rows) {
  console.log(
    `  ${name.padEnd(24)} ${r.rps.toFixed(0).padStart(7)} req/s  p50 ${r.p50} ms  p99 ${r.p99} ms  non-2xx ${r.non2xx}  errors ${r.errors}  gateway CPU ${us(r.cpuUsPerReq)} µs/req  generator CPU ${us(r.generatorCpuUsPerReq)} µs/req`,
  );
}
