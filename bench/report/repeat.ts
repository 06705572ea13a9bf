/**
 * The summary of a repeated suite run (`npm run bench -- --repeat N`): per scenario the median
 * and min–max of rps, p99 and CPU µs/req over the rounds, and the ratios against nginx and
 * against the HAProxy row doing the same job. A ratio is taken within one round first (both rows
 * measured minutes apart at most, under the same machine load) and only then summarised: the
 * median of ratios, not the ratio of medians, which would pair numbers from different rounds.
 */
import { haproxyPeerOf } from './markdown.js';
import type { RowSpread, ScenarioRow, Spread } from './types.js';

/**
 * Median (the mean of the middle two for an even count), min and max of the finite values;
 * null when there are none.
 * @example
 * spreadOf([3, 1, 2, 10]); // { median: 2.5, min: 1, max: 10, n: 4 }
 */
export function spreadOf(values: readonly (number | null | undefined)[]): Spread | null {
  const v = values.filter((x): x is number => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const mid = v.length >> 1;
  const median = v.length % 2 === 1 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
  return { median, min: v[0]!, max: v[v.length - 1]!, n: v.length };
}

/** rps of `row` ÷ rps of `ref`, or null when either did not run. */
function rpsRatio(row: ScenarioRow | undefined, ref: ScenarioRow | undefined): number | null {
  if (!row || !ref || row.status !== 'ok' || ref.status !== 'ok' || !row.rps || !ref.rps) return null;
  return row.rps / ref.rps;
}

/** Scenario names in the order they first appear over the rounds. */
function namesOf(rounds: readonly ScenarioRow[][]): ScenarioRow[] {
  const seen = new Map<string, ScenarioRow>();
  for (const round of rounds) for (const row of round) if (!seen.has(row.name)) seen.set(row.name, row);
  return [...seen.values()];
}

/**
 * One RowSpread per scenario, in the rounds' order.
 * @example
 * const spread = summarizeRounds(result.repeat.rounds);
 * spread.find((s) => s.name === 'regate-full')?.vsNginx?.median; // e.g. 0.52
 */
export function summarizeRounds(rounds: readonly ScenarioRow[][]): RowSpread[] {
  return namesOf(rounds).map(({ name, label }) => {
    const mine = rounds.map((round) => round.find((r) => r.name === name));
    const ok = mine.filter((r): r is ScenarioRow => r?.status === 'ok');
    const peer = haproxyPeerOf(name);
    return {
      name,
      label,
      ok: ok.length,
      rounds: rounds.length,
      rps: spreadOf(ok.map((r) => r.rps)),
      p99: spreadOf(ok.map((r) => r.p99)),
      cpuUsPerReq: spreadOf(ok.map((r) => r.cpuUsPerReq)),
      vsNginx: name === 'nginx' ? null : spreadOf(rounds.map((round, i) => rpsRatio(mine[i], round.find((r) => r.name === 'nginx')))),
      vsHaproxy: peer === undefined ? null : spreadOf(rounds.map((round, i) => rpsRatio(mine[i], round.find((r) => r.name === peer)))),
      errors: ok.reduce((a, r) => a + (r.errors ?? 0), 0),
      non2xx: ok.reduce((a, r) => a + (r.non2xx ?? 0), 0),
      problems: [...new Set(mine.filter((r) => r && r.status !== 'ok').map((r) => `${r!.status}: ${r!.reason ?? 'no reason given'}`))],
    };
  });
}

/**
 * One row per scenario for the SVG chart and for readers of `rows`: each measured field's median
 * over the rounds that ran, errors and non-2xx summed; a scenario that never ran keeps the
 * status and reason of its first round that failed (else that was skipped).
 * @example
 * medianRows(rounds).map((r) => [r.name, r.rps]);
 */
export function medianRows(rounds: readonly ScenarioRow[][]): ScenarioRow[] {
  return namesOf(rounds).map(({ name, label }) => {
    const mine = rounds.map((round) => round.find((r) => r.name === name)).filter((r): r is ScenarioRow => r !== undefined);
    const ok = mine.filter((r) => r.status === 'ok');
    if (ok.length === 0) {
      const first = mine.find((r) => r.status === 'failed') ?? mine[0]!;
      return { name, label, status: first.status, reason: first.reason ?? 'no reason given' };
    }
    const med = (pick: (r: ScenarioRow) => number | null | undefined) => spreadOf(ok.map(pick))?.median ?? null;
    return {
      name,
      label,
      status: 'ok',
      rps: med((r) => r.rps) ?? 0,
      p50: med((r) => r.p50) ?? 0,
      p99: med((r) => r.p99) ?? 0,
      requests: med((r) => r.requests) ?? 0,
      errors: ok.reduce((a, r) => a + (r.errors ?? 0), 0),
      non2xx: ok.reduce((a, r) => a + (r.non2xx ?? 0), 0),
      cpuUsPerReq: med((r) => r.cpuUsPerReq),
      generatorCpuUsPerReq: med((r) => r.generatorCpuUsPerReq),
    };
  });
}
