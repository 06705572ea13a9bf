/**
 * regate's public consumer API: read the audit and rate-limit queues the gateway writes.
 *
 * Example:
 * ```ts
 * import { createAuditConsumer, createDeduper } from 'regate/consumer';
 * const seen = createDeduper({ window: 100_000 });
 * createAuditConsumer({ redis: 'redis://127.0.0.1:6379', handler: async (e) => {
 *   if (await seen.first(e.decision_id)) console.log(e.gateway.status, e.input);
 * } });
 * ```
 */
export { createAuditConsumer, createEventConsumer, createRateLimitConsumer } from './event-consumer.js';
export type { ConsumerOptions, EventConsumer, EventMeta } from './event-consumer.js';
export { createDeduper } from './dedupe.js';
export type { Deduper, DeduperOptions } from './dedupe.js';
export type { AuditEvent, RateLimitEvent, EventBatch } from '../gateway/shared/event-types.js';
