/**
 * What a decision-log sink is (console-sink.ts, service-sink.ts), and the metrics they share.
 *
 * A sink takes the JSON text of one audit event — encoded once per request by the audit encoder
 * and handed to every sink configured (decision-logs.ts) — and must never make a request wait:
 * `push` is synchronous and O(1); writing and uploading happen later.
 *
 * Metrics carry one label `sink` (console | service) and, for drops, a `reason` from a fixed set:
 * cardinality is bounded by the code, never by traffic.
 *
 * Example:
 * ```ts
 * const metrics = createSinkMetrics(registry);
 * const sink = createConsoleSink({ metrics });
 * sink.push('{"decision_id":"…"}');
 * await sink.close();
 * ```
 */
import { Counter, Gauge, type Registry } from 'prom-client';

export type SinkName = 'console' | 'service';

/** Why events were lost: spool full, its write backlog full, a disk error, one event over the upload limit, after close, not encodable. */
export type DropReason = 'spool_full' | 'spool_backlog' | 'spool_error' | 'too_large' | 'closed' | 'build_error';

export interface DecisionSink {
  readonly name: SinkName;
  /** One encoded event. Never throws, never waits. */
  push(json: string): void;
  /** Write or upload what is held now; resolves when it is written, uploaded or spooled. */
  flush(): Promise<void>;
  /** Flush, then stop; events still not delivered stay in the spool for the next start. */
  close(): Promise<void>;
}

export interface SinkMetrics {
  sent: Counter<'sink'>;
  failed: Counter<'sink'>;
  spooled: Counter<'sink'>;
  dropped: Counter<'sink' | 'reason'>;
  spoolBytes: Gauge<'sink'>;
}

/** One set per registry (a worker thread has its own registry; /metrics sums them). */
const bound = new WeakMap<Registry, SinkMetrics>();

export function createSinkMetrics(registry: Registry): SinkMetrics {
  let m = bound.get(registry);
  if (m === undefined) {
    const r = [registry];
    m = {
      sent: new Counter({ name: 'regate_decision_logs_sent_total', help: 'Decision-log events written (console) or acknowledged with a 2xx (service), replays included', labelNames: ['sink'], registers: r }),
      failed: new Counter({ name: 'regate_decision_logs_failed_total', help: 'Decision-log events whose write or upload failed (an upload failure spools them for a retry)', labelNames: ['sink'], registers: r }),
      spooled: new Counter({ name: 'regate_decision_logs_spooled_total', help: 'Decision-log events written to the sink\'s disk spool', labelNames: ['sink'], registers: r }),
      dropped: new Counter({ name: 'regate_decision_logs_dropped_total', help: 'Decision-log events lost, by reason', labelNames: ['sink', 'reason'], registers: r }),
      spoolBytes: new Gauge({ name: 'regate_decision_logs_spool_bytes', help: 'Bytes in the sink\'s disk spool', labelNames: ['sink'], registers: r }),
    };
    bound.set(registry, m);
  }
  return m;
}
