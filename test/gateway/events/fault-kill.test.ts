// The acceptance scenario with Redis killed (SIGKILL) at 5 s and restarted at 11 s.
import t from 'tap';
import { runFaultScenario } from './fault-driver.js';

t.test('Redis killed at 5 s, restarted at 11 s: every accepted event arrives', async (t) => {
  await runFaultScenario(t, {
    durationMs: 20000,
    ratePerS: 50,
    outageAtMs: 5000,
    outageEndMs: 11000,
    fault: (r) => r.kill(),
    recover: (r) => r.restart(),
  });
});
