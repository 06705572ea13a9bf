/**
 * Scale with cores (issue #20): each proxy with 1 and with 2 workers against the same upstream,
 * driven by wrk (default) or autocannon, so that the gain of a second worker can be set beside
 * nginx's and HAProxy's.
 *
 *   direct              generator → upstream: the load side's ceiling on its CPUs
 *   nginx               proxy_pass, `worker_processes` 1 / 2 (2: `listen … reuseport`)
 *   haproxy             plain hop, `nbthread` 1 / 2
 *   regate-passthrough  `listen.workers` 1 / 2, route without auth or policy
 *   regate-full         `listen.workers` 1 / 2, cached JWT + Rego + rate limit + audit events to Redis + basic credential
 *   haproxy-full        `nbthread` 1 / 2, the suite's HAProxy full job (jwt_verify, ACLs, stick-table rate limit, UDP log line)
 *
 *   npm run bench:scaling -- [--generator wrk|autocannon] [--only nginx,haproxy,…] [--workers 1,2] [--repeat N]
 *                            [--connections N] [--duration S] [--warmup S] [--out DIR]
 *
 * Writes <out>/<date>-scaling[-wrk|-autocannon].json and .md (default out: bench/results).
 *
 * The CPU plan (bench/lib/cpu-plan.ts, planCpus(workers)) on a machine of N CPUs:
 * - 1 worker: the proxy alone on CPU N-1; upstream, generator and Redis (or HAProxy's log sink)
 *   on CPUs 0…N-2 (the suite's plan).
 * - w workers with N ≥ w + 1: the proxy alone on the last w CPUs, the load side on the rest.
 * - w workers with N < w + 1 — 2 workers on this project's 2-CPU machines: they cannot be kept
 *   apart. The proxy gets every CPU, the load side stays on CPU 0 as in the 1-worker row. So one
 *   proxy worker has CPU 1 to itself and the other competes on CPU 0 with the generator, the
 *   upstream and Redis, and the kernel decides the split. The 2-worker rows then measure what a
 *   second worker gains on a machine whose load side is co-located, not linear scaling: the
 *   total CPU did not double, and the load side's ceiling (the `direct` row, on CPU 0 alone) is
 *   now also shared with a proxy worker. The report marks these rows "(shared)". CPU µs/req per
 *   process group (the proxy's workers together, the upstream, the generator, Redis) says what
 *   each request cost, which the CPU split does not change the way it changes rps.
 * The same upstream (and Redis, and log sink) serve every row; when a plan moves the load side's CPUs they are
 * re-pinned (taskset -a -p). Rows run round-robin: in each round every proxy's 1-worker row and
 * then its 2-worker row, so the two rows a ratio compares ran back to back; `--repeat N` runs N
 * rounds and the report gives median and min–max, the N/1 ratios taken within each round.
 * Server start-up is the suite's (bench/lib/servers.ts, bench/peers/haproxy.ts).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { planCpus, type CpuPlan } from './lib/cpu-plan.js';
import { GENERATORS, measureLoad, resolveGenerator, type Generator, type GeneratorName } from './lib/load.js';
import { probe } from './lib/probe.js';
import { repin, spawnPinned, type Proc } from './lib/procs.js';
import { regateBaseConfig, regateFullConfig, startNginx, startRedis, startRegate, startUpstream, type Server } from './lib/servers.js';
import { findOrInstallTool, HAPROXY, NGINX } from './lib/system-tool.js';
import { wrkThreads } from './lib/wrk.js';
import { rs256PublicPem, startHaproxy } from './peers/haproxy.js';
import { startTokenServer, type TokenServer } from '../src/devtools/token-server.js';
import { renderScalingMarkdown, summarizeScaling, type ScalingPlan, type ScalingResult, type ScalingRow } from './report/scaling.js';

const root = fileURLToPath(new URL('..', import.meta.url));

export const SCALING_PROXIES = [
  { name: 'direct', label: 'direct upstream' },
  { name: 'nginx', label: 'nginx proxy_pass' },
  { name: 'haproxy', label: 'HAProxy passthrough' },
  { name: 'regate-passthrough', label: 'regate passthrough' },
  { name: 'regate-full', label: 'regate full pipeline' },
  { name: 'haproxy-full', label: 'HAProxy full job' },
] as const;
export type ScalingProxy = (typeof SCALING_PROXIES)[number]['name'];

export interface ScalingOptions {
  /** default wrk */
  generator?: GeneratorName;
  only?: string[];
  /** worker counts to measure, ascending; 1 is always included (the ratios' base); default [1, 2] */
  workers?: number[];
  repeat?: number;
  connections?: number;
  duration?: number;
  /**
   * A fixed number of requests per row instead of `duration` (autocannon only, as the suite's
   * --smoke): a start/stop check of every row, whose numbers mean nothing. Programmatic only.
   */
  amount?: number;
  warmup?: number;
  outDir?: string;
  log?: (line: string) => void;
}

const DEFAULTS = { connections: 64, duration: 10, warmup: 3 } as const;

/**
 * Runs the rows, writes the JSON and Markdown report and returns it. A row that breaks becomes
 * a failed row with the reason; a proxy that is not installed (and cannot be) a skipped one.
 * @example
 * const { result, files } = await runScaling({ duration: 2, warmup: 1, only: ['nginx'] });
 * result.summary.find((s) => s.key === 'nginx@2')?.rpsVsOne;
 */
export async function runScaling(opts: ScalingOptions = {}): Promise<{ result: ScalingResult; files: { json: string; md: string } }> {
  const log = opts.log ?? ((l: string) => process.stderr.write(l + '\n'));
  const connections = opts.connections ?? DEFAULTS.connections;
  const duration = opts.duration ?? DEFAULTS.duration;
  const warmup = opts.warmup ?? DEFAULTS.warmup;
  const repeat = opts.repeat ?? 1;
  const workers = [...new Set([1, ...(opts.workers ?? [2])])].sort((a, b) => a - b);
  const counts: [string, number][] = [['connections', connections], ['duration', duration], ['repeat', repeat], ...workers.map((w): [string, number] => ['workers', w])];
  for (const [k, v] of counts) if (!Number.isInteger(v) || v < 1) throw new TypeError(`--${k}: ${v} is not a positive integer`);
  if (!Number.isInteger(warmup) || warmup < 0) throw new TypeError(`--warmup: ${warmup} is not a non-negative integer`);
  const amount = opts.amount ?? null;
  if (amount !== null && (!Number.isInteger(amount) || amount < 1)) throw new TypeError(`amount: ${amount} is not a positive integer`);
  // wrk has no request count (-d only)
  if (amount !== null && (opts.generator ?? 'wrk') !== 'autocannon') throw new TypeError('amount: autocannon only (wrk runs for a duration)');
  const only = opts.only?.length ? new Set(opts.only) : null;
  if (only) for (const n of only) if (!SCALING_PROXIES.some((p) => p.name === n)) throw new TypeError(`--only: unknown row ${n} (known: ${SCALING_PROXIES.map((p) => p.name).join(', ')})`);
  const wanted = SCALING_PROXIES.filter((p) => !only || only.has(p.name));

  const plans = new Map<number, CpuPlan>(workers.map((w) => [w, planCpus(w)]));
  const plan1 = plans.get(1)!;
  const startedAt = new Date();
  const notes: string[] = [];
  const rounds: ScalingRow[][] = [];
  const procs: Proc[] = [];
  const runId = `scale${process.pid}x${Date.now().toString(36)}`;
  let ts: TokenServer | undefined;

  const generatorName = opts.generator ?? 'wrk';
  const resolved = resolveGenerator(generatorName, connections, plan1.loadCpuCount, log);
  const generatorInfo = 'reason' in resolved ? { name: generatorName, version: 'unavailable', threads: 0 } : { name: resolved.name, version: resolved.version, threads: resolved.threads };

  const row = (proxy: ScalingProxy, w: number, rest: Omit<ScalingRow, 'key' | 'proxy' | 'label' | 'workers'>): ScalingRow => ({
    key: `${proxy}@${w}`,
    proxy,
    label: SCALING_PROXIES.find((p) => p.name === proxy)!.label,
    workers: w,
    ...rest,
  });

  if ('reason' in resolved) {
    notes.push(`${resolved.reason}: no row ran.`);
    for (let i = 0; i < repeat; i++) rounds.push(wanted.flatMap((p) => (p.name === 'direct' ? [1] : workers).map((w) => row(p.name, w, { status: 'skipped', reason: resolved.reason }))));
  } else {
    const generator = resolved;
    /** wrk gets one thread per load CPU of the plan (they differ between plans on more than 2 CPUs) */
    const generatorFor = (plan: CpuPlan): Generator => (generator.name === 'wrk' ? { ...generator, threads: wrkThreads(connections, plan.loadCpuCount) } : generator);
    const dir = mkdtempSync(join(tmpdir(), 'regate-scaling-'));
    try {
      const up = await startUpstream(plan1.loadCpus);
      procs.push(up.proc);
      const path = '/api/bench';
      let redis: Server | null = null;
      let redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
      const wants = (name: ScalingProxy) => wanted.some((p) => p.name === name);
      if (wants('regate-full') || wants('haproxy-full')) ts = await startTokenServer({ accessTokenTtlS: 3600 });
      if (wants('regate-full')) {
        redis = await startRedis(plan1.loadCpus);
        if (redis) {
          procs.push(redis.proc);
          redisUrl = redis.url;
        } else notes.push(`redis-server not found: used ${redisUrl} with key prefix ${runId} (keys are left behind); its CPU is not counted`);
      }
      const nginx = wants('nginx') ? findOrInstallTool(NGINX, log) : { reason: 'not selected' };
      const haproxy = wants('haproxy') || wants('haproxy-full') ? findOrInstallTool(HAPROXY, log) : { reason: 'not selected' };
      // HAProxy's full job logs one line per request over UDP to this sink, on the load CPUs as Redis is for regate
      const sink = wants('haproxy-full') && !('reason' in haproxy) ? await spawnPinned(plan1.loadCpus, process.execPath, ['--import', 'tsx', join(root, 'bench/peers/log-sink.ts')], /PORT (\d+)/) : null;
      if (sink) procs.push(sink);
      let loadCpus = plan1.loadCpus;

      /**
       * Starts the server for `w` workers on `plan`, measures it with every process group's CPU, stops it.
       * `sidecar`: where the job's events go (Redis, the log sink); null when it is not ours to measure.
       */
      const measure = async (proxy: ScalingProxy, w: number, plan: CpuPlan, round: number, start: (() => Promise<Server>) | null, headers: Record<string, string> = {}, sidecar?: Proc | null): Promise<ScalingRow> => {
        if (plan.loadCpus !== loadCpus) {
          // the upstream, Redis and the log sink follow the load side to this plan's CPUs
          repin(up.proc, plan.loadCpus);
          if (redis) repin(redis.proc, plan.loadCpus);
          if (sink) repin(sink, plan.loadCpus);
          loadCpus = plan.loadCpus;
        }
        const srv = start ? await start() : null;
        if (srv) procs.push(srv.proc);
        try {
          const url = (srv?.url ?? up.url) + path;
          const bad = await probe(url, headers);
          if (bad) return row(proxy, w, { status: 'failed', reason: bad + (srv ? ` — process output: ${srv.proc.output().slice(-300)}` : '') });
          log(`measuring ${proxy} with ${w} worker(s), round ${round}/${repeat} (${url}, ${generatorInfo.name})`);
          const groups: Record<string, Proc> = { upstream: up.proc, ...(sidecar ? { sidecar } : {}) };
          const r = await measureLoad(url, { generator: generatorFor(plan), connections, duration: amount === null ? duration : null, amount, headers, cpus: plan.loadCpus, warmup, proc: srv?.proc ?? null, groups });
          const g = r.groupCpuUsPerReq ?? {};
          return row(proxy, w, {
            status: 'ok',
            rps: r.rps,
            p50: r.p50,
            p99: r.p99,
            requests: r.requests,
            errors: r.errors,
            non2xx: r.non2xx,
            cpu: { proxy: r.cpuUsPerReq, upstream: g.upstream ?? null, generator: r.generatorCpuUsPerReq, ...(sidecar !== undefined ? { sidecar: g.sidecar ?? null } : {}) },
          });
        } finally {
          await srv?.proc.stop();
        }
      };

      const regate = (name: string, w: number, plan: CpuPlan, config: string) => () =>
        startRegate({ name: `${name}-w${w}`, dir, config, cpus: plan.proxyCpu, env: { BENCH_UP_PASSWORD: 'bench-secret' } });
      const runRow = async (proxy: ScalingProxy, w: number, round: number): Promise<ScalingRow> => {
        const plan = plans.get(w)!;
        switch (proxy) {
          case 'direct':
            return measure('direct', w, plan, round, null);
          case 'nginx':
            if ('reason' in nginx) return row(proxy, w, { status: 'skipped', reason: nginx.reason });
            return measure(proxy, w, plan, round, () => startNginx({ bin: nginx.bin, dir, upstreamUrl: up.url, cpus: plan.proxyCpu, workers: w }));
          case 'haproxy':
            if ('reason' in haproxy) return row(proxy, w, { status: 'skipped', reason: haproxy.reason });
            return measure(proxy, w, plan, round, () => startHaproxy({ bin: haproxy.bin, kind: 'passthrough', dir, upstreamUrl: up.url, cpus: plan.proxyCpu, threads: w }));
          case 'regate-passthrough':
            return measure(proxy, w, plan, round, regate('passthrough', w, plan, regateBaseConfig(up.url, connections, 'regate', w) + `routes:\n  - { id: bench, match: { path_prefix: / }, upstream: up, auth: none }\n`));
          case 'regate-full': {
            const config = regateFullConfig({ base: regateBaseConfig(up.url, connections, 'regate', w), auth: 'jwt', tokens: ts!, redisUrl, prefix: runId, spoolDir: join(dir, `spool-w${w}`) });
            return measure(proxy, w, plan, round, regate('full', w, plan, config), { authorization: `Bearer ${await ts!.issueJwt({ scope: 'read' })}` }, redis?.proc ?? null);
          }
          case 'haproxy-full': {
            if ('reason' in haproxy) return row(proxy, w, { status: 'skipped', reason: haproxy.reason });
            const job = { publicKeyPem: rs256PublicPem(ts!.keys), issuer: ts!.issuer, audience: ts!.audience, basic: { username: 'gateway', password: 'bench-secret' }, rateLimit: 1_000_000_000, logPort: Number(sink!.match[1]) };
            const start = () => startHaproxy({ bin: haproxy.bin, kind: 'full', dir, upstreamUrl: up.url, cpus: plan.proxyCpu, threads: w, job });
            return measure(proxy, w, plan, round, start, { authorization: `Bearer ${await ts!.issueJwt({ scope: 'read' })}` }, sink);
          }
        }
      };

      for (let round = 1; round <= repeat; round++) {
        const rows: ScalingRow[] = [];
        for (const p of wanted) {
          // direct: the load side's ceiling, on the 1-worker plan's load CPUs only
          for (const w of p.name === 'direct' ? [1] : workers) {
            try {
              rows.push(await runRow(p.name, w, round));
            } catch (err) {
              rows.push(row(p.name, w, { status: 'failed', reason: String(err instanceof Error ? err.message : err).slice(0, 300) }));
            }
          }
        }
        rounds.push(rows);
      }
    } finally {
      for (const p of procs.reverse()) await p.stop();
      await ts?.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }

  const ncpu = plan1.ncpu;
  const planList: ScalingPlan[] = workers.map((w) => {
    const p = plans.get(w)!;
    return { workers: w, proxy_cpus: p.proxyCpu, load_cpus: p.loadCpus, shared: p.shared };
  });
  if (planList.some((p) => p.shared)) {
    notes.push(
      `Fewer CPUs (${ncpu}) than proxy workers + 1: rows marked "(shared)" give the proxy every CPU while the upstream, generator and Redis stay on CPU ${plan1.loadCpus}, as in the 1-worker rows. ` +
        'One worker then competes with the load side for that CPU, the total CPU did not grow with the workers, and the direct row (the load side alone on its CPU) is the ceiling no proxy row can pass. ' +
        'Read the rps ratio as what a second worker gains on such a machine, and CPU µs/req as what each request cost. ' +
        'Where CPU 0 is saturated, the scheduler shares it evenly between the processes that are always runnable there (equal CPU µs/req for generator and upstream, or generator and Redis, is that share, not their need).',
    );
  }
  if (!plan1.pinned) notes.push('No CPU pinning (taskset missing or one CPU): every process could run anywhere.');
  notes.push('CPU µs/req per process group: the proxy (every worker process or thread, from /proc), the upstream, the generator (wrk: its whole process; autocannon: during the run) and where each job\'s events go (regate full pipeline: Redis; HAProxy full job: its UDP log sink); "all groups" is their sum.');
  notes.push('nginx with several workers listens with `reuseport` (each worker its own accept queue, as regate\'s uWS workers have through SO_REUSEPORT); HAProxy\'s threads share one listener.');
  if (generatorInfo.name === 'wrk') notes.push('wrk latency percentiles include its coordinated-omission correction; compare latencies only between rows of one generator.');
  const load1 = loadavg()[0] ?? 0;
  if (load1 > ncpu * 0.5) notes.push(`load average was ${load1.toFixed(2)} on ${ncpu} CPUs: other processes competed with the bench; compare rows within this run only.`);

  const result: ScalingResult = {
    date: startedAt.toISOString(),
    machine: { cpu: cpus()[0]?.model ?? 'unknown', cpus: ncpu, loadavg1: load1, node: process.version, platform: `${process.platform}-${process.arch}` },
    settings: { generator: generatorInfo, connections, duration_s: amount === null ? duration : null, ...(amount !== null ? { amount } : {}), warmup_s: warmup, repeat, workers, pinned: plan1.pinned },
    plans: planList,
    notes,
    rounds,
    summary: summarizeScaling(rounds),
  };
  const outDir = resolve(opts.outDir ?? join(root, 'bench/results'));
  mkdirSync(outDir, { recursive: true });
  const stem = join(outDir, `${startedAt.toISOString().replaceAll(':', '-').replace(/\.\d+Z$/, 'Z')}-scaling-${generatorInfo.name}`);
  const files = { json: `${stem}.json`, md: `${stem}.md` };
  writeFileSync(files.json, JSON.stringify(result, null, 2) + '\n');
  writeFileSync(files.md, renderScalingMarkdown(result));
  return { result, files };
}

export const SCALING_USAGE = `usage: npm run bench:scaling -- [--generator wrk|autocannon] [--only name,…] [--workers 1,2] [--repeat N] [--connections N] [--duration S] [--warmup S] [--out DIR]

Measures each proxy (${SCALING_PROXIES.map((p) => p.name).join(', ')}) with 1 and more workers against one
upstream on 127.0.0.1 and writes <out>/<date>-scaling-<generator>.json and .md (default out: bench/results).
  --generator   wrk (default) or autocannon
  --workers     worker counts besides 1 (default 2)
  --repeat N    N rounds, round-robin; the report gives median and min–max
  --connections 64, --duration 10 s, --warmup 3 s by default
`;

/** Thrown for bad options: the bench prints the message and the usage, not a stack. */
export class ScalingUsageError extends TypeError {}

/**
 * @example
 * parseScalingArgs(['--generator', 'autocannon', '--duration', '2']); // { generator: 'autocannon', duration: 2 }
 */
export function parseScalingArgs(argv: string[]): ScalingOptions {
  const opts: ScalingOptions = {};
  const int = (k: string, v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < (k === '--warmup' ? 0 : 1)) throw new ScalingUsageError(`${k}: ${v} is not a ${k === '--warmup' ? 'non-negative' : 'positive'} integer`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    const next = () => {
      const v = argv[++i];
      if (v === undefined) throw new ScalingUsageError(`${a} needs a value`);
      return v;
    };
    if (a === '--generator') {
      const g = next();
      if (!(GENERATORS as readonly string[]).includes(g)) throw new ScalingUsageError(`--generator: unknown generator ${g} (known: ${GENERATORS.join(', ')})`);
      opts.generator = g as GeneratorName;
    } else if (a === '--only') {
      opts.only = next().split(',').filter(Boolean);
      for (const n of opts.only) if (!SCALING_PROXIES.some((p) => p.name === n)) throw new ScalingUsageError(`--only: unknown row ${n} (known: ${SCALING_PROXIES.map((p) => p.name).join(', ')})`);
    } else if (a === '--workers') opts.workers = next().split(',').filter(Boolean).map((w) => int('--workers', w));
    else if (a === '--repeat') opts.repeat = int(a, next());
    else if (a === '--connections') opts.connections = int(a, next());
    else if (a === '--duration') opts.duration = int(a, next());
    else if (a === '--warmup') opts.warmup = int(a, next());
    else if (a === '--out') opts.outDir = next();
    else throw new ScalingUsageError(`unknown option ${a}`);
  }
  return opts;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const argv = process.argv.slice(2);
  if (argv.includes('--help') || argv.includes('-h')) process.stdout.write(SCALING_USAGE);
  else {
    try {
      const { result, files } = await runScaling(parseScalingArgs(argv));
      process.stdout.write(readFileSync(files.md, 'utf8') + `\nwrote ${files.json}, ${files.md}\n`);
      process.exitCode = result.summary.some((s) => s.problems.some((p) => p.startsWith('failed'))) ? 1 : 0;
    } catch (err) {
      if (err instanceof ScalingUsageError) {
        process.stderr.write(`bench:scaling: ${err.message}\n${SCALING_USAGE}`);
        process.exitCode = 2;
      } else {
        process.stderr.write(`bench:scaling: ${err instanceof Error ? err.stack : String(err)}\n`);
        process.exitCode = 1;
      }
    }
  }
}
