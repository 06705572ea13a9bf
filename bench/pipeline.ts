/**
 * Full-pipeline bench: what authentication + policy + mapping cost per request, end to end, in
 * one run against a passthrough baseline —
 *   passthrough  autocannon → regate (route auth: none, no policy, no stages) → upstream
 *   full         autocannon → regate (cached RS256 JWT → Rego policy → map: path rewrite, header,
 *                basic credential) → upstream
 * Same upstream (bench/lib/upstream.ts), same gateway (the compiled `regate start`, one uWS
 * worker, NODE_ENV=production), autocannon or wrk without pipelining, fixed connections and
 * duration, pinned as bench/lib/cpu-plan.ts plans (gateway alone on one CPU).
 * Prints rps, p50, p99, the gateway's CPU µs per request (from /proc) and the full/passthrough ratio.
 *
 * Run:  node --import tsx bench/pipeline.ts [--connections 50] [--duration 10] [--engine js|wasm] [--generator autocannon|wrk] [--json out.json]
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTokenServer } from '../src/devtools/token-server.js';
import { planCpus } from './lib/cpu-plan.js';
import { GENERATORS, measureLoad, resolveGenerator, type GeneratorName, type LoadResult } from './lib/load.js';
import { probe } from './lib/probe.js';
import type { Proc } from './lib/procs.js';
import { regateBaseConfig, startRegate, startUpstream } from './lib/servers.js';
import { argValue } from './lib/args.js';

const argv = process.argv.slice(2);
const arg = (name: string, fallback: string): string => argValue(name, argv) ?? fallback;
const connections = Number(arg('--connections', '50'));
const duration = Number(arg('--duration', '10'));
const engine = arg('--engine', 'js');
const generatorName = arg('--generator', 'autocannon') as GeneratorName;
const jsonOut = argv.includes('--json') ? arg('--json', '') : '';
if (!GENERATORS.includes(generatorName)) throw new TypeError(`--generator: one of ${GENERATORS.join(', ')}`);

const log = (line: string) => process.stderr.write(line + '\n');
const plan = planCpus();

interface Row extends LoadResult {
  name: string;
  cpuUsPerReq: number | null;
}

const POLICY = `package bench

import rego.v1

# The shape of the seed scenarios: a scope check, a path rewrite with the subject, a header and a
# backend credential.
default decision := {"allow": false, "status": 403, "insufficient_scope": "orders:read"}

decision := {
	"allow": true,
	"upstream": {
		"path": sprintf("/users/%s/orders", [input.token.sub]),
		"headers": {"x-user-id": input.token.sub},
		"remove_headers": ["cookie"],
		"credentials": "up-basic",
	},
	"labels": {"scenario": "bench"},
} if {
	"orders:read" in input.token.scope
}
`;

async function main(): Promise<void> {
  const generator = resolveGenerator(generatorName, connections, plan.loadCpuCount, log);
  if ('reason' in generator) throw new Error(generator.reason);
  const measure = async (name: string, url: string, headers: Record<string, string>, proc: Proc): Promise<Row> => {
    const bad = await probe(url, headers);
    if (bad) throw new Error(`${name}: ${url}: ${bad}`);
    log(`measuring ${name} (${url}) with ${generator.name}…`);
    // warm-up first: JIT, pools, token and JWT caches
    const r = await measureLoad(url, { generator, connections, duration, amount: null, headers, cpus: plan.loadCpus, warmup: Math.min(3, duration), proc });
    return { name, ...r };
  };

  const dir = mkdtempSync(join(tmpdir(), 'regate-bench-pipeline-'));
  const ts = await startTokenServer({ accessTokenTtlS: 3600 });
  const procs: Proc[] = [];
  const rows: Row[] = [];
  try {
    const up = await startUpstream(plan.loadCpus);
    procs.push(up.proc);
    const base = regateBaseConfig(up.url, connections);

    const pass = await startRegate({ name: 'passthrough', dir, cpus: plan.proxyCpu, config: `${base}routes:\n  - { id: pass, match: { path_prefix: / }, upstream: up }\n` });
    procs.push(pass.proc);
    rows.push(await measure('passthrough', `${pass.url}/orders`, {}, pass.proc));
    await pass.proc.stop();

    mkdirSync(join(dir, 'policies', 'bench'), { recursive: true });
    writeFileSync(join(dir, 'policies', 'bench', 'bench.rego'), POLICY);
    const full = await startRegate({
      name: 'full',
      dir,
      cpus: plan.proxyCpu,
      config:
        `${base}credentials:\n  up-basic: { type: basic, username: gateway, password: bench-secret }\n` +
        `tokens:\n  jwt: { jwks_uri: "${ts.jwksUri}", issuer: "${ts.issuer}", audience: "${ts.audience}", algorithms: [RS256], typ: at+jwt }\n` +
        `policies: { dir: "${join(dir, 'policies')}", engine: ${engine} }\n` +
        `routes:\n  - { id: orders, match: { path_prefix: / }, upstream: up, auth: jwt, policy: bench/decision }\n`,
    });
    procs.push(full.proc);
    const now = Math.floor(Date.now() / 1000);
    const jwt = await ts.signJwt({ iss: ts.issuer, aud: ts.audience, sub: 'bench-user', client_id: 'bench-app', scope: 'orders:read', iat: now, exp: now + 3600 });
    rows.push(await measure('full', `${full.url}/orders`, { authorization: `Bearer ${jwt}` }, full.proc));
    await full.proc.stop();
  } finally {
    for (const p of procs) await p.stop();
    await ts.stop();
    rmSync(dir, { recursive: true, force: true });
  }

  const pass = rows.find((r) => r.name === 'passthrough')!;
  const full = rows.find((r) => r.name === 'full')!;
  process.stdout.write(
    `\npipeline (${cpus()[0]?.model ?? '?'}, ${cpus().length} cpus, load ${loadavg()[0]!.toFixed(2)}): ${generator.name} ${generator.version}, ${connections} connections, ${duration}s, no pipelining, engine ${engine}, ` +
      (plan.pinned ? `gateway on CPU ${plan.proxyCpu}, upstream+load on CPU ${plan.loadCpus}\n` : 'no CPU pinning\n'),
  );
  const us = (n: number | null) => (n === null ? '-' : n.toFixed(1));
  process.stdout.write('name          rps       p50ms  p99ms  errors non2xx  gw-cpu-us/req\n');
  for (const r of rows) {
    process.stdout.write(
      `${r.name.padEnd(12)} ${r.rps.toFixed(0).padStart(8)}  ${String(r.p50).padStart(6)} ${String(r.p99).padStart(6)}  ${String(r.errors).padStart(6)} ${String(r.non2xx).padStart(6)}  ${us(r.cpuUsPerReq).padStart(8)}\n`,
    );
  }
  process.stdout.write(
    `\nfull/passthrough rps ratio: ${(full.rps / pass.rps).toFixed(2)}  (full pipeline costs ${full.cpuUsPerReq !== null && pass.cpuUsPerReq !== null ? (full.cpuUsPerReq - pass.cpuUsPerReq).toFixed(1) : '?'} CPU µs more per request)\n`,
  );
  if (jsonOut) writeFileSync(jsonOut, JSON.stringify({ generator: { name: generator.name, version: generator.version }, connections, duration, engine, rows }, null, 2));
}

main().catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exitCode = 1;
});
