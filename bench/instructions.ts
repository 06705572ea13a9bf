/**
 * Instructions per request, counted by valgrind's callgrind: a measure of the gateway's own work
 * that the host's load cannot move. On these shared 2-core machines the CPU time per request of
 * one configuration varied by ±20 % from one minute to the next (the host's load changes how long
 * an instruction takes), which hides any change smaller than that; the main thread's instruction
 * count of the same work varied by about 3 % between identical runs (JIT and collector timing).
 * Instructions are not time — cache misses and the kernel are not in them — so this is for
 * comparing builds and locating work, not for the headline numbers.
 *
 * For each part (bench/lib/parts.ts) the compiled gateway runs under callgrind; after a warm-up
 * (JIT, caches, pools) its counters are zeroed, a fixed number of requests is sent (autocannon,
 * a few connections: valgrind runs the gateway ~50× slower), and the counters are dumped. The
 * count is user space only (what the kernel does for the sockets is not in it) and is reported
 * for the main thread — the event loop: JS, native calls, the collector's pauses — apart from
 * the other threads (the collector's concurrent marking, the optimising compiler), whose share
 * depends on when V8 happens to schedule them and varied by ±30 % between identical runs.
 *
 * Use it to compare two builds (run it in each checkout, the same --requests) or the parts of one.
 *
 * Run:  node --import tsx bench/instructions.ts [--floor] [--parts passthrough,audit] [--connections 8] [--requests 20000] [--warmup 10000] [--breakdown [--functions 40]] [--keep DIR] [--json out.json] [--root DIR]
 * `--node-args "…"` passes flags to the gateway's node (the young generation's
 * `--min-semi-space-size`, which NODE_OPTIONS refuses).
 * `--keep DIR` keeps the callgrind dumps there (callgrind_annotate shows where the instructions went).
 * `--breakdown` also prints, per part, the main thread's instructions per request by part of the
 * process (bench/lib/callgrind-breakdown.ts: regate's folders, each npm package, Node's internals,
 * V8's promise machinery, builtins, interpreter, collector, uWS, libc, …) with the step from the
 * first part to each other one; the gateway then runs with `--perf-basic-prof` (V8 writes
 * /tmp/perf-<pid>.map, removed afterwards) so that JIT code can be named, and callgrind with
 * `--dump-instr=yes`.
 * `--functions N` (with `--breakdown`) lists the functions behind the rows (JS functions by their
 * perf-map name, native ones by symbol) that grew the most from the first part to the last, the
 * last part's largest, and every compiled regexp: what is inside a row.
 * `--floor` counts bench/floor/min-proxy.mjs first (uWS in, keep-alive net.Socket out, relay by
 * Content-Length, no header rules; same upstream, load, valgrind and NODE_OPTIONS), as the first
 * column: with `--parts passthrough --breakdown` the step is what regate's own work on the hop adds
 * over the least a JS proxy on uWS + node:net does, by the same rows.
 * `--from-json a.json,b.json` measures nothing: it prints the tables of earlier `--json` runs
 * side by side (the parts run in two processes at once, or two checkouts' runs: a part that
 * appears twice gets the file's name as its column, `audit@after`), the step from the first
 * column to the last.
 * The gateway runs with bench/lib/parts.ts's `slow` settings (long token-server and Redis
 * timeouts; batches and leases shared by as many requests as at full speed: parts.ts says why).
 * Needs valgrind (Debian: apt-get install -y valgrind) and redis-server.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { basename, join } from 'node:path';
import { argValue } from './lib/args.js';
import { PARTS, type Part } from './lib/parts.js';
import { partsBenchArgs, withPartsStand } from './lib/parts-stand.js';
import { hasCommand } from './lib/system-tool.js';
import { SHIPPED_NODE_OPTIONS } from './lib/servers.js';
import { breakdownDump, parsePerfMap } from './lib/callgrind-breakdown.js';

const argv = process.argv.slice(2);
const { requests, warmup, connections, rootDir, parts } = partsBenchArgs(argv, { connections: 8, parts: PARTS });
const keep = argv.includes('--keep') ? (argValue('--keep', argv) ?? '') : '';
const jsonOut = argv.includes('--json') ? (argValue('--json', argv) ?? '') : '';
const breakdown = argv.includes('--breakdown');
const fromJson = argv.includes('--from-json') ? (argValue('--from-json', argv) ?? '') : '';
const topFunctions = Number(argValue('--functions', argv) ?? '0');
// `--floor`: bench/floor/min-proxy.mjs first, as the column every part's step is taken from
const floor = argv.includes('--floor');
// `--node-args "--min-semi-space-size=32"`: V8 flags for the gateway that NODE_OPTIONS refuses
const nodeArgs = (argValue('--node-args', argv) ?? '').split(' ').filter((a) => a !== '');

const log = (line: string) => process.stderr.write(line + '\n');

/** The `summary:` (total Ir) line of a callgrind dump. */
function totalInstructions(file: string): number {
  const m = /^(?:summary|totals):\s+(\d+)/m.exec(readFileSync(file, 'utf8'));
  if (!m) throw new Error(`no instruction total in ${file}`);
  return Number(m[1]);
}

/** Dump files of one `--dump` with --separate-threads: `<out>.<pid>.<n>-<thread>`, thread 01 the main one. */
function threadTotals(dir: string, prefix: string): { main: number; others: number; mainFile: string } {
  let main = 0;
  let others = 0;
  let mainFile = '';
  for (const f of readdirSync(dir)) {
    const m = f.startsWith(prefix) ? /\.1-(\d+)$/.exec(f) : null;
    if (!m) continue;
    const n = totalInstructions(join(dir, f));
    if (Number(m[1]) === 1) {
      main += n;
      mainFile = join(dir, f);
    } else others += n;
  }
  if (main === 0) throw new Error(`no callgrind dump of the main thread in ${dir}`);
  return { main, others, mainFile };
}

type Row = { part: string; main: number; others: number; byRow?: Record<string, number>; byFunction?: Record<string, number> };

/** A JS function's perf-map name without the checkout's path (`…/dist/x.js` → `dist/x.js`), so two builds' functions match. */
function sameInEveryCheckout(name: string): string {
  return name.replace(/file:\/\/\/\S*?\/dist\//, 'dist/');
}

/** The rows of earlier `--json` runs, labelled `part@file` where a part comes twice. */
function rowsFromJson(files: string[]): { rows: Row[]; requests: number; warmup: number; connections: number } {
  const runs = files.map((f) => ({ name: basename(f).replace(/\.json$/, ''), ...(JSON.parse(readFileSync(f, 'utf8')) as { requests: number; warmup: number; connections: number; rows: Row[] }) }));
  const all = runs.flatMap((r) =>
    r.rows.map((row) => {
      // summed: two code objects of one function (say, re-optimised) are one line
      const byFunction: Record<string, number> = {};
      for (const [k, v] of Object.entries(row.byFunction ?? {})) byFunction[sameInEveryCheckout(k)] = (byFunction[sameInEveryCheckout(k)] ?? 0) + v;
      return { ...row, ...(row.byFunction ? { byFunction } : {}), file: r.name };
    }),
  );
  const rows = all.map((r) => ({ ...r, part: all.filter((o) => o.part === r.part).length > 1 ? `${r.part}@${r.file}` : r.part }));
  return { rows, requests: runs[0]!.requests, warmup: runs[0]!.warmup, connections: runs[0]!.connections };
}

function printTotals(rows: Row[], head: string): void {
  process.stdout.write(`\n${head}\n`);
  process.stdout.write('part          main thread k/req   step     other threads k/req\n');
  let prev: number | null = null;
  for (const r of rows) {
    const step = prev === null ? '' : `${r.main >= prev ? '+' : ''}${((r.main - prev) / 1000).toFixed(1)}`;
    process.stdout.write(`${r.part.padEnd(12)} ${(r.main / 1000).toFixed(1).padStart(12)}   ${step.padStart(10)}   ${(r.others / 1000).toFixed(1).padStart(10)}\n`);
    prev = r.main;
  }
}

async function main(): Promise<void> {
  if (fromJson !== '') {
    const r = rowsFromJson(fromJson.split(','));
    printTotals(r.rows, `instructions per request (callgrind, user space; ${r.requests} requests after ${r.warmup} warm-up, ${r.connections} connections; from ${fromJson})`);
    printBreakdown(r.rows);
    printFunctions(r.rows, topFunctions);
    return;
  }
  for (const tool of ['valgrind', 'callgrind_control', 'redis-server']) {
    if (!hasCommand(tool, ['--version'])) throw new Error(`${tool} is needed (Debian: apt-get install -y ${tool === 'redis-server' ? 'redis-server' : 'valgrind'})`);
  }
  const rows: (Row & { part: Part | 'min-proxy' })[] = [];
  const targets: (Part | 'min-proxy')[] = [...(floor ? ['min-proxy' as const] : []), ...parts];
  await withPartsStand({ name: 'instr', connections, rootDir }, async (stand) => {
    for (const p of targets) {
      const out = join(keep || stand.dir, `cg-${p}`);
      // --smc-check=all: V8 writes and patches machine code, which valgrind must notice
      // not pinned: counts do not depend on the CPU, and two runs (two checkouts) may share the machine
      const wrap = ['valgrind', '--tool=callgrind', '--smc-check=all', '--separate-threads=yes', ...(breakdown ? ['--dump-instr=yes'] : []), `--callgrind-out-file=${out}.%p`];
      // under valgrind the first request (JIT, the JWKS fetch, the policy's first evaluation) can
      // take minutes on a loaded machine: `slow` (parts-stand.ts) waits for it
      // with the shipped semi-space size (servers.ts): a NODE_OPTIONS of our own replaces it, and
      // without it V8 collected the old generation inside passthrough's measured window
      const env: Record<string, string> = breakdown ? { NODE_OPTIONS: `${SHIPPED_NODE_OPTIONS} --perf-basic-prof` } : {};
      const run = p === 'min-proxy' ? await stand.startFloor({ cpus: null, wrap, env, nodeArgs, slow: true }) : await stand.startPart(p, { cpus: null, wrap, env, nodeArgs, slow: true });
      const pid = run.gw.proc.child.pid as number;
      log(`${p}: warm-up, ${warmup} requests under callgrind…`);
      await run.load(warmup);
      execFileSync('callgrind_control', ['--zero', String(pid)], { stdio: 'ignore' });
      const r = await run.load(requests);
      if (r.errors > 0 || r.non2xx > 0) throw new Error(`${p}: ${r.errors} errors, ${r.non2xx} non-2xx responses under callgrind`);
      execFileSync('callgrind_control', ['--dump', String(pid)], { stdio: 'ignore' });
      const t = threadTotals(keep || stand.dir, `cg-${p}.${pid}.`);
      // events that went to the spool instead of Redis took another path than the one measured here
      const spoolDir = join(stand.dir, 'spool');
      const spooled = existsSync(spoolDir) ? readdirSync(spoolDir).filter((f) => statSync(join(spoolDir, f)).size > 0) : [];
      if (spooled.length > 0) log(`${p}: WARNING: the event spool holds ${spooled.join(', ')}: some events were spooled, not sent to Redis`);
      let byRow: Record<string, number> | undefined;
      let byFunction: Record<string, number> | undefined;
      if (breakdown) {
        // valgrind runs node in its own process: the pid is the one V8 names its perf map after
        const map = `/tmp/perf-${pid}.map`;
        const ranges = existsSync(map) ? parsePerfMap(readFileSync(map, 'utf8')) : [];
        if (ranges.length === 0) log(`${p}: no perf map at ${map}: JIT code stays unnamed`);
        const b = breakdownDump(readFileSync(t.mainFile, 'utf8'), ranges);
        byRow = Object.fromEntries([...b.rows].map(([k, v]) => [k, v / r.requests]));
        // the functions behind the rows (JS functions by perf-map name, native ones by symbol), the
        // largest 400: where a row's instructions went, and which regexps run per request
        byFunction = Object.fromEntries(
          [...b.functions]
            .sort((x, y) => y[1].ir - x[1].ir)
            .slice(0, 400)
            .map(([k, v]) => [`${v.row} | ${sameInEveryCheckout(k)}`, v.ir / r.requests]),
        );
      }
      rows.push({ part: p, main: t.main / r.requests, others: t.others / r.requests, byRow, byFunction });
      log(`${p}: ${(t.main / r.requests / 1000).toFixed(1)} k instructions per request on the main thread, ${(t.others / r.requests / 1000).toFixed(1)} k on the others (${r.requests} requests)`);
      await run.gw.proc.stop();
      if (breakdown) {
        // kept beside the dumps with --keep (the dump's JIT addresses mean nothing without it)
        if (keep && existsSync(`/tmp/perf-${pid}.map`)) copyFileSync(`/tmp/perf-${pid}.map`, join(keep, `perf-${p}.${pid}.map`));
        rmSync(`/tmp/perf-${pid}.map`, { force: true });
      }
    }
  });
  printTotals(rows, `instructions per request (callgrind, user space; ${requests} requests after ${warmup} warm-up, ${connections} connections; load ${loadavg()[0]!.toFixed(2)})`);
  if (breakdown) {
    printBreakdown(rows);
    printFunctions(rows, topFunctions);
  }
  if (jsonOut) writeFileSync(jsonOut, JSON.stringify({ requests, warmup, connections, rows }, null, 2));
}

/**
 * The main thread's instructions per request by part of the process, one column per part and the
 * step from the first part to the last; rows sorted by that step, rows under 0.1 k everywhere
 * left out (their sum is the "rest" line), so the table accounts for the whole difference.
 */
function printBreakdown(rows: { part: string; main: number; byRow?: Record<string, number> }[]): void {
  const first = rows[0];
  const last = rows[rows.length - 1];
  if (!first?.byRow || !last?.byRow) return;
  const names = new Set(rows.flatMap((r) => Object.keys(r.byRow ?? {})));
  const k = (n: number | undefined) => ((n ?? 0) / 1000).toFixed(1);
  const step = (name: string) => (last.byRow![name] ?? 0) - (first.byRow![name] ?? 0);
  const shown = [...names].filter((n) => rows.some((r) => (r.byRow?.[n] ?? 0) >= 100) || Math.abs(step(n)) >= 100).sort((a, b) => step(b) - step(a));
  const w = Math.max(...shown.map((n) => n.length), 10);
  process.stdout.write(`\nmain-thread instructions per request by part of the process (k; self cost; step = ${last.part} − ${first.part})\n`);
  process.stdout.write(`${'where'.padEnd(w)} ${rows.map((r) => r.part.padStart(12)).join('')} ${'step'.padStart(9)}\n`);
  for (const n of shown) process.stdout.write(`${n.padEnd(w)} ${rows.map((r) => k(r.byRow?.[n]).padStart(12)).join('')} ${((step(n) >= 0 ? '+' : '') + k(step(n))).padStart(9)}\n`);
  const rest = (r: { byRow?: Record<string, number> }) => Object.entries(r.byRow ?? {}).reduce((s, [n, v]) => (shown.includes(n) ? s : s + v), 0);
  process.stdout.write(`${'rest (rows under 0.1 k)'.padEnd(w)} ${rows.map((r) => k(rest(r)).padStart(12)).join('')} ${k(rest(last) - rest(first)).padStart(9)}\n`);
  // the rows add up to the dump's `totals:` line, which after a --zero runs a few % above its `summary:` (the count above)
  const sum = (r: { byRow?: Record<string, number> }) => Object.values(r.byRow ?? {}).reduce((a, b) => a + b, 0);
  process.stdout.write(`${'total of the rows'.padEnd(w)} ${rows.map((r) => k(sum(r)).padStart(12)).join('')} ${k(sum(last) - sum(first)).padStart(9)}\n`);
}

/**
 * `--functions N`: the N functions (of each part's 400 largest) that grew the most from the first
 * part to the last, the last part's N largest, and every compiled regexp above 0.05 k.
 */
function printFunctions(rows: Row[], n: number): void {
  const first = rows[0];
  const last = rows[rows.length - 1];
  if (n <= 0 || !first?.byFunction || !last?.byFunction) return;
  const names = [...new Set(rows.flatMap((r) => Object.keys(r.byFunction ?? {})))];
  const k = (v: number | undefined) => ((v ?? 0) / 1000).toFixed(2);
  const step = (name: string) => (last.byFunction![name] ?? 0) - (first.byFunction![name] ?? 0);
  const line = (name: string) => `${rows.map((r) => k(r.byFunction?.[name]).padStart(12)).join('')} ${((step(name) >= 0 ? '+' : '') + k(step(name))).padStart(9)}  ${name.slice(0, 160)}\n`;
  process.stdout.write(`\nfunctions by step (k instructions/req, self cost; ${rows.map((r) => r.part).join(' | ')} | step)\n`);
  for (const name of names.sort((a, b) => step(b) - step(a)).slice(0, n)) process.stdout.write(line(name));
  process.stdout.write(`\nfunctions of the last part, largest first\n`);
  for (const name of names.sort((a, b) => (last.byFunction![b] ?? 0) - (last.byFunction![a] ?? 0)).slice(0, n)) process.stdout.write(line(name));
  const rx = names.filter((name) => name.startsWith('V8: regular expressions') && rows.some((r) => (r.byFunction?.[name] ?? 0) >= 50));
  process.stdout.write(`\ncompiled regexps (k instructions/req)\n`);
  for (const name of rx.sort((a, b) => (last.byFunction![b] ?? 0) - (last.byFunction![a] ?? 0))) process.stdout.write(line(name));
}

main().catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exitCode = 1;
});
