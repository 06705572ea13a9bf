// The scaling bench (bench/scaling.ts): the CPU plan for N workers, the N/1 ratios taken within a
// round, the report's shape, and one short run end to end (direct, nginx and regate passthrough
// with 1 and 2 workers). No timing is asserted: the numbers are noise on a test machine.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { planCpus } from '../../bench/lib/cpu-plan.js';
import { parseScalingArgs, runScaling } from '../../bench/scaling.js';
import { renderScalingMarkdown, summarizeScaling, type ScalingResult, type ScalingRow } from '../../bench/report/scaling.js';

// starts nginx and regate with 1 and 2 workers: on a loaded 2-core machine (load average 20+)
// that outlasts tap's 120 s default
// (bench/lib/procs.ts kills what is still running if the file is stopped anyway)
t.setTimeout(300_000);

t.test('CPU plan: the proxy apart from the load where the CPUs allow, else sharing the load CPU', async (t) => {
  const two = { ncpu: 2, taskset: true };
  t.match(planCpus(1, two), { pinned: true, proxyCpu: '1', loadCpus: '0', loadCpuCount: 1, shared: false });
  t.match(planCpus(2, two), { pinned: true, proxyCpu: '0,1', loadCpus: '0', loadCpuCount: 1, shared: true });
  t.match(planCpus(2, { ncpu: 4, taskset: true }), { proxyCpu: '2,3', loadCpus: '0,1', loadCpuCount: 2, shared: false });
  t.match(planCpus(2, { ncpu: 3, taskset: true }), { proxyCpu: '1,2', loadCpus: '0', shared: false });
  t.match(planCpus(2, { ncpu: 2, taskset: false }), { pinned: false, proxyCpu: null, loadCpus: null, shared: false });
  t.throws(() => planCpus(0, two), TypeError);
});

t.test('arguments', async (t) => {
  t.same(parseScalingArgs([]), {});
  t.same(parseScalingArgs(['--generator', 'autocannon', '--only', 'nginx,regate-full', '--workers', '2,4', '--repeat', '3', '--warmup', '0']), {
    generator: 'autocannon',
    only: ['nginx', 'regate-full'],
    workers: [2, 4],
    repeat: 3,
    warmup: 0,
  });
  t.throws(() => parseScalingArgs(['--only', 'node-peer']), TypeError);
  t.throws(() => parseScalingArgs(['--workers', '0']), TypeError);
  t.throws(() => parseScalingArgs(['--duration', '-1']), TypeError);
  t.throws(() => parseScalingArgs(['--generator', 'ab']), TypeError);
  // a request count is autocannon's: wrk runs for a duration
  await t.rejects(runScaling({ amount: 10 }), TypeError);
  await t.rejects(runScaling({ generator: 'autocannon', amount: 0 }), TypeError);
});

t.test('`npm run bench:scaling -- --help` prints the usage; a bad option the message and usage, no stack', async (t) => {
  const { spawnSync } = await import('node:child_process');
  const root = new URL('../..', import.meta.url).pathname;
  const run = (args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'bench/scaling.ts', ...args], { cwd: root, encoding: 'utf8', timeout: 60_000 });
  const help = run(['--help']);
  t.equal(help.status, 0);
  t.match(help.stdout, /^usage: npm run bench:scaling -- /);
  const bad = run(['--workers', 'two']);
  t.equal(bad.status, 2);
  t.match(bad.stderr, /^bench:scaling: --workers: two is not a positive integer\nusage:/);
  t.notMatch(bad.stderr, /\n\s+at /, 'no stack trace');
});

t.test('the 2/1 ratios are taken within each round; the table says what shared which CPU', async (t) => {
  const ok = (proxy: string, workers: number, rps: number, cpu: number): ScalingRow => ({
    key: `${proxy}@${workers}`,
    proxy,
    label: proxy,
    workers,
    status: 'ok',
    rps,
    p50: 1,
    p99: 2,
    requests: rps,
    errors: 0,
    non2xx: 0,
    cpu: { proxy: cpu, upstream: 10, generator: 5 },
  });
  const rounds = [
    [ok('nginx', 1, 1000, 20), ok('nginx', 2, 1500, 22)],
    [ok('nginx', 1, 2000, 20), ok('nginx', 2, 2400, 30)],
    [ok('nginx', 1, 1000, 20), { key: 'nginx@2', proxy: 'nginx', label: 'nginx', workers: 2, status: 'failed' as const, reason: 'probe failed' }],
  ];
  const s = summarizeScaling(rounds);
  t.same(s.map((x) => x.key), ['nginx@1', 'nginx@2']);
  t.equal(s[0]!.rpsVsOne, null, 'the 1-worker row is the base');
  // 1.5 and 1.2 (round 3 did not run): the median of the per-round ratios
  t.same(s[1]!.rpsVsOne, { median: 1.35, min: 1.2, max: 1.5, n: 2 });
  t.same(s[1]!.cpuVsOne, { median: 1.3, min: 1.1, max: 1.5, n: 2 });
  t.same(s[1]!.cpu.total, { median: 41, min: 37, max: 45, n: 2 }, 'all groups: proxy + upstream + generator');
  t.same([s[1]!.ok, s[1]!.problems], [2, ['failed: probe failed']]);
  const result: ScalingResult = {
    date: '2026-01-01T00:00:00.000Z',
    machine: { cpu: 'x', cpus: 2, loadavg1: 0, node: 'v20', platform: 'linux-x64' },
    settings: { generator: { name: 'wrk', version: '4', threads: 1 }, connections: 8, duration_s: 1, warmup_s: 0, repeat: 3, workers: [1, 2], pinned: true },
    plans: [
      { workers: 1, proxy_cpus: '1', load_cpus: '0', shared: false },
      { workers: 2, proxy_cpus: '0,1', load_cpus: '0', shared: true },
    ],
    notes: ['a note'],
    rounds,
    summary: s,
  };
  const md = renderScalingMarkdown(result);
  t.match(md, /^- 2 workers: CPUs 0,1 \/ CPU 0 \(shared\)$/m, 'the plan says what shares which CPU');
  t.match(md, /^\| nginx \| 1 \| CPU 1 \/ CPU 0 \| 1000 \(1000–2000\) \| 2 \(2–2\) \| 20\.0 \(20\.0–20\.0\) \| 10\.0 \| 5\.0 \| – \| 35\.0 \| – \| – \| 0 \| 0 \|$/m);
  t.match(md, /^\| nginx \| 2 \| CPUs 0,1 \/ CPU 0 \(shared\) \| 1950 \(1500–2400\) \| .* \| 1\.35× \(1\.20×–1\.50×\) \| 1\.30× \(1\.10×–1\.50×\) \| 0 \| 0 \|$/m);
  t.match(md, /^- nginx, 2 worker\(s\): failed: probe failed$/m);
});

t.test('a short run end to end: direct, nginx and regate passthrough with 1 and 2 workers', async (t) => {
  const out = mkdtempSync(join(tmpdir(), 'regate-scaling-'));
  t.teardown(() => rmSync(out, { recursive: true, force: true }));
  // autocannon: an npm dependency, so the run needs nothing from the system but nginx (skipped without it)
  // 150 requests per row, as the suite's --smoke: a start/stop check (autocannon's shortest timed run is a whole second)
  const { result, files } = await runScaling({ generator: 'autocannon', only: ['direct', 'nginx', 'regate-passthrough'], connections: 4, amount: 150, warmup: 0, outDir: out, log: () => {} });
  t.same(
    result.rounds.map((round) => round.map((r) => r.key)),
    [['direct@1', 'nginx@1', 'nginx@2', 'regate-passthrough@1', 'regate-passthrough@2']],
    'one round: direct once, each proxy with 1 then 2 workers',
  );
  t.same(result.plans.map((p) => p.workers), [1, 2]);
  t.same([result.settings.amount, result.settings.duration_s], [150, null], 'a request count instead of a duration');
  for (const row of result.rounds[0]!) {
    if (row.proxy === 'nginx' && row.status === 'skipped') continue;
    t.equal(row.status, 'ok', `${row.key} ran (${row.reason ?? ''})`);
    t.equal(row.errors, 0, `${row.key}: no socket errors`);
    t.equal(row.non2xx, 0, `${row.key}: every answer 2xx`);
    t.ok(row.requests! > 0, `${row.key}: requests were made`);
    t.type(row.cpu?.upstream, 'number', `${row.key}: the upstream's CPU counted`);
    if (row.proxy !== 'direct') t.type(row.cpu?.proxy, 'number', `${row.key}: the proxy's CPU counted`);
  }
  const two = result.summary.find((s) => s.key === 'regate-passthrough@2');
  t.equal(two?.rpsVsOne?.n, 1, 'regate with 2 workers has its ratio to 1 worker');
  const md = readFileSync(files.md, 'utf8');
  t.match(md, /^\| regate passthrough \| 2 \| .* \| [\d.]+× \| [\d.]+× \| 0 \| 0 \|$/m);
  t.match(files.json, /-scaling-autocannon\.json$/);
  t.same(JSON.parse(readFileSync(files.json, 'utf8')), JSON.parse(JSON.stringify(result)));
});
