/**
 * Payload encryption (issue #18): the gateway's CPU per request for a 1 KB body, three ways —
 * plaintext (`payload_encryption: off`), encrypted in a session (`dir`/A256GCM both ways), and
 * encrypted with ECDH on every request (`ECDH-ES+A256KW` in, a fresh ECDH answer out).
 *
 * The gateway runs in a child process of its own, so its CPU (utime + stime from /proc, Linux)
 * is not mixed with the load generator's; the regate/client SDK and the upstream run here. Each
 * variant runs `--seconds` with `--connections` requests in flight; the result is the gateway's
 * CPU time divided by the requests it answered. The routes are `auth: none`, so the numbers
 * are what encryption adds to the pipeline, not token checks.
 *
 * Run:  node --import tsx bench/payload.ts [--seconds 5] [--connections 8]
 */
import { spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { argValue } from './lib/args.js';

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
  process.stdout.write(JSON.stringify({ port }) + '\n');
} else {
  await main();
}

async function main(): Promise<void> {
  const seconds = Number(argValue('--seconds') ?? '5');
  const connections = Number(argValue('--connections') ?? '8');
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
  const child = spawn(process.execPath, ['--import', 'tsx', new URL(import.meta.url).pathname, '--serve', join(dir, 'regate.yaml')], { stdio: ['ignore', 'pipe', 'inherit'] });
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
  const cpuMs = (): number => {
    // fields 14 and 15 of /proc/<pid>/stat: utime, stime in clock ticks (100 Hz on Linux)
    const f = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / 100;
  };

  const variants: [string, () => Promise<Response>][] = [];
  variants.push(['plaintext', () => fetch(`${base}/plain/x`, { method: 'POST', body, headers: { 'content-type': 'application/json' } })]);
  const session = createRegateClient({ baseUrl: base });
  variants.push(['encrypted, session (dir)', () => session.fetch('/enc/x', { method: 'POST', body, headers: { 'content-type': 'application/json' } })]);
  const ecdh = createRegateClient({ baseUrl: base, sessions: false });
  variants.push(['encrypted, ECDH per request', () => ecdh.fetch('/enc/x', { method: 'POST', body, headers: { 'content-type': 'application/json' } })]);

  console.log(`payload encryption bench: ${seconds}s per variant, ${connections} in flight, 1 KB request and answer bodies`);
  console.log('variant                         requests   req/s   gateway CPU µs/request');
  for (const [name, call] of variants) {
    // warm-up (JIT, the session, the JWKS)
    for (let i = 0; i < 50; i++) await (await call()).text();
    const until = Date.now() + seconds * 1000;
    let n = 0;
    let failed = 0;
    const c0 = cpuMs();
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
    const cpu = cpuMs() - c0;
    console.log(`${name.padEnd(30)} ${String(n).padStart(9)} ${String(Math.round(n / elapsed)).padStart(7)}   ${((cpu * 1000) / n).toFixed(0).padStart(8)}${failed ? `   (${failed} failed)` : ''}`);
  }
  child.kill('SIGTERM');
  upstream.close();
}
