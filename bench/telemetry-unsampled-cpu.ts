/**
 * CPU time per unsampled request of telemetry's hooks, for two checkouts in one process (so the
 * host's load hits both alike): the same loop as bench/telemetry-unsampled.ts (which counts
 * instructions with callgrind, slow on a busy machine), timed with process.cpuUsage, rounds of
 * the two alternating, median per side.
 *
 * Run:  node --import tsx bench/telemetry-unsampled-cpu.ts --a /work/main --b . [--n 200000] [--rounds 7]
 */
import { join, resolve } from 'node:path';
import { argValue } from './lib/args.js';

const argv = process.argv.slice(2);
const arg = (name: string, fallback: string): string => argValue(name, argv) ?? fallback;
const roots = [resolve(arg('--a', '.')), resolve(arg('--b', '.'))];
const n = Number(arg('--n', '200000'));
const rounds = Number(arg('--rounds', '7'));

type Tel = NonNullable<ReturnType<typeof import('../src/gateway/telemetry/index.js').createTelemetry>>;
async function load(root: string): Promise<Tel> {
  const mod = (await import(join(root, 'src/gateway/telemetry/index.ts'))) as typeof import('../src/gateway/telemetry/index.js');
  return mod.createTelemetry({
    telemetry: { otlp_endpoint: 'http://127.0.0.1:9/v1/traces', sample_ratio: 0, service_name: 'bench', export_timeout_ms: 100 },
    upstreams: { echo: { url: 'http://127.0.0.1:9' } } as never,
  })!;
}

function run(tel: Tel, withParent: boolean, count: number): number {
  const stage = tel.traceStages([{ name: 'authorize', run: () => undefined }])[0]!;
  const proxy = tel.traceProxy(((_c: unknown, _e: unknown, done: (e?: unknown) => void) => done()) as never);
  const headers: Record<string, string> = { host: 'api.example.com:8080', 'user-agent': 'curl/8.5.0', accept: '*/*' };
  if (withParent) headers.traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00';
  const t0 = process.cpuUsage();
  for (let i = 0; i < count; i++) {
    const ctx = { headers, host: 'api.example.com:8080', method: 'GET', path: '/echo/x', scheme: 'http', remoteAddr: '127.0.0.1', route: { id: 'echo', upstream: 'echo' }, mapping: null, status: 200, error: null, trace: null as unknown } as never as Parameters<Tel['startRequest']>[0];
    tel.startRequest(ctx);
    stage.run(ctx);
    proxy(ctx, null as never, () => undefined);
    if (ctx.trace !== null) tel.endRequest(ctx);
  }
  const d = process.cpuUsage(t0);
  return ((d.user + d.system) * 1000) / count; // ns per request
}

const tels = await Promise.all(roots.map(load));
for (const withParent of [true, false]) {
  const res: number[][] = [[], []];
  for (let r = 0; r < rounds; r++) for (let i = 0; i < 2; i++) res[i]!.push(run(tels[i]!, withParent, r === 0 ? n / 4 : n));
  const med = (xs: number[]) => xs.slice(1).sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;
  for (let i = 0; i < 2; i++) process.stdout.write(`${roots[i]} traceparent=${withParent ? 'unsampled' : 'none'}: ${med(res[i]!).toFixed(0)} ns CPU per unsampled request (median of ${rounds - 1})\n`);
}
await Promise.all(tels.map((t) => t.shutdown()));
