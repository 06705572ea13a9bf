import t from 'tap';
import { runFaultScenario } from '../test/gateway/events/fault-driver.js';
t.test('x', async (t) => {
  await runFaultScenario(t, { durationMs: 20000, ratePerS: 500, outageAtMs: 5000, outageEndMs: 11000, fault: (r) => r.pause(6000), recover: async () => undefined });
});
