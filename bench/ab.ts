/**
 * Two builds of regate, alternated: what a change costs per request, on a machine where the
 * same configuration's CPU time moves ±20 % from one minute to the next. Each round runs every
 * part (bench/lib/parts.ts) on the base checkout and on this one, back to back, in alternating
 * order; the report gives each side's median CPU µs and rps per part and the median of the
 * per-round ratios (this / base), whose spread says what the noise allows one to conclude.
 *
 * Run:  node --import tsx bench/ab.ts --base DIR [--this DIR] [--parts passthrough,audit] [--rounds 6] [--duration 6] [--connections 64] [--generator wrk|autocannon] [--json out.json] [--redis-stats] [--cpu-prof DIR] [--node-args "FLAGS"] [--base-node-args "FLAGS"]
 * DIR is another checkout with its dist/ built (`git worktree add /tmp/base <rev> && cd /tmp/base && npm ci && npm run build`).
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startTokenServer } from '../src/devtools/token-server.js';
import { argValue } from './lib/args.js';
import { planCpus } from './lib/cpu-plan.js';
import { GENERATORS, measureLoad, resolveGenerator, type GeneratorName } from './lib/load.js';
import { freePort } from './lib/ports.js';
import { probe } from './lib/probe.js';
import { cpuSplitSeconds, spawnPinned, type Proc } from './lib/procs.js';
import { PARTS, partConfig, partHeaders, type Part, type PartsEnv } from './lib/parts.js';
import { startRegate, startUpstream } from './lib/servers.js';

const argv = process.argv.slice(2);
if (argv.includes('--help') || argv.includes('-h')) {
  process.stdout.write('usage: node --import tsx bench/ab.ts --base DIR [--this DIR] [--parts a,b] [--rounds 6] [--duration 6] [--connections 64] [--generator wrk|autocannon] [--json out.json] [--redis-stats] [--cpu-prof DIR] [--node-args "FLAGS"] [--base-node-args "FLAGS"]\n');
  process.exit(0);
}
const arg = (name: string, fallback: string): string => argValue(name, argv) ?? fallback;
const base = resolve(arg('--base', ''));
// `--this DIR`: compare two other checkouts (default: this one, built first)
const other = argv.includes('--this') ? resolve(arg('--this', '')) : undefined;
for (const [flag, dir] of [['--base', argv.includes('--base') ? base : undefined], ['--this', other]] as const) {
  if (flag === '--this' && dir === undefined) continue;
  if (dir === undefined || !existsSync(join(dir, 'bin/regate.js')) || !existsSync(join(dir, 'dist'))) {
    process.stderr.write(`bench/ab.ts: ${flag} DIR must be a checkout with dist/ built\n`);
    process.exit(2);
  }
}
const rounds = Math.max(1, Number(arg('--rounds', '6')));
const duration = Number(arg('--duration', '6'));
const connections = Number(arg('--connections', '64'));
const generatorName = arg('--generator', 'wrk') as GeneratorName;
if (!GENERATORS.includes(generatorName)) throw new TypeError(`--generator: one of ${GENERATORS.join(', ')}`);
const parts = (argv.includes('--parts') ? arg('--parts', '').split(',') : ['passthrough', 'audit']) as Part[];
for (const p of parts) if (!PARTS.includes(p)) throw new TypeError(`--parts: each one of ${PARTS.join(', ')}`);
const jsonOut = argv.includes('--json') ? arg('--json', '') : '';
// `--redis-stats`: also print what each side asked of Redis per request (commands, bytes in,
// BullMQ jobs added): load-independent, and it tells batching changes from CPU changes.
const redisStats = argv.includes('--redis-stats');
// `--cpu-prof DIR`: each gateway writes a V8 CPU profile to DIR/<part>-<side>-<round>/ on exit
const cpuProfDir = argv.includes('--cpu-prof') ? resolve(arg('--cpu-prof', '')) : '';
// `--node-args "A B"` / `--base-node-args "A B"`: node flags for this side's / the base side's gateway (V8 tuning A/B)
const sideNodeArgs = (flag: string): string[] => (argv.includes(flag) ? arg(flag, '').split(' ').filter(Boolean) : []);
const nodeArgsOf = { base: sideNodeArgs('--base-node-args'), this: sideNodeArgs('--node-args') };

const log = (line: string) => process.stderr.write(line + '\n');
const plan = planCpus();
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

type Side = 'base' | 'this';
interface Sample {
  cpu: number;
  rps: number;
}

interface RedisCounters {
  commands: number;
  bytesIn: number;
  jobs: number;
}

/** Redis's own counters: commands processed, bytes received, and the jobs BullMQ numbered in every queue. */
async function redisCounters(url: string): Promise<RedisCounters> {
  const { Redis } = await import('ioredis');
  const r = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await r.connect();
    const info = await r.info('stats');
    const num = (k: string) => Number(new RegExp(`^${k}:(\\d+)`, 'm').exec(info)?.[1] ?? NaN);
    let jobs = 0;
    for (const k of await r.keys('*:id')) jobs += Number((await r.get(k)) ?? 0);
    // this connection's own INFO/KEYS/GETs are counted too: a constant, the same on both sides
    return { commands: num('total_commands_processed'), bytesIn: num('total_net_input_bytes'), jobs };
  } finally {
    r.disconnect();
  }
}

async function main(): Promise<void> {
  const generator = resolveGenerator(generatorName, connections, plan.loadCpuCount, log);
  if ('reason' in generator) throw new Error(generator.reason);
  const dir = mkdtempSync(join(tmpdir(), 'regate-bench-ab-'));
  const procs: Proc[] = [];
  const ts = await startTokenServer({ accessTokenTtlS: 3600 });
  const samples = new Map<string, Sample[]>();
  const load0 = loadavg()[0]!;
  try {
    const up = await startUpstream(plan.loadCpus);
    procs.push(up.proc);
    const redisPort = await freePort();
    procs.push(await spawnPinned(plan.loadCpus, 'redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], /Ready to accept connections/));
    const jwt = await ts.issueJwt({ scope: 'read' });
    const env: PartsEnv = { upstreamUrl: up.url, connections, ts, redisUrl: `redis://127.0.0.1:${redisPort}`, dir };
    for (let r = 0; r < rounds; r++) {
      for (const p of parts) {
        // alternate which side goes first, so a trend over the run does not favour one
        const order: Side[] = r % 2 === 0 ? ['base', 'this'] : ['this', 'base'];
        for (const side of order) {
          const gw = await startRegate({ name: `${p}-${side}`, dir, cpus: plan.proxyCpu, config: partConfig(p, env), nodeArgs: [...nodeArgsOf[side], ...(cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${join(cpuProfDir, `${p}-${side}-${r + 1}`)}`] : [])], ...(side === 'base' ? { root: base } : other !== undefined ? { root: other } : {}) });
          procs.push(gw.proc);
          const url = gw.url + '/api/bench';
          const headers = partHeaders(p, jwt);
          const bad = await probe(url, headers);
          if (bad) throw new Error(`${p} (${side}): ${url}: ${bad}`);
          const warmup = 3;
          const before = redisStats ? await redisCounters(env.redisUrl) : null;
          const split0 = cpuSplitSeconds(gw.proc.child.pid as number);
          const m = await measureLoad(url, { generator, connections, duration, amount: null, headers, cpus: plan.loadCpus, warmup, proc: gw.proc });
          const split1 = cpuSplitSeconds(gw.proc.child.pid as number);
          await gw.proc.stop();
          {
            // warm-up included (the generator does not count its requests): estimated at the measured rate
            const n = m.requests + m.rps * warmup;
            log(`  user ${((1e6 * (split1.user - split0.user)) / n).toFixed(1)} + sys ${((1e6 * (split1.sys - split0.sys)) / n).toFixed(1)} CPU µs/req (warm-up included)`);
          }
          if (before !== null) {
            const after = await redisCounters(env.redisUrl);
            // the warm-up's requests are not counted by the generator: estimated at the measured rate
            const requests = m.requests + m.rps * warmup;
            const per = (k: keyof RedisCounters) => ((after[k] - before[k]) / requests).toFixed(3);
            log(`  redis per request: ${per('commands')} commands, ${per('bytesIn')} bytes in, ${per('jobs')} jobs (≈ ${(1 / Number(per('jobs'))).toFixed(1)} requests per job)`);
          }
          if (m.errors > 0 || m.non2xx > 0) throw new Error(`${p} (${side}): ${m.errors} errors, ${m.non2xx} non-2xx responses`);
          const key = `${p}/${side}`;
          samples.set(key, [...(samples.get(key) ?? []), { cpu: m.cpuUsPerReq ?? NaN, rps: m.rps }]);
          log(`round ${r + 1}/${rounds} ${p} ${side}: ${m.rps.toFixed(0)} rps, ${(m.cpuUsPerReq ?? NaN).toFixed(1)} CPU µs/req`);
        }
      }
    }
  } finally {
    for (const p of procs) await p.stop();
    await ts.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const rows = parts.map((p) => {
    const b = samples.get(`${p}/base`) ?? [];
    const t = samples.get(`${p}/this`) ?? [];
    const ratios = t.map((s, i) => s.cpu / (b[i]?.cpu ?? NaN)).sort((x, y) => x - y);
    return {
      part: p,
      baseCpu: median(b.map((s) => s.cpu)),
      thisCpu: median(t.map((s) => s.cpu)),
      baseRps: median(b.map((s) => s.rps)),
      thisRps: median(t.map((s) => s.rps)),
      // the cheapest round of each side: V8's young generation lands in a cheap or a costly GC
      // regime per process start (5 % vs 15 % of busy time seen in the same build), which a
      // median of few rounds does not separate from a change in the code
      baseMin: Math.min(...b.map((s) => s.cpu)),
      thisMin: Math.min(...t.map((s) => s.cpu)),
      cpuRatio: median(ratios),
      ratioMin: ratios[0] ?? NaN,
      ratioMax: ratios[ratios.length - 1] ?? NaN,
    };
  });
  const out = [
    `A/B, ${rounds} rounds × ${duration} s per side and part, ${generator.name}, ${connections} connections, load ${load0.toFixed(2)} → ${loadavg()[0]!.toFixed(2)}`,
    `base: ${base}`,
    `this: ${other ?? 'this checkout'}`,
    'part          base CPU µs   this CPU µs   Δ µs     ratio (min–max)        base rps   this rps   min-of-rounds base/this µs',
    ...rows.map(
      (r) =>
        `${r.part.padEnd(12)} ${r.baseCpu.toFixed(1).padStart(11)} ${r.thisCpu.toFixed(1).padStart(13)} ${(r.thisCpu - r.baseCpu).toFixed(1).padStart(7)}   ${r.cpuRatio.toFixed(3)} (${r.ratioMin.toFixed(3)}–${r.ratioMax.toFixed(3)})   ${r.baseRps.toFixed(0).padStart(8)} ${r.thisRps.toFixed(0).padStart(10)}   ${r.baseMin.toFixed(1)}/${r.thisMin.toFixed(1)} (${(r.thisMin - r.baseMin >= 0 ? '+' : '') + (r.thisMin - r.baseMin).toFixed(1)})`,
    ),
  ];
  process.stdout.write(out.join('\n') + '\n');
  if (jsonOut) writeFileSync(jsonOut, JSON.stringify({ base, rounds, duration, generator: generator.name, connections, rows }, null, 2));
}

main().catch((err: unknown) => {
  process.stderr.write(`bench/ab.ts: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
