/**
 * The console decision-log sink: each event as one JSON line on stdout, as OPA's
 * `decision_logs.console: true` prints them, for a log shipper that tails the container's output.
 *
 * Lines are gathered during one turn of the event loop and written with a single
 * `process.stdout.write` of whole lines (at most `MAX_WRITE` bytes each), so an event line is
 * never split by another writer's output: on Linux stdout writes to files, pipes and terminals
 * are synchronous (Node docs "A note on process I/O"), and the logger (pino) writes its own lines
 * whole, synchronously too, so within a thread the two only ever alternate at line boundaries.
 * With `listen.workers` > 1 each thread writes its own lines; README "Decision-log sinks" states
 * the pipe-atomicity limit that applies then (as it does to the logs).
 *
 * Example:
 * ```ts
 * const sink = createConsoleSink({ metrics: createSinkMetrics(registry) });
 * sink.push(json); // written before the next turn of the event loop
 * ```
 */
import type { DecisionSink, SinkMetrics } from './decision-sink.js';

/** bytes per write: big enough to amortise the call, small enough not to hold the loop long */
const MAX_WRITE = 64 * 1024;

export interface ConsoleSinkOptions {
  metrics: SinkMetrics;
  /** where lines go (default process.stdout); tests pass a stream of their own */
  out?: { write(chunk: string): boolean };
}

export function createConsoleSink(opts: ConsoleSinkOptions): DecisionSink {
  const out = opts.out ?? process.stdout;
  const sent = opts.metrics.sent.labels('console');
  const failed = opts.metrics.failed.labels('console');
  let lines: string[] = [];
  let scheduled = false;
  let closed = false;

  function writeOut(): void {
    scheduled = false;
    const batch = lines;
    lines = [];
    let chunk = '';
    let n = 0;
    const emit = () => {
      try {
        out.write(chunk);
        sent.inc(n);
      } catch {
        // stdout closed under us (EPIPE): nothing else can take these lines
        failed.inc(n);
      }
      chunk = '';
      n = 0;
    };
    for (const l of batch) {
      if (chunk.length > 0 && chunk.length + l.length + 1 > MAX_WRITE) emit();
      chunk += l + '\n';
      n++;
    }
    if (n > 0) emit();
  }

  return {
    name: 'console',
    push(json) {
      if (closed) {
        opts.metrics.dropped.inc({ sink: 'console', reason: 'closed' });
        return;
      }
      lines.push(json);
      if (!scheduled) {
        scheduled = true;
        setImmediate(writeOut);
      }
    },
    async flush() {
      if (lines.length > 0) writeOut();
    },
    async close() {
      if (lines.length > 0) writeOut();
      closed = true;
    },
  };
}
