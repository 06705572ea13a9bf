/**
 * The report of the scaling bench (bench/scaling.ts): its JSON shape, the summary over rounds
 * (median and range per row, and each proxy's N-worker row against its 1-worker row, taken
 * within a round) and the Markdown table, which says what shared which CPU.
 */
import { describeGenerator, formatMs } from './format.js';
import { formatSpread, times } from './markdown.js';
import { spreadOf } from './repeat.js';
import type { GeneratorInfo, LoadRunRow, Spread } from './types.js';

/** The CPU split of one worker count (bench/lib/cpu-plan.ts). */
export interface ScalingPlan {
  workers: number;
  proxy_cpus: string | null;
  load_cpus: string | null;
  /** the proxy's CPUs include the load's (fewer CPUs than workers + 1) */
  shared: boolean;
}

/** CPU time per request (µs) of each process group during the measured run; null where unknown. */
export interface GroupCpu {
  /** the proxy: every worker process or thread */
  proxy: number | null;
  upstream: number | null;
  generator: number | null;
  /** where the job's events go: regate full pipeline's private Redis, HAProxy full job's UDP log sink; absent for the other rows */
  sidecar?: number | null;
}

/** One measured row of one round. */
export interface ScalingRow extends LoadRunRow {
  /** `<proxy>@<workers>`, e.g. nginx@2 */
  key: string;
  proxy: string;
  label: string;
  workers: number;
  cpu?: GroupCpu;
}

/** One row over the rounds. */
export interface ScalingSummary {
  key: string;
  proxy: string;
  label: string;
  workers: number;
  ok: number;
  rounds: number;
  rps: Spread | null;
  p99: Spread | null;
  cpu: { proxy: Spread | null; upstream: Spread | null; generator: Spread | null; sidecar: Spread | null; total: Spread | null };
  /** rps ÷ the same proxy's 1-worker rps of the same round (null for 1-worker rows and direct) */
  rpsVsOne: Spread | null;
  /** proxy CPU µs/req ÷ the same proxy's 1-worker CPU µs/req of the same round */
  cpuVsOne: Spread | null;
  errors: number;
  non2xx: number;
  problems: string[];
}

export interface ScalingResult {
  date: string;
  machine: { cpu: string; cpus: number; loadavg1: number; node: string; platform: string };
  /** `amount`: a fixed number of requests per row instead of a duration (duration_s null then) */
  settings: { generator: GeneratorInfo; connections: number; duration_s: number | null; amount?: number; warmup_s: number; repeat: number; workers: number[]; pinned: boolean };
  plans: ScalingPlan[];
  notes: string[];
  rounds: ScalingRow[][];
  summary: ScalingSummary[];
}

const sum = (xs: (number | null | undefined)[]) => (xs.some((x) => typeof x !== 'number' || !Number.isFinite(x)) ? null : xs.reduce<number>((a, x) => a + (x as number), 0));

/**
 * @example
 * const summary = summarizeScaling(rounds);
 * summary.find((s) => s.key === 'nginx@2')?.rpsVsOne?.median; // e.g. 1.4
 */
export function summarizeScaling(rounds: readonly ScalingRow[][]): ScalingSummary[] {
  const first = new Map<string, ScalingRow>();
  for (const round of rounds) for (const row of round) if (!first.has(row.key)) first.set(row.key, row);
  return [...first.values()].map(({ key, proxy, label, workers }) => {
    const mine = rounds.map((round) => round.find((r) => r.key === key));
    const ok = mine.filter((r): r is ScalingRow => r?.status === 'ok');
    const one = rounds.map((round) => round.find((r) => r.proxy === proxy && r.workers === 1));
    const vsOne = (pick: (r: ScalingRow) => number | null | undefined) =>
      workers === 1 || proxy === 'direct'
        ? null
        : spreadOf(mine.map((r, i) => {
            const base = one[i];
            if (r?.status !== 'ok' || base?.status !== 'ok') return null;
            const a = pick(r);
            const b = pick(base);
            return typeof a === 'number' && typeof b === 'number' && b > 0 ? a / b : null;
          }));
    return {
      key,
      proxy,
      label,
      workers,
      ok: ok.length,
      rounds: rounds.length,
      rps: spreadOf(ok.map((r) => r.rps)),
      p99: spreadOf(ok.map((r) => r.p99)),
      cpu: {
        proxy: spreadOf(ok.map((r) => r.cpu?.proxy)),
        upstream: spreadOf(ok.map((r) => r.cpu?.upstream)),
        generator: spreadOf(ok.map((r) => r.cpu?.generator)),
        sidecar: spreadOf(ok.map((r) => r.cpu?.sidecar)),
        total: spreadOf(ok.map((r) => (r.cpu ? sum([r.cpu.proxy, r.cpu.upstream, r.cpu.generator, ...(r.cpu.sidecar === undefined ? [] : [r.cpu.sidecar])]) : null))),
      },
      rpsVsOne: vsOne((r) => r.rps),
      cpuVsOne: vsOne((r) => r.cpu?.proxy),
      errors: ok.reduce((a, r) => a + (r.errors ?? 0), 0),
      non2xx: ok.reduce((a, r) => a + (r.non2xx ?? 0), 0),
      problems: [...new Set(mine.filter((r) => r && r.status !== 'ok').map((r) => `${r!.status}: ${r!.reason ?? 'no reason given'}`))],
    };
  });
}

/** "CPU 1 / CPU 0", "CPUs 0,1 / CPU 0 (shared)". */
function describePlan(p: ScalingPlan | undefined): string {
  if (!p || p.proxy_cpus === null) return 'not pinned';
  const cpus = (l: string | null) => (l !== null && l.includes(',') ? `CPUs ${l}` : `CPU ${l}`);
  return `${cpus(p.proxy_cpus)} / ${cpus(p.load_cpus)}${p.shared ? ' (shared)' : ''}`;
}

/**
 * @example
 * writeFileSync('bench/results/x-scaling.md', renderScalingMarkdown(result));
 */
export function renderScalingMarkdown(r: ScalingResult): string {
  const s = r.settings;
  const us = (n: number) => n.toFixed(1);
  // the other groups' CPU as medians only: the proxy's range is the one the table is about
  const med = (x: Spread | null) => (x ? us(x.median) : '–');
  const lines = [
    `# regate scaling bench — ${r.date}`,
    '',
    `Machine: ${r.machine.cpu}, ${r.machine.cpus} CPUs, load average ${r.machine.loadavg1.toFixed(2)} at start, Node ${r.machine.node}, ${r.machine.platform}.`,
    `Load generator: ${describeGenerator(s.generator)}, ${s.connections} connections, no pipelining, ${s.amount !== undefined ? `${s.amount} requests` : `${s.duration_s} s`} per row` +
      (s.warmup_s > 0 ? ` after ${s.warmup_s} s warm-up` : ' without warm-up') +
      `, ${s.repeat} round${s.repeat === 1 ? '' : 's'} (round-robin; median (min–max) over rounds, ratios taken within each round).`,
    '',
    'CPU plan (proxy / load = upstream + generator + Redis or log sink):',
    '',
    ...r.plans.map((p) => `- ${p.workers} worker${p.workers === 1 ? '' : 's'}: ${describePlan(p)}`),
    '',
    '| proxy | workers | CPUs proxy / load | rps | p99 ms | proxy CPU µs/req | upstream | generator | Redis / log sink | all groups | rps vs 1 worker | proxy CPU/req vs 1 worker | errors | non-2xx |',
    '|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  const problems: string[] = [];
  for (const row of r.summary) {
    const planOf = r.plans.find((p) => p.workers === row.workers);
    // direct has no proxy: only its load CPUs
    const plan = row.proxy === 'direct' ? `– / ${planOf?.load_cpus === null || !planOf ? 'not pinned' : `CPU ${planOf.load_cpus}`}` : describePlan(planOf);
    for (const p of row.problems) problems.push(`- ${row.label}, ${row.workers} worker(s): ${p.replaceAll('\n', ' ')}`);
    const workers = row.proxy === 'direct' ? '–' : String(row.workers);
    if (row.ok === 0) {
      lines.push(`| ${row.label} | ${workers} | ${plan} | ${(row.problems[0] ?? 'did not run').replaceAll('|', '\\|').replaceAll('\n', ' ')} | | | | | | | | | | |`);
      continue;
    }
    const c = row.cpu;
    lines.push(
      `| ${row.label} | ${workers} | ${plan} | ${formatSpread(row.rps)} | ${formatSpread(row.p99, formatMs)} | ${formatSpread(c.proxy, us)} | ${med(c.upstream)} | ${med(c.generator)} | ${med(c.sidecar)} | ${med(c.total)} | ${formatSpread(row.rpsVsOne, times)} | ${formatSpread(row.cpuVsOne, times)} | ${row.errors} | ${row.non2xx} |`,
    );
  }
  if (problems.length) lines.push('', 'Rounds that did not run:', '', ...problems);
  if (r.notes.length) lines.push('', 'Notes:', '', ...r.notes.map((n) => `- ${n}`));
  return lines.join('\n') + '\n';
}
