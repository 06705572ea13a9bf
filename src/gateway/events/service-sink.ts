/**
 * The service decision-log sink: OPA's HTTP decision-log upload protocol (OPA docs "Decision
 * Logs", `plugins/logs`), so a log pipeline built for OPA takes regate's events unchanged.
 *
 * Protocol, as OPA speaks it: events are batched and each batch is POSTed to
 * `<service url><resource>` (resource default `/logs`) as a JSON array, gzip-compressed, with
 * `Content-Type: application/json` and `Content-Encoding: gzip`; a body's compressed size stays
 * under `reporting.upload_size_limit_bytes` (upload-chunks.ts). A 2xx acknowledges the batch;
 * anything else — another status, a connection failure, a timeout — is a failed upload.
 * Uploads run every random `[min_delay_seconds, max_delay_seconds]` after the last success; after
 * a failure the next try comes sooner and then backs off exponentially (100 ms doubling up to
 * `max_delay_seconds`, ±20 % jitter so a fleet does not retry in step), as OPA's plugin does.
 *
 * No loss (the BullMQ emitter's guarantee, with the same spool, spool.ts): events wait in memory
 * between uploads; a failed upload writes its events to the disk spool at once, so events the
 * service has not acknowledged survive a restart and are uploaded — before newer ones — by the
 * next round, of this process or the next. So does what is still in memory at shutdown when the
 * service cannot take it. When the spool is at `spool_max_bytes`, *new* events are dropped (the
 * spooled ones are older and kept), counted in `regate_decision_logs_dropped_total{reason}` and
 * logged. A process crash loses what was in memory (at most one reporting interval of events,
 * or `max_buffered`, beyond which events go to the spool at once). Delivery is at-least-once: a
 * batch acknowledged after its deadline, or a spooled batch cut into several uploads of which a
 * later one failed, is sent again; `decision_id` identifies an event for deduplication.
 *
 * `push` only appends to an array: a request never waits on the service.
 *
 * Example:
 * ```ts
 * const sink = createServiceSink({ config: config.decision_logs, spoolDir, fsyncMs: 200, metrics, logger });
 * sink.push(json);
 * await sink.close(); // a last upload; what it could not deliver stays spooled
 * ```
 */
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import { Agent, request } from 'undici';
import type { DecisionLogsConfig, DecisionLogServiceConfig } from '../config/types.js';
import { createClientTlsOptions } from '../shared/client-tls.js';
import { REGATE_VERSION } from '../shared/version.js';
import type { DecisionSink, SinkMetrics } from './decision-sink.js';
import { openSpool } from './spool.js';
import { createUploadChunker } from './upload-chunks.js';

/** OPA's minRetryDelay: the first retry after a failure */
const FIRST_RETRY_MS = 100;
const JITTER = 0.2;
const QUEUE = 'decision_logs';

export interface ServiceSinkOptions {
  config: Pick<DecisionLogsConfig, 'resource' | 'reporting'> & { readonly service: DecisionLogServiceConfig };
  /** the spool's directory (decision-logs.ts resolves the default) */
  spoolDir: string;
  fsyncMs: number;
  metrics: SinkMetrics;
  logger: Logger;
  /** [0, 1) for the cadence and the jitter (default Math.random) */
  random?: () => number;
}

/** The upload URL: the service URL with the resource appended (`https://h/v1` + `/logs`). */
export function uploadUrl(serviceUrl: string, resource: string): URL {
  return new URL(serviceUrl.replace(/\/+$/, '') + resource);
}

/** Delay before retry number `retry` (0 = the first after a failure): OPA's exponential backoff with jitter. */
export function retryDelayMs(retry: number, maxMs: number, random: () => number): number {
  let d = FIRST_RETRY_MS;
  for (let i = 0; i < retry && d < maxMs; i++) d *= 2;
  d = Math.min(d, maxMs);
  return Math.round(d * (1 + JITTER * (random() * 2 - 1)));
}

export function createServiceSink(opts: ServiceSinkOptions): DecisionSink {
  const { service, resource, reporting } = opts.config;
  const random = opts.random ?? Math.random;
  const log = opts.logger.child({ component: 'decision-logs', sink: 'service' });
  const m = opts.metrics;
  const sent = m.sent.labels('service');
  const failed = m.failed.labels('service');
  const spooledC = m.spooled.labels('service');
  const url = uploadUrl(service.url, resource);
  const dispatcher = new Agent({
    ...(url.protocol === 'https:' ? { connect: createClientTlsOptions(service.tls, url.hostname) } : {}),
    headersTimeout: service.timeout_ms,
    bodyTimeout: service.timeout_ms,
  });
  const chunker = createUploadChunker(reporting.upload_size_limit_bytes);
  const minMs = reporting.min_delay_seconds * 1000;
  const maxMs = reporting.max_delay_seconds * 1000;
  const spool = openSpool({
    dir: opts.spoolDir,
    maxBytes: service.spool_max_bytes,
    fsyncMs: opts.fsyncMs,
    maxPendingEvents: service.max_buffered,
    logger: log,
    onDrop: (_q, n, reason) => m.dropped.inc({ sink: 'service', reason }, n),
  });

  let buffer: string[] = [];
  let timer: NodeJS.Timeout | null = null;
  let retry = 0;
  let round: Promise<void> | null = null;
  let closed = false;
  let lastFailLog = 0;

  async function authorization(): Promise<string | undefined> {
    const b = service.credentials?.bearer;
    if (b === undefined) return undefined;
    // re-read per upload: a token file rotated by a sidecar is used from the next upload on
    const token = b.token ?? (await readFile(b.token_path!, 'utf8')).trim();
    return `${b.scheme} ${token}`;
  }

  /** One POST; resolves on a 2xx, rejects with the reason otherwise. */
  async function post(body: Buffer): Promise<void> {
    const auth = await authorization();
    const res = await request(url, {
      method: 'POST',
      dispatcher,
      headers: {
        'content-type': 'application/json',
        'content-encoding': 'gzip',
        'user-agent': `regate/${REGATE_VERSION}`,
        ...(auth !== undefined ? { authorization: auth } : {}),
      },
      body,
      signal: AbortSignal.timeout(service.timeout_ms),
    });
    await res.body.dump();
    if (res.statusCode < 200 || res.statusCode > 299) throw new Error(`status ${res.statusCode}`);
  }

  /** Uploads events in bodies under the size limit; throws at the first failed body, with the events not yet acknowledged. */
  async function upload(events: readonly string[]): Promise<void> {
    const { bodies, tooLarge } = await chunker.split(events);
    if (tooLarge.length > 0) {
      m.dropped.inc({ sink: 'service', reason: 'too_large' }, tooLarge.length);
      log.error({ events: tooLarge.length, limit: reporting.upload_size_limit_bytes, code: 'GW_ERR_EVENTS_DROPPED' }, 'decision logs: event larger than upload_size_limit_bytes compressed, dropped');
    }
    for (let i = 0; i < bodies.length; i++) {
      const b = bodies[i]!;
      try {
        await post(b.gzip);
      } catch (err) {
        const rest = bodies.slice(i).flatMap((x) => x.events);
        failed.inc(rest.length);
        throw new UploadFailed(rest, err);
      }
      sent.inc(b.events.length);
    }
  }

  function toSpool(events: readonly string[]): void {
    if (events.length === 0) return;
    const data = Buffer.from('{"events":[' + events.join(',') + ']}');
    if (spool.append({ q: QUEUE, id: randomUUID(), n: events.length, data })) spooledC.inc(events.length);
  }

  function noteFailure(err: unknown, next: number): void {
    const now = Date.now();
    if (now - lastFailLog < 5000) return;
    lastFailLog = now;
    const cause = err instanceof UploadFailed ? err.cause : err;
    log.warn({ err: cause instanceof Error ? cause.message : String(cause), url: url.origin + url.pathname, retry_in_ms: next }, 'decision logs: upload failed, events spooled');
  }

  /** Spooled events first (oldest), then what is in memory. Single-flight. */
  function runRound(): Promise<void> {
    if (round) return round;
    round = (async () => {
      let ok = true;
      let error: unknown;
      if (spool.pending()) {
        const r = await spool.replay(async (b) => upload(b.events.map((e) => JSON.stringify(e))));
        if (r.failed) {
          ok = false;
          error = new Error('upload of spooled events failed');
        }
      }
      const events = buffer;
      buffer = [];
      if (ok && events.length > 0) {
        try {
          await upload(events);
        } catch (err) {
          ok = false;
          error = err;
          toSpool(err instanceof UploadFailed ? err.events : events);
        }
      } else toSpool(events); // the service is failing: unacknowledged events go to disk now
      m.spoolBytes.set({ sink: 'service' }, spool.bytes());
      const next = ok ? minMs + random() * (maxMs - minMs) : retryDelayMs(retry++, maxMs, random);
      if (ok) {
        if (retry > 0) log.info('decision logs: uploads succeed again');
        retry = 0;
      } else noteFailure(error, next);
      return next;
    })()
      .catch((err: unknown) => {
        log.error({ err }, 'decision logs: upload round failed');
        return retryDelayMs(retry++, maxMs, random);
      })
      .then((next) => {
        round = null;
        if (!closed) schedule(next);
      });
    return round;
  }

  function schedule(ms: number): void {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      void runRound();
    }, ms);
    timer.unref();
  }
  schedule(minMs + random() * (maxMs - minMs));

  return {
    name: 'service',
    push(json) {
      if (closed) {
        m.dropped.inc({ sink: 'service', reason: 'closed' });
        return;
      }
      buffer.push(json);
      // a burst between uploads: beyond max_buffered the events wait on disk instead
      if (buffer.length >= service.max_buffered) {
        const full = buffer;
        buffer = [];
        toSpool(full);
      }
    },
    async flush() {
      if (round) await round;
      await runRound();
    },
    async close() {
      if (closed) return;
      closed = true;
      if (timer) clearTimeout(timer);
      if (round) await round;
      await runRound();
      await spool.close();
      await dispatcher.close();
    },
  };
}

/** A failed upload, with the events it did not deliver. */
class UploadFailed extends Error {
  constructor(
    readonly events: readonly string[],
    override readonly cause: unknown,
  ) {
    super('decision-log upload failed');
  }
}
