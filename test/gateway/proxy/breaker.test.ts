/**
 * The upstream circuit breaker (src/gateway/proxy/breaker.ts) on its own: the opossum 9 rules it
 * keeps (fires counted with refusals, volume threshold, failure percentage, one half-open trial,
 * late outcomes), with a real clock and short timeouts — no timed assertions, only bounded waits.
 */
import t from 'tap';
import { CircuitBreaker, type CircuitState } from '../../../src/gateway/proxy/breaker.js';

const opts = { errorThresholdPercentage: 50, volumeThreshold: 4, resetTimeoutMs: 30, rollingWindowMs: 60_000 };

async function until(cond: () => boolean): Promise<boolean> {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
  return cond();
}

t.test('stays closed below the volume threshold, opens above the failure percentage', async (t) => {
  const seen: CircuitState[] = [];
  const b = new CircuitBreaker(opts, (s) => seen.push(s));
  t.teardown(() => b.shutdown());
  // 3 fires, 3 failures: below volume 4 → still closed
  for (let i = 0; i < 3; i++) {
    t.ok(b.admit());
    b.failed();
  }
  t.equal(b.state, 'closed');
  // 4th fire succeeds: 3/4 failures but open is only decided on a failure
  t.ok(b.admit());
  b.succeeded();
  t.equal(b.state, 'closed');
  t.ok(b.admit());
  b.failed(); // 4/5 = 80 % > 50 %
  t.equal(b.state, 'open');
  t.same(seen, ['open']);
  t.equal(b.refusing, true);
  t.notOk(b.admit(), 'open refuses');
});

t.test('the failure percentage must be exceeded, not met', async (t) => {
  const b = new CircuitBreaker({ ...opts, volumeThreshold: 0 });
  t.teardown(() => b.shutdown());
  t.ok(b.admit());
  b.succeeded();
  t.ok(b.admit());
  b.failed(); // exactly 50 %: not above the threshold
  t.equal(b.state, 'closed');
  t.ok(b.admit());
  b.failed(); // 2/3
  t.equal(b.state, 'open');
});

t.test('half-open lets exactly one trial through; its success closes, its failure re-opens', async (t) => {
  const seen: CircuitState[] = [];
  const b = new CircuitBreaker({ ...opts, volumeThreshold: 1 }, (s) => seen.push(s));
  t.teardown(() => b.shutdown());
  t.ok(b.admit());
  b.failed();
  t.equal(b.state, 'open');
  t.ok(await until(() => b.state === 'half_open'), 'half-open after the reset timeout');
  t.equal(b.refusing, false);
  t.ok(b.admit(), 'the trial goes');
  t.equal(b.refusing, true);
  t.notOk(b.admit(), 'a second call waits for the trial');
  b.failed();
  t.equal(b.state, 'open', 'failed trial re-opens');
  t.ok(await until(() => b.state === 'half_open'), 'half-open again');
  t.ok(b.admit());
  b.succeeded();
  t.equal(b.state, 'closed');
  t.ok(b.admit());
  t.same(seen, ['open', 'half_open', 'open', 'half_open', 'closed']);
});

t.test('outcomes of calls admitted earlier still count while half-open', async (t) => {
  const b = new CircuitBreaker({ ...opts, volumeThreshold: 1, errorThresholdPercentage: 40 });
  t.teardown(() => b.shutdown());
  t.ok(b.admit()); // an old call, still in flight
  t.ok(b.admit());
  b.failed(); // 1 of 2 fires: 50 % > 40 %
  t.equal(b.state, 'open');
  t.ok(await until(() => b.state === 'half_open'));
  b.succeeded(); // the old call lands: any success while half-open closes (opossum's rule)
  t.equal(b.state, 'closed');
});

t.test('old buckets leave the rolling window', async (t) => {
  const b = new CircuitBreaker({ ...opts, volumeThreshold: 2, rollingWindowMs: 100 });
  t.teardown(() => b.shutdown());
  t.ok(b.admit());
  b.failed(); // 1 fire: below volume
  // once the window has rolled past that failure, one more failure is again below volume
  await new Promise((r) => setTimeout(r, 150));
  t.ok(b.admit());
  b.failed();
  t.equal(b.state, 'closed');
  t.ok(b.admit());
  b.failed(); // 2 fires, 2 failures in the window
  t.equal(b.state, 'open');
});

t.test('shutdown refuses and stops the reset timer', async (t) => {
  const seen: CircuitState[] = [];
  const b = new CircuitBreaker({ ...opts, volumeThreshold: 1 }, (s) => seen.push(s));
  t.ok(b.admit());
  b.failed();
  b.shutdown();
  t.notOk(b.admit());
  await new Promise((r) => setTimeout(r, 60));
  t.equal(b.state, 'open');
  t.same(seen, ['open']);
});

t.test('refused calls count as fires, so they dilute the failure percentage (as in opossum)', async (t) => {
  const b = new CircuitBreaker({ ...opts, volumeThreshold: 1 });
  t.teardown(() => b.shutdown());
  t.ok(b.admit());
  b.failed(); // 1/1
  t.equal(b.state, 'open');
  for (let i = 0; i < 5; i++) t.notOk(b.admit()); // 6 fires
  t.ok(await until(() => b.state === 'half_open'));
  t.ok(b.admit()); // 7
  b.succeeded();
  t.equal(b.state, 'closed');
  t.ok(b.admit()); // 8
  b.failed(); // 2 failures / 8 fires = 25 %
  t.equal(b.state, 'closed');
});

/**
 * Blocks the event loop for ms on the breaker's own clock (performance.now, monotonic): a stall
 * timed by Date.now ended early once here when the VM's wall clock was stepped under load.
 */
function stall(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // busy: no timer can run
  }
}

t.test('the window follows the clock when the event loop stalls (rotation ticks late or merged)', async (t) => {
  // A loaded machine or a long synchronous task delays the rotation timer; a failure older than
  // the window when the next one lands must not count. The stall ends as a real one does: the
  // loop's timers phase (setTimeout 0) runs before any request's I/O callback.
  const b = new CircuitBreaker({ ...opts, volumeThreshold: 2, rollingWindowMs: 100 });
  t.teardown(() => b.shutdown());
  t.ok(b.admit());
  b.failed();
  stall(150);
  await new Promise((r) => setTimeout(r, 0));
  t.ok(b.admit());
  b.failed(); // the first failure left the window: 1 fire, below volume
  t.equal(b.state, 'closed');
  t.ok(b.admit());
  b.failed();
  t.equal(b.state, 'open', 'two failures inside the window still open it');
});

t.test('a failure moves the window on by the clock itself, before any timer has run', async (t) => {
  const b = new CircuitBreaker({ ...opts, volumeThreshold: 2, rollingWindowMs: 100 });
  t.teardown(() => b.shutdown());
  t.ok(b.admit());
  b.failed(); // 1 fire: below volume
  stall(150);
  // same callback, no timer ran: the old failure is out of the window, so this one alone is
  // below volume (its own fire went to the bucket the stall began in, a cost of counting
  // fires without a clock read; after a real stall the timers phase moves the ring first)
  t.ok(b.admit());
  b.failed();
  t.equal(b.state, 'closed');
});

t.test('failures inside the window keep counting across many ticks', async (t) => {
  const b = new CircuitBreaker({ ...opts, volumeThreshold: 3, rollingWindowMs: 2000 });
  t.teardown(() => b.shutdown());
  for (let i = 0; i < 2; i++) {
    t.ok(b.admit());
    b.failed();
    await new Promise((r) => setTimeout(r, 250)); // a few buckets of 200 ms pass
  }
  t.ok(b.admit());
  b.failed(); // 3 failures within ~500 ms of a 2 s window
  t.equal(b.state, 'open');
});
