// The acceptance scenario, twice: 20 s of traffic through the real gateway while its own
// Redis is unavailable from 5 s to 11 s, killed (SIGKILL, then restarted) or paused (CLIENT PAUSE
// … ALL: connections stay open but nothing is answered, where a client without timeouts hangs).
// Each subtest has its own Redis, upstream, gateway and consumer (fault-driver.ts); they run side
// by side (buffered, t.jobs) because each spends its 20 s mostly waiting on its own clock — one
// file slot for ~25 s instead of two files of ~21 s each.
import t from 'tap';
import { runFaultScenario } from './fault-driver.js';

t.jobs = 2;

t.test('Redis killed at 5 s, restarted at 11 s: every accepted event arrives', { buffered: true }, async (t) => {
  await runFaultScenario(t, {
    durationMs: 20000,
    ratePerS: 50,
    outageAtMs: 5000,
    outageEndMs: 11000,
    fault: (r) => r.kill(),
    recover: (r) => r.restart(),
  });
});

t.test('Redis paused from 5 s to 11 s: every accepted event arrives', { buffered: true }, async (t) => {
  await runFaultScenario(t, {
    durationMs: 20000,
    ratePerS: 50,
    outageAtMs: 5000,
    outageEndMs: 11000,
    fault: (r) => r.pause(6000),
    recover: async () => undefined, // the pause ends by itself at 11 s
  });
});
