/**
 * The Markdown report of a suite run: which load generator ran, one table row per scenario (rps,
 * p50, p99, CPU per request of the proxy and of the generator, ratios against nginx, against
 * the HAProxy row doing the same job and against the Node peer), then the notes (skips,
 * contention, generator and peer caveats). A repeated run (`--repeat N`) gets instead the
 * medians and ranges over its rounds (bench/report/repeat.ts) and each round's rps.
 */
import { describeGenerator, formatMs } from './format.js';
import type { RepeatInfo, ScenarioRow, Spread, SuiteResult } from './types.js';

const fmt = (n: number | undefined | null, digits = 0) => (n === undefined || n === null || !Number.isFinite(n) ? '–' : n.toFixed(digits));

/** `rps / reference rps` as "0.87×", or "–" when either side did not run. */
export function ratio(row: ScenarioRow, ref: ScenarioRow | undefined): string {
  if (row.status !== 'ok' || !ref || ref.status !== 'ok' || !row.rps || !ref.rps) return '–';
  return `${(row.rps / ref.rps).toFixed(2)}×`;
}

/**
 * The HAProxy row that does the same job as `name`: a plain hop for the hop rows, the full job
 * for the rows that authenticate and authorize; undefined for HAProxy's own rows and the rest.
 */
export function haproxyPeerOf(name: string): string | undefined {
  if (name === 'nginx' || name.startsWith('regate-passthrough')) return 'haproxy';
  if (name === 'regate-full' || name === 'regate-introspection' || name === 'node-peer') return 'haproxy-full';
  return undefined;
}

/**
 * @example
 * writeFileSync('bench/results/x.md', renderMarkdown(result));
 */
export function renderMarkdown(r: SuiteResult): string {
  const nginx = r.rows.find((x) => x.name === 'nginx');
  const peer = r.rows.find((x) => x.name === 'node-peer');
  const haproxyRow = (name: string) => {
    const ref = haproxyPeerOf(name);
    return ref === undefined ? undefined : r.rows.find((x) => x.name === ref);
  };
  const s = r.settings;
  const load = (s.amount !== null ? `${s.amount} requests per scenario` : `${s.duration_s} s per scenario`) + (s.warmup_s > 0 ? ` after ${s.warmup_s} s warm-up` : ' without warm-up');
  const lines: string[] = [
    `# regate bench — ${r.date} (${r.mode})`,
    '',
    `Machine: ${r.machine.cpu}, ${r.machine.cpus} CPUs, load average ${r.machine.loadavg1.toFixed(2)} at start, Node ${r.machine.node}, ${r.machine.platform}.`,
    `Load generator: ${describeGenerator(s.generator)}, ${s.connections} connections, no pipelining, ${load}; ` +
      (s.pinned ? `proxy pinned to CPU ${s.proxy_cpu}, upstream + load generator + Redis to CPU ${s.load_cpus}.` : 'no CPU pinning (taskset missing).'),
    '',
  ];
  if (r.repeat) {
    lines.push(...repeatTables(r.repeat));
    if (r.notes.length) lines.push('', 'Notes:', '', ...r.notes.map((n) => `- ${n}`));
    return lines.join('\n') + '\n';
  }
  lines.push(
    '| scenario | rps | p50 ms | p99 ms | errors | non-2xx | CPU µs/req | generator CPU µs/req | vs nginx | vs HAProxy (same job) | vs Node peer |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  );
  for (const row of r.rows) {
    if (row.status !== 'ok') {
      lines.push(`| ${row.label} | ${row.status}: ${(row.reason ?? 'no reason given').replaceAll('|', '\\|').replaceAll('\n', ' ')} | | | | | | | | | |`);
      continue;
    }
    lines.push(
      `| ${row.label} | ${fmt(row.rps)} | ${formatMs(row.p50)} | ${formatMs(row.p99)} | ${fmt(row.errors)} | ${fmt(row.non2xx)} | ${fmt(row.cpuUsPerReq, 1)} | ${fmt(row.generatorCpuUsPerReq, 1)} | ${ratio(row, nginx)} | ${ratio(row, haproxyRow(row.name))} | ${ratio(row, peer)} |`,
    );
  }
  if (r.notes.length) lines.push('', 'Notes:', '', ...r.notes.map((n) => `- ${n}`));
  return lines.join('\n') + '\n';
}

/**
 * "1234 (1100–1300)": a spread's median and range, each number through `format`; "–" when
 * nothing was measured, the median alone when one round was.
 * @example
 * formatSpread({ median: 0.52, min: 0.5, max: 0.6, n: 3 }, times); // '0.52× (0.50×–0.60×)'
 */
export function formatSpread(x: Spread | null, format: (n: number) => string = (n) => n.toFixed(0)): string {
  if (!x) return '–';
  return x.n === 1 ? format(x.median) : `${format(x.median)} (${format(x.min)}–${format(x.max)})`;
}

/** A ratio as "0.52×". */
export const times = (n: number) => `${n.toFixed(2)}×`;

/** The tables of a repeated run: medians with ranges, then each round's rps. */
function repeatTables(rep: RepeatInfo): string[] {
  const out = [
    `Repeated ${rep.n} times, round-robin: median (min–max) over the rounds; ratios taken within each round.`,
    '',
    '| scenario | rounds run | rps | p99 ms | CPU µs/req | errors | non-2xx | vs nginx | vs HAProxy (same job) |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  const problems: string[] = [];
  for (const row of rep.spread) {
    for (const p of row.problems) problems.push(`- ${row.label}: ${p.replaceAll('\n', ' ')}`);
    if (row.ok === 0) {
      out.push(`| ${row.label} | 0/${row.rounds} | ${(row.problems[0] ?? 'did not run').replaceAll('|', '\\|').replaceAll('\n', ' ')} | | | | | | |`);
      continue;
    }
    out.push(
      `| ${row.label} | ${row.ok}/${row.rounds} | ${formatSpread(row.rps)} | ${formatSpread(row.p99, formatMs)} | ${formatSpread(row.cpuUsPerReq, (n) => n.toFixed(1))} | ${row.errors} | ${row.non2xx} | ${formatSpread(row.vsNginx, times)} | ${formatSpread(row.vsHaproxy, times)} |`,
    );
  }
  out.push('', 'rps per round (the order in which they ran):', '', `| scenario | ${rep.rounds.map((_, i) => `round ${i + 1}`).join(' | ')} |`, `|---|${rep.rounds.map(() => '---:').join('|')}|`);
  const cell = (round: ScenarioRow[], name: string) => {
    const x = round.find((y) => y.name === name);
    return x?.status === 'ok' ? fmt(x.rps) : (x?.status ?? '–');
  };
  for (const row of rep.spread) out.push(`| ${row.label} | ${rep.rounds.map((round) => cell(round, row.name)).join(' | ')} |`);
  if (problems.length) out.push('', 'Rounds that did not run:', '', ...problems);
  return out;
}
