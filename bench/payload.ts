/**
 * Payload encryption (issue #18): the gateway's CPU per request for a 1 KB body, three ways —
 * plaintext (`payload_encryption: off`), encrypted in a session (`dir`/A256GCM both ways), and
 * encrypted with ECDH on every request (`ECDH-ES+A256KW` in, a fresh ECDH answer out).
 *
 * What is measured, exactly:
 * - "gateway CPU µs/req": utime + stime (from /proc, Linux) of the gateway's own process only —
 *   it runs alone in a child process (`node --import tsx`, the same JS as dist/), pinned to the
 *   last CPU when taskset exists; routes are `auth: none`, with no policy, rate limit or audit.
 *   This is the number the README quotes.
 * - "client CPU µs/req": this process — the load loop, Node's fetch (undici), the regate/client
 *   SDK (its encryption and decryption) and the upstream (node:http) — shown so that nobody
 *   mistakes it for the gateway's; it is not in the gateway column.
 * The load is closed-loop: `--connections` requests in flight, each sent when the previous
 * answered. At a low concurrency such as 8, each request reaches an idle gateway and pays its own
 * event-loop wake-up and socket reads and writes, with nothing batched; that is why the plaintext
 * row costs several times what bench/passthrough.ts reports at 50 connections (see the
 * `plaintext` rows at `--connections 50` and `--get` to separate the two effects).
 *
 * Run:  node --import tsx bench/payload.ts [--seconds 5] [--connections 8] [--only plaintext,session,ecdh,get]
 *                                          [--cpu-prof DIR]   (the gateway writes a V8 CPU profile there on exit)
 */
import { spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { argValue } from './lib/args.js';
import { planCpus } from './lib/cpu-plan.js';

if (process.argv[2] === '--serve') {
  // child: the gateway alone
  const pino = (await import('pino')).default;
  const { Registry } = await import('prom-client');
  const { loadConfigFile } = await import('../src/gateway/config/load.js');
  const { buildStages } = await import('../src/gateway/pipeline/stages.js');
  const { createGateway } = await import('../src/gateway/server/gateway.js');
  const config = loadConfigFile(process.argv[3] as string);
  const logger = pino({ level: 'warn' });
  const registry = new Registry();
  const built = await buildStages(config, { logger, registry });
  const gw = createGateway({ config, logger, registry, stages: built.stages, ...(built.payload ? { payload: built.payload } : {}) });
  const port = await gw.listen(0);
  // SIGTERM: exit through process.exit so that --cpu-prof writes its profile
  process.once('SIGTERM', () => process.exit(0));
  process.stdout.write(JSON.stringify({ port }) + '\n');
} else {
  await main();
}

async function main(): Promise<void> {
  const seconds = Number(argValue('--seconds') ?? '5');
  const connections = Number(argValue('--connections') ?? '8');
  const only = (argValue('--only') ?? 'plaintext,session,ecdh').split(',');
  const profDir = argValue('--cpu-prof');
  const plan = planCpus();
  const { createRegateClient } = await import('../src/client/index.js');
  const dir = mkdtempSync(join(tmpdir(), 'regate-bench-payload-'));
  writeFileSync(join(dir, 'enc.pem'), generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string);

  const body = JSON.stringify({ data: 'x'.repeat(1012) }); // 1 KB
  const answer = JSON.stringify({ ok: true, data: 'y'.repeat(1010) });
  const upstream = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end(answer));
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  const upUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  writeFileSync(
    join(dir, 'regate.yaml'),
    `listen: { host: 127.0.0.1, port: 0 }
admin: { enabled: false }
upstreams: { up: { url: "${upUrl}" } }
payload_encryption: { keys: [ { kid: enc-1, private_key_file: ./enc.pem } ], max_response_bytes: 65536 }
routes:
  - { id: plain, match: { path_prefix: /plain }, upstream: up }
  - { id: enc, match: { path_prefix: /enc }, upstream: up, payload_encryption: required }
`,
  );
  const nodeArgs = [...(profDir !== undefined ? ['--cpu-prof', '--cpu-prof-dir', profDir] : []), '--import', 'tsx', new URL(import.meta.url).pathname, '--serve', join(dir, 'regate.yaml')];
  const [cmd, args] = plan.proxyCpu !== null ? ['taskset', ['-c', plan.proxyCpu, process.execPath, ...nodeArgs]] : [process.execPath, nodeArgs];
  const child = spawn(cmd as string, args as string[], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    let buf = '';
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      const m = /\{"port":(\d+)\}/.exec(buf);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`gateway exited ${code}`)));
  });
  const base = `http://127.0.0.1:${port}`;
  /** the gateway's [user, system] CPU ms: fields 14 and 15 of /proc/<pid>/stat, in clock ticks (100 Hz on Linux) */
  const gatewayCpuMs = (): [number, number] => {
    const f = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return [Number(f[11]) * 10, Number(f[12]) * 10];
  };
  const ownCpuMs = (): number => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };

  const post = { method: 'POST', body, headers: { 'content-type': 'application/json' } };
  const all: Record<string, [string, () => Promise<Response>]> = {
    get: ['plaintext GET, no body', () => fetch(`${base}/plain/x`)],
    plaintext: ['plaintext POST', () => fetch(`${base}/plain/x`, post)],
    session: ['encrypted, session (dir)', (() => {
      const c = createRegateClient({ baseUrl: base });
      return () => c.fetch('/enc/x', post);
    })()],
    ecdh: ['encrypted, ECDH per request', (() => {
      const c = createRegateClient({ baseUrl: base, sessions: false });
      return () => c.fetch('/enc/x', post);
    })()],
  };
  const where = plan.proxyCpu !== null ? `gateway pinned to CPU ${plan.proxyCpu}, client + upstream unpinned` : 'no pinning';
  console.log(`payload encryption bench: ${seconds}s per variant, ${connections} in flight (closed loop, Node fetch), 1 KB request and answer bodies, ${where}`);
  console.log('variant                        requests   req/s  gateway CPU µs/req (of it kernel)  client CPU µs/req');
  for (const key of only) if (all[key] === undefined) throw new TypeError(`--only: one of ${Object.keys(all).join(', ')}`);
  // Warm every variant up first (JIT, the session, the JWKS), then wait until the gateway is idle:
  // right after start-up V8's compiler and GC threads are still busy with the code tsx loaded, and
  // that CPU would land in whichever row is measured first.
  for (const key of only) for (let i = 0; i < 300; i++) await (await all[key]![1]()).text();
  const idleMsPerS = await settle(gatewayCpuMs);
  console.log(`gateway idle CPU before measuring: ${idleMsPerS.toFixed(1)} ms/s (it is in every row: at R req/s it adds 1000 × ${idleMsPerS.toFixed(1)} / R µs per request)`);
  for (const key of only) {
    const [name, call] = all[key]!;
    const until = Date.now() + seconds * 1000;
    let n = 0;
    let failed = 0;
    const g0 = gatewayCpuMs();
    const o0 = ownCpuMs();
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: connections }, async () => {
        while (Date.now() < until) {
          const r = await call();
          await r.text();
          if (r.status === 200) n++;
          else failed++;
        }
      }),
    );
    const elapsed = (performance.now() - t0) / 1000;
    const g1 = gatewayCpuMs();
    const user = g1[0] - g0[0];
    const sys = g1[1] - g0[1];
    const o = ownCpuMs() - o0;
    const per = (ms: number) => ((ms * 1000) / n).toFixed(0);
    console.log(
      `${name.padEnd(30)} ${String(n).padStart(8)} ${String(Math.round(n / elapsed)).padStart(7)}  ${per(user + sys).padStart(18)} ${`(${per(sys)})`.padStart(16)}  ${per(o).padStart(17)}${failed ? `   (${failed} failed)` : ''}`,
    );
  }
  await new Promise<void>((r) => {
    child.once('exit', () => r());
    child.kill('SIGTERM');
  });
  upstream.close();
  if (profDir !== undefined) console.log(`gateway CPU profile written to ${profDir}`);
}

/** Waits (at most 15 s) until the gateway uses under 1 % of a CPU over half a second; returns its last idle rate in ms/s. */
async function settle(cpu: () => [number, number]): Promise<number> {
  let rate = Infinity;
  for (let i = 0; i < 30 && rate > 10; i++) {
    const [u0, s0] = cpu();
    await new Promise((r) => setTimeout(r, 500));
    const [u1, s1] = cpu();
    rate = (u1 - u0 + s1 - s0) * 2;
  }
  return rate;
}
