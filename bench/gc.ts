/**
 * The young-generation collector per request, by the young generation's V8 flags: what
 * `--max-semi-space-size` (the image's NODE_OPTIONS; a Worker's `resourceLimits.
 * maxYoungGenerationSizeMb`) buys on the request path. For each part (bench/lib/parts.ts) and each
 * size the compiled gateway starts with `--trace-gc`; after a warm-up a fixed number of requests
 * is sent, and the collections logged while they ran are counted: scavenges per 1 000 requests,
 * their pause (mean, max, µs per request), what a request allocates (the young generation's growth
 * between collections) and any mark-compact. Counts and bytes do not depend on the host's load;
 * pause times and the p99 do (report the load average with them).
 *
 * Run:  node --import tsx bench/gc.ts [--parts passthrough,audit] [--young '--max-semi-space-size=32|--max-semi-space-size=32 --min-semi-space-size=32'] [--connections 64] [--requests 50000] [--warmup 20000] [--root DIR]
 * (16 MB is V8's own limit on 64-bit Node 20, the default when no flag is given. The limit is a cap:
 * V8 starts the semi-spaces at `--min-semi-space-size` (1 MB) and doubles them only while many
 * objects survive, so a higher `--max-…` alone may change nothing.)
 * Needs redis-server.
 */
import { loadavg } from 'node:os';
import { argValue } from './lib/args.js';
import { planCpus } from './lib/cpu-plan.js';
import { partsBenchArgs, withPartsStand } from './lib/parts-stand.js';

const argv = process.argv.slice(2);
if (argv.includes('--help') || argv.includes('-h')) {
  process.stdout.write("usage: node --import tsx bench/gc.ts [--parts passthrough,audit] [--young '--max-semi-space-size=32|--max-semi-space-size=32 --min-semi-space-size=32'] [--connections 64] [--requests 50000] [--warmup 20000] [--root DIR]\n");
  process.exit(0);
}
const { requests, warmup, connections, rootDir, parts } = partsBenchArgs(argv, { connections: 64, parts: ['passthrough', 'audit'] });
// each variant: the young generation's V8 flags, as NODE_OPTIONS
const variants = (argValue('--young', argv) ?? '--max-semi-space-size=16|--max-semi-space-size=32|--max-semi-space-size=32 --min-semi-space-size=32').split('|').map((v) => v.trim());
for (const v of variants) if (!/^(--(max|min)-semi-space-size=\d{1,4}\s*)+$/.test(v)) throw new TypeError('--young: "|"-separated sets of --max-semi-space-size=N / --min-semi-space-size=N');
const plan = planCpus();

/** One `--trace-gc` line of the main isolate: `[pid:0x…]   123 ms: Scavenge 12.3 (40.1) -> 4.5 (41.0) MB, 0.81 / 0.00 ms  (…)`. */
const GC_LINE = /\]\s+[\d.]+ ms: (Scavenge|Mark-Compact|Mark-sweep|Minor Mark-Compact|Minor Mark-Sweep)[^\d]*([\d.]+) \(([\d.]+)\) -> ([\d.]+) \(([\d.]+)\) MB, (?:pooled: [\d.]+ MB, )?([\d.]+) \/ ([\d.]+) ms/;

interface GcCount {
  scavenges: number;
  full: number;
  pausesMs: number[];
  fullMs: number;
  /** young-generation allocation over the window, MB: each collection's `before` minus the last one's `after` */
  allocatedMb: number;
}

function countGc(text: string): GcCount {
  const c: GcCount = { scavenges: 0, full: 0, pausesMs: [], fullMs: 0, allocatedMb: 0 };
  let lastAfter: number | null = null;
  for (const line of text.split('\n')) {
    const m = GC_LINE.exec(line);
    if (!m) continue;
    const before = Number(m[2]);
    const after = Number(m[4]);
    const ms = Number(m[6]);
    if (lastAfter !== null) c.allocatedMb += Math.max(0, before - lastAfter);
    lastAfter = after;
    if (m[1] === 'Scavenge' || (m[1] as string).startsWith('Minor')) {
      c.scavenges++;
      c.pausesMs.push(ms);
    } else {
      c.full++;
      c.fullMs += ms;
    }
  }
  return c;
}

async function main(): Promise<void> {
  process.stdout.write(`| part | young generation flags | scavenges / 1 000 req | pause mean / max ms | GC µs / req | KB allocated / req | mark-compacts | rps | p99 ms |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|\n`);
  await withPartsStand({ name: 'gc', connections, rootDir }, async (stand) => {
    for (const p of parts) {
      for (const young of variants) {
        // NODE_OPTIONS takes `--max-semi-space-size` (the shipped setting, replaced) but refuses
        // `--min-semi-space-size`: that one goes on node's command line
        const maxFlags = young.split(/\s+/).filter((f) => f.startsWith('--max-'));
        const rest = young.split(/\s+/).filter((f) => f !== '' && !f.startsWith('--max-'));
        const run = await stand.startPart(p, { cpus: plan.proxyCpu, env: { NODE_OPTIONS: maxFlags.length > 0 ? maxFlags.join(' ') : '--max-semi-space-size=16' }, nodeArgs: ['--trace-gc', ...rest] });
        await run.load(warmup);
        const mark = run.gw.proc.output().length;
        const r = await run.load(requests);
        const c = countGc(run.gw.proc.output().slice(mark));
        const total = c.pausesMs.reduce((a, b) => a + b, 0) + c.fullMs;
        const mean = c.pausesMs.length > 0 ? c.pausesMs.reduce((a, b) => a + b, 0) / c.pausesMs.length : 0;
        const max = c.pausesMs.length > 0 ? Math.max(...c.pausesMs) : 0;
        process.stdout.write(`| ${p} | \`${young}\` | ${((c.scavenges / r.requests) * 1000).toFixed(2)} | ${mean.toFixed(2)} / ${max.toFixed(2)} | ${((total * 1000) / r.requests).toFixed(2)} | ${((c.allocatedMb * 1024) / r.requests).toFixed(1)} | ${c.full} | ${Math.round(r.rps)} | ${r.p99} |\n`);
        await run.gw.proc.stop();
      }
    }
  });
  process.stdout.write(`load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}; ${connections} connections, ${requests} requests after ${warmup}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench/gc.ts: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
