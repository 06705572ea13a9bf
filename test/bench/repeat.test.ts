// `npm run bench -- --repeat N` (bench/run.ts, bench/report/repeat.ts): ratios taken within a
// round and summarised as median and range, and a lean repeated smoke run (direct and nginx, two
// rounds) whose report has that shape. Its own file: the suite's --smoke test already takes most
// of a file's time limit on a loaded machine. No timing is asserted.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { runSuite } from '../../bench/run.js';
import { medianRows, spreadOf, summarizeRounds } from '../../bench/report/repeat.js';
import type { ScenarioRow } from '../../bench/report/types.js';

t.test('a repeated run takes each ratio within its round, then the median and range of those', async (t) => {
  const ok = (name: string, rps: number, cpu: number, p99: number): ScenarioRow => ({ name, label: name, status: 'ok', rps, p50: 1, p99, requests: rps, errors: 0, non2xx: 1, cpuUsPerReq: cpu });
  const rounds: ScenarioRow[][] = [
    [ok('nginx', 1000, 20, 2), ok('haproxy', 800, 25, 2), ok('regate-passthrough', 500, 40, 4)],
    [ok('nginx', 2000, 21, 3), ok('haproxy', 1500, 24, 2), ok('regate-passthrough', 1200, 38, 5)],
    [ok('nginx', 1500, 19, 2), { name: 'haproxy', label: 'haproxy', status: 'failed', reason: 'probe failed' }, ok('regate-passthrough', 600, 45, 9)],
  ];
  t.same(spreadOf([3, 1, null, 2, 10]), { median: 2.5, min: 1, max: 10, n: 4 });
  t.equal(spreadOf([null, undefined, NaN]), null);
  const s = summarizeRounds(rounds);
  t.same(s.map((x) => x.name), ['nginx', 'haproxy', 'regate-passthrough']);
  const rp = s[2]!;
  // per round 0.5, 0.6, 0.4: the median of ratios, not the ratio of medians (600 / 1500 = 0.4)
  t.same(rp.vsNginx, { median: 0.5, min: 0.4, max: 0.6, n: 3 });
  // against HAProxy's plain hop only in the two rounds where it ran
  t.same(rp.vsHaproxy, { median: (0.625 + 0.8) / 2, min: 0.625, max: 0.8, n: 2 });
  t.same(rp.rps, { median: 600, min: 500, max: 1200, n: 3 });
  t.same(rp.p99, { median: 5, min: 4, max: 9, n: 3 });
  t.same(rp.cpuUsPerReq, { median: 40, min: 38, max: 45, n: 3 });
  t.equal(rp.non2xx, 3, 'non-2xx summed over the rounds');
  t.equal(s[0]!.vsNginx, null, 'nginx has no ratio to itself');
  t.same([s[1]!.ok, s[1]!.rounds, s[1]!.problems], [2, 3, ['failed: probe failed']]);
  const med = medianRows(rounds);
  t.same(med.map((r) => [r.name, r.status, r.rps]), [['nginx', 'ok', 1500], ['haproxy', 'ok', 1150], ['regate-passthrough', 'ok', 600]]);
  const never = medianRows([[{ name: 'nginx', label: 'nginx', status: 'skipped', reason: 'not installed' }], [{ name: 'nginx', label: 'nginx', status: 'failed', reason: 'broke' }]]);
  t.same(never, [{ name: 'nginx', label: 'nginx', status: 'failed', reason: 'broke' }], 'a row that never ran keeps the failure over the skip');
});

t.test('--repeat 2 --smoke runs the scenarios round-robin and reports median and range per row', async (t) => {
  const out = mkdtempSync(join(tmpdir(), 'regate-bench-repeat-'));
  t.teardown(() => rmSync(out, { recursive: true, force: true }));
  const lines: string[] = [];
  const { result, files } = await runSuite({ mode: 'smoke', repeat: 2, only: ['direct', 'nginx'], outDir: out, log: (l) => lines.push(l) });
  const rep = result.repeat;
  if (!rep) return void t.fail('a repeated run records its rounds');
  t.equal(rep.n, 2);
  t.equal(rep.order, 'round-robin');
  t.same(rep.rounds.map((round) => round.map((r) => r.name)), [['direct', 'nginx'], ['direct', 'nginx']], 'every round runs each selected scenario');
  const ran = rep.rounds.flatMap((round, i) => round.filter((r) => r.status === 'ok').map((r) => `${r.name} ${i + 1}`));
  const measured = lines.flatMap((l) => {
    const m = /^measuring (\S+) .*, round (\d)\/2$/.exec(l);
    return m ? [`${m[1]} ${m[2]}`] : [];
  });
  t.same(measured, ran, 'measured in round-robin order: round 1 of every row before round 2');
  t.equal(rep.rounds[0]![0]!.status, 'ok', 'direct runs in every environment');
  for (const row of rep.rounds.flat()) t.not(row.status, 'failed', `${row.name}: not failed (${row.reason ?? ''})`);
  t.same(rep.spread.map((s) => s.name), ['direct', 'nginx']);
  const direct = rep.spread[0]!;
  t.equal(direct.ok, 2);
  t.equal(direct.rps?.n, 2);
  t.ok(direct.rps!.min <= direct.rps!.median && direct.rps!.median <= direct.rps!.max, 'median within the range');
  t.same(result.rows.map((r) => r.name), ['direct', 'nginx'], '`rows` holds one median row per scenario');
  t.equal(result.rows[0]!.rps, direct.rps!.median);
  const md = readFileSync(files.md, 'utf8');
  t.match(md, /^Repeated 2 times, round-robin/m);
  t.match(md, /^\| scenario \| rounds run \| rps \| p99 ms \| CPU µs\/req \| errors \| non-2xx \| vs nginx \| vs HAProxy \(same job\) \|$/m);
  t.match(md, /^\| direct upstream \| 2\/2 \| \d+ \(\d+–\d+\) \| /m, 'median (min–max) of rps');
  t.match(md, /^\| scenario \| round 1 \| round 2 \|$/m, 'each round\'s rps');
  const nginx = rep.spread[1]!;
  if (nginx.ok === 2) {
    t.equal(direct.vsNginx?.n, 2, 'direct vs nginx taken in both rounds');
    t.match(md, /^\| nginx proxy_pass \| 2\/2 \| \d+ \(\d+–\d+\) \| [\d.]+ \([\d.]+–[\d.]+\) \| [\d.]+ \([\d.]+–[\d.]+\) \| 0 \| 0 \| – \| – \|$/m);
  } else t.match(md, /^\| nginx proxy_pass \| 0\/2 \| skipped: /m, 'nginx missing: skipped with the reason');
  t.match(files.json, /-smoke-x2\.json$/);
  t.same(JSON.parse(readFileSync(files.json, 'utf8')), JSON.parse(JSON.stringify(result)), 'JSON file holds the result with its rounds');
});
