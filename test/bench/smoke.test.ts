// The bench suite's --smoke mode end to end: every scenario runs (or is skipped with a reason)
// and the Markdown table and SVG chart list them all. No timing is asserted: numbers are noise here.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { parseSuiteArgs, runSuite, SCENARIOS } from '../../bench/run.js';
import { ratio, renderMarkdown } from '../../bench/report/markdown.js';
import { renderSvg } from '../../bench/report/svg.js';
import type { SuiteResult } from '../../bench/report/types.js';

// --smoke starts every scenario's servers in turn: on a loaded 2-core machine that outlasts tap's
// 120 s default (bench/lib/procs.ts kills what is still running if the file is stopped anyway)
t.setTimeout(300_000);

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
