/**
 * Full-pipeline bench: what authentication + policy + mapping cost per request, end to end, in
 * one run against a passthrough baseline —
 *   passthrough  autocannon → regate (route auth: none, no policy, no stages) → upstream
 *   full         autocannon → regate (cached RS256 JWT → Rego policy → map: path rewrite, header,
 *                basic credential) → upstream
 * Same upstream (bench/lib/upstream.ts), same gateway binary (`regate start`, one uWS worker,
 * NODE_ENV=production), autocannon without pipelining, fixed connections and duration; the
 * gateway pinned alone on the last CPU, upstream + generator on the others (taskset when present).
 * Prints rps, p50, p99, the gateway's CPU µs per request (from /proc) and the full/passthrough ratio.
 *
 * Run:  node --import tsx bench/pipeline.ts [--connections 50] [--duration 10] [--engine js|wasm] [--json out.json]
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTokenServer } from '../src/devtools/token-server.js';
import { cpuSeconds, spawnPinned, type Proc } from './lib/procs.js';

const argv = process.argv.slice(2);
const arg = (name: string, fallback: string) => {
  const i = argv.indexOf(name);
  return i >= 0 && argv[i + 1] !== undefined ? (argv[i + 1] as string) : fallback;
};
const connections = Number(arg('--connections', '50'));
const duration = Number(arg('--duration', '10'));
const engine = arg('--engine', 'js');
const jsonOut = argv.includes('--json') ? arg('--json', '') : '';
const root = new URL('..', import.meta.url).pathname;

const ncpu = availableParallelism();
const proxyCpu = String(ncpu - 1);
const restCpus = ncpu > 1 ? Array.from({ length: ncpu - 1 }, (_, i) => i).join(',') : '0';
const hasTaskset = (() => {
  try {
    execFileSync('taskset', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
const pin = (c: string) => (hasTaskset ? c : null);

interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  errors: number;
  non2xx: number;
}

// bench/lib/load.ts has no header option; the bearer token needs one (autocannon -H k=v).
const require = createRequire(import.meta.url);
const AUTOCANNON = require.resolve('autocannon/autocannon.js');
function runLoad(url: string, headers: Record<string, string>, secs: number): Promise<LoadResult> {
  const h = Object.entries(headers).flatMap(([k, v]) => ['-H', `${k}=${v}`]);
  const args = [AUTOCANNON, '-c', String(connections), '-d', String(secs), '-p', '1', ...h, '--json', url];
  const cpusArg = pin(restCpus);
  const [cmd, a] = cpusArg ? ['taskset', ['-c', cpusArg, process.execPath, ...args]] : [process.execPath, args];
  return new Promise((resolve, reject) => {
    const child = spawn(cmd as string, a as string[], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`autocannon exited ${code}: ${err}`));
      const r = JSON.parse(out) as { requests: { average: number; total: number }; latency: { p50: number; p99: number }; errors: number; non2xx: number };
      resolve({ rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, requests: r.requests.total, errors: r.errors, non2xx: r.non2xx });
    });
  });
}

interface Row extends LoadResult {
  name: string;
  cpuUsPerReq: number;
}

async function measure(name: string, url: string, headers: Record<string, string>, proc: Proc): Promise<Row> {
  // One checked request first: a bench of 401/403 answers would measure the wrong thing.
  const probe = await fetch(url, { headers });
  if (probe.status !== 200) throw new Error(`${name}: ${url} answered ${probe.status}: ${await probe.text()}`);
  process.stderr.write(`measuring ${name} (${url})…\n`);
  await runLoad(url, headers, Math.min(3, duration)); // warm-up: JIT, pools, token and JWT caches
  const cpu0 = cpuSeconds(proc.child.pid!);
  const r = await runLoad(url, headers, duration);
  const cpu1 = cpuSeconds(proc.child.pid!);
  return { name, ...r, cpuUsPerReq: ((cpu1 - cpu0) * 1e6) / Math.max(1, r.requests) };
}

async function startRegate(cfg: string): Promise<{ proc: Proc; port: number }> {
  const gw = await spawnPinned(
    pin(proxyCpu),
    process.execPath,
    ['--import', 'tsx', join(root, 'test/gateway/fixtures/run-cli.ts'), 'start', '--config', cfg],
    /"port":(\d+)[^\n]*"regate ready"|"regate ready"[^\n]*"port":(\d+)/,
    { ...process.env, NODE_ENV: 'production' },
  );
  return { proc: gw, port: Number(gw.match[1] ?? gw.match[2]) };
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
  const dir = mkdtempSync(join(tmpdir(), 'regate-bench-pipeline-'));
  const ts = await startTokenServer({ accessTokenTtlS: 3600 });
  const procs: Proc[] = [];
  const rows: Row[] = [];
  try {
    const up = await spawnPinned(pin(restCpus), process.execPath, ['--import', 'tsx', join(root, 'bench/lib/upstream.ts')], /PORT (\d+)/);
    procs.push(up);
    const upUrl = `http://127.0.0.1:${Number(up.match[1])}`;
    const base =
      `listen: { host: 127.0.0.1, port: 0, workers: 1 }\nadmin: { enabled: false }\nlog: { level: info, access: false }\n` +
      `upstreams:\n  up: { url: "${upUrl}", pool: { connections: ${Math.max(connections, 16)} } }\n`;

    const passCfg = join(dir, 'passthrough.yaml');
    writeFileSync(passCfg, `${base}routes:\n  - { id: pass, match: { path_prefix: / }, upstream: up }\n`);
    const pass = await startRegate(passCfg);
    procs.push(pass.proc);
    rows.push(await measure('passthrough', `http://127.0.0.1:${pass.port}/orders`, {}, pass.proc));
    await pass.proc.stop();

    mkdirSync(join(dir, 'policies', 'bench'), { recursive: true });
    writeFileSync(join(dir, 'policies', 'bench', 'bench.rego'), POLICY);
    const fullCfg = join(dir, 'full.yaml');
    writeFileSync(
      fullCfg,
      `${base}credentials:\n  up-basic: { type: basic, username: gateway, password: bench-secret }\n` +
        `tokens:\n  jwt: { jwks_uri: "${ts.jwksUri}", issuer: "${ts.issuer}", audience: "${ts.audience}", algorithms: [RS256], typ: at+jwt }\n` +
        `policies: { dir: "${join(dir, 'policies')}", engine: ${engine} }\n` +
        `routes:\n  - { id: orders, match: { path_prefix: / }, upstream: up, auth: jwt, policy: bench/decision }\n`,
    );
    const full = await startRegate(fullCfg);
    procs.push(full.proc);
    const now = Math.floor(Date.now() / 1000);
    const jwt = await ts.signJwt({ iss: ts.issuer, aud: ts.audience, sub: 'bench-user', client_id: 'bench-app', scope: 'orders:read', iat: now, exp: now + 3600 });
    rows.push(await measure('full', `http://127.0.0.1:${full.port}/orders`, { authorization: `Bearer ${jwt}` }, full.proc));
    await full.proc.stop();
  } finally {
    for (const p of procs) await p.stop();
    await ts.stop();
    rmSync(dir, { recursive: true, force: true });
  }

  const pass = rows.find((r) => r.name === 'passthrough')!;
  const full = rows.find((r) => r.name === 'full')!;
  process.stdout.write(
    `\npipeline (${cpus()[0]?.model ?? '?'}, ${ncpu} cpus, load ${loadavg()[0]!.toFixed(2)}): ${connections} connections, ${duration}s, no pipelining, engine ${engine}, ` +
      `gateway on CPU ${hasTaskset ? proxyCpu : 'any'}, upstream+load on CPU ${hasTaskset ? restCpus : 'any'}\n`,
  );
  process.stdout.write('name          rps       p50ms  p99ms  errors non2xx  gw-cpu-us/req\n');
  for (const r of rows) {
    process.stdout.write(
      `${r.name.padEnd(12)} ${r.rps.toFixed(0).padStart(8)}  ${String(r.p50).padStart(6)} ${String(r.p99).padStart(6)}  ${String(r.errors).padStart(6)} ${String(r.non2xx).padStart(6)}  ${r.cpuUsPerReq.toFixed(1).padStart(8)}\n`,
    );
  }
  process.stdout.write(
    `\nfull/passthrough rps ratio: ${(full.rps / pass.rps).toFixed(2)}  (full pipeline costs ${(full.cpuUsPerReq - pass.cpuUsPerReq).toFixed(1)} CPU µs more per request)\n`,
  );
  if (jsonOut) writeFileSync(jsonOut, JSON.stringify({ connections, duration, engine, rows }, null, 2));
}

main().catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exitCode = 1;
});
