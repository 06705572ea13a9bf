/**
 * The bench suite: every scenario in one run against the same upstream on 127.0.0.1, measured
 * with autocannon (no pipelining, fixed connections and duration), processes pinned with taskset.
 *
 *   direct                autocannon → upstream (the generator + upstream ceiling)
 *   nginx                 nginx proxy_pass, 1 worker, upstream keepalive (the limit of a proxy hop)
 *   regate-passthrough    regate, route without auth or policy
 *   regate-full           regate: JWT (cached) + Rego policy + rate limit + audit events to Redis + basic credentials
 *   regate-introspection  the same with an opaque token (introspection cache hit)
 *   node-peer             bench/peers/fastify-gateway.ts: fastify + @fastify/http-proxy + jose + opa-wasm, same policy
 *
 *   npm run bench -- [--quick|--full] [--smoke] [--only name,…] [--connections N] [--duration S] [--out DIR]
 *
 * Writes <out>/<date>.json, .md (table) and .svg (chart); <out> defaults to bench/results.
 * --smoke runs a fixed small number of requests per scenario (no warm-up): a check that the
 * machinery works, for CI; its numbers mean nothing. It exits 0 when every scenario ran or was
 * skipped with a reason.
 * Needs nginx (installed with apt-get when missing and running as root, else skipped) and
 * redis-server (a private one on a free port; without it the shared 127.0.0.1:6379 with a unique prefix).
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import net from 'node:net';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpuSeconds, spawnPinned, type Proc } from './lib/procs.js';
import { startTokenServer, type TokenServer } from '../src/devtools/token-server.js';
import { renderMarkdown } from './report/markdown.js';
import { renderSvg } from './report/svg.js';
import type { ScenarioRow, SuiteResult } from './report/types.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(import.meta.url);
const AUTOCANNON = require.resolve('autocannon/autocannon.js');

export const SCENARIOS = [
  { name: 'direct', label: 'direct upstream' },
  { name: 'nginx', label: 'nginx proxy_pass' },
  { name: 'regate-passthrough', label: 'regate passthrough' },
  { name: 'regate-full', label: 'regate full pipeline' },
  { name: 'regate-introspection', label: 'regate introspection (cached)' },
  { name: 'node-peer', label: 'Node peer (fastify)' },
] as const;
export type ScenarioName = (typeof SCENARIOS)[number]['name'];

export interface SuiteOptions {
  mode: 'quick' | 'full' | 'smoke';
  only?: string[];
  connections?: number;
  duration?: number;
  outDir?: string;
  /** progress lines (default: stderr) */
  log?: (line: string) => void;
}

const PRESETS = {
  // quick: 6 scenarios × (1 s warm-up + 6 s) plus process start-up stays well under 3 minutes
  quick: { connections: 32, duration: 6, warmup: 1, amount: null },
  full: { connections: 64, duration: 20, warmup: 5, amount: null },
  smoke: { connections: 4, duration: null, warmup: 0, amount: 150 },
} as const;

interface Load {
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  errors: number;
  non2xx: number;
}

/** autocannon in its own pinned process; `-H name=value` (a `:` form would keep the leading space). */
function autocannon(url: string, o: { connections: number; duration: number | null; amount: number | null; headers: Record<string, string>; cpus: string | null }): Promise<Load> {
  const args = [AUTOCANNON, '-c', String(o.connections), '-p', '1', '--json'];
  if (o.amount !== null) args.push('-a', String(o.amount));
  else args.push('-d', String(o.duration));
  for (const [k, v] of Object.entries(o.headers)) args.push('-H', `${k}=${v}`);
  args.push(url);
  const [cmd, a] = o.cpus ? ['taskset', ['-c', o.cpus, process.execPath, ...args]] : [process.execPath, args];
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd as string, a as string[], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.once('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`autocannon exited ${code}: ${err.slice(-500)}`));
      const r = JSON.parse(out) as { requests: { average: number; total: number }; latency: { p50: number; p99: number }; duration: number; errors: number; non2xx: number };
      // with -a the run is short and `requests.average` (per whole second) is meaningless: use total/duration
      const rps = o.amount !== null ? r.requests.total / Math.max(0.001, r.duration) : r.requests.average;
      resolvePromise({ rps, p50: r.latency.p50, p99: r.latency.p99, requests: r.requests.total, errors: r.errors, non2xx: r.non2xx });
    });
  });
}

function has(cmd: string, args: string[]): boolean {
  try {
    execFileSync(cmd, args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** nginx from the PATH's usual places, else apt-get (root only); null with the reason when impossible. */
function findNginx(log: (l: string) => void): { bin: string } | { reason: string } {
  for (const p of ['/usr/sbin/nginx', '/usr/bin/nginx']) if (has(p, ['-v'])) return { bin: p };
  if (process.getuid?.() !== 0) return { reason: 'nginx is not installed and apt-get needs root (apt-get install -y nginx)' };
  log('nginx missing: apt-get install -y nginx');
  try {
    execFileSync('apt-get', ['install', '-y', 'nginx'], { stdio: 'ignore', timeout: 120_000 });
  } catch (err) {
    return { reason: `apt-get install nginx failed: ${String(err).slice(0, 200)}` };
  }
  return has('/usr/sbin/nginx', ['-v']) ? { bin: '/usr/sbin/nginx' } : { reason: 'nginx still missing after apt-get install' };
}

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** Waits (bounded: 100 × 50 ms) until something accepts on the port — for programs that print nothing. */
async function waitForPort(port: number): Promise<boolean> {
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise<boolean>((r) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => (s.destroy(), r(true))).once('error', () => r(false));
    });
    if (ok) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

/**
 * One request before measuring: a scenario that does not answer 200 is reported failed, not
 * measured. node:http with a fresh connection (agent: false), not fetch: fetch's global pool may
 * hold a kept-alive socket to an earlier, stopped server that had the same ephemeral port.
 */
function probe(url: string, headers: Record<string, string>): Promise<string | null> {
  return new Promise((done) => {
    const req = http.get(url, { headers, agent: false, timeout: 10_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => done(res.statusCode === 200 ? null : `probe answered ${res.statusCode}: ${body.slice(0, 160)}`));
    });
    req.on('timeout', () => req.destroy(new Error('probe timed out after 10 s')));
    req.on('error', (err) => done(`probe failed: ${err.message}`));
  });
}

const READY = /"port":(\d+)[^\n]*"regate ready"|"regate ready"[^\n]*"port":(\d+)/;

/**
 * Runs the scenarios of `opts.mode` (or `opts.only`), writes the JSON, Markdown and SVG files and
 * returns the result. A scenario that breaks becomes a `failed` row with the reason; nginx missing
 * (and not installable) a `skipped` one — the other scenarios still run.
 * @example
 * const { result, files } = await runSuite({ mode: 'smoke', outDir: '/tmp/bench' });
 * result.rows.map((r) => [r.name, r.status, r.rps]);
 */
export async function runSuite(opts: SuiteOptions): Promise<{ result: SuiteResult; files: { json: string; md: string; svg: string } }> {
  const log = opts.log ?? ((l: string) => process.stderr.write(l + '\n'));
  const preset = PRESETS[opts.mode];
  const connections = opts.connections ?? preset.connections;
  const duration = preset.amount !== null ? null : (opts.duration ?? preset.duration);
  const amount = preset.amount;
  const warmup = preset.warmup;
  const only = opts.only?.length ? new Set(opts.only) : null;
  if (only) for (const n of only) if (!SCENARIOS.some((s) => s.name === n)) throw new TypeError(`--only: unknown scenario ${n} (known: ${SCENARIOS.map((s) => s.name).join(', ')})`);

  // CPU plan: the proxy under test alone on the last CPU; upstream, generator, Redis on the rest.
  const ncpu = availableParallelism();
  const pinned = ncpu > 1 && has('taskset', ['-V']);
  const proxyCpu = pinned ? String(ncpu - 1) : null;
  const loadCpus = pinned ? Array.from({ length: ncpu - 1 }, (_, i) => i).join(',') : null;

  const notes: string[] = [];
  const rows: ScenarioRow[] = [];
  const procs: Proc[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'regate-bench-'));
  const node = process.execPath;
  const tsx = ['--import', 'tsx'];
  const runId = `bench${process.pid}x${Date.now().toString(36)}`;
  let ts: TokenServer | undefined;
  const startedAt = new Date();

  const measure = async (name: ScenarioName, url: string, headers: Record<string, string>, proc: Proc | null) => {
    const label = SCENARIOS.find((s) => s.name === name)!.label;
    const bad = await probe(url, headers);
    if (bad) return rows.push({ name, label, status: 'failed', reason: bad + (proc ? ` — process output: ${proc.output().slice(-300)}` : '') });
    log(`measuring ${name} (${url})`);
    if (warmup > 0) await autocannon(url, { connections, duration: warmup, amount: null, headers, cpus: loadCpus });
    const cpu0 = proc ? cpuSeconds(proc.child.pid!) : 0;
    const r = await autocannon(url, { connections, duration, amount, headers, cpus: loadCpus });
    const cpu1 = proc ? cpuSeconds(proc.child.pid!) : 0;
    rows.push({ name, label, status: 'ok', ...r, cpuUsPerReq: proc ? ((cpu1 - cpu0) * 1e6) / Math.max(1, r.requests) : null });
  };
  const want = (n: ScenarioName) => !only || only.has(n);
  const skip = (name: ScenarioName, reason: string) => rows.push({ name, label: SCENARIOS.find((s) => s.name === name)!.label, status: 'skipped', reason });
  /** Runs one scenario; an exception becomes a failed row (with its message) rather than ending the suite. */
  const attempt = async (name: ScenarioName, fn: () => Promise<void>) => {
    if (!want(name)) return;
    try {
      await fn();
    } catch (err) {
      rows.push({ name, label: SCENARIOS.find((s) => s.name === name)!.label, status: 'failed', reason: String(err instanceof Error ? err.message : err).slice(0, 300) });
    }
  };

  try {
    const up = await spawnPinned(loadCpus, node, [...tsx, join(root, 'bench/lib/upstream.ts')], /PORT (\d+)/);
    procs.push(up);
    const upUrl = `http://127.0.0.1:${Number(up.match[1])}`;
    const path = '/api/bench';

    await attempt('direct', () => measure('direct', upUrl + path, {}, null).then(() => undefined));

    await attempt('nginx', async () => {
      const found = findNginx(log);
      if ('reason' in found) return void skip('nginx', found.reason);
      const port = await freePort();
      const ndir = join(dir, 'nginx');
      mkdirSync(ndir, { recursive: true });
      const conf = readFileSync(join(root, 'bench/nginx/nginx.conf.template'), 'utf8')
        .replaceAll('{{DIR}}', ndir)
        .replaceAll('{{PORT}}', String(port))
        .replaceAll('{{UPSTREAM_PORT}}', new URL(upUrl).port);
      writeFileSync(join(ndir, 'nginx.conf'), conf);
      const ng = await spawnPinned(proxyCpu, found.bin, ['-p', ndir, '-c', join(ndir, 'nginx.conf'), '-e', join(ndir, 'error.log')], null);
      procs.push(ng);
      if (!(await waitForPort(port))) throw new Error(`nginx did not listen: ${ng.output().slice(-300)}`);
      await measure('nginx', `http://127.0.0.1:${port}${path}`, {}, ng);
      await ng.stop();
    });

    const needTokens = ['regate-full', 'regate-introspection', 'node-peer'].some((n) => want(n as ScenarioName));
    let redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
    if (needTokens) {
      ts = await startTokenServer({ accessTokenTtlS: 3600 });
      if (has('redis-server', ['--version'])) {
        // A private Redis: audit jobs pile up during a bench (no consumer), and must not land in a shared instance.
        const port = await freePort();
        const rs = await spawnPinned(loadCpus, 'redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], /Ready to accept connections/);
        procs.push(rs);
        redisUrl = `redis://127.0.0.1:${port}`;
      } else notes.push(`redis-server not found: used ${redisUrl} with key prefix ${runId} (keys are left behind)`);
    }

    const startRegate = async (name: string, body: string) => {
      const cfg = join(dir, `${name}.yaml`);
      writeFileSync(cfg, body);
      const gw = await spawnPinned(proxyCpu, node, [...tsx, join(root, 'test/gateway/fixtures/run-cli.ts'), 'start', '--config', cfg], READY, {
        ...process.env,
        NODE_ENV: 'production',
        BENCH_UP_PASSWORD: 'bench-secret',
      });
      procs.push(gw);
      return { gw, url: `http://127.0.0.1:${Number(gw.match[1] ?? gw.match[2])}` };
    };
    const base =
      `listen: { host: 127.0.0.1, port: 0, workers: 1 }\nadmin: { enabled: false }\nlog: { level: info, access: false }\n` +
      `upstreams:\n  up: { url: "${upUrl}", pool: { connections: ${Math.max(connections, 16)} } }\n`;

    await attempt('regate-passthrough', async () => {
      const { gw, url } = await startRegate('passthrough', base + `routes:\n  - { id: bench, match: { path_prefix: / }, upstream: up, auth: none }\n`);
      await measure('regate-passthrough', url + path, {}, gw);
      await gw.stop();
    });

    const full = (auth: 'jwt' | 'introspection') =>
      base +
      `credentials:\n  up-basic: { type: basic, username: gateway, password: "\${BENCH_UP_PASSWORD}" }\n` +
      `tokens:\n` +
      `  jwt: { jwks_uri: "${ts!.jwksUri}", issuer: "${ts!.issuer}", audience: "${ts!.audience}", algorithms: [RS256, ES256], typ: at+jwt }\n` +
      `  introspection: { endpoint: "${ts!.introspectionEndpoint}", client_id: "${ts!.clients.gateway.client_id}", client_secret: "${ts!.clients.gateway.client_secret}", max_ttl_s: 3600 }\n` +
      `policies: { dir: "${join(root, 'bench/peers/policy')}", engine: js }\n` +
      `redis: { url: "${redisUrl}", prefix: ${runId} }\n` +
      `events: { spool_dir: "${join(dir, `spool-${auth}`)}" }\n` +
      `ratelimit: { on_unavailable: local, key_prefix: "{${runId}}:rl:" }\n` +
      `routes:\n  - { id: api, match: { path_prefix: /api/ }, upstream: up, auth: ${auth}, policy: bench/decision }\n`;

    await attempt('regate-full', async () => {
      const jwt = await ts!.issueJwt({ scope: 'read' });
      const { gw, url } = await startRegate('full', full('jwt'));
      await measure('regate-full', url + path, { authorization: `Bearer ${jwt}` }, gw);
      await gw.stop();
    });

    await attempt('regate-introspection', async () => {
      const opaque = await ts!.issueOpaque({ scope: 'read' });
      const { gw, url } = await startRegate('introspection', full('introspection'));
      await measure('regate-introspection', url + path, { authorization: `Bearer ${opaque}` }, gw);
      await gw.stop();
    });

    await attempt('node-peer', async () => {
      const wasm = join(dir, 'bench-policy.wasm');
      try {
        execFileSync(node, [...tsx, join(root, 'test/gateway/fixtures/run-cli.ts'), 'policy', 'build', join(root, 'bench/peers/policy'), '-e', 'bench/decision', '-t', 'wasm', '-o', wasm], { cwd: root, stdio: 'pipe', timeout: 120_000 });
      } catch (err) {
        return void skip('node-peer', `regate policy build -t wasm failed, the peer needs the WASM policy: ${String((err as { stderr?: Buffer }).stderr ?? err).slice(0, 200)}`);
      }
      const jwt = await ts!.issueJwt({ scope: 'read' });
      const peer = await spawnPinned(
        proxyCpu,
        node,
        [...tsx, join(root, 'bench/peers/fastify-gateway.ts'), '--upstream', upUrl, '--wasm', wasm, '--jwks-uri', ts!.jwksUri, '--issuer', ts!.issuer, '--audience', ts!.audience, '--connections', String(Math.max(connections, 16))],
        /PORT (\d+)/,
        { ...process.env, NODE_ENV: 'production', PEER_UPSTREAM_USER: 'gateway', PEER_UPSTREAM_PASSWORD: 'bench-secret' },
      );
      procs.push(peer);
      await measure('node-peer', `http://127.0.0.1:${Number(peer.match[1])}${path}`, { authorization: `Bearer ${jwt}` }, peer);
      await peer.stop();
    });
  } finally {
    for (const p of procs.reverse()) await p.stop();
    await ts?.stop();
    rmSync(dir, { recursive: true, force: true });
  }

  // Rows in the declared order; a scenario left out by --only is not listed.
  rows.sort((a, b) => SCENARIOS.findIndex((s) => s.name === a.name) - SCENARIOS.findIndex((s) => s.name === b.name));
  if (opts.mode === 'smoke') notes.push('smoke run: a few requests per scenario without warm-up; the numbers only show the machinery works.');
  notes.push('Node peer: JWT verified per request (jose, cached JWKS) + opa-wasm policy + basic credentials; no rate limit and no audit events, which regate-full does.');
  const load1 = loadavg()[0] ?? 0;
  if (load1 > ncpu * 0.5) notes.push(`load average was ${load1.toFixed(2)} on ${ncpu} CPUs: other processes competed with the bench; compare rows within this run only.`);

  const result: SuiteResult = {
    date: startedAt.toISOString(),
    mode: opts.mode,
    machine: { cpu: cpus()[0]?.model ?? 'unknown', cpus: ncpu, loadavg1: load1, node: process.version, platform: `${process.platform}-${process.arch}` },
    settings: { connections, duration_s: duration, amount, warmup_s: warmup, pinned, proxy_cpu: proxyCpu, load_cpus: loadCpus },
    notes,
    rows,
  };
  const outDir = resolve(opts.outDir ?? join(root, 'bench/results'));
  mkdirSync(outDir, { recursive: true });
  const stem = join(outDir, startedAt.toISOString().replaceAll(':', '-').replace(/\.\d+Z$/, 'Z') + (opts.mode === 'smoke' ? '-smoke' : ''));
  const files = { json: `${stem}.json`, md: `${stem}.md`, svg: `${stem}.svg` };
  writeFileSync(files.json, JSON.stringify(result, null, 2) + '\n');
  writeFileSync(files.md, renderMarkdown(result));
  writeFileSync(files.svg, renderSvg(result));
  return { result, files };
}

export function parseSuiteArgs(argv: string[]): SuiteOptions {
  const opts: SuiteOptions = { mode: 'quick' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    const next = () => {
      const v = argv[++i];
      if (v === undefined) throw new TypeError(`${a} needs a value`);
      return v;
    };
    if (a === '--quick') opts.mode = 'quick';
    else if (a === '--full') opts.mode = 'full';
    else if (a === '--smoke') opts.mode = 'smoke';
    else if (a === '--only') opts.only = next().split(',').filter(Boolean);
    else if (a === '--connections') opts.connections = Number(next());
    else if (a === '--duration') opts.duration = Number(next());
    else if (a === '--out') opts.outDir = next();
    else throw new TypeError(`unknown option ${a} (usage: bench/run.ts [--quick|--full] [--smoke] [--only name,…] [--connections N] [--duration S] [--out DIR])`);
  }
  for (const [k, v] of [['--connections', opts.connections], ['--duration', opts.duration]] as const) {
    if (v !== undefined && !(Number.isInteger(v) && v > 0)) throw new TypeError(`${k}: not a positive integer`);
  }
  return opts;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const { result, files } = await runSuite(parseSuiteArgs(process.argv.slice(2)));
    process.stdout.write(readFileSync(files.md, 'utf8') + `\nwrote ${files.json}, ${files.md}, ${files.svg}\n`);
    // a failed scenario is a broken bench; a skipped one (nginx impossible) is not
    process.exitCode = result.rows.some((r) => r.status === 'failed') ? 1 : 0;
  } catch (err) {
    process.stderr.write(`bench: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exitCode = 1;
  }
}
