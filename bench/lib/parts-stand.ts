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
import { fileURLToPath } from 'node:url';
import { startTokenServer } from '../../src/devtools/token-server.js';
import { argValue } from './args.js';
import { autocannonVersion } from './autocannon.js';
import { planCpus } from './cpu-plan.js';
import { runLoad, type LoadResult } from './load.js';
import { PARTS, partConfig, partHeaders, type Part, type PartsEnv } from './parts.js';
import { freePort } from './ports.js';
import { probe } from './probe.js';
import { spawnPinned, type Proc } from './procs.js';
import { shippedNodeOptions, startRegate, startUpstream, type Server } from './servers.js';

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
  // `--parts ''`: none (bench/instructions.ts --floor alone)
  const parts = (argv.includes('--parts') ? arg('--parts', '').split(',').filter((p) => p !== '') : [...defaults.parts]) as Part[];
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
   * startRegate; `nodeArgs`: flags NODE_OPTIONS refuses, such as `--trace-gc`) and probes its route (`probeMs`: longer under valgrind); stopped at the end if
   * the bench has not stopped it. `slow` (a gateway under valgrind): partConfig's slow settings,
   * a first request that may take minutes and is tried again on a 503 (it fills the token cache,
   * so every measured request is a cached-JWT one), and a load whose requests may wait 600 s.
   */
  startPart(part: Part, o: { cpus: string | null; wrap?: readonly string[]; env?: Record<string, string>; nodeArgs?: readonly string[]; probeMs?: number; slow?: boolean }): Promise<RunningPart>;
  /**
   * Starts bench/floor/min-proxy.mjs (uWS in, keep-alive net.Socket out, no header rules) against
   * the same upstream, under the same `wrap` and NODE_OPTIONS as the gateway, and loads it like
   * passthrough (same route, no headers): the floor that passthrough's count is set beside.
   */
  startFloor(o: { cpus: string | null; wrap?: readonly string[]; env?: Record<string, string>; nodeArgs?: readonly string[]; slow?: boolean }): Promise<RunningPart>;
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
        const slow = s.slow === true;
        const gw = await startRegate({ name: part, dir, cpus: s.cpus, config: partConfig(part, env, { slow }), ...(o.rootDir ? { root: o.rootDir } : {}), ...(s.wrap ? { wrap: s.wrap } : {}), ...(s.env ? { env: s.env } : {}), ...(s.nodeArgs ? { nodeArgs: s.nodeArgs } : {}) });
        procs.push(gw.proc);
        const url = gw.url + '/api/bench';
        const headers = partHeaders(part, jwt);
        const probeMs = s.probeMs ?? (slow ? 360_000 : undefined);
        let bad = await probe(url, headers, probeMs);
        // a 503: the token server or Redis answered too late for the gateway even with `slow` timeouts
        for (let i = 0; slow && bad !== null && /answered 503|timed out/.test(bad) && i < 3; i++) bad = await probe(url, headers, probeMs);
        if (bad) throw new Error(`${part}: ${url}: ${bad}`);
        // a request under valgrind on a loaded machine can wait more than autocannon's default 10 s
        // (a collection, a batch sent to Redis); a timeout reconnects and muddles the count
        return { gw, url, load: (amount) => runLoad(url, { generator, connections: o.connections, duration: null, amount, headers, cpus: plan.loadCpus, ...(slow ? { timeoutS: 600 } : {}) }) };
      },
      async startFloor(s) {
        const slow = s.slow === true;
        // this checkout's min-proxy (it loads uWS through this checkout's dist/), whatever --root says
        const file = fileURLToPath(new URL('../floor/min-proxy.mjs', import.meta.url));
        const [cmd, ...pre] = [...(s.wrap ?? []), process.execPath];
        const proc = await spawnPinned(s.cpus, cmd as string, [...pre, ...(s.nodeArgs ?? []), file, new URL(up.url).port], /PORT (\d+)/, { ...process.env, NODE_ENV: 'production', ...shippedNodeOptions(), ...s.env });
        procs.push(proc);
        const gw = { proc, url: `http://127.0.0.1:${Number(proc.match[1])}` };
        const url = gw.url + '/api/bench';
        const bad = await probe(url, {}, slow ? 360_000 : undefined);
        if (bad) throw new Error(`min-proxy: ${url}: ${bad}`);
        return { gw, url, load: (amount) => runLoad(url, { generator, connections: o.connections, duration: null, amount, headers: {}, cpus: plan.loadCpus, ...(slow ? { timeoutS: 600 } : {}) }) };
      },
    });
  } finally {
    for (const p of procs) await p.stop();
    await ts.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
