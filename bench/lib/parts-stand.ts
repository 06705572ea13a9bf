/**
 * What the benches that count per part (bench/lib/parts.ts) share — bench/instructions.ts under
 * callgrind and bench/syscalls.ts under strace: the command line (`--parts`, `--requests`,
 * `--warmup`, `--connections`, `--root`) and the stand every part runs against: a token server,
 * the fixed-body upstream and a Redis on the load CPUs, a JWT, and autocannon sending a fixed
 * number of requests. Each bench wraps or attaches to the gateway its own way and reports its own
 * counts; the stand starts and probes that gateway and stops everything at the end.
 *
 * @example
 *   const args = partsBenchArgs(argv, { connections: 64, parts: ['passthrough', 'audit'] });
 *   await withPartsStand({ name: 'sys', connections: args.connections, rootDir: args.rootDir }, async (stand) => {
 *     const run = await stand.startPart('audit', { cpus: plan.proxyCpu });
 *     await run.load(args.warmup);
 *     await run.gw.proc.stop();
 *   });
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startTokenServer } from '../../src/devtools/token-server.js';
import { argValue } from './args.js';
import { autocannonVersion } from './autocannon.js';
import { planCpus } from './cpu-plan.js';
import { runLoad, type LoadResult } from './load.js';
import { PARTS, partConfig, partHeaders, type Part, type PartsEnv } from './parts.js';
import { freePort } from './ports.js';
import { probe } from './probe.js';
import { spawnPinned, type Proc } from './procs.js';
import { startRegate, startUpstream, type Server } from './servers.js';

export interface PartsBenchArgs {
  requests: number;
  warmup: number;
  connections: number;
  /** `--root DIR`: count another checkout's compiled gateway (its dist/ built), to compare builds; '' = this one */
  rootDir: string;
  parts: Part[];
}

/** The shared flags; `defaults` are the bench's own (callgrind wants few connections, strace many). */
export function partsBenchArgs(argv: readonly string[], defaults: { connections: number; parts: readonly Part[] }): PartsBenchArgs {
  const arg = (name: string, fallback: string): string => argValue(name, argv) ?? fallback;
  const parts = (argv.includes('--parts') ? arg('--parts', '').split(',') : [...defaults.parts]) as Part[];
  for (const p of parts) if (!PARTS.includes(p)) throw new TypeError(`--parts: each one of ${PARTS.join(', ')}`);
  return {
    requests: Number(arg('--requests', '20000')),
    warmup: Number(arg('--warmup', '10000')),
    connections: Number(arg('--connections', String(defaults.connections))),
    rootDir: argv.includes('--root') ? resolve(arg('--root', '')) : '',
    parts,
  };
}

export interface RunningPart {
  gw: Server;
  /** `gw.url` + the route every part serves */
  url: string;
  /** a fixed number of requests with the part's headers, from the load CPUs */
  load(amount: number): Promise<LoadResult>;
}

export interface PartsStand {
  /** a temporary directory for configs and outputs, removed at the end */
  readonly dir: string;
  /**
   * Starts the compiled gateway configured for `part` (`wrap`, `env`: as bench/lib/servers.ts
   * startRegate) and probes its route (`probeMs`: longer under valgrind); stopped at the end if
   * the bench has not stopped it.
   */
  startPart(part: Part, o: { cpus: string | null; wrap?: readonly string[]; env?: Record<string, string>; probeMs?: number }): Promise<RunningPart>;
}

/** Runs `fn` against a started stand and stops everything afterwards, also when it throws. */
export async function withPartsStand<T>(o: { name: string; connections: number; rootDir: string }, fn: (stand: PartsStand) => Promise<T>): Promise<T> {
  const plan = planCpus();
  const dir = mkdtempSync(join(tmpdir(), `regate-bench-${o.name}-`));
  const procs: Proc[] = [];
  const ts = await startTokenServer({ accessTokenTtlS: 3600 });
  try {
    const up = await startUpstream(plan.loadCpus);
    procs.push(up.proc);
    const redisPort = await freePort();
    procs.push(await spawnPinned(plan.loadCpus, 'redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], /Ready to accept connections/));
    const env: PartsEnv = { upstreamUrl: up.url, connections: o.connections, ts, redisUrl: `redis://127.0.0.1:${redisPort}`, dir };
    const jwt = await ts.issueJwt({ scope: 'read' });
    const generator = { name: 'autocannon' as const, version: autocannonVersion(), threads: 1 as const };
    return await fn({
      dir,
      async startPart(part, s) {
        const gw = await startRegate({ name: part, dir, cpus: s.cpus, config: partConfig(part, env), ...(o.rootDir ? { root: o.rootDir } : {}), ...(s.wrap ? { wrap: s.wrap } : {}), ...(s.env ? { env: s.env } : {}) });
        procs.push(gw.proc);
        const url = gw.url + '/api/bench';
        const headers = partHeaders(part, jwt);
        const bad = await probe(url, headers, s.probeMs);
        if (bad) throw new Error(`${part}: ${url}: ${bad}`);
        return { gw, url, load: (amount) => runLoad(url, { generator, connections: o.connections, duration: null, amount, headers, cpus: plan.loadCpus }) };
      },
    });
  } finally {
    for (const p of procs) await p.stop();
    await ts.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
