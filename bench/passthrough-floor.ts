/**
 * The floor under regate's passthrough cost: what uWS and Node's net module cost per request
 * before any regate code runs. Same load as bench/passthrough.ts (wrk or autocannon, pinned,
 * proxy CPU µs per request from /proc), against:
 *   uws-ok          bench/floor/uws-ok.mjs — a bare uWS app answering 'ok' from JS
 *   min-proxy       bench/floor/min-proxy.mjs — uWS in, keep-alive net.Socket out, relay by
 *                   Content-Length only ('data' events)
 *   min-proxy-onread  the same reading through `onread` into one reused buffer
 *   regate          regate passthrough, as in bench/passthrough.ts
 *   nginx           nginx `proxy_pass` with keep-alive, as in the suite (skipped without nginx):
 *                   the native hop the floor is compared with, in the same run
 * each `--runs` times (median printed), interleaved so drift on the machine hits all rows alike.
 *
 * Run:  node --import tsx bench/passthrough-floor.ts [--generator wrk] [--duration 10] [--runs 3] [--only uws-ok,regate]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { planCpus } from './lib/cpu-plan.js';
import { GENERATORS, measureLoad, resolveGenerator, type GeneratorName } from './lib/load.js';
import { spawnPinned, type Proc } from './lib/procs.js';
import { regateBaseConfig, startNginx, startRegate, startUpstream, type Server } from './lib/servers.js';
import { NGINX, findOrInstallTool } from './lib/system-tool.js';
import { argValue } from './lib/args.js';

const argv = process.argv.slice(2);
const arg = (name: string, fallback: string): string => argValue(name, argv) ?? fallback;
const connections = Number(arg('--connections', '50'));
const duration = Number(arg('--duration', '10'));
const runs = Number(arg('--runs', '3'));
const generatorName = arg('--generator', 'wrk') as GeneratorName;
const only = arg('--only', '').split(',').filter(Boolean);
if (!GENERATORS.includes(generatorName)) throw new TypeError(`--generator: one of ${GENERATORS.join(', ')}`);

const here = fileURLToPath(new URL('.', import.meta.url));
const log = (line: string) => process.stderr.write(line + '\n');
const plan = planCpus();

type Starter = (upUrl: string, dir: string) => Promise<Server>;
const floorServer = (file: string, extra: (upUrl: string) => string[]): Starter => async (upUrl) => {
  const proc = await spawnPinned(plan.proxyCpu, process.execPath, [join(here, 'floor', file), ...extra(upUrl)], /PORT (\d+)/);
  return { proc, url: `http://127.0.0.1:${Number(proc.match[1])}` };
};
const TARGETS: Record<string, Starter> = {
  'uws-ok': floorServer('uws-ok.mjs', () => []),
  'min-proxy': floorServer('min-proxy.mjs', (u) => [new URL(u).port]),
  'min-proxy-onread': floorServer('min-proxy.mjs', (u) => [new URL(u).port, 'onread']),
  regate: (upUrl, dir) =>
    startRegate({ name: 'regate', dir, cpus: plan.proxyCpu, config: regateBaseConfig(upUrl, connections) + `routes:\n  - id: bench\n    match: { path_prefix: / }\n    upstream: up\n` }),
  nginx: (upUrl, dir) => {
    const found = findOrInstallTool(NGINX, log);
    if ('reason' in found) throw new Error(`nginx: ${found.reason} (leave it out with --only)`);
    return startNginx({ bin: found.bin, dir, upstreamUrl: upUrl, cpus: plan.proxyCpu });
  },
};

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? (s[(s.length - 1) / 2] as number) : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2;
};

async function main(): Promise<void> {
  const generator = resolveGenerator(generatorName, connections, plan.loadCpuCount, log);
  if ('reason' in generator) throw new Error(generator.reason);
  const names = only.length ? only : Object.keys(TARGETS);
  const dir = mkdtempSync(join(tmpdir(), 'regate-floor-'));
  const up = await startUpstream(plan.loadCpus);
  const results = new Map<string, { us: number[]; rps: number[]; load: number[] }>();
  const procs: Proc[] = [up.proc];
  try {
    for (let r = 0; r < runs; r++) {
      for (const name of names) {
        const start = TARGETS[name];
        if (!start) throw new TypeError(`--only: unknown target ${name}`);
        const s = await start(up.url, dir);
        procs.push(s.proc);
        try {
          const row = await measureLoad(`${s.url}/bench`, { generator, connections, duration, amount: null, headers: {}, cpus: plan.loadCpus, warmup: Math.min(3, duration), proc: s.proc });
          if (row.errors || row.non2xx) log(`${name}: ${row.errors} errors, ${row.non2xx} non-2xx`);
          const e = results.get(name) ?? { us: [], rps: [], load: [] };
          e.us.push(row.cpuUsPerReq ?? NaN);
          e.rps.push(row.rps);
          e.load.push(loadavg()[0] as number);
          results.set(name, e);
          log(`run ${r + 1} ${name}: ${(row.cpuUsPerReq ?? NaN).toFixed(1)} µs/req, ${row.rps.toFixed(0)} rps, load ${loadavg()[0]?.toFixed(2)}`);
        } finally {
          await s.proc.stop();
        }
      }
    }
  } finally {
    for (const p of procs) await p.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  process.stdout.write(`\nfloor: ${generator.name} ${generator.version}, ${connections} connections, ${duration}s × ${runs}, proxy on CPU ${plan.proxyCpu ?? '-'}\n`);
  process.stdout.write('name               cpu-us/req (median; runs)                 rps (median)  load1 (median)\n');
  for (const [name, e] of results) {
    process.stdout.write(`${name.padEnd(18)} ${median(e.us).toFixed(1).padStart(6)} (${e.us.map((x) => x.toFixed(1)).join(' ')})`.padEnd(62) + `${median(e.rps).toFixed(0).padStart(8)}  ${median(e.load).toFixed(2).padStart(8)}\n`);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exitCode = 1;
});
