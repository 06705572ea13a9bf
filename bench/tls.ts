/**
 * TLS bench (issue #17), measured in one run on one certificate (made for the run):
 *   regate-tls     generator ─https→ regate (listen.tls, one uWS worker) ─http→ upstream
 *   regate-mtls    generator ─https + client certificate→ regate (client_auth: required: TLS in
 *                  Node, uWS behind a unix socket, server/mtls-terminator.ts) ─http→ upstream
 *   nginx-tls      generator ─https→ nginx (`listen ssl`, 1 worker, upstream keepalive) ─http→ upstream
 *   regate-http    generator ─http→ regate ─http→ upstream         (the plain hop, for the next row)
 *   regate-https   generator ─http→ regate ─https→ upstream        (regate's client over TLS)
 * Ratios printed: regate-tls / nginx-tls (rps and proxy CPU per request), regate-mtls /
 * regate-tls (proxy CPU per request: the cost of the Node terminator; autocannon only, wrk cannot
 * present a client certificate), and regate-https /
 * regate-http (proxy CPU per request: the cost of TLS towards the upstream). Keep-alive on both
 * sides, no pipelining, autocannon (or wrk) with fixed connections and duration; processes pinned
 * as in bench/passthrough.ts, whose structure this follows.
 *
 * Run:  node --import tsx bench/tls.ts [--connections 50] [--duration 10 | --amount N] [--warmup S] [--generator autocannon|wrk] [--json out.json]
 * (--warmup: seconds of load before each measurement, default min(3, duration); 0 for a start/stop check;
 * --amount: N requests per row instead of a duration, autocannon only — with --warmup 0 a start/stop check)
 * Needs nginx and openssl (Debian: apt-get install -y nginx openssl).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { planCpus } from './lib/cpu-plan.js';
import { GENERATORS, measureLoad, resolveGenerator, type GeneratorName, type LoadResult } from './lib/load.js';
import { spawnPinned, type Proc } from './lib/procs.js';
import { freePort, waitForPort } from './lib/ports.js';
import { regateBaseConfig, startRegate, startUpstream, type Server } from './lib/servers.js';
import { findOrInstallTool, NGINX } from './lib/system-tool.js';
import { argValue } from './lib/args.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const argv = process.argv.slice(2);
const arg = (name: string, fallback: string): string => argValue(name, argv) ?? fallback;
const connections = Number(arg('--connections', '50'));
const duration = Number(arg('--duration', '10'));
const warmup = Number(arg('--warmup', String(Math.min(3, duration))));
const generatorName = arg('--generator', 'autocannon') as GeneratorName;
const jsonOut = argv.includes('--json') ? arg('--json', '') : '';
if (!GENERATORS.includes(generatorName)) throw new TypeError(`--generator: one of ${GENERATORS.join(', ')}`);
// autocannon's shortest timed run is a whole second; a request count ends as soon as it is served
const amount = argv.includes('--amount') ? Number(arg('--amount', '')) : null;
if (amount !== null && (!Number.isInteger(amount) || amount < 1)) throw new TypeError('--amount: a positive integer');
if (amount !== null && generatorName !== 'autocannon') throw new TypeError('--amount: autocannon only (wrk runs for a duration)');

const log = (line: string) => process.stderr.write(line + '\n');
const plan = planCpus();

interface Row extends LoadResult {
  name: string;
  cpuUsPerReq: number | null;
}

/** A self-signed ECDSA P-256 certificate for 127.0.0.1/localhost (what both TLS terminators serve). */
function makeCert(dir: string, name = 'bench', cn = 'localhost'): { cert: string; key: string } {
  const cert = join(dir, `${name}.pem`);
  const key = join(dir, `${name}.key`);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', `/CN=${cn}`, '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'], { stdio: ['ignore', 'ignore', 'pipe'] });
  return { cert, key };
}

async function startTlsUpstream(cpus: string | null, cert: { cert: string; key: string }): Promise<Server> {
  const proc = await spawnPinned(cpus, process.execPath, ['--import', 'tsx', join(root, 'bench/lib/upstream-tls.ts'), cert.cert, cert.key], /PORT (\d+)/);
  return { proc, url: `https://127.0.0.1:${Number(proc.match[1])}` };
}

async function startNginxTls(o: { bin: string; dir: string; upstreamUrl: string; cpus: string | null; cert: { cert: string; key: string } }): Promise<Server> {
  const port = await freePort();
  const ndir = join(o.dir, 'nginx-tls');
  mkdirSync(ndir, { recursive: true });
  const conf = readFileSync(join(root, 'bench/nginx/nginx-tls.conf.template'), 'utf8')
    .replaceAll('{{DIR}}', ndir)
    .replaceAll('{{PORT}}', String(port))
    .replaceAll('{{UPSTREAM_PORT}}', new URL(o.upstreamUrl).port)
    .replaceAll('{{CERT}}', o.cert.cert)
    .replaceAll('{{KEY}}', o.cert.key);
  writeFileSync(join(ndir, 'nginx.conf'), conf);
  const proc = await spawnPinned(o.cpus, o.bin, ['-p', ndir, '-c', join(ndir, 'nginx.conf'), '-e', join(ndir, 'error.log')], null);
  if (!(await waitForPort(port))) {
    await proc.stop();
    throw new Error(`nginx did not listen: ${proc.output().slice(-300)}`);
  }
  return { proc, url: `https://127.0.0.1:${port}` };
}

async function main(): Promise<void> {
  const generator = resolveGenerator(generatorName, connections, plan.loadCpuCount, log);
  if ('reason' in generator) throw new Error(generator.reason);
  const measure = async (name: string, url: string, proc: Proc | null, clientCert?: { cert: string; key: string }): Promise<Row> => {
    log(`measuring ${name} (${url}) with ${generator.name}…`);
    const r = await measureLoad(url, { generator, connections, duration: amount === null ? duration : null, amount, headers: {}, cpus: plan.loadCpus, warmup, proc, ...(clientCert ? { clientCert } : {}) });
    return { name, ...r };
  };
  const route = 'routes:\n  - id: bench\n    match: { path_prefix: / }\n    upstream: up\n';

  const dir = mkdtempSync(join(tmpdir(), 'regate-bench-tls-'));
  const cert = makeCert(dir);
  const up = await startUpstream(plan.loadCpus);
  const upTls = await startTlsUpstream(plan.loadCpus, cert);
  const procs: Proc[] = [up.proc, upTls.proc];
  const rows: Row[] = [];
  try {
    // the listener: regate's uWS TLS against nginx's, same certificate, plain upstream
    const tlsListen = regateBaseConfig(up.url, connections).replace('listen: { host: 127.0.0.1, port: 0, workers: 1 }', `listen: { host: 127.0.0.1, port: 0, workers: 1, tls: { cert_file: ${cert.cert}, key_file: ${cert.key} } }`);
    const gwTls = await startRegate({ name: 'regate-tls', dir, cpus: plan.proxyCpu, config: tlsListen + route });
    procs.push(gwTls.proc);
    rows.push(await measure('regate-tls', `${gwTls.url.replace('http:', 'https:')}/bench`, gwTls.proc));
    await gwTls.proc.stop();

    // the mTLS listener: the same, with a client certificate required (self-signed: it is its own CA)
    if (generator.name === 'autocannon') {
      const client = makeCert(dir, 'client', 'bench-client');
      const mtlsListen = tlsListen.replace(`key_file: ${cert.key} }`, `key_file: ${cert.key}, ca_file: ${client.cert}, client_auth: required }`);
      const gwMtls = await startRegate({ name: 'regate-mtls', dir, cpus: plan.proxyCpu, config: mtlsListen + route });
      procs.push(gwMtls.proc);
      rows.push(await measure('regate-mtls', `${gwMtls.url.replace('http:', 'https:')}/bench`, gwMtls.proc, client));
      await gwMtls.proc.stop();
    } else log('wrk cannot present a client certificate: skipping the regate-mtls row');

    const nginx = findOrInstallTool(NGINX, log);
    if ('bin' in nginx) {
      const ng = await startNginxTls({ bin: nginx.bin, dir, upstreamUrl: up.url, cpus: plan.proxyCpu, cert });
      procs.push(ng.proc);
      rows.push(await measure('nginx-tls', `${ng.url}/bench`, ng.proc));
      await ng.proc.stop();
    } else log(`nginx not available (${nginx.reason}): skipping the nginx-tls row`);

    // the upstream side: the same plain listener, to an http and to an https upstream
    const gwHttp = await startRegate({ name: 'regate-http', dir, cpus: plan.proxyCpu, config: regateBaseConfig(up.url, connections) + route });
    procs.push(gwHttp.proc);
    rows.push(await measure('regate-http', `${gwHttp.url}/bench`, gwHttp.proc));
    await gwHttp.proc.stop();
    const httpsUp = regateBaseConfig(upTls.url, connections).replace(/(up: \{ url: "[^"]+")/, `$1, tls: { ca_file: ${cert.cert} }`);
    const gwHttps = await startRegate({ name: 'regate-https', dir, cpus: plan.proxyCpu, config: httpsUp + route });
    procs.push(gwHttps.proc);
    rows.push(await measure('regate-https', `${gwHttps.url}/bench`, gwHttps.proc));
    await gwHttps.proc.stop();
  } finally {
    for (const p of procs) await p.stop();
    rmSync(dir, { recursive: true, force: true });
  }

  const by = (n: string) => rows.find((r) => r.name === n);
  const where = plan.pinned ? `proxy on CPU ${plan.proxyCpu}, upstream+load on CPU ${plan.loadCpus}` : 'no CPU pinning';
  process.stdout.write(`\ntls: ${generator.name} ${generator.version}, ${connections} connections, ${amount === null ? `${duration}s` : `${amount} requests`}, keep-alive, no pipelining, ${where}\n`);
  process.stdout.write('name           rps        p50ms  p99ms  errors non2xx  proxy-cpu-us/req  gen-cpu-us/req\n');
  const us = (n: number | null) => (n === null ? '-' : n.toFixed(1));
  for (const r of rows) {
    process.stdout.write(
      `${r.name.padEnd(13)} ${r.rps.toFixed(0).padStart(8)}  ${String(r.p50).padStart(6)} ${String(r.p99).padStart(6)}  ${String(r.errors).padStart(6)} ${String(r.non2xx).padStart(6)}  ${us(r.cpuUsPerReq).padStart(16)}  ${us(r.generatorCpuUsPerReq).padStart(14)}\n`,
    );
  }
  const ratio = (a: number | null | undefined, b: number | null | undefined) => (a && b ? (a / b).toFixed(2) + 'x' : '-');
  const rt = by('regate-tls');
  const nt = by('nginx-tls');
  process.stdout.write(`\nTLS listener: regate/nginx rps ${ratio(rt?.rps, nt?.rps)}, CPU per request ${ratio(rt?.cpuUsPerReq, nt?.cpuUsPerReq)}\n`);
  const mt = by('regate-mtls');
  if (mt) process.stdout.write(`mTLS listener (Node terminator): CPU per request ${ratio(mt.cpuUsPerReq, rt?.cpuUsPerReq)} of the uWS TLS listener's (${us(mt.cpuUsPerReq)} vs ${us(rt?.cpuUsPerReq ?? null)} µs), rps ${ratio(mt.rps, rt?.rps)}\n`);
  const hp = by('regate-http');
  const hs = by('regate-https');
  process.stdout.write(`https upstream: CPU per request ${ratio(hs?.cpuUsPerReq, hp?.cpuUsPerReq)} of the http upstream's (${us(hs?.cpuUsPerReq ?? null)} vs ${us(hp?.cpuUsPerReq ?? null)} µs)\n`);
  if (jsonOut) writeFileSync(jsonOut, JSON.stringify({ generator: { name: generator.name, version: generator.version, threads: generator.threads }, connections, duration: amount === null ? duration : null, ...(amount !== null ? { amount } : {}), rows }, null, 2));
}

main().catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exitCode = 1;
});
