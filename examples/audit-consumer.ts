// Print every audit decision once. Run: REDIS_URL=redis://127.0.0.1:6379 npx tsx examples/audit-consumer.ts
import { createAuditConsumer, createDeduper } from '../src/consumer/index.js';

const seen = createDeduper({ window: 100_000 }); // delivery is at-least-once: drop repeats
const consumer = createAuditConsumer({
  redis: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  handler: async (event) => {
    if (!(await seen.first(event.decision_id))) return;
    console.log(event.timestamp, event.gateway.status, event.gateway.route, event.gateway.sub ?? '-', event.decision_id);
  },
});
process.once('SIGINT', () => void consumer.close());
