/**
 * Consuming regate's event queues: a BullMQ Worker whose handler receives events one by one.
 * One job carries a batch (`job.data.events`, DESIGN.md "Queues"); the handler is awaited per
 * event in order. If it throws, the job fails and BullMQ retries the whole batch later (with the
 * producer's attempts/backoff), so events before the failing one are delivered again: delivery
 * is at-least-once — pair the handler with `createDeduper` when duplicates matter.
 *
 * Example (see examples/audit-consumer.ts):
 * ```ts
 * const consumer = createAuditConsumer({ redis: 'redis://127.0.0.1:6379', handler: async (e) => save(e) });
 * await consumer.close();
 * ```
 */
import { Worker } from 'bullmq';
import type { Job, WorkerOptions } from 'bullmq';
import type { Cluster, Redis } from 'ioredis';
import { createRedisClient, queuePrefix } from '../gateway/shared/redis-connection.js';
import type { AuditEvent, EventBatch, RateLimitEvent } from '../gateway/shared/event-types.js';

export interface EventMeta {
  jobId: string | undefined;
  /** 1 on first delivery of the batch; more when BullMQ retries it */
  attempt: number;
  index: number;
  queue: string;
}

export interface ConsumerOptions<E> {
  /** a Redis URL (redis://, rediss://, redis+cluster://, redis+sentinel://) or an ioredis client with `maxRetriesPerRequest: null` */
  redis: string | Redis | Cluster;
  handler: (event: E, meta: EventMeta) => unknown;
  queue?: string;
  /** BullMQ prefix, `regate` by default (hash-tagged automatically on Cluster URLs) */
  prefix?: string;
  /** batches processed in parallel (events inside one batch are always in order) */
  concurrency?: number;
  /** called when the handler throws (the batch will be retried); defaults to console.error */
  onError?: (err: unknown, meta: EventMeta) => void;
  /** extra BullMQ Worker options (lockDuration, stalledInterval, …) */
  worker?: Omit<WorkerOptions, 'connection' | 'prefix' | 'concurrency' | 'autorun'>;
}

export interface EventConsumer {
  readonly worker: Worker;
  /** resolves once the worker is connected and waiting for jobs */
  ready(): Promise<void>;
  close(): Promise<void>;
}

export function createEventConsumer<E>(opts: ConsumerOptions<E> & { queue: string }): EventConsumer {
  if (typeof opts.handler !== 'function') throw new TypeError('createEventConsumer: handler must be a function');
  const url = typeof opts.redis === 'string' ? opts.redis : undefined;
  const conn: Redis | Cluster = url !== undefined ? createRedisClient(url, { role: 'blocking', connectionName: 'regate-consumer' }) : (opts.redis as Redis | Cluster);
  const prefix = url !== undefined ? queuePrefix(url, opts.prefix) : (opts.prefix ?? 'regate');
  const worker = new Worker(
    opts.queue,
    async (job: Job<EventBatch<E>>) => {
      const events = Array.isArray(job.data?.events) ? job.data.events : [];
      for (let i = 0; i < events.length; i++) {
        const meta: EventMeta = { jobId: job.id, attempt: job.attemptsMade + 1, index: i, queue: opts.queue };
        try {
          await opts.handler(events[i]!, meta);
        } catch (err) {
          (opts.onError ?? ((e: unknown) => console.error('regate consumer: handler failed, batch will be retried', e)))(err, meta);
          throw err;
        }
      }
    },
    { ...(opts.worker ?? {}), connection: conn, prefix, concurrency: opts.concurrency ?? 1 } as ConstructorParameters<typeof Worker>[2],
  );
  // Connection errors while Redis is away are expected; the worker reconnects by itself.
  worker.on('error', () => undefined);
  return {
    worker,
    ready: () => worker.waitUntilReady().then(() => undefined),
    async close() {
      await worker.close();
      if (url !== undefined) conn.disconnect();
    },
  };
}

/** Audit events (queue `audit` unless configured otherwise), one by one. */
export function createAuditConsumer(opts: ConsumerOptions<AuditEvent>): EventConsumer {
  return createEventConsumer({ ...opts, queue: opts.queue ?? 'audit' });
}

/** Rate-limit events (queue `ratelimit`): `limit_exceeded` and `window_summary`. */
export function createRateLimitConsumer(opts: ConsumerOptions<RateLimitEvent>): EventConsumer {
  return createEventConsumer({ ...opts, queue: opts.queue ?? 'ratelimit' });
}
