/**
 * The decision-log fan-out: one audit event per decided request, encoded once, handed to every
 * sink `decision_logs` configures — the BullMQ audit queue (index.ts), stdout (console-sink.ts),
 * OPA's HTTP upload (service-sink.ts) — alone or together. It is an EventEmitter like the BullMQ
 * one, so the pipeline and the rate limiter do not know which sinks run; rate-limit events are
 * not decision logs and go to BullMQ only (dropped without it, as with `events.enabled: false`).
 *
 * Example:
 * ```ts
 * const events = createDecisionLogs({ config, bullmq }, { logger, registry });
 * events.emitAudit(ctx); // encoded once; BullMQ batch, stdout line and upload buffer get the same text
 * ```
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { GatewayConfig } from '../config/types.js';
import type { RequestContext } from '../pipeline/context.js';
import { decisionIdOf } from '../shared/decision-id.js';
import { createAuditEncoder } from './audit-encoder.js';
import { createConsoleSink } from './console-sink.js';
import { createSinkMetrics, type DecisionSink, type DropReason } from './decision-sink.js';
import type { EmitterStats, EventEmitter } from './index.js';
import type { RateLimitEventInput } from '../shared/event-types.js';
import { createServiceSink } from './service-sink.js';

export interface DecisionLogsOptions {
  config: Pick<GatewayConfig, 'events' | 'decision_logs'>;
  /** the BullMQ emitter when it runs (stages.ts decides), else null */
  bullmq: EventEmitter | null;
  /** labels.id of the events; the BullMQ emitter must have been made with the same */
  instanceId?: string;
}

export function createDecisionLogs(opts: DecisionLogsOptions, deps: { logger: Logger; registry: Registry }): EventEmitter {
  const { events: ev, decision_logs: dl } = opts.config;
  const metrics = createSinkMetrics(deps.registry);
  const sinks: DecisionSink[] = [];
  if (dl.console) sinks.push(createConsoleSink({ metrics }));
  if (dl.service !== undefined) {
    sinks.push(
      createServiceSink({
        config: { service: dl.service, resource: dl.resource, reporting: dl.reporting },
        // beside the BullMQ spool, in a directory of its own: each spool replays every file of its directory
        spoolDir: dl.service.spool_dir ?? join(ev.spool_dir, 'decision-logs'),
        fsyncMs: ev.spool_fsync_ms,
        metrics,
        logger: deps.logger,
      }),
    );
  }
  const bull = dl.bullmq ? opts.bullmq : null;
  const encode = createAuditEncoder({ mask: ev.mask, mask_headers: ev.mask_headers, labels: ev.labels, instanceId: opts.instanceId ?? randomUUID() });
  const log = deps.logger.child({ component: 'decision-logs' });
  let buildErrors = 0;

  const idle: EmitterStats = { emitted: 0, sent: 0, spooled: 0, replayed: 0, dropped: 0, spoolBytes: 0, inflight: 0, breaker: 'closed', redis: 'none' };
  return {
    emitAudit(ctx: RequestContext): string {
      const id = decisionIdOf(ctx);
      let json: string;
      try {
        json = encode(ctx, id);
      } catch (err) {
        // as the BullMQ emitter: an event that cannot be built must not fail the request
        buildErrors++;
        for (const s of sinks) metrics.dropped.inc({ sink: s.name, reason: 'build_error' satisfies DropReason });
        log.error({ err, code: 'GW_ERR_EVENTS_BUILD' }, 'decision logs: audit event not built');
        return id;
      }
      bull?.emitEncodedAudit(json);
      for (const s of sinks) s.push(json);
      return id;
    },
    emitEncodedAudit(json: string): void {
      bull?.emitEncodedAudit(json);
      for (const s of sinks) s.push(json);
    },
    emitRateLimit(input: RateLimitEventInput): string {
      return opts.bullmq ? opts.bullmq.emitRateLimit(input) : (input.event_id ?? randomUUID());
    },
    async flush() {
      await Promise.all([opts.bullmq?.flush(), ...sinks.map((s) => s.flush())]);
    },
    async replay() {
      await Promise.all([opts.bullmq?.replay(), ...sinks.map((s) => s.flush())]);
    },
    stats: () => {
      const s = opts.bullmq ? opts.bullmq.stats() : { ...idle };
      return { ...s, dropped: s.dropped + buildErrors };
    },
    async close() {
      await Promise.allSettled([opts.bullmq?.close(), ...sinks.map((s) => s.close())]);
    },
  };
}
