/**
 * Passthrough bench: the same small GET measured three ways in one run —
 *   direct  generator → upstream
 *   regate  generator → regate (one uWS worker) → upstream
 *   nginx   generator → nginx proxy_pass (1 worker, upstream keepalive) → upstream
 * autocannon (or wrk with --generator wrk) without pipelining, fixed connections and duration;
 * processes pinned with taskset (gateway/nginx on one CPU, upstream + generator on the other(s)).
 * Prints rps, p50, p99, the ratio to nginx, and the proxy's CPU µs per request (from /proc, so
 * contention from other processes on the machine does not inflate it the way it inflates latency).
 * The suite (bench/run.ts) measures the same rows among others; this is the short form.
 *
 * Run:  node --import tsx bench/passthrough.ts [--connections 50] [--duration 10] [--generator autocannon|wrk] [--json out.json]
 * Needs nginx (Debian: apt-get install -y nginx; installed here when missing and running as root).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { planCpus } from './lib/cpu-plan.js';
import { GENERATORS, measureLoad, resolveGenerator, type GeneratorName, type LoadResult } from './lib/load.js';
import type { Proc } from './lib/procs.js';
import { regateBaseConfig, startNginx, startRegate, startUpstream } from './lib/servers.js';
import { findOrInstallTool, NGINX } from './lib/system-tool.js';
import { argValue } from './lib/args.js';

const argv = process.argv.slice(2);
const arg = (name: string, fallback: string): string => argValue(name, argv) ?? fallback;
const connections = Number(arg('--connections', '50'));
const duration = Number(arg('--duration', '10'));
const generatorName = arg('--generator', 'autocannon') as GeneratorName;
const jsonOut = argv.includes('--json') ? arg('--json', '') : '';
if (!GENERATORS.includes(generatorName)) throw new TypeError(`--generator: one of ${GENERATORS.join(', ')}`);

const log = (line: string) => process.stderr.write(line + '\n');
const plan = planCpus();

interface Row extends LoadResult {
  name: string;
  cpuUsPerReq: number | null;
}

async function main(): Promise<void> {
  const generator = resolveGenerator(generatorName, connections, plan.loadCpuCount, log);
  if ('reason' in generator) throw new Error(generator.reason);
  const measure = async (name: string, url: string, proc: Proc | null): Promise<Row> => {
    log(`measuring ${name} (${url}) with ${generator.name}…`);
    // short warm-up (JIT, pools), then the measured run
    const r = await measureLoad(url, { generator, connections, duration, amount: null, headers: {}, cpus: plan.loadCpus, warmup: Math.min(3, duration), proc });
    return { name, ...r };
  };

  const dir = mkdtempSync(join(tmpdir(), 'regate-bench-'));
  const up = await startUpstream(plan.loadCpus);
  const procs: Proc[] = [up.proc];
  const rows: Row[] = [];
  try {
    rows.push(await measure('direct', `${up.url}/bench`, null));

    const gw = await startRegate({ name: 'regate', dir, cpus: plan.proxyCpu, config: regateBaseConfig(up.url, connections) + `routes:\n  - id: bench\n    match: { path_prefix: / }\n    upstream: up\n` });
    procs.push(gw.proc);
    rows.push(await measure('regate', `${gw.url}/bench`, gw.proc));
    log('stopping regate…');
    await gw.proc.stop();

    const nginx = findOrInstallTool(NGINX, log);
    if ('bin' in nginx) {
      const ng = await startNginx({ bin: nginx.bin, dir, upstreamUrl: up.url, cpus: plan.proxyCpu });
      procs.push(ng.proc);
      rows.push(await measure('nginx', `${ng.url}/bench`, ng.proc));
      await ng.proc.stop();
    } else log(`nginx not available (${nginx.reason}): skipping the nginx row`);
  } finally {
    for (const p of procs) await p.stop();
    rmSync(dir, { recursive: true, force: true });
  }

  const ng = rows.find((r) => r.name === 'nginx');
  const direct = rows.find((r) => r.name === 'direct');
  const where = plan.pinned ? `proxy on CPU ${plan.proxyCpu}, upstream+load on CPU ${plan.loadCpus}` : 'no CPU pinning';
  process.stdout.write(`\npassthrough: ${generator.name} ${generator.version}, ${connections} connections, ${duration}s, no pipelining, ${where}\n`);
  process.stdout.write('name      rps        p50ms  p99ms  errors non2xx  vs-nginx  proxy-cpu-us/req  gen-cpu-us/req\n');
  const us = (n: number | null) => (n === null ? '-' : n.toFixed(1));
  for (const r of rows) {
    const ratio = ng ? (r.rps / ng.rps).toFixed(2) + 'x' : '-';
    process.stdout.write(
      `${r.name.padEnd(9)} ${r.rps.toFixed(0).padStart(8)}  ${String(r.p50).padStart(6)} ${String(r.p99).padStart(6)}  ${String(r.errors).padStart(6)} ${String(r.non2xx).padStart(6)}  ${ratio.padStart(8)}  ${us(r.cpuUsPerReq).padStart(16)}  ${us(r.generatorCpuUsPerReq).padStart(14)}\n`,
    );
  }
  const gw = rows.find((r) => r.name === 'regate');
  if (gw?.cpuUsPerReq && ng?.cpuUsPerReq) {
    process.stdout.write(`\nregate spends ${gw.cpuUsPerReq.toFixed(1)} CPU µs per proxied request, nginx ${ng.cpuUsPerReq.toFixed(1)} µs (difference ${(gw.cpuUsPerReq - ng.cpuUsPerReq).toFixed(1)} µs)\n`);
  }
  if (direct) process.stdout.write(`(direct upstream: ${direct.rps.toFixed(0)} rps — the ceiling of this machine's generator+upstream)\n`);
  if (jsonOut) writeFileSync(jsonOut, JSON.stringify({ generator: { name: generator.name, version: generator.version, threads: generator.threads }, connections, duration, rows }, null, 2));
}

main().catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exitCode = 1;
});
