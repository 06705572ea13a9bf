/**
 * The bench suite: every scenario in one run against the same upstream on 127.0.0.1, measured
 * with autocannon or wrk (no pipelining, fixed connections and duration), processes pinned with
 * taskset (bench/lib/cpu-plan.ts).
 *
 *   direct                generator → upstream (the generator + upstream ceiling)
 *   nginx                 nginx proxy_pass, 1 worker, upstream keepalive (the limit of a proxy hop)
 *   haproxy               HAProxy as a plain hop, 1 thread, upstream keep-alive (bench/peers/haproxy/)
 *   regate-passthrough    regate, route without auth or policy
 *   regate-full           regate: JWT (cached) + Rego policy + rate limit + audit events to Redis + basic credentials
 *   regate-introspection  the same with an opaque token (introspection cache hit)
 *   haproxy-full          HAProxy doing the full pipeline's job natively (bench/peers/haproxy.ts): jwt_verify RS256 +
 *                         iss/aud/exp + the policy's rule as ACLs + per-caller stick-table rate limit + path rewrite +
 *                         headers + basic credential + a JSON log line per request to a UDP sink
 *   node-peer             bench/peers/fastify-gateway.ts: fastify + @fastify/http-proxy + jose + opa-wasm, same policy
 *
 *   npm run bench -- [--quick|--full] [--smoke] [--generator autocannon|wrk] [--only name,…] [--repeat N] [--connections N] [--duration S] [--out DIR]
 *
 * Writes <out>/<date>.json, .md (table) and .svg (chart); <out> defaults to bench/results.
 * --repeat N runs the selected scenarios N times round-robin (round 1: every scenario in the
 * table's order, then round 2, …; each server started afresh per round), so a change of the
 * machine's load hits every row alike; the table then gives per row the median and min–max of
 * rps, p99 and CPU µs/req over the rounds, and the ratios vs nginx and vs HAProxy (same job)
 * taken within each round, as median and range (bench/report/repeat.ts).
 * --smoke runs a fixed small number of requests per scenario (wrk: 1 s, it has no request count)
 * without warm-up: a check that the machinery works, for CI; its numbers mean nothing. It exits 0
 * when every scenario ran or was skipped with a reason.
 * --generator wrk drives every scenario with wrk (Debian package wrk; installed with apt-get when
 * missing and running as root, else every scenario is skipped with the reason), for rates
 * autocannon cannot produce on the load CPU.
 * Needs nginx and haproxy (each installed with apt-get when missing and running as root, else its rows are skipped) and
 * redis-server (a private one on a free port; without it the shared 127.0.0.1:6379 with a unique prefix).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { planCpus } from './lib/cpu-plan.js';
import { GENERATORS, measureLoad, resolveGenerator, type GeneratorName, type LoadOptions } from './lib/load.js';
import { probe } from './lib/probe.js';
import { spawnPinned, type Proc } from './lib/procs.js';
import { regateBaseConfig, regateFullConfig, SHIPPED_NODE_OPTIONS, shippedNodeOptions, startNginx, startRedis, startRegate, startUpstream } from './lib/servers.js';
import { findOrInstallTool, HAPROXY, NGINX } from './lib/system-tool.js';
import { rs256PublicPem, startHaproxy } from './peers/haproxy.js';
import { startTokenServer, type TokenServer } from '../src/devtools/token-server.js';
import { renderMarkdown } from './report/markdown.js';
import { medianRows, summarizeRounds } from './report/repeat.js';
import { renderSvg } from './report/svg.js';
import type { GeneratorInfo, ScenarioRow, SuiteResult } from './report/types.js';

const root = fileURLToPath(new URL('..', import.meta.url));

export const SCENARIOS = [
  { name: 'direct', label: 'direct upstream' },
  { name: 'nginx', label: 'nginx proxy_pass' },
  { name: 'haproxy', label: 'HAProxy passthrough' },
  { name: 'regate-passthrough', label: 'regate passthrough' },
  { name: 'regate-passthrough-undici', label: 'regate passthrough (undici client)' },
  { name: 'regate-full', label: 'regate full pipeline' },
  { name: 'regate-introspection', label: 'regate introspection (cached)' },
  { name: 'haproxy-full', label: 'HAProxy full job (JWT, ACL rule, rate limit, log)' },
  { name: 'node-peer', label: 'Node peer (fastify)' },
] as const;
export type ScenarioName = (typeof SCENARIOS)[number]['name'];

export interface SuiteOptions {
  mode: 'quick' | 'full' | 'smoke';
  /** the load generator (default autocannon) */
  generator?: GeneratorName;
  only?: string[];
  connections?: number;
  duration?: number;
  /** rounds of the selected scenarios, run round-robin (default 1); >1 adds `repeat` to the result */
  repeat?: number;
  outDir?: string;
  /** progress lines (default: stderr) */
  log?: (line: string) => void;
}

const PRESETS = {
  // quick: 6 scenarios × (1 s warm-up + 6 s) plus process start-up stays well under 3 minutes
  quick: { connections: 32, duration: 6, warmup: 1, amount: null },
  full: { connections: 64, duration: 20, warmup: 5, amount: null },
  // wrk has no request count: its smoke runs SMOKE_WRK_S seconds per scenario instead
  smoke: { connections: 4, duration: null, warmup: 0, amount: 150 },
} as const;
const SMOKE_WRK_S = 1;

/**
 * Runs the scenarios of `opts.mode` (or `opts.only`), writes the JSON, Markdown and SVG files and
 * returns the result. A scenario that breaks becomes a `failed` row with the reason; nginx missing
 * (and not installable) a `skipped` one — the other scenarios still run. With `generator: 'wrk'`
 * and no wrk to be had, every scenario is skipped with the reason.
 * @example
 * const { result, files } = await runSuite({ mode: 'smoke', outDir: '/tmp/bench' });
 * result.rows.map((r) => [r.name, r.status, r.rps]);
 */
export async function runSuite(opts: SuiteOptions): Promise<{ result: SuiteResult; files: { json: string; md: string; svg: string } }> {
  const log = opts.log ?? ((l: string) => process.stderr.write(l + '\n'));
  const preset = PRESETS[opts.mode];
  const generatorName = opts.generator ?? 'autocannon';
  const connections = opts.connections ?? preset.connections;
  const wrkSmoke = generatorName === 'wrk' && preset.amount !== null;
  const amount = wrkSmoke ? null : preset.amount;
  const duration = wrkSmoke ? SMOKE_WRK_S : amount !== null ? null : (opts.duration ?? preset.duration);
  const warmup = preset.warmup;
  const repeat = opts.repeat ?? 1;
  if (!Number.isInteger(repeat) || repeat < 1) throw new TypeError(`--repeat: ${repeat} is not a positive integer`);
  const only = opts.only?.length ? new Set(opts.only) : null;
  if (only) for (const n of only) if (!SCENARIOS.some((s) => s.name === n)) throw new TypeError(`--only: unknown scenario ${n} (known: ${SCENARIOS.map((s) => s.name).join(', ')})`);

  const plan = planCpus();
  const { proxyCpu, loadCpus } = plan;
  const notes: string[] = [];
  /** one list of rows per round, each in the declared scenario order */
  const rounds: ScenarioRow[][] = [];
  const procs: Proc[] = [];
  const runId = `bench${process.pid}x${Date.now().toString(36)}`;
  let ts: TokenServer | undefined;
  const startedAt = new Date();

  const label = (name: ScenarioName) => SCENARIOS.find((s) => s.name === name)!.label;
  const want = (n: ScenarioName) => !only || only.has(n);
  const wanted = SCENARIOS.filter((s) => want(s.name)).map((s) => s.name);
  const skipped = (name: ScenarioName, reason: string): ScenarioRow => ({ name, label: label(name), status: 'skipped', reason });

  const generator = resolveGenerator(generatorName, connections, plan.loadCpuCount, log);
  let generatorInfo: GeneratorInfo = { name: generatorName, version: 'unavailable', threads: 0 };
  if ('reason' in generator) {
    notes.push(`${generator.reason}: no scenario ran.`);
    for (let i = 0; i < repeat; i++) rounds.push(wanted.map((n) => skipped(n, generator.reason)));
  } else {
    generatorInfo = { name: generator.name, version: generator.version, threads: generator.threads };
    const dir = mkdtempSync(join(tmpdir(), 'regate-bench-'));
    const load = (headers: Record<string, string>): LoadOptions => ({ generator, connections, duration, amount, headers, cpus: loadCpus });
    let round = 0;
    const measure = async (name: ScenarioName, url: string, headers: Record<string, string>, proc: Proc | null): Promise<ScenarioRow> => {
      const bad = await probe(url, headers);
      if (bad) return { name, label: label(name), status: 'failed', reason: bad + (proc ? ` — process output: ${proc.output().slice(-300)}` : '') };
      log(`measuring ${name} (${url}) with ${generator.name}${repeat > 1 ? `, round ${round}/${repeat}` : ''}`);
      const r = await measureLoad(url, { ...load(headers), warmup, proc });
      return { name, label: label(name), status: 'ok', ...r };
    };
    /** Runs one scenario; an exception becomes a failed row (with its message) rather than ending the suite. */
    const attempt = async (name: ScenarioName, fn: () => Promise<ScenarioRow>): Promise<ScenarioRow> => {
      try {
        return await fn();
      } catch (err) {
        return { name, label: label(name), status: 'failed', reason: String(err instanceof Error ? err.message : err).slice(0, 300) };
      }
    };
    /** Starts `start()`, measures it and stops it: each round starts the server afresh (its warm-up run comes first). */
    const measureServer = async (name: ScenarioName, start: () => Promise<{ proc: Proc; url: string }>, headers: Record<string, string> = {}) => {
      const srv = await start();
      procs.push(srv.proc);
      try {
        return await measure(name, srv.url + path, headers, srv.proc);
      } finally {
        await srv.proc.stop();
      }
    };
    const path = '/api/bench';

    try {
      const up = await startUpstream(loadCpus);
      procs.push(up.proc);

      // what every round shares, found or made once: the programs, the tokens, Redis, the peer's WASM policy
      let nginxBin: { bin: string; version: string } | { reason: string } | undefined;
      const nginx = () => (nginxBin ??= findOrInstallTool(NGINX, log));
      let haproxyBin: { bin: string; version: string } | { reason: string } | undefined;
      const haproxy = () => (haproxyBin ??= findOrInstallTool(HAPROXY, log));
      let wasmBuilt: { wasm: string } | { reason: string } | undefined;

      const needTokens = ['regate-full', 'regate-introspection', 'haproxy-full', 'node-peer'].some((n) => want(n as ScenarioName));
      let redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
      if (needTokens) {
        ts = await startTokenServer({ accessTokenTtlS: 3600 });
        const rs = await startRedis(loadCpus);
        if (rs) {
          procs.push(rs.proc);
          redisUrl = rs.url;
        } else notes.push(`redis-server not found: used ${redisUrl} with key prefix ${runId} (keys are left behind)`);
      }

      const regate = (name: string, config: string) => () => startRegate({ name, dir, config, cpus: proxyCpu, env: { BENCH_UP_PASSWORD: 'bench-secret' } });
      const base = regateBaseConfig(up.url, connections);
      const full = (auth: 'jwt' | 'introspection') => regateFullConfig({ base, auth, tokens: ts!, redisUrl, prefix: runId, spoolDir: join(dir, `spool-${auth}`) });

      const runners: Record<ScenarioName, () => Promise<ScenarioRow>> = {
        direct: () => measure('direct', up.url + path, {}, null),
        nginx: async () => {
          const found = nginx();
          if ('reason' in found) return skipped('nginx', found.reason);
          return measureServer('nginx', () => startNginx({ bin: found.bin, dir, upstreamUrl: up.url, cpus: proxyCpu }));
        },
        haproxy: async () => {
          const found = haproxy();
          if ('reason' in found) return skipped('haproxy', found.reason);
          return measureServer('haproxy', () => startHaproxy({ bin: found.bin, kind: 'passthrough', dir, upstreamUrl: up.url, cpus: proxyCpu }));
        },
        'regate-passthrough': () => measureServer('regate-passthrough', regate('passthrough', base + `routes:\n  - { id: bench, match: { path_prefix: / }, upstream: up, auth: none }\n`)),
        // the same hop through undici's Pool (`client: undici`): what the purpose-built client saves
        'regate-passthrough-undici': () =>
          measureServer('regate-passthrough-undici', regate('passthrough-undici', regateBaseConfig(up.url, connections, 'undici') + `routes:\n  - { id: bench, match: { path_prefix: / }, upstream: up, auth: none }\n`)),
        'regate-full': async () => measureServer('regate-full', regate('full', full('jwt')), { authorization: `Bearer ${await ts!.issueJwt({ scope: 'read' })}` }),
        'regate-introspection': async () => measureServer('regate-introspection', regate('introspection', full('introspection')), { authorization: `Bearer ${await ts!.issueOpaque({ scope: 'read' })}` }),
        'haproxy-full': async () => {
          const found = haproxy();
          if ('reason' in found) return skipped('haproxy-full', found.reason);
          // the log sink shares the load CPUs with the upstream, as Redis does for regate's audit events
          const sink = await spawnPinned(loadCpus, process.execPath, ['--import', 'tsx', join(root, 'bench/peers/log-sink.ts')], /PORT (\d+)/);
          procs.push(sink);
          try {
            const job = { publicKeyPem: rs256PublicPem(ts!.keys), issuer: ts!.issuer, audience: ts!.audience, basic: { username: 'gateway', password: 'bench-secret' }, rateLimit: 1_000_000_000, logPort: Number(sink.match[1]) };
            const jwt = await ts!.issueJwt({ scope: 'read' });
            return await measureServer('haproxy-full', () => startHaproxy({ bin: found.bin, kind: 'full', dir, upstreamUrl: up.url, cpus: proxyCpu, job }), { authorization: `Bearer ${jwt}` });
          } finally {
            await sink.stop();
          }
        },
        'node-peer': async () => {
          const node = process.execPath;
          const tsx = ['--import', 'tsx'];
          if (!wasmBuilt) {
            const wasm = join(dir, 'bench-policy.wasm');
            try {
              // the shipped CLI (dist/), as the gateway rows run
              execFileSync(node, [join(root, 'bin/regate.js'), 'policy', 'build', join(root, 'bench/peers/policy'), '-e', 'bench/decision', '-t', 'wasm', '-o', wasm], { cwd: root, stdio: 'pipe', timeout: 120_000 });
              wasmBuilt = { wasm };
            } catch (err) {
              // on a time-out stderr is empty: then the error's own message says what happened
              const stderr = (err as { stderr?: Buffer }).stderr;
              wasmBuilt = { reason: `regate policy build -t wasm failed, the peer needs the WASM policy: ${(stderr?.length ? stderr.toString() : String(err instanceof Error ? err.message : err)).slice(0, 200)}` };
            }
          }
          if ('reason' in wasmBuilt) return skipped('node-peer', wasmBuilt.reason);
          const wasm = wasmBuilt.wasm;
          const jwt = await ts!.issueJwt({ scope: 'read' });
          return measureServer(
            'node-peer',
            async () => {
              const peer = await spawnPinned(
                proxyCpu,
                node,
                [...tsx, join(root, 'bench/peers/fastify-gateway.ts'), '--upstream', up.url, '--wasm', wasm, '--jwks-uri', ts!.jwksUri, '--issuer', ts!.issuer, '--audience', ts!.audience, '--connections', String(Math.max(connections, 16))],
                /PORT (\d+)/,
                // the same V8 young generation as regate's rows, so the comparison is of the code
                { ...process.env, NODE_ENV: 'production', ...shippedNodeOptions(), PEER_UPSTREAM_USER: 'gateway', PEER_UPSTREAM_PASSWORD: 'bench-secret' },
              );
              return { proc: peer, url: `http://127.0.0.1:${Number(peer.match[1])}` };
            },
            { authorization: `Bearer ${jwt}` },
          );
        },
      };

      // Round-robin: every round runs each wanted scenario once, in the declared order, so a
      // change of the machine's load during the run hits every row alike rather than one.
      for (round = 1; round <= repeat; round++) {
        const rows: ScenarioRow[] = [];
        for (const name of wanted) rows.push(await attempt(name, runners[name]));
        rounds.push(rows);
      }
    } finally {
      for (const p of procs.reverse()) await p.stop();
      await ts?.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }

  if (opts.mode === 'smoke') notes.push(`smoke run: ${amount !== null ? `${amount} requests` : `${duration} s`} per scenario without warm-up; the numbers only show the machinery works.`);
  if (repeat > 1) notes.push(REPEAT_NOTE(repeat));
  if (generatorInfo.name === 'wrk') notes.push(...WRK_NOTES);
  notes.push('Generator CPU µs/req is the load generator\'s own CPU time per request (autocannon: process.cpuUsage around the run, start-up left out; wrk: its whole process, start-up negligible): how much of the load CPUs the generator takes from the upstream.');
  if (want('haproxy-full')) notes.push(HAPROXY_NOTE);
  notes.push(`regate and the Node peer run with NODE_OPTIONS=${SHIPPED_NODE_OPTIONS}, as docker/Dockerfile runs regate (V8 otherwise picks a cheap or a costly young-generation regime per process start).`);
  notes.push('Node peer: JWT verified per request (jose, cached JWKS) + opa-wasm policy + basic credentials; no rate limit and no audit events, which regate-full does.');
  const load1 = loadavg()[0] ?? 0;
  if (load1 > plan.ncpu * 0.5) notes.push(`load average was ${load1.toFixed(2)} on ${plan.ncpu} CPUs: other processes competed with the bench; compare rows within this run only.`);

  const result: SuiteResult = {
    date: startedAt.toISOString(),
    mode: opts.mode,
    machine: { cpu: cpus()[0]?.model ?? 'unknown', cpus: plan.ncpu, loadavg1: load1, node: process.version, platform: `${process.platform}-${process.arch}` },
    settings: { generator: generatorInfo, connections, duration_s: duration, amount, warmup_s: warmup, pinned: plan.pinned, proxy_cpu: proxyCpu, load_cpus: loadCpus },
    notes,
    rows: repeat === 1 ? (rounds[0] ?? []) : medianRows(rounds),
    ...(repeat > 1 ? { repeat: { n: repeat, order: 'round-robin' as const, rounds, spread: summarizeRounds(rounds) } } : {}),
  };
  const outDir = resolve(opts.outDir ?? join(root, 'bench/results'));
  mkdirSync(outDir, { recursive: true });
  const suffix = (generatorInfo.name === 'wrk' ? '-wrk' : '') + (opts.mode === 'smoke' ? '-smoke' : '') + (repeat > 1 ? `-x${repeat}` : '');
  const stem = join(outDir, startedAt.toISOString().replaceAll(':', '-').replace(/\.\d+Z$/, 'Z') + suffix);
  const files = { json: `${stem}.json`, md: `${stem}.md`, svg: `${stem}.svg` };
  writeFileSync(files.json, JSON.stringify(result, null, 2) + '\n');
  writeFileSync(files.md, renderMarkdown(result));
  writeFileSync(files.svg, renderSvg(result));
  return { result, files };
}

/** What the rows of a repeated run are. */
const REPEAT_NOTE = (n: number) =>
  `Repeated run: ${n} rounds, each running every scenario once in the table's order (round-robin, so a change of the machine's load hits every row alike). ` +
  'The table gives the median and the min–max range over the rounds; a ratio is taken within each round (row ÷ nginx of the same round), then its median and range. ' +
  'The JSON holds every round (repeat.rounds); its `rows` are per-field medians over the rounds that ran (errors and non-2xx summed).';

/** What the HAProxy row does and what it cannot do of regate's job. */
const HAPROXY_NOTE =
  'HAProxy full job (bench/peers/haproxy/full.cfg.template): RS256 JWT verified per request (jwt_verify, no cache), alg/typ/iss/aud/exp checked, the bench policy\'s rule (GET, /api/, scope read) as ACLs, a per-caller rate limit in a stick table, the path rewrite, x-user-id and the basic credential, one JSON log line per request over UDP to a local sink. ' +
  'What HAProxy cannot express: the Rego decision (a policy language, its hot reload, a decision that picks upstream, path, headers and rate-limit buckets: here they are fixed in the config), a JWKS fetched and chosen by kid (one PEM key read at start), and a no-loss audit stream (its log is fire-and-forget UDP; regate\'s events go to Redis with a disk spool).';

/** What a reader of a wrk report must know before comparing it with an autocannon one. */
const WRK_NOTES = [
  'wrk latency percentiles come from its own µs-resolution histogram with its coordinated-omission correction (a response slower than twice the mean per-connection interval adds synthetic samples for the requests that would have been sent meanwhile); autocannon records raw latencies at ms resolution and corrects nothing. Compare latencies only between rows of the same generator.',
  'wrk counts responses with status ≥ 400 as non-2xx ("Non-2xx or 3xx responses"); 1xx/3xx answers are not counted there (every scenario must answer 200 to its probe). Errors are its socket errors: connect + read + write + timeout (10 s, as autocannon).',
  'wrk threads get connections/threads connections each; one thread per load CPU, as autocannon has one event loop.',
];

export const USAGE = `usage: npm run bench -- [--quick|--full] [--smoke] [--generator autocannon|wrk] [--only name,…] [--repeat N] [--connections N] [--duration S] [--out DIR]

Runs every scenario (${SCENARIOS.map((s) => s.name).join(', ')}) against one upstream on 127.0.0.1
and writes <out>/<date>.json, .md and .svg (default out: bench/results).
  --quick       32 connections, 6 s per scenario (the default; under 3 minutes)
  --full        64 connections, 20 s per scenario after 5 s warm-up
  --smoke       a few requests per scenario: checks the machinery, the numbers mean nothing
  --generator   autocannon (default) or wrk (apt package wrk)
  --only a,b    only these scenarios
  --repeat N    run them N times round-robin; the report gives median and min–max per row
`;

/** Thrown for bad options: the suite prints the message and the usage, not a stack. */
export class BenchUsageError extends TypeError {}

export function parseSuiteArgs(argv: string[]): SuiteOptions {
  const opts: SuiteOptions = { mode: 'quick' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    const next = () => {
      const v = argv[++i];
      if (v === undefined) throw new BenchUsageError(`${a} needs a value`);
      return v;
    };
    if (a === '--quick') opts.mode = 'quick';
    else if (a === '--full') opts.mode = 'full';
    else if (a === '--smoke') opts.mode = 'smoke';
    else if (a === '--generator') {
      const g = next();
      if (!(GENERATORS as readonly string[]).includes(g)) throw new BenchUsageError(`--generator: unknown generator ${g} (known: ${GENERATORS.join(', ')})`);
      opts.generator = g as GeneratorName;
    } else if (a === '--only') opts.only = next().split(',').filter(Boolean);
    else if (a === '--connections') opts.connections = Number(next());
    else if (a === '--duration') opts.duration = Number(next());
    else if (a === '--repeat') opts.repeat = Number(next());
    else if (a === '--out') opts.outDir = next();
    else throw new BenchUsageError(`unknown option ${a}`);
  }
  for (const [k, v] of [['--connections', opts.connections], ['--duration', opts.duration], ['--repeat', opts.repeat]] as const) {
    if (v !== undefined && !(Number.isInteger(v) && v > 0)) throw new BenchUsageError(`${k}: not a positive integer`);
  }
  return opts;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const argv = process.argv.slice(2);
  let opts: SuiteOptions | undefined;
  if (argv.includes('--help') || argv.includes('-h')) process.stdout.write(USAGE);
  else {
    try {
      opts = parseSuiteArgs(argv);
    } catch (err) {
      if (!(err instanceof BenchUsageError)) throw err;
      process.stderr.write(`bench: ${err.message}\n${USAGE}`);
      process.exitCode = 2;
    }
  }
  if (opts) await main(opts);
}

async function main(opts: SuiteOptions): Promise<void> {
  try {
    const { result, files } = await runSuite(opts);
    process.stdout.write(readFileSync(files.md, 'utf8') + `\nwrote ${files.json}, ${files.md}, ${files.svg}\n`);
    // a failed scenario is a broken bench; a skipped one (nginx impossible) is not
    process.exitCode = result.rows.some((r) => r.status === 'failed') ? 1 : 0;
  } catch (err) {
    process.stderr.write(`bench: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exitCode = 1;
  }
}
