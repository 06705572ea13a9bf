/**
 * Telemetry bench: what OpenTelemetry costs the gateway per request (issue #21, "zero cost when
 * off (measured)"). One small GET through one regate worker to one upstream, three ways:
 *   off        no `telemetry:` section (the OpenTelemetry packages are not even loaded)
 *   on-100%    telemetry: { otlp_endpoint: <local sink>, sample_ratio: 1 }   (every request: 5 spans)
 *   on-1%      telemetry: { otlp_endpoint: <local sink>, sample_ratio: 0.01 }
 * The OTLP sink is a node:http server in this process that accepts POST /v1/traces and counts
 * the bytes (so the exporter really serialises and sends). The gateway's CPU µs per request
 * comes from /proc (its process only), as in passthrough.ts; with other work on the machine the
 * numbers are noisy, so compare rows of one run rather than runs.
 *
 * Run:  node --import tsx bench/telemetry.ts [--connections 50] [--duration 10] [--generator autocannon|wrk] [--json out.json]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { argValue } from './lib/args.js';
import { planCpus } from './lib/cpu-plan.js';
import { GENERATORS, measureLoad, resolveGenerator, type GeneratorName, type LoadResult } from './lib/load.js';
import type { Proc } from './lib/procs.js';
import { regateBaseConfig, startRegate, startUpstream } from './lib/servers.js';

const argv = process.argv.slice(2);
if (argv.includes('--help') || argv.includes('-h')) {
  process.stdout.write('usage: node --import tsx bench/telemetry.ts [--connections 50] [--duration 10] [--generator autocannon|wrk] [--json out.json]\n');
  process.exit(0);
}
const arg = (name: string, fallback: string): string => argValue(name, argv) ?? fallback;
const connections = Number(arg('--connections', '50'));
const duration = Number(arg('--duration', '10'));
const generatorName = arg('--generator', 'autocannon') as GeneratorName;
const jsonOut = argv.includes('--json') ? arg('--json', '') : '';
if (!GENERATORS.includes(generatorName)) throw new TypeError(`--generator: one of ${GENERATORS.join(', ')}`);
if (!(duration > 0) || !(connections > 0)) throw new TypeError('--duration and --connections: positive numbers');

const log = (line: string) => process.stderr.write(line + '\n');
const plan = planCpus();

interface Row extends LoadResult {
  name: string;
  cpuUsPerReq: number | null;
  /** OTLP posts and bytes the sink received during this row */
  posts: number;
  bytes: number;
}

/** A local OTLP/HTTP sink: accepts and counts, answers 200 `{}`. */
async function startSink(): Promise<{ url: string; posts: number; bytes: number; close(): Promise<void> }> {
  const sink = { url: '', posts: 0, bytes: 0, close: async () => {} };
  const server = http.createServer((req, res) => {
    req.on('data', (c: Buffer) => (sink.bytes += c.length));
    req.on('end', () => {
      sink.posts++;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  sink.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  sink.close = () =>
    new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    });
  return sink;
}

async function main(): Promise<void> {
  const generator = resolveGenerator(generatorName, connections, plan.loadCpuCount, log);
  if ('reason' in generator) throw new Error(generator.reason);
  const dir = mkdtempSync(join(tmpdir(), 'regate-bench-otel-'));
  const up = await startUpstream(plan.loadCpus);
  const sink = await startSink();
  const procs: Proc[] = [up.proc];
  const rows: Row[] = [];
  const variants: { name: string; telemetry: string }[] = [
    { name: 'off', telemetry: '' },
    { name: 'on-100%', telemetry: `telemetry: { otlp_endpoint: "${sink.url}", sample_ratio: 1 }\n` },
    { name: 'on-1%', telemetry: `telemetry: { otlp_endpoint: "${sink.url}", sample_ratio: 0.01 }\n` },
  ];
  try {
    for (const v of variants) {
      const config = regateBaseConfig(up.url, connections) + v.telemetry + 'routes:\n  - id: bench\n    match: { path_prefix: / }\n    upstream: up\n';
      const gw = await startRegate({ name: `regate-${v.name}`, dir, cpus: plan.proxyCpu, config });
      procs.push(gw.proc);
      log(`measuring ${v.name} with ${generator.name}…`);
      const posts0 = sink.posts;
      const bytes0 = sink.bytes;
      const r = await measureLoad(`${gw.url}/bench`, { generator, connections, duration, amount: null, headers: {}, cpus: plan.loadCpus, warmup: Math.min(3, duration), proc: gw.proc });
      await gw.proc.stop(); // drains: the last spans are exported before it exits
      rows.push({ name: v.name, ...r, posts: sink.posts - posts0, bytes: sink.bytes - bytes0 });
    }
  } finally {
    for (const p of procs) await p.stop();
    await sink.close();
    rmSync(dir, { recursive: true, force: true });
  }

  const where = plan.pinned ? `gateway on CPU ${plan.proxyCpu}, upstream+load+sink on CPU ${plan.loadCpus}` : 'no CPU pinning';
  process.stdout.write(`\ntelemetry: ${generator.name} ${generator.version}, ${connections} connections, ${duration}s per row, ${where}\n`);
  process.stdout.write('name      rps        p50ms  p99ms  errors  gateway-cpu-us/req  vs-off   otlp-posts  otlp-KiB\n');
  const off = rows.find((r) => r.name === 'off');
  const us = (n: number | null) => (n === null ? '-' : n.toFixed(1));
  for (const r of rows) {
    const delta = off?.cpuUsPerReq != null && r.cpuUsPerReq != null ? `${r.cpuUsPerReq - off.cpuUsPerReq >= 0 ? '+' : ''}${(r.cpuUsPerReq - off.cpuUsPerReq).toFixed(1)}` : '-';
    process.stdout.write(
      `${r.name.padEnd(9)} ${r.rps.toFixed(0).padStart(8)}  ${String(r.p50).padStart(6)} ${String(r.p99).padStart(6)}  ${String(r.errors).padStart(6)}  ${us(r.cpuUsPerReq).padStart(18)}  ${delta.padStart(6)}  ${String(r.posts).padStart(10)}  ${(r.bytes / 1024).toFixed(0).padStart(8)}\n`,
    );
  }
  if (jsonOut) writeFileSync(jsonOut, JSON.stringify({ generator: { name: generator.name, version: generator.version }, connections, duration, rows }, null, 2));
}

main().catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exitCode = 1;
});
