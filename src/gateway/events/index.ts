/**
 * The event emitter: audit and rate-limit events to BullMQ queues, never blocking a request and
 * never losing an accepted event while Redis is away.
 *
 *   emit*() ──► in-memory batch (per queue) ──sealed by size/age──► BullMQ job (one per batch)
 *                                                   │ breaker open, Redis down, send failed,
 *                                                   ▼ too many in flight
 *                                              disk spool (JSONL) ──Redis back──► replay
 *
 * `emit*` is synchronous and O(1) apart from encoding the event: each event is written as JSON
 * straight into its batch's buffer (audit-encoder.ts, batch-buffer.ts say why), so a sealed batch
 * is already the bytes Redis stores (encoded-queue.ts) and, behind a `{"q":…,"id":…,` prefix,
 * the spool line when the batch goes to disk (issue #6: CPU per event). Sends go through a producer
 * connection that fails fast (see shared/redis-connection.ts) and an opossum breaker, so a dead or
 * paused Redis costs a spool append, not a wait. Delivery is at-least-once: every event has a
 * unique id (`decision_id` / `event_id`) and consumers deduplicate (src/consumer/dedupe.ts).
 * Only at the spool's size cap are events dropped, counted in `regate_events_dropped_total`
 * (besides an event that cannot be built or serialised at all, reason `build_error`).
 *
 * Example:
 * ```ts
 * const events = createEventEmitter({ redis: config.redis, events: config.events }, { logger, registry });
 * events.emitAudit(ctx);        // after the response is written
 * await events.close();         // flushes, replays what it can, closes Redis
 * ```
 */
import { randomUUID } from 'node:crypto';
import CircuitBreaker from 'opossum';
import type { Logger } from 'pino';
import { Counter, Gauge } from 'prom-client';
import type { Registry } from 'prom-client';
import type { EventsConfig, RedisConfig } from '../config/types.js';
import type { RequestContext } from '../pipeline/context.js';
import { createAuditEncoder } from './audit-encoder.js';
import { BatchBuffer } from './batch-buffer.js';
import { rfc3339Nano } from '../shared/time-format.js';
import { decisionIdOf } from '../shared/decision-id.js';
import { EncodedJobData, EncodedQueue } from './encoded-queue.js';
import { createRedisClient, queuePrefix } from '../shared/redis-connection.js';
import { openSpool } from './spool.js';
import type { EncodedBatch, SpooledBatch } from './spool.js';
import type { AuditEvent, RateLimitEvent, RateLimitEventInput } from '../shared/event-types.js';

export type { AuditEvent, RateLimitEvent, RateLimitEventInput, EventBatch } from '../shared/event-types.js';
export { decisionIdOf } from '../shared/decision-id.js';
export { createDecisionLogs } from './decision-logs.js';

export interface EventEmitter {
  /** Build and enqueue the audit event of a decided request; returns its decision_id. Never throws. */
  emitAudit(ctx: RequestContext): string;
  /**
   * Enqueue an audit event already encoded (decision-logs.ts encodes once for every sink). Never
   * throws.
   */
  emitEncodedAudit(json: string): void;
  /** Enqueue a rate-limit event; returns its event_id. Never throws. */
  emitRateLimit(event: RateLimitEventInput): string;
  /** Seal open batches and wait until every batch sealed so far is in Redis or in the spool. */
  flush(): Promise<void>;
  /** Try to replay the spool now (normally automatic). */
  replay(): Promise<void>;
  /** Counters for tests and /readyz. */
  stats(): EmitterStats;
  close(): Promise<void>;
}

export interface EmitterStats {
  emitted: number;
  sent: number;
  spooled: number;
  replayed: number;
  dropped: number;
  spoolBytes: number;
  inflight: number;
  breaker: 'closed' | 'open' | 'half-open';
  /** the producer connection's state (ioredis status: 'ready' when connected) */
  redis: string;
}

type Kind = 'audit' | 'ratelimit';

/** Counts the holders of a sealed batch's buffer; the last one out gives it back. */
class SendHold {
  /** set by the breaker's action: opossum called it */
  started = false;
  private holders = 2;
  constructor(private readonly onFree: () => void) {}

  release(): void {
    if (--this.holders === 0) this.onFree();
  }
}

/** The open (not yet sealed) batch of one queue, as the bytes Redis will store. */
interface OpenBatch {
  kind: Kind;
  queue: string;
  events: BatchBuffer;
  timer: NodeJS.Timeout | null;
  /** the `emitted` counter child for this queue, bound once; incremented per batch, not per event */
  emitted: { inc(n: number): void };
}

/**
 * Builds the emitter from the `redis` and `events` sections as the config loader completed them
 * (config/events-schema.ts holds every default).
 */
export function createEventEmitter(
  cfg: { readonly redis: RedisConfig; readonly events: EventsConfig },
  deps: { logger: Logger; registry: Registry; instanceId?: string },
): EventEmitter {
  const ev = cfg.events;
  const log = deps.logger.child({ component: 'events' });
  const batchSize = ev.batch_size;
  const flushMs = ev.flush_ms;
  const maxInflight = ev.max_inflight;
  const maxBatchBytes = 8 * 1024 * 1024;
  const commandTimeout = cfg.redis.command_timeout_ms;
  const queueNames: Record<Kind, string> = { audit: ev.queues.audit, ratelimit: ev.queues.ratelimit };
  const prefix = queuePrefix(cfg.redis.url, cfg.redis.prefix);
  const instanceId = deps.instanceId ?? randomUUID();

  const m = {
    emitted: new Counter({ name: 'regate_events_emitted_total', help: 'Events accepted by the emitter', labelNames: ['queue'], registers: [deps.registry] }),
    sent: new Counter({ name: 'regate_events_sent_total', help: 'Events written to their BullMQ queue (replays included)', labelNames: ['queue'], registers: [deps.registry] }),
    spooled: new Counter({ name: 'regate_events_spooled_total', help: 'Events written to the disk spool', labelNames: ['queue'], registers: [deps.registry] }),
    replayed: new Counter({ name: 'regate_events_replayed_total', help: 'Events replayed from the spool', registers: [deps.registry] }),
    dropped: new Counter({ name: 'regate_events_dropped_total', help: 'Events lost (spool full or unwritable)', labelNames: ['queue', 'reason'], registers: [deps.registry] }),
    spoolBytes: new Gauge({
      name: 'regate_events_spool_bytes',
      help: 'Bytes in the disk spool',
      registers: [deps.registry],
      // read at scrape time too, not only at each replay tick (the spool is opened just below)
      collect() {
        this.set(spool.bytes());
      },
    }),
  };
  const counts = { emitted: 0, sent: 0, spooled: 0, replayed: 0, dropped: 0 };

  const spool = openSpool({
    dir: ev.spool_dir,
    maxBytes: ev.spool_max_bytes,
    fsyncMs: ev.spool_fsync_ms,
    maxPendingEvents: ev.max_buffered,
    logger: log,
    onDrop: (q, n, reason) => {
      counts.dropped += n;
      m.dropped.inc({ queue: q, reason }, n);
    },
  });

  const producer = createRedisClient(cfg.redis.url, {
    role: 'producer',
    commandTimeoutMs: commandTimeout,
    connectTimeoutMs: cfg.redis.connect_timeout_ms,
    connectionName: `regate-events-${instanceId}`,
  });
  // ioredis emits 'error' on every failed reconnect; the breaker and the spool handle the outage.
  let lastErrLog = 0;
  producer.on('error', (err: Error) => {
    const now = Date.now();
    if (now - lastErrLog > 5000) {
      lastErrLog = now;
      log.warn({ err: err.message }, 'events: redis unavailable, spooling');
    }
  });
  // BullMQ's connection init runs INFO at once and, with the offline queue off, a Queue made
  // while Redis is down stays broken for good. So queues are made on the producer's first
  // 'ready' and remade on a later 'ready' if their init failed.
  let queues: Record<Kind, EncodedQueue> | null = null;
  let queuesBroken = false;
  const oldQueues: EncodedQueue[] = [];
  function makeQueues(): void {
    if (queues && !queuesBroken) return;
    if (queues) oldQueues.push(queues.audit, queues.ratelimit);
    const mk = (name: string) => {
      const q = new EncodedQueue(name, { connection: producer, prefix, skipWaitingForReady: true } as ConstructorParameters<typeof EncodedQueue>[1]);
      q.on('error', () => undefined); // reported via the producer's own 'error'
      q.waitUntilReady().catch(() => {
        queuesBroken = true;
      });
      return q;
    };
    queues = { audit: mk(queueNames.audit), ratelimit: mk(queueNames.ratelimit) };
    queuesBroken = false;
  }
  if (producer.status === 'ready') makeQueues();
  const jobOpts = {
    removeOnComplete: ev.keep_completed_s > 0 ? { age: ev.keep_completed_s } : true,
    removeOnFail: ev.keep_failed,
    attempts: ev.job_attempts,
    backoff: { type: 'exponential', delay: ev.job_backoff_ms },
  } as const;
  const byQueueName = new Map<string, Kind>([[queueNames.audit, 'audit'], [queueNames.ratelimit, 'ratelimit']]);

  const breaker = new CircuitBreaker(
    async (b: EncodedBatch | SpooledBatch, hold?: SendHold) => {
      if (hold) hold.started = true;
      try {
        const kind = byQueueName.get(b.q);
        if (!kind) throw new Error(`unknown queue ${b.q}`); // a spool written under another config
        // Fail fast before BullMQ: with no connection it would otherwise wait for one.
        if (producer.status !== 'ready' || !queues || queuesBroken) throw new Error('redis not ready');
        // job.data = {"events":[…]} (DESIGN.md "Queues"), as bytes: a sealed batch already is
        // (batch-buffer.ts), a batch read back from the spool is serialised here (encoded-queue.ts
        // says why BullMQ is not left to do either).
        const data = new EncodedJobData('data' in b ? b.data : Buffer.from(JSON.stringify({ events: b.events })));
        await queues[kind].add('batch', data, { ...jobOpts, jobId: b.id });
      } finally {
        // BullMQ's call has settled: ioredis has written the bytes (or never will)
        hold?.release();
      }
    },
    {
      timeout: commandTimeout * 2,
      errorThresholdPercentage: 50,
      volumeThreshold: 2,
      resetTimeout: ev.replay_interval_ms,
      rollingCountTimeout: 10000,
      // nothing reads opossum's rolling stats: no 'snapshot' event (a timer per breaker that
      // summed its window every second: ~1 k instructions per request under callgrind's pace,
      // issue #20) and no latency list per call for percentiles
      enableSnapshots: false,
      rollingPercentilesEnabled: false,
    },
  );
  breaker.on('open', () => log.warn('events: breaker open, spooling'));
  breaker.on('close', () => {
    log.info('events: breaker closed');
    triggerReplay();
  });

  let inflight = 0;
  const inflightDone = new Set<Promise<unknown>>();
  let closing = false;
  let closeStarted = false;

  function toSpool(b: EncodedBatch): void {
    if (spool.append(b)) {
      counts.spooled += b.n;
      m.spooled.inc({ queue: b.q }, b.n);
    }
  }

  /** Sends a sealed batch; its buffer goes back to `from` once neither the send nor the spool reads it. */
  function send(b: EncodedBatch, from: BatchBuffer): void {
    if (inflight >= maxInflight || breaker.opened || producer.status !== 'ready' || !queues) {
      toSpool(b); // copies the bytes
      from.recycle(b.data);
      return;
    }
    inflight++;
    // Two holders: the breaker's call of BullMQ and the outcome below. They finish in either
    // order: on a timeout opossum rejects (the outcome spools a copy) while the call still runs.
    const hold = new SendHold(() => from.recycle(b.data));
    const p = breaker.fire(b, hold).then(
      () => {
        counts.sent += b.n;
        m.sent.inc({ queue: b.q }, b.n);
        if (spool.pending()) triggerReplay();
        hold.release();
      },
      (err: unknown) => {
        log.debug({ err }, 'events: send failed');
        toSpool(b);
        hold.release();
      },
    );
    if (!hold.started) hold.release(); // opossum refused without calling (half-open, say)
    inflightDone.add(p);
    void p.finally(() => {
      inflight--;
      inflightDone.delete(p);
    });
  }

  // Read at scrape time (prom-client `collect`): the request path pays nothing for them.
  new Gauge({
    name: 'regate_events_queue_depth',
    help: 'Events held in memory: in the open batch of each queue, not yet sealed',
    labelNames: ['queue'],
    registers: [deps.registry],
    collect() {
      for (const k of ['audit', 'ratelimit'] as const) this.set({ queue: queueNames[k] }, buffers[k].events.count);
    },
  });
  new Gauge({
    name: 'regate_events_inflight_batches',
    help: 'Sealed batches being written to Redis now (at events.max_inflight more go to the spool)',
    registers: [deps.registry],
    collect() {
      this.set(inflight);
    },
  });

  const buffers: Record<Kind, OpenBatch> = {
    audit: { kind: 'audit', queue: queueNames.audit, events: new BatchBuffer(), timer: null, emitted: m.emitted.labels(queueNames.audit) },
    ratelimit: { kind: 'ratelimit', queue: queueNames.ratelimit, events: new BatchBuffer(), timer: null, emitted: m.emitted.labels(queueNames.ratelimit) },
  };

  function seal(buf: OpenBatch): void {
    if (buf.timer) {
      clearTimeout(buf.timer);
      buf.timer = null;
    }
    const n = buf.events.count;
    if (n === 0) return;
    buf.emitted.inc(n);
    send({ q: buf.queue, id: randomUUID(), n, data: buf.events.seal() }, buf.events);
  }

  function push(buf: OpenBatch, json: string): void {
    buf.events.append(json);
    counts.emitted++;
    // sealed by count, or by size: a few huge events (a big policy result) must not make a job
    // that Redis or a consumer chokes on
    if (buf.events.count >= batchSize || buf.events.bytes >= maxBatchBytes) seal(buf);
    else if (buf.timer === null) {
      buf.timer = setTimeout(() => seal(buf), flushMs);
      buf.timer.unref?.();
    }
  }

  let replaying: Promise<void> | null = null;
  function triggerReplay(): Promise<void> {
    if (replaying || !spool.pending() || producer.status !== 'ready' || breaker.opened) return replaying ?? Promise.resolve();
    replaying = spool
      .replay(async (b) => {
        await breaker.fire(b);
        counts.sent += b.events.length;
        m.sent.inc({ queue: b.q }, b.events.length);
      })
      .then((r) => {
        counts.replayed += r.events;
        m.replayed.inc(r.events);
        if (r.events > 0) log.info({ events: r.events, batches: r.sent, complete: !r.failed }, 'events: spool replayed');
      })
      .catch((err: unknown) => log.error({ err }, 'events: spool replay failed'))
      .finally(() => {
        replaying = null;
      });
    return replaying;
  }
  producer.on('ready', () => {
    makeQueues();
    void triggerReplay();
  });
  const replayTimer = setInterval(() => {
    m.spoolBytes.set(spool.bytes());
    void triggerReplay();
  }, ev.replay_interval_ms);
  replayTimer.unref();
  if (spool.pending()) void triggerReplay(); // a previous run's leftovers

  const encodeAudit = createAuditEncoder({ mask: ev.mask, mask_headers: ev.mask_headers, labels: ev.labels, instanceId });

  async function flush(): Promise<void> {
    seal(buffers.audit);
    seal(buffers.ratelimit);
    // bounded: each pass waits for the batches in flight at that moment
    for (let i = 0; i < 100 && inflightDone.size > 0; i++) await Promise.allSettled([...inflightDone]);
  }

  return {
    emitAudit(ctx: RequestContext): string {
      const id = decisionIdOf(ctx);
      if (!ev.enabled) return id;
      if (closing) {
        // after close() there is nowhere safe to put it: count it, never lose it silently
        counts.dropped++;
        m.dropped.inc({ queue: queueNames.audit, reason: 'closed' });
        return id;
      }
      try {
        push(buffers.audit, encodeAudit(ctx, id));
      } catch (err) {
        // An event that cannot be built or serialised (a context broken by a bug, a bigint in a
        // policy result) must not fail the request, nor the batch it would have joined.
        counts.dropped++;
        m.dropped.inc({ queue: queueNames.audit, reason: 'build_error' });
        log.error({ err, code: 'GW_ERR_EVENTS_BUILD' }, 'events: audit event not built');
      }
      return id;
    },
    emitEncodedAudit(json: string): void {
      if (!ev.enabled) return;
      if (closing) {
        counts.dropped++;
        m.dropped.inc({ queue: queueNames.audit, reason: 'closed' });
        return;
      }
      push(buffers.audit, json);
    },
    emitRateLimit(input: RateLimitEventInput): string {
      const id = input.event_id ?? randomUUID();
      if (!ev.enabled) return id;
      if (closing) {
        counts.dropped++;
        m.dropped.inc({ queue: queueNames.ratelimit, reason: 'closed' });
        return id;
      }
      const e: RateLimitEvent = { ...input, event_id: id, timestamp: input.timestamp ?? rfc3339Nano(Date.now()) };
      let json: string;
      try {
        json = JSON.stringify(e);
      } catch (err) {
        counts.dropped++;
        m.dropped.inc({ queue: queueNames.ratelimit, reason: 'build_error' });
        log.error({ err, code: 'GW_ERR_EVENTS_BUILD' }, 'events: rate-limit event not serialisable, dropped');
        return id;
      }
      push(buffers.ratelimit, json);
      return id;
    },
    flush,
    async replay() {
      await flush();
      await triggerReplay();
    },
    stats: () => ({
      ...counts,
      spoolBytes: spool.bytes(),
      inflight,
      breaker: breaker.opened ? 'open' : breaker.halfOpen ? 'half-open' : 'closed',
      redis: producer.status === 'ready' && queues && !queuesBroken ? 'ready' : producer.status === 'ready' ? 'connecting' : producer.status,
    }),
    async close() {
      if (closing || closeStarted) return;
      closeStarted = true;
      // Stages closed alongside us (the rate limiter's last window summaries) may still emit in
      // this turn of the event loop: take those, then refuse further events.
      await new Promise((r) => setImmediate(r));
      closing = true;
      await flush();
      // One last replay attempt, so a clean shutdown leaves nothing behind when Redis is up.
      if (producer.status === 'ready' && !breaker.opened) await triggerReplay();
      else if (replaying) await replaying;
      clearInterval(replayTimer);
      await spool.close();
      breaker.shutdown();
      await Promise.allSettled([...(queues ? [queues.audit, queues.ratelimit] : []), ...oldQueues].map((q) => q.close()));
      producer.disconnect();
    },
  };
}

