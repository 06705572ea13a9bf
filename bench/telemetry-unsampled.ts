/**
 * Instructions per request of telemetry's own work on a request the sampler does not record
 * (issue #21: at 1 % sampling the gateway paid +11 µs/request although 99 % were not sampled).
 *
 * Runs the request-span hooks exactly as server/gateway.ts calls them — startRequest, the
 * wrapped authorize stage, the wrapped proxy, endRequest — on a request context, with
 * `sample_ratio: 0` (nothing recorded, the path every unsampled request takes) and a client
 * `traceparent` whose sampled flag is 0 or none at all. The count comes from valgrind's callgrind
 * (the host's load cannot move it): the same script runs with N1 and N2 iterations, and
 * (I(N2) - I(N1)) / (N2 - N1) is the per-request cost, start-up and warm-up cancelled out.
 *
 * Run:  node --import tsx bench/telemetry-unsampled.ts [--root /path/to/regate/checkout] [--n1 20000] [--n2 120000]
 * (`--root` compares another checkout's telemetry code; default this one. Needs valgrind.)
 * Inner mode (what valgrind runs): ... --inner N [--traceparent unsampled|none]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { argValue } from './lib/args.js';

const argv = process.argv.slice(2);
const arg = (name: string, fallback: string): string => argValue(name, argv) ?? fallback;
const root = resolve(arg('--root', join(fileURLToPath(import.meta.url), '..', '..')));

if (argv.includes('--inner')) {
  const n = Number(arg('--inner', '0'));
  const withParent = arg('--traceparent', 'unsampled') === 'unsampled';
  const mod = (await import(join(root, 'src/gateway/telemetry/index.ts'))) as typeof import('../src/gateway/telemetry/index.js');
  const tel = mod.createTelemetry({
    telemetry: { otlp_endpoint: 'http://127.0.0.1:9/v1/traces', sample_ratio: 0, service_name: 'bench', export_timeout_ms: 100 },
    upstreams: { echo: { url: 'http://127.0.0.1:9' } } as never,
  })!;
  const stage = tel.traceStages([{ name: 'authorize', run: () => undefined }])[0]!;
  const proxy = tel.traceProxy(((_ctx: unknown, _ex: unknown, done: (e?: unknown) => void) => done()) as never);
  const headers: Record<string, string> = { host: 'api.example.com:8080', 'user-agent': 'curl/8.5.0', accept: '*/*' };
  if (withParent) headers.traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00';
  let sink = 0;
  for (let i = 0; i < n; i++) {
    const ctx = { headers, host: 'api.example.com:8080', method: 'GET', path: '/echo/x', scheme: 'http', remoteAddr: '127.0.0.1', route: { id: 'echo', upstream: 'echo' }, mapping: null, status: 200, error: null, trace: null as unknown } as never as Parameters<typeof tel.startRequest>[0];
    tel.startRequest(ctx);
    stage.run(ctx);
    proxy(ctx, null as never, () => undefined);
    ctx.status = 200;
    if (ctx.trace !== null) tel.endRequest(ctx);
    if (ctx.trace !== null) sink++;
  }
  process.stdout.write(`traced-contexts ${sink}\n`);
  await tel.shutdown();
  process.exit(0);
}

const n1 = Number(arg('--n1', '20000'));
const n2 = Number(arg('--n2', '120000'));
const self = fileURLToPath(import.meta.url);
function count(n: number, tp: string): number {
  const dir = mkdtempSync(join(tmpdir(), 'tel-cg-'));
  try {
    execFileSync('valgrind', ['--tool=callgrind', `--callgrind-out-file=${join(dir, 'cg.out')}`, process.execPath, '--import', 'tsx', self, '--root', root, '--inner', String(n), '--traceparent', tp], { stdio: ['ignore', 'ignore', 'ignore'] });
    let total = 0;
    // one file per thread may be written; the main thread's is the one with the loop
    for (const f of readdirSync(dir)) {
      const m = /^summary:\s+(\d+)/m.exec(readFileSync(join(dir, f), 'utf8')) ?? /^totals:\s+(\d+)/m.exec(readFileSync(join(dir, f), 'utf8'));
      if (m) total = Math.max(total, Number(m[1]));
    }
    return total;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
for (const tp of ['unsampled', 'none']) {
  const a = count(n1, tp);
  const b = count(n2, tp);
  process.stdout.write(`${root} traceparent=${tp}: ${Math.round((b - a) / (n2 - n1))} instructions per unsampled request\n`);
}
