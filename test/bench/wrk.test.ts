// wrk as the bench's alternate load generator: its text report parsed from captured runs
// (fixtures/wrk-*.txt, real wrk 4.1.0 output), its arguments and Lua header cycle, and — when wrk
// is installed — real runs against a node:http server and a --smoke suite run with it.
// No timing is asserted: only counts, headers and report shape.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { parseSuiteArgs, runSuite } from '../../bench/run.js';
import { resolveGenerator, runLoad, type Generator } from '../../bench/lib/load.js';
import { locateTool, WRK } from '../../bench/lib/system-tool.js';
import { parseWrkOutput, wrkArgs, wrkCycleScript, wrkThreads } from '../../bench/lib/wrk.js';
import { describeGenerator, formatMs } from '../../bench/report/format.js';

// runs two generators against real servers and a --smoke suite with regate: on a loaded 2-core
// machine (load average 20+) that outlasts tap's 120 s default
// (bench/lib/procs.ts kills what is still running if the file is stopped anyway)
t.setTimeout(300_000);

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

t.test('parses a clean wrk --latency report (µs and ms units)', async (t) => {
  const s = parseWrkOutput(fixture('wrk-ok.txt'));
  t.same(s, { threads: 1, connections: 4, requests: 17377, durationS: 1.06, rps: 16470.43, p50: 0.109, p99: 140.33, errors: 0, non2xx: 0 });
});

t.test('parses socket errors and status errors', async (t) => {
  const s = parseWrkOutput(fixture('wrk-errors.txt'));
  t.equal(s.threads, 2);
  t.equal(s.requests, 8421);
  t.equal(s.durationS, 2.01);
  t.equal(s.p50, 1.66);
  t.equal(s.p99, 42.7);
  t.equal(s.errors, 87, 'connect + read + write + timeout');
  t.equal(s.non2xx, 2809);
});

t.test('parses second-unit latencies with trailing padding, CRLF endings and extra lines', async (t) => {
  const text = fixture('wrk-seconds.txt');
  const s = parseWrkOutput(text);
  t.equal(s.p50, 1110);
  t.equal(s.p99, 1110);
  t.equal(s.requests, 8);
  t.equal(s.rps, 2.65);
  const noisy = parseWrkOutput(text.replaceAll('\n', '\r\n') + 'lua done hook: 8 requests\r\n');
  t.same(noisy, s, 'CRLF and a Lua hook line change nothing');
});

t.test('a report without --latency has no percentiles; an unfinished one throws', async (t) => {
  const noLatency = fixture('wrk-ok.txt').replace(/ {2}Latency Distribution\n(?: +\d+% +\S+\s*\n)+/, '');
  const s = parseWrkOutput(noLatency);
  t.equal(s.p50, null);
  t.equal(s.requests, 17377);
  t.throws(() => parseWrkOutput('unable to connect to 127.0.0.1:1 Connection refused\n'), /no "N requests in T" line/);
});

t.test('threads divide the connections; arguments keep one request in flight per connection', async (t) => {
  t.equal(wrkThreads(32, 1), 1);
  t.equal(wrkThreads(32, 3), 2);
  t.equal(wrkThreads(30, 4), 3);
  t.equal(wrkThreads(2, 8), 2);
  const args = wrkArgs('http://127.0.0.1:1/x', { connections: 8, duration: 2, threads: 1, headers: { authorization: 'Bearer abc' } });
  t.same(args, ['-t', '1', '-c', '8', '-d', '2s', '--timeout', '10s', '--latency', '-H', 'authorization: Bearer abc', 'http://127.0.0.1:1/x']);
  t.notOk(args.some((a) => /pipelin|-s$/.test(a)), 'no script, so no pipelining');
});

t.test('the header-cycle script quotes values and refuses non-ASCII', async (t) => {
  const lua = wrkCycleScript({ name: 'authorization', values: ['Bearer a"b', 'Bearer c\\d'] });
  t.match(lua, /"Bearer a\\"b"/);
  t.match(lua, /"Bearer c\\\\d"/);
  t.throws(() => wrkCycleScript({ name: 'x', values: ['a\nb'] }), TypeError);
  t.throws(() => wrkCycleScript({ name: 'x', values: [] }), TypeError);
});

t.test('report helpers: generator label and latency formatting', async (t) => {
  t.equal(describeGenerator(undefined), 'autocannon', 'reports from before --generator ran autocannon');
  t.equal(describeGenerator({ name: 'autocannon', version: '9.0.0', threads: 1 }), 'autocannon 9.0.0');
  t.equal(describeGenerator({ name: 'wrk', version: '4.1.0', threads: 2 }), 'wrk 4.1.0 (2 threads)');
  t.equal(formatMs(3), '3');
  t.equal(formatMs(0.109), '0.11');
  t.equal(formatMs(42.7), '42.7');
  t.equal(formatMs(null), '–');
});

t.test('--generator parsing', async (t) => {
  t.same(parseSuiteArgs(['--generator', 'wrk', '--smoke']), { mode: 'smoke', generator: 'wrk' });
  t.throws(() => parseSuiteArgs(['--generator', 'ab']), TypeError);
  t.throws(() => parseSuiteArgs(['--generator']), TypeError);
});

/** A node:http server that records the header `name` of every request and answers `status(n)`. */
async function recordingServer(t: { teardown(fn: () => unknown): void }, name: string, status: (n: number) => number) {
  const seen = new Map<string, number>();
  let n = 0;
  const server = http.createServer((req, res) => {
    const v = String(req.headers[name] ?? '');
    seen.set(v, (seen.get(v) ?? 0) + 1);
    res.statusCode = status(++n);
    res.end('ok');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => server.close(() => r())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/x`, seen };
}

const wrk = locateTool(WRK);
const generators: Array<[string, () => Generator | { reason: string }]> = [['autocannon', () => resolveGenerator('autocannon', 4, 1, () => {})]];
if (wrk) generators.push(['wrk', () => resolveGenerator('wrk', 4, 1, () => {})]);

for (const [name, make] of generators) {
  t.test(`${name}: fixed headers, a cycled header and non-2xx counting against a real server`, async (t) => {
    const g = make();
    if ('reason' in g) return t.fail(g.reason);
    // autocannon: a request count (its shortest timed run is a full second); wrk has only seconds
    const window = g.name === 'wrk' ? { duration: 1, amount: null } : { duration: null, amount: 200 };
    const fixed = await recordingServer(t, 'x-bench', () => 200);
    const r = await runLoad(fixed.url, { generator: g, connections: 4, ...window, headers: { 'x-bench': 'yes' }, cpus: null });
    t.ok(r.requests > 0, 'requests were made');
    t.equal(r.errors, 0);
    t.equal(r.non2xx, 0);
    t.same([...fixed.seen.keys()], ['yes'], 'every request carried the header');
    t.ok(r.generatorCpuUsPerReq === null || r.generatorCpuUsPerReq > 0, 'generator CPU is measured where /proc exists');

    const cycled = await recordingServer(t, 'authorization', (n) => (n % 2 === 0 ? 503 : 200));
    const values = ['Bearer one', 'Bearer two', 'Bearer three'];
    const c = await runLoad(cycled.url, { generator: g, connections: 4, ...window, headers: {}, headerCycle: { name: 'authorization', values }, cpus: null });
    t.same([...cycled.seen.keys()].sort(), [...values].sort(), 'every value of the cycle was sent, nothing else');
    const answered = [...cycled.seen.values()].reduce((a, b) => a + b, 0);
    // the server answered 503 to every second request it saw; the generator counted those it completed
    t.ok(c.non2xx > 0 && c.non2xx <= Math.ceil(answered / 2), `non-2xx counted (${c.non2xx} of ${answered})`);
  });
}

t.test('--smoke --generator wrk runs the scenarios with wrk and says so in the report', { skip: wrk ? false : 'wrk is not installed (apt-get install -y wrk)' }, async (t) => {
  const out = mkdtempSync(join(tmpdir(), 'regate-bench-wrk-'));
  t.teardown(() => rmSync(out, { recursive: true, force: true }));
  const only = ['direct', 'regate-passthrough', 'regate-full'];
  const { result, files } = await runSuite({ mode: 'smoke', generator: 'wrk', only, outDir: out, log: () => {} });
  t.same(
    result.rows.map((r) => [r.name, r.status, r.reason]),
    only.map((n) => [n, 'ok', undefined]),
    'every selected scenario ran',
  );
  for (const row of result.rows) {
    t.ok(row.requests! > 0, `${row.name}: requests were made`);
    t.equal(row.errors, 0, `${row.name}: no socket errors`);
    t.equal(row.non2xx, 0, `${row.name}: every answer was 2xx (regate-full: the bearer token got through)`);
  }
  t.equal(result.settings.generator?.name, 'wrk');
  t.equal(result.settings.amount, null, 'wrk has no request count');
  t.ok(result.settings.duration_s! > 0, 'a short duration instead');
  t.ok(result.notes.some((n) => /coordinated-omission/.test(n)), 'the latency caveat is noted');
  t.match(readFileSync(files.md, 'utf8'), /^Load generator: wrk \S+ \(\d+ threads?\)/m);
  t.match(readFileSync(files.svg, 'utf8'), /wrk \S+ \(\d+ threads?\)/);
  t.match(files.json, /-wrk-smoke\.json$/);
});
