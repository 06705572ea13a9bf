/**
 * `opa test -v` keeps only the traces it prints (issue #16): with traceTests 'failures' each
 * test runs untraced and a failing one again traced, so a suite whose passing tests make
 * millions of trace events does not hold them (it ran out of memory). Checked by event counts
 * and a peak-RSS bound with generous slack, never by time.
 */
import t from 'tap';
import { runTests } from '../../../src/policy/testing/run-tests.js';

const suite = (n: number) => ({
  file: 'h_test.rego',
  text: `package h

neg(x) if x < 0

test_heavy if {
	count([x | some x in numbers.range(1, ${n}); not neg(x)]) == ${n}
}

test_light_fail if {
	x := 1
	x == 2
}
`,
});

t.test('every test traced: the heavy one makes events in proportion to its loop', async (t) => {
  const run = await runTests({ modules: [suite(2000)], data: {}, trace: true });
  const [heavy, light] = run.results;
  t.equal(heavy?.status, 'pass');
  t.ok((heavy?.trace?.length ?? 0) >= 2000 * 3, `${heavy?.trace?.length} events for 2000 iterations`);
  t.ok(light?.trace?.some((e) => e.op === 'Fail'), 'the failing test has its Fail');
});

t.test('failures only: a passing test keeps no trace, a failing one its whole trace', async (t) => {
  const all = await runTests({ modules: [suite(50)], data: {}, trace: true });
  const run = await runTests({ modules: [suite(50)], data: {}, trace: true, traceTests: 'failures' });
  t.same(run.results.map((r) => r.status), ['pass', 'fail']);
  t.equal(run.results[0]?.trace, undefined, 'passing: no trace');
  t.same(run.results[1]?.trace, all.results[1]?.trace, 'failing: the same trace as a traced run');
});

t.test('a filter applied as each result arrives keeps only what it returns', async (t) => {
  const run = await runTests({ modules: [suite(50)], data: {}, trace: true, traceFilter: (ev) => ev.filter((e) => e.op === 'Fail') });
  for (const r of run.results) t.ok(r.trace?.every((e) => e.op === 'Fail'), r.test.name);
});

t.test('millions of events in passing tests: memory stays bounded', { timeout: 600_000 }, async (t) => {
  // 1,000,000 iterations make about 3,000,000 events when traced (3 per iteration, above):
  // recorded, they took over 1.5 GB; untraced the run needs a few MB
  const base = process.memoryUsage().rss;
  let peak = base;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  const run = await runTests({ modules: [suite(1_000_000)], data: {}, trace: true, traceTests: 'failures', timeoutMs: 600_000 });
  clearInterval(timer);
  peak = Math.max(peak, process.memoryUsage().rss);
  t.same(run.results.map((r) => r.status), ['pass', 'fail']);
  t.equal(run.results[0]?.trace, undefined);
  t.ok(peak - base < 400e6, `peak RSS grew by ${Math.round((peak - base) / 1e6)} MB`);
});
