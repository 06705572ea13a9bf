/**
 * The servers a bench measures, each started in its own pinned process: the fixed-body upstream
 * (bench/lib/upstream.ts), regate (`regate start` through the CLI, one uWS worker unless the
 * config says more, NODE_ENV=production), nginx (bench/nginx/nginx.conf.template: proxy_pass,
 * 1 worker unless asked for more, upstream keepalive) and a private Redis for the audit events.
 * Each resolves once the server accepts requests; the caller stops it.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TokenServer } from '../../src/devtools/token-server.js';
import { freePort, waitForPort } from './ports.js';
import { spawnPinned, type Proc } from './procs.js';
import { hasCommand } from './system-tool.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const TSX = ['--import', 'tsx'];

/** regate's start-up log line carries the port it bound (port 0 in the config). */
const REGATE_READY = /"port":(\d+)[^\n]*"regate ready"|"regate ready"[^\n]*"port":(\d+)/;

export interface Server {
  proc: Proc;
  /** http://127.0.0.1:<port>, no trailing slash */
  url: string;
}

/**
 * @example
 * const up = await startUpstream(plan.loadCpus);
 * // … up.url + '/api/bench'; finally: await up.proc.stop();
 */
export async function startUpstream(cpus: string | null): Promise<Server> {
  const proc = await spawnPinned(cpus, process.execPath, [...TSX, join(root, 'bench/lib/upstream.ts')], /PORT (\d+)/);
  return { proc, url: `http://127.0.0.1:${Number(proc.match[1])}` };
}

/**
 * Writes `config` (YAML) to `<dir>/<name>.yaml` and starts regate on it. `env` is added to this
 * process's environment (for `${VAR}` references in the config); `wrap` is a command line to
 * run it under (`['valgrind', '--tool=callgrind']`); `nodeArgs` go to node itself (`--cpu-prof`,
 * which NODE_OPTIONS refuses).
 * @example
 * const gw = await startRegate({ name: 'pass', dir, cpus: plan.proxyCpu, config: yaml });
 */
export async function startRegate(o: { name: string; dir: string; config: string; cpus: string | null; env?: Record<string, string>; wrap?: readonly string[]; nodeArgs?: readonly string[]; root?: string }): Promise<Server> {
  const cfg = join(o.dir, `${o.name}.yaml`);
  writeFileSync(cfg, o.config);
  // `root`: another checkout's compiled gateway (bench/ab.ts compares two builds); it must be built
  const checkout = o.root ?? root;
  if (o.root === undefined) ensureBuilt();
  // The compiled CLI (bin/regate.js → dist/), as users run it: under tsx every function
  // expression also re-registers its name per call, a few µs per request that ship nowhere.
  // `wrap` runs it under another program (valgrind, for bench/instructions.ts).
  const [cmd, ...pre] = [...(o.wrap ?? []), process.execPath];
  const proc = await spawnPinned(o.cpus, cmd as string, [...pre, ...(o.nodeArgs ?? []), join(checkout, 'bin/regate.js'), 'start', '--config', cfg], REGATE_READY, {
    ...process.env,
    NODE_ENV: 'production',
    ...shippedNodeOptions(),
    ...o.env,
  });
  return { proc, url: `http://127.0.0.1:${Number(proc.match[1] ?? proc.match[2])}` };
}

/**
 * The V8 flags the image runs regate with (docker/Dockerfile `NODE_OPTIONS`): 32 MB young-generation
 * semi-spaces. Without them V8 picks a cheap or a costly scavenging regime per process start (the
 * full pipeline measured 59–77 µs per request across starts of one build), so a bench row would
 * measure the start's luck rather than the code. Kept when the caller's NODE_OPTIONS already sets it.
 */
export const SHIPPED_NODE_OPTIONS = '--max-semi-space-size=32';
export function shippedNodeOptions(): { NODE_OPTIONS: string } {
  const cur = process.env.NODE_OPTIONS ?? '';
  return { NODE_OPTIONS: cur.includes('--max-semi-space-size') ? cur : `${cur} ${SHIPPED_NODE_OPTIONS}`.trim() };
}

let built = false;
/** Rebuilds dist/ once per bench process when a source file is newer than the newest output. */
function ensureBuilt(): void {
  if (built) return;
  const newest = (dir: string, ext: string): number => {
    let m = 0;
    for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
      if (e.isFile() && e.name.endsWith(ext)) m = Math.max(m, statSync(join(e.parentPath, e.name)).mtimeMs);
    }
    return m;
  };
  let distTime = 0;
  try {
    distTime = newest(join(root, 'dist'), '.js');
  } catch {
    distTime = 0;
  }
  if (newest(join(root, 'src'), '.ts') > distTime) {
    execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.json')], { cwd: root, stdio: 'inherit' });
  }
  built = true;
}

/**
 * The config head every regate bench shares: `workers` uWS workers (default 1), no admin
 * listener, no access log, and the upstream `up` with a pool at least as large as the load's
 * connections (each worker has its own pool of that size).
 * @example
 * startRegate({ …, config: regateBaseConfig(up.url, 32) + 'routes:\n  - …' });
 */
export function regateBaseConfig(upstreamUrl: string, connections: number, client: 'regate' | 'undici' = 'regate', workers = 1): string {
  if (!Number.isInteger(workers) || workers < 1) throw new TypeError(`regateBaseConfig: workers ${workers} is not a positive integer`);
  return (
    `listen: { host: 127.0.0.1, port: 0, workers: ${workers} }\nadmin: { enabled: false }\nlog: { level: info, access: false }\n` +
    `upstreams:\n  up: { url: "${upstreamUrl}", client: ${client}, pool: { connections: ${Math.max(connections, 16)} } }\n`
  );
}

/**
 * The regate config of the suite's full pipeline on top of `base` (regateBaseConfig): `auth`
 * (a cached JWT, or an opaque token through introspection) + the bench Rego policy
 * (bench/peers/policy) + rate limit + audit events to `redisUrl` under `prefix` + the basic
 * credential, whose password regate reads from BENCH_UP_PASSWORD (set it in startRegate's env).
 * @example
 * const gw = await startRegate({ name: 'full', dir, cpus, env: { BENCH_UP_PASSWORD: 'bench-secret' },
 *   config: regateFullConfig({ base: regateBaseConfig(up.url, 64), auth: 'jwt', tokens: ts, redisUrl, prefix: runId, spoolDir }) });
 */
export function regateFullConfig(o: { base: string; auth: 'jwt' | 'introspection'; tokens: TokenServer; redisUrl: string; prefix: string; spoolDir: string }): string {
  const ts = o.tokens;
  return (
    o.base +
    `credentials:\n  up-basic: { type: basic, username: gateway, password: "\${BENCH_UP_PASSWORD}" }\n` +
    `tokens:\n` +
    `  jwt: { jwks_uri: "${ts.jwksUri}", issuer: "${ts.issuer}", audience: "${ts.audience}", algorithms: [RS256, ES256], typ: at+jwt }\n` +
    `  introspection: { endpoint: "${ts.introspectionEndpoint}", client_id: "${ts.clients.gateway.client_id}", client_secret: "${ts.clients.gateway.client_secret}", max_ttl_s: 3600 }\n` +
    `policies: { dir: "${join(root, 'bench/peers/policy')}", engine: js }\n` +
    `redis: { url: "${o.redisUrl}", prefix: ${o.prefix} }\n` +
    `events: { spool_dir: "${o.spoolDir}" }\n` +
    `ratelimit: { on_unavailable: local, key_prefix: "{${o.prefix}}:rl:" }\n` +
    `routes:\n  - { id: api, match: { path_prefix: /api/ }, upstream: up, auth: ${o.auth}, policy: bench/decision }\n`
  );
}

/**
 * A private redis-server on a free port pinned to `cpus` (audit jobs pile up during a bench with
 * no consumer, and must not land in a shared instance); null when redis-server is not installed.
 * @example
 * const rs = await startRedis(plan.loadCpus); // rs?.url: redis://127.0.0.1:<port>
 */
export async function startRedis(cpus: string | null): Promise<Server | null> {
  if (!hasCommand('redis-server', ['--version'])) return null;
  const port = await freePort();
  const proc = await spawnPinned(cpus, 'redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], /Ready to accept connections/);
  return { proc, url: `redis://127.0.0.1:${port}` };
}

/**
 * nginx from the template with its own prefix directory under `dir` and `workers` worker
 * processes (default 1; with more, `listen … reuseport`, see the template); nginx prints nothing
 * when ready, so this waits for its port.
 * @example
 * const ng = await startNginx({ bin: '/usr/sbin/nginx', dir, upstreamUrl: up.url, cpus: plan.proxyCpu });
 */
export async function startNginx(o: { bin: string; dir: string; upstreamUrl: string; cpus: string | null; workers?: number }): Promise<Server> {
  const workers = o.workers ?? 1;
  if (!Number.isInteger(workers) || workers < 1) throw new TypeError(`startNginx: workers ${workers} is not a positive integer`);
  const port = await freePort();
  // one prefix directory per worker count: two nginx configurations may share a bench directory
  const ndir = join(o.dir, workers === 1 ? 'nginx' : `nginx-w${workers}`);
  mkdirSync(ndir, { recursive: true });
  const conf = readFileSync(join(root, 'bench/nginx/nginx.conf.template'), 'utf8')
    .replaceAll('{{WORKERS}}', String(workers))
    .replaceAll('{{REUSEPORT}}', workers > 1 ? ' reuseport' : '')
    .replaceAll('{{DIR}}', ndir)
    .replaceAll('{{PORT}}', String(port))
    .replaceAll('{{UPSTREAM_PORT}}', new URL(o.upstreamUrl).port);
  writeFileSync(join(ndir, 'nginx.conf'), conf);
  const proc = await spawnPinned(o.cpus, o.bin, ['-p', ndir, '-c', join(ndir, 'nginx.conf'), '-e', join(ndir, 'error.log')], null);
  if (!(await waitForPort(port))) {
    await proc.stop();
    throw new Error(`nginx did not listen: ${proc.output().slice(-300)}`);
  }
  return { proc, url: `http://127.0.0.1:${port}` };
}
