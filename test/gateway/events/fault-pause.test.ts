// The acceptance scenario with Redis paused (CLIENT PAUSE … ALL) from 5 s to 11 s:
// connections stay open but nothing is answered, the case where a client without timeouts hangs.
import t from 'tap';
import { runFaultScenario } from './fault-driver.js';

t.test('Redis paused from 5 s to 11 s: every accepted event arrives', async (t) => {
  await runFaultScenario(t, {
    durationMs: 20000,
    ratePerS: 50,
    outageAtMs: 5000,
    outageEndMs: 11000,
    fault: (r) => r.pause(6000),
    recover: async () => undefined, // the pause ends by itself at 11 s
  });
});
