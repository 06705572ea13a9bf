// The bench suite's --smoke mode end to end: every scenario runs (or is skipped with a reason)
// and the Markdown table and SVG chart list them all. No timing is asserted: numbers are noise here.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { parseSuiteArgs, runSuite, SCENARIOS } from '../../bench/run.js';
import { ratio, renderMarkdown } from '../../bench/report/markdown.js';
import { medianRows, spreadOf, summarizeRounds } from '../../bench/report/repeat.js';
import { renderSvg } from '../../bench/report/svg.js';
import type { ScenarioRow, SuiteResult } from '../../bench/report/types.js';

t.test('argument parsing', async (t) => {
  t.same(parseSuiteArgs([]), { mode: 'quick' });
  t.same(parseSuiteArgs(['--full', '--only', 'direct,nginx']), { mode: 'full', only: ['direct', 'nginx'] });
  t.equal(parseSuiteArgs(['--smoke']).mode, 'smoke');
  t.throws(() => parseSuiteArgs(['--bogus']), TypeError);
  t.throws(() => parseSuiteArgs(['--duration', '0']), TypeError);
  t.throws(() => parseSuiteArgs(['--only']), TypeError);
  t.equal(parseSuiteArgs(['--repeat', '3']).repeat, 3);
  t.throws(() => parseSuiteArgs(['--repeat', '0']), TypeError);
  t.throws(() => parseSuiteArgs(['--repeat', '1.5']), TypeError);
});

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

t.test('`npm run bench -- --help` prints the usage; a bad option the message and usage, no stack', async (t) => {
  const { spawnSync } = await import('node:child_process');
  const root = new URL('../..', import.meta.url).pathname;
  const run = (args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'bench/run.ts', ...args], { cwd: root, encoding: 'utf8', timeout: 60_000 });
  const help = run(['--help']);
  t.equal(help.status, 0);
  t.match(help.stdout, /^usage: npm run bench -- /);
  const bad = run(['--bogus']);
  t.equal(bad.status, 2);
  t.match(bad.stderr, /^bench: unknown option --bogus\nusage:/);
  t.notMatch(bad.stderr, /\n\s+at /, 'no stack trace');
});

t.test('report renders skipped rows with their reason and ratios only between measured rows', async (t) => {
  const r: SuiteResult = {
    date: '2026-01-01T00:00:00.000Z',
    mode: 'quick',
    machine: { cpu: 'x', cpus: 2, loadavg1: 0, node: 'v20', platform: 'linux-x64' },
    settings: { connections: 8, duration_s: 1, amount: null, warmup_s: 0, pinned: false, proxy_cpu: null, load_cpus: null },
    notes: [],
    rows: [
      { name: 'nginx', label: 'nginx proxy_pass', status: 'ok', rps: 1000, p50: 1, p99: 2, requests: 1000, errors: 0, non2xx: 0, cpuUsPerReq: 10 },
      { name: 'regate-passthrough', label: 'regate passthrough', status: 'ok', rps: 900, p50: 1, p99: 3, requests: 900, errors: 0, non2xx: 0, cpuUsPerReq: 12 },
      { name: 'node-peer', label: 'Node peer (fastify)', status: 'skipped', reason: 'no wasm | here' },
      { name: 'haproxy', label: 'HAProxy passthrough', status: 'ok', rps: 1200, p50: 1, p99: 2, requests: 1200, errors: 0, non2xx: 0, cpuUsPerReq: 9 },
    ],
  };
  t.equal(ratio(r.rows[1]!, r.rows[0]), '0.90×');
  t.equal(ratio(r.rows[1]!, r.rows[2]), '–');
  const md = renderMarkdown(r);
  t.match(md, /\| regate passthrough \| 900 \| 1 \| 3 \| 0 \| 0 \| 12\.0 \| – \| 0\.90× \| 0\.75× \| – \|/, 'the passthrough row is compared with HAProxy\'s plain hop');
  t.match(md, /\| HAProxy passthrough \| 1200 \| 1 \| 2 \| 0 \| 0 \| 9\.0 \| – \| 1\.20× \| – \| – \|/, 'HAProxy\'s own row has no HAProxy ratio');
  t.match(md, /^Load generator: autocannon,/m, 'a report without a generator ran autocannon');
  t.match(md, /\| Node peer \(fastify\) \| skipped: no wasm \\\| here \|/);
  const svg = renderSvg(r);
  t.match(svg, /^<svg [^>]*>/);
  t.match(svg, /skipped: no wasm \| here/);
  t.notMatch(svg, /NaN/);
});

t.test('--smoke runs every scenario and reports each one', async (t) => {
  const out = mkdtempSync(join(tmpdir(), 'regate-bench-smoke-'));
  t.teardown(() => rmSync(out, { recursive: true, force: true }));
  const { result, files } = await runSuite({ mode: 'smoke', outDir: out, log: () => {} });
  t.same(
    result.rows.map((r) => r.name),
    SCENARIOS.map((s) => s.name),
    'one row per scenario, in order',
  );
  t.equal(result.settings.generator?.name, 'autocannon', 'the report records the default generator');
  for (const row of result.rows) {
    if (row.status === 'ok') {
      t.ok(row.requests! > 0, `${row.name}: requests were made`);
      t.equal(row.errors, 0, `${row.name}: no socket errors`);
      t.equal(row.non2xx, 0, `${row.name}: every answer was 2xx`);
    } else {
      t.equal(row.status, 'skipped', `${row.name}: not failed (${row.reason})`);
      t.ok(row.reason && row.reason.length > 0, `${row.name}: a skipped row says why`);
    }
  }
  // regate's own scenarios never skip: the gateway is in this repo
  for (const name of ['regate-passthrough', 'regate-full', 'regate-introspection']) {
    t.equal(result.rows.find((r) => r.name === name)?.status, 'ok', `${name} ran`);
  }
  const md = readFileSync(files.md, 'utf8');
  for (const s of SCENARIOS) t.match(md, new RegExp(`^\\| ${s.label.replace(/[()]/g, '\\$&')} \\|`, 'm'), `table row for ${s.name}`);
  t.same(JSON.parse(readFileSync(files.json, 'utf8')), JSON.parse(JSON.stringify(result)), 'JSON file holds the result');
  const svg = readFileSync(files.svg, 'utf8');
  t.match(svg, /<\/svg>\n$/);
  for (const s of SCENARIOS) t.ok(svg.includes(s.label.replace('&', '&amp;')), `chart label for ${s.name}`);
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
