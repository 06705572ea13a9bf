/**
 * Passthrough bench: the same small GET measured three ways in one run —
 *   direct  autocannon → upstream
 *   regate  autocannon → regate (one uWS worker) → upstream
 *   nginx   autocannon → nginx proxy_pass (1 worker, upstream keepalive) → upstream
 * autocannon without pipelining, fixed connections and duration; processes pinned with taskset
 * (gateway/nginx on one CPU, upstream + generator on the other(s)). Prints rps, p50, p99, the
 * ratio to nginx, and the proxy's CPU µs per request (from /proc, so contention from other
 * processes on the machine does not inflate it the way it inflates latency).
 *
 * Run:  node --import tsx bench/passthrough.ts [--connections 50] [--duration 10] [--json out.json]
 * Needs nginx (Debian: apt-get install -y nginx; installed here when missing and running as root).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';
import { cpuSeconds, spawnPinned, type Proc } from './lib/procs.js';
import { runLoad, type LoadResult } from './lib/load.js';

const argv = process.argv.slice(2);
const arg = (name: string, fallback: string) => {
  const i = argv.indexOf(name);
  return i >= 0 && argv[i + 1] !== undefined ? (argv[i + 1] as string) : fallback;
};
const connections = Number(arg('--connections', '50'));
const duration = Number(arg('--duration', '10'));
const jsonOut = argv.includes('--json') ? arg('--json', '') : '';
const root = new URL('..', import.meta.url).pathname;

// CPU plan: the proxy under test alone on the last CPU; upstream and generator on the rest.
const ncpu = availableParallelism();
const proxyCpu = String(ncpu - 1);
const restCpus = ncpu > 1 ? Array.from({ length: ncpu - 1 }, (_, i) => i).join(',') : '0';
const pin = hasTaskset() ? (cpus: string) => cpus : () => null;

function hasTaskset(): boolean {
  try {
    execFileSync('taskset', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function nginxBinary(): string | null {
  for (const p of ['/usr/sbin/nginx', '/usr/bin/nginx']) {
    try {
      execFileSync(p, ['-v'], { stdio: 'ignore' });
      return p;
    } catch {
      /* next */
    }
  }
  if (process.getuid?.() === 0) {
    process.stderr.write('nginx missing: apt-get install -y nginx\n');
    try {
      execFileSync('apt-get', ['install', '-y', 'nginx'], { stdio: 'inherit' });
      return '/usr/sbin/nginx';
    } catch {
      return null;
    }
  }
  return null;
}

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

interface Row extends LoadResult {
  name: string;
  cpuUsPerReq: number | null;
}

async function measure(name: string, url: string, proc: Proc | null): Promise<Row> {
  process.stderr.write(`measuring ${name} (${url})…\n`);
  // short warm-up (JIT, pools), then the measured run
  await runLoad(url, { connections, duration: Math.min(3, duration), cpus: pin(restCpus) });
  const cpu0 = proc ? cpuSeconds(proc.child.pid!) : 0;
  process.stderr.write(`  warm-up done\n`);
  const r = await runLoad(url, { connections, duration, cpus: pin(restCpus) });
  const cpu1 = proc ? cpuSeconds(proc.child.pid!) : 0;
  return { name, ...r, cpuUsPerReq: proc ? ((cpu1 - cpu0) * 1e6) / Math.max(1, r.requests) : null };
}

async function main(): Promise<void> {
  const node = process.execPath;
  const tsx = ['--import', 'tsx'];
  const up = await spawnPinned(pin(restCpus), node, [...tsx, join(root, 'bench/lib/upstream.ts')], /PORT (\d+)/);
  const upPort = Number(up.match[1]);
  const procs: Proc[] = [up];
  const rows: Row[] = [];
  try {
    rows.push(await measure('direct', `http://127.0.0.1:${upPort}/bench`, null));

    const dir = mkdtempSync(join(tmpdir(), 'regate-bench-'));
    const cfg = join(dir, 'regate.yaml');
    writeFileSync(
      cfg,
      `listen: { host: 127.0.0.1, port: 0, workers: 1 }\nadmin: { enabled: false }\nlog: { level: info }\n` +
        `upstreams:\n  up: { url: "http://127.0.0.1:${upPort}", pool: { connections: ${Math.max(connections, 16)} } }\n` +
        `routes:\n  - id: bench\n    match: { path_prefix: / }\n    upstream: up\n`,
    );
    const gw = await spawnPinned(pin(proxyCpu), node, [...tsx, join(root, 'test/gateway/fixtures/run-cli.ts'), 'start', '--config', cfg], /"port":(\d+)[^\n]*"regate ready"|"regate ready"[^\n]*"port":(\d+)/, {
      ...process.env,
      NODE_ENV: 'production',
    });
    procs.push(gw);
    const gwPort = Number(gw.match[1] ?? gw.match[2]);
    rows.push(await measure('regate', `http://127.0.0.1:${gwPort}/bench`, gw));
    process.stderr.write('stopping regate…\n');
    await gw.stop();

    const nginx = nginxBinary();
    if (nginx) {
      const port = await freePort();
      const ndir = join(dir, 'nginx');
      mkdirSync(ndir, { recursive: true });
      const conf = readFileSync(join(root, 'bench/nginx/nginx.conf.template'), 'utf8')
        .replaceAll('{{DIR}}', ndir)
        .replaceAll('{{PORT}}', String(port))
        .replaceAll('{{UPSTREAM_PORT}}', String(upPort));
      writeFileSync(join(ndir, 'nginx.conf'), conf);
      const ng = await spawnPinned(pin(proxyCpu), nginx, ['-p', ndir, '-c', join(ndir, 'nginx.conf'), '-e', join(ndir, 'error.log')], null);
      procs.push(ng);
      // nginx prints nothing when it starts: wait for its port
      for (let i = 0; i < 100; i++) {
        const ok = await new Promise<boolean>((r) => net.connect(port, '127.0.0.1').once('connect', function (this: net.Socket) { this.destroy(); r(true); }).once('error', () => r(false)));
        if (ok) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      rows.push(await measure('nginx', `http://127.0.0.1:${port}/bench`, ng));
      await ng.stop();
    } else process.stderr.write('nginx not available: skipping the nginx row\n');
  } finally {
    for (const p of procs) await p.stop();
  }

  const ng = rows.find((r) => r.name === 'nginx');
  const direct = rows.find((r) => r.name === 'direct');
  process.stdout.write(`\npassthrough: ${connections} connections, ${duration}s, no pipelining, proxy on CPU ${proxyCpu}, upstream+load on CPU ${restCpus}\n`);
  process.stdout.write('name      rps        p50ms  p99ms  errors non2xx  vs-nginx  proxy-cpu-us/req\n');
  for (const r of rows) {
    const ratio = ng ? (r.rps / ng.rps).toFixed(2) + 'x' : '-';
    process.stdout.write(
      `${r.name.padEnd(9)} ${r.rps.toFixed(0).padStart(8)}  ${String(r.p50).padStart(6)} ${String(r.p99).padStart(6)}  ${String(r.errors).padStart(6)} ${String(r.non2xx).padStart(6)}  ${ratio.padStart(8)}  ${r.cpuUsPerReq === null ? '-' : r.cpuUsPerReq.toFixed(1)}\n`,
    );
  }
  const gw = rows.find((r) => r.name === 'regate');
  if (gw?.cpuUsPerReq && ng?.cpuUsPerReq) {
    process.stdout.write(`\nregate spends ${gw.cpuUsPerReq.toFixed(1)} CPU µs per proxied request, nginx ${ng.cpuUsPerReq.toFixed(1)} µs (difference ${(gw.cpuUsPerReq - ng.cpuUsPerReq).toFixed(1)} µs)\n`);
  }
  if (direct) process.stdout.write(`(direct upstream: ${direct.rps.toFixed(0)} rps — the ceiling of this machine's generator+upstream)\n`);
  if (jsonOut) writeFileSync(jsonOut, JSON.stringify({ connections, duration, rows }, null, 2));
}

main().catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exitCode = 1;
});
