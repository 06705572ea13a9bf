/**
 * Bytes allocated per request on the gateway's main thread, by the JS function that allocated
 * them: V8's sampling heap profiler (bench/lib/heap-sampler.mjs, preloaded) with the samples of
 * already-collected objects kept, started after the warm-up and stopped after a fixed number of
 * requests. What a request allocates is what the young-generation collector pays for (its
 * scavenges, `IterateObjectCache`, the allocation stubs in bench/instructions.ts's collector row)
 * and what sets how often a scavenge pauses the loop (bench/gc.ts); this says where it comes
 * from. A sampled profile (one sample per `--interval` bytes on average, scaled back by V8): the
 * total moves by a few percent between runs, less than the load moves CPU time; native
 * allocations (uWS, Buffers' backing stores) are not in it, only the JS heap's.
 *
 * Run:  node --import tsx bench/allocations.ts [--parts passthrough,audit] [--connections 64] [--requests 20000] [--warmup 20000] [--interval 128] [--top 30] [--root DIR]
 * Needs redis-server.
 */
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { argValue } from './lib/args.js';
import { planCpus } from './lib/cpu-plan.js';
import { partsBenchArgs, withPartsStand } from './lib/parts-stand.js';

const argv = process.argv.slice(2);
if (argv.includes('--help') || argv.includes('-h')) {
  process.stdout.write('usage: node --import tsx bench/allocations.ts [--parts passthrough,audit] [--connections 64] [--requests 20000] [--warmup 20000] [--interval 128] [--top 30] [--root DIR]\n');
  process.exit(0);
}
const { requests, warmup, connections, rootDir, parts } = partsBenchArgs(argv, { connections: 64, parts: ['passthrough', 'audit'] });
const interval = Number(argValue('--interval', argv) ?? '128');
const top = Number(argValue('--top', argv) ?? '30');
const plan = planCpus();
const sampler = fileURLToPath(new URL('./lib/heap-sampler.mjs', import.meta.url));

interface ProfileNode {
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  selfSize: number;
  children?: ProfileNode[];
}

/** Self bytes by function (`name file:line`), over the whole tree. */
function bytesByFunction(root: ProfileNode): Map<string, number> {
  const by = new Map<string, number>();
  const stack: ProfileNode[] = [root];
  for (let guard = 0; stack.length > 0 && guard < 10_000_000; guard++) {
    const n = stack.pop() as ProfileNode;
    if (n.selfSize > 0) {
      const f = n.callFrame;
      const file = f.url.replace(/^file:\/\//, '').replace(/^.*\/(dist|node_modules)\//, '$1/');
      const key = `${f.functionName || '(anonymous)'} ${file || '(native)'}${file ? `:${f.lineNumber + 1}` : ''}`;
      by.set(key, (by.get(key) ?? 0) + n.selfSize);
    }
    for (const c of n.children ?? []) stack.push(c);
  }
  return by;
}

async function waitFor(output: () => string, from: number, text: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (output().indexOf(text, from) >= 0) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the gateway never printed ${text}`);
}

async function main(): Promise<void> {
  await withPartsStand({ name: 'alloc', connections, rootDir }, async (stand) => {
    for (const p of parts) {
      const file = join(stand.dir, `heap-${p}.json`);
      const run = await stand.startPart(p, { cpus: plan.proxyCpu, nodeArgs: ['--import', sampler], env: { REGATE_HEAP_SAMPLES: file, REGATE_HEAP_SAMPLE_BYTES: String(interval) } });
      await run.load(warmup);
      const pid = run.gw.proc.child.pid as number;
      let mark = run.gw.proc.output().length;
      process.kill(pid, 'SIGUSR2');
      await waitFor(run.gw.proc.output, mark, 'HEAP SAMPLING');
      const r = await run.load(requests);
      mark = run.gw.proc.output().length;
      process.kill(pid, 'SIGUSR2');
      await waitFor(run.gw.proc.output, mark, 'HEAP SAMPLES WRITTEN');
      if (!existsSync(file)) throw new Error(`no profile at ${file}`);
      const by = bytesByFunction((JSON.parse(readFileSync(file, 'utf8')) as { head: ProfileNode }).head);
      const total = [...by.values()].reduce((a, b) => a + b, 0);
      process.stdout.write(`\n${p}${rootDir ? ` (${rootDir})` : ''}: ${(total / r.requests).toFixed(0)} bytes allocated per request over ${r.requests} requests (sampling every ${interval} bytes)\n| bytes / request | function |\n|---:|---|\n`);
      for (const [k, v] of [...by.entries()].sort((a, b) => b[1] - a[1]).slice(0, top)) process.stdout.write(`| ${(v / r.requests).toFixed(1)} | ${k} |\n`);
      await run.gw.proc.stop();
    }
  });
}

main().catch((err: unknown) => {
  process.stderr.write(`bench/allocations.ts: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
