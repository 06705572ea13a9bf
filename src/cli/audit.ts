/**
 * `regate audit tail [--follow] [--json] [--redis url] [--queue audit] [--prefix regate]`
 *
 * Prints the events waiting in a regate queue, then (with --follow) each batch as it is added.
 * Tail only *reads*: it never takes jobs away from the real consumers. The price is that a
 * batch a fast consumer completes (and removes) before tail fetches it cannot be shown; tail
 * says how many batches it missed that way on stderr rather than pretending it saw everything.
 *
 * Example:
 * ```sh
 * regate audit tail --follow --redis redis://127.0.0.1:6379
 * regate audit tail --json --queue ratelimit | jq .key
 * ```
 */
import { Queue, QueueEvents } from 'bullmq';
import { createRedisClient, parseRedisUrl, queuePrefix } from '../gateway/events/redis-connection.js';
import type { AuditEvent, RateLimitEvent } from '../gateway/events/types.js';

export interface TailOptions {
  redis: string;
  queue: string;
  prefix?: string;
  follow: boolean;
  json: boolean;
}

const USAGE = 'usage: regate audit tail [--follow] [--json] [--redis url] [--queue audit|ratelimit] [--prefix regate]\n';

/** One human line per event: enough to watch a live gateway; --json has everything. */
export function formatEvent(e: unknown): string {
  const a = e as Partial<AuditEvent> & Partial<RateLimitEvent>;
  if (a.gateway) {
    const g = a.gateway;
    const req = (a.input as { request?: { method?: string; path?: string } } | undefined)?.request;
    return [a.timestamp, a.decision_id, g.status, req?.method ?? '-', req?.path ?? '-', `route=${g.route}`, `sub=${g.sub ?? '-'}`, `client=${g.client_id ?? '-'}`, g.error ?? '', g.rate_limited ? 'rate_limited' : '', g.degraded ? 'degraded' : '']
      .filter((x) => x !== '')
      .join(' ');
  }
  if (a.type) {
    const counts = a.type === 'window_summary' ? ` allowed=${a.allowed} denied=${a.denied}` : '';
    return `${a.timestamp} ${a.event_id} ${a.type} key=${a.key} limit=${a.limit}/${a.window_s}s remaining=${a.remaining}${counts} route=${a.route ?? '-'} sub=${a.sub ?? '-'}`;
  }
  return JSON.stringify(e);
}

/**
 * The tail loop, separated from argv parsing so it can be driven in-process. `write` gets one
 * line per event (without newline). Resolves with the exit code when done (no --follow) or
 * when `signal` aborts.
 */
export async function tailEvents(opts: TailOptions, write: (line: string) => void, signal?: AbortSignal, warn: (s: string) => void = (s) => process.stderr.write(s + '\n')): Promise<number> {
  parseRedisUrl(opts.redis); // a bad URL is a usage error before any connection
  const prefix = queuePrefix(opts.redis, opts.prefix);
  const conn = createRedisClient(opts.redis, { role: 'blocking', connectionName: 'regate-audit-tail' });
  conn.on('error', () => undefined);
  const queue = new Queue(opts.queue, { connection: conn, prefix });
  queue.on('error', () => undefined);
  const shown = new Set<string>(); // job ids already printed (waiting jobs may also be announced)
  let missed = 0;

  const print = (data: unknown): void => {
    const events = (data as { events?: unknown[] } | undefined)?.events;
    if (!Array.isArray(events)) return;
    for (const e of events) write(opts.json ? JSON.stringify(e) : formatEvent(e));
  };

  let qe: QueueEvents | null = null;
  let qeConn: ReturnType<typeof createRedisClient> | null = null;
  try {
    await queue.waitUntilReady();
    if (opts.follow) {
      // Subscribe before listing, so a batch added in between is seen (dedup by job id).
      qeConn = createRedisClient(opts.redis, { role: 'blocking', connectionName: 'regate-audit-tail-events' });
      qeConn.on('error', () => undefined);
      qe = new QueueEvents(opts.queue, { connection: qeConn, prefix, autorun: true });
      qe.on('error', () => undefined);
      const pending: Promise<void>[] = [];
      qe.on('added', ({ jobId }) => {
        if (shown.has(jobId)) return;
        shown.add(jobId);
        pending.push(
          queue.getJob(jobId).then(
            (job) => (job ? print(job.data) : void missed++),
            () => void missed++,
          ),
        );
        if (pending.length > 1000) pending.splice(0, pending.length - 1000);
      });
      await qe.waitUntilReady();
    }
    // Oldest first; bounded pages so a huge backlog does not load at once.
    for (let start = 0; start < 1_000_000; start += 500) {
      const jobs = await queue.getJobs(['active', 'waiting', 'prioritized', 'delayed', 'failed'], start, start + 499, true);
      for (const j of jobs) {
        if (j.id && shown.has(j.id)) continue;
        if (j.id) shown.add(j.id);
        print(j.data);
      }
      if (jobs.length < 500) break;
    }
    if (opts.follow) {
      await new Promise<void>((resolve) => {
        if (signal?.aborted) return resolve();
        signal?.addEventListener('abort', () => resolve(), { once: true });
      });
      if (missed > 0) warn(`regate audit tail: ${missed} batch(es) were consumed before they could be read`);
    }
    return 0;
  } catch (err) {
    warn(`regate audit tail: ${(err as Error).message}`);
    return 1;
  } finally {
    // A blocked XREAD does not end on close(); disconnecting the clients does.
    qeConn?.disconnect();
    conn.disconnect();
    await qe?.close().catch(() => undefined);
    await queue.close().catch(() => undefined);
  }
}

export async function run(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub !== 'tail') {
    process.stderr.write(USAGE);
    return sub === '-h' || sub === '--help' ? 0 : 2;
  }
  const opts: TailOptions = { redis: process.env.REGATE_REDIS_URL ?? 'redis://127.0.0.1:6379', queue: 'audit', follow: false, json: false };
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i]!;
    const val = (): string | undefined => rest[++i];
    if (a === '--follow' || a === '-f') opts.follow = true;
    else if (a === '--json') opts.json = true;
    else if (a === '--redis' || a === '--queue' || a === '--prefix') {
      const v = val();
      if (v === undefined) {
        process.stderr.write(`regate audit tail: ${a} needs a value\n` + USAGE);
        return 2;
      }
      if (a === '--redis') opts.redis = v;
      else if (a === '--queue') opts.queue = v;
      else opts.prefix = v;
    } else if (a === '-h' || a === '--help') {
      process.stdout.write(USAGE);
      return 0;
    } else {
      process.stderr.write(`regate audit tail: unknown option ${JSON.stringify(a)}\n` + USAGE);
      return 2;
    }
  }
  try {
    parseRedisUrl(opts.redis);
  } catch (err) {
    process.stderr.write(`regate audit tail: ${(err as Error).message}\n`);
    return 2;
  }
  const ac = new AbortController();
  const stop = () => ac.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    return await tailEvents(opts, (line) => process.stdout.write(line + '\n'), ac.signal);
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}
