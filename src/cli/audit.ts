/**
 * `regate audit tail [--follow] [--json] [--redis url] [--queue audit] [--prefix regate] [--timeout s]`
 *
 * Prints the events waiting in a regate queue, then (with --follow) each batch as it is added.
 * Tail only *reads*: it never takes jobs away from the real consumers. The price is that a
 * batch a fast consumer completes (and removes) before tail fetches it cannot be shown; tail
 * says how many batches it missed that way on stderr rather than pretending it saw everything.
 * Redis comes from --redis, else REDIS_URL (REGATE_REDIS_URL, the old name, still works for one
 * release with a warning); an unreachable Redis is an error after --timeout (default 5 s), and
 * SIGINT/SIGTERM end the command at any point (cli/redis-deadline.ts).
 *
 * Example:
 * ```sh
 * regate audit tail --follow --redis redis://127.0.0.1:6379
 * regate audit tail --json --queue ratelimit | jq .key
 * ```
 */
import { Queue, QueueEvents } from 'bullmq';
import { createRedisClient, parseRedisUrl, queuePrefix } from '../gateway/shared/redis-connection.js';
import type { AuditEvent, RateLimitEvent } from '../gateway/shared/event-types.js';
import { abortOnSignals, CLI_REDIS_TIMEOUT_MS, InterruptedError, maskRedisUrl, unreachable, watchRedisErrors, withDeadline } from './redis-deadline.js';

export interface TailOptions {
  redis: string;
  queue: string;
  prefix?: string;
  follow: boolean;
  json: boolean;
  /** how long to wait for Redis (connecting, and each read) before failing; default 5000 */
  timeoutMs?: number;
}

const USAGE = 'usage: regate audit tail [--follow] [--json] [--redis url] [--queue audit|ratelimit] [--prefix regate] [--timeout seconds]\n';

export function help(): string {
  return `${USAGE}
Prints the events waiting in a regate queue (oldest first), then with --follow each batch as it
is added, until SIGINT/SIGTERM. It only reads: consumers still get every job.

  --follow, -f        keep printing new batches
  --json              one JSON event per line (default: one human line per event)
  --redis url         redis://, rediss://, redis+cluster://, redis+sentinel:// (default: $REDIS_URL,
                      else redis://127.0.0.1:6379)
  --queue name        audit (default) or ratelimit
  --prefix p          the BullMQ prefix the gateway uses (default regate)
  --timeout seconds   give up when Redis does not answer within this time (default ${CLI_REDIS_TIMEOUT_MS / 1000})

Exit status: 0 done (or interrupted while following), 1 Redis unreachable or failing, 2 usage, 130 interrupted.
`;
}

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
 * line per event (without newline). Resolves with the exit code: 0 when done (no --follow) or
 * when `signal` aborts while following; 1 when Redis cannot be reached within the timeout or a
 * read fails; 130 when `signal` aborts before the backlog was printed.
 */
export async function tailEvents(opts: TailOptions, write: (line: string) => void, signal?: AbortSignal, warn: (s: string) => void = (s) => process.stderr.write(s + '\n')): Promise<number> {
  parseRedisUrl(opts.redis); // a bad URL is a usage error before any connection
  const ms = opts.timeoutMs ?? CLI_REDIS_TIMEOUT_MS;
  const prefix = queuePrefix(opts.redis, opts.prefix);
  const conn = createRedisClient(opts.redis, { role: 'blocking', connectionName: 'regate-audit-tail', connectTimeoutMs: Math.min(ms, 2000) });
  const errors = watchRedisErrors(conn);
  const bounded = <T>(p: Promise<T>, limit = ms): Promise<T> => withDeadline(p, { ms: limit, signal, what: () => unreachable(opts.redis, limit, errors.last()) });
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
  let listed = false;
  // Not silent while it waits: after a second, say what it is waiting for and for how long.
  const notice = setTimeout(() => warn(`regate audit tail: waiting for Redis at ${maskRedisUrl(opts.redis)} (up to ${ms / 1000} s)`), 1000);
  try {
    await bounded(queue.waitUntilReady()).finally(() => clearTimeout(notice));
    if (opts.follow) {
      // Subscribe before listing, so a batch added in between is seen (dedup by job id).
      qeConn = createRedisClient(opts.redis, { role: 'blocking', connectionName: 'regate-audit-tail-events', connectTimeoutMs: Math.min(ms, 2000) });
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
      await bounded(qe.waitUntilReady());
    }
    // Oldest first; bounded pages so a huge backlog does not load at once.
    for (let start = 0; start < 1_000_000; start += 500) {
      const jobs = await bounded(queue.getJobs(['active', 'waiting', 'prioritized', 'delayed', 'failed'], start, start + 499, true));
      for (const j of jobs) {
        if (j.id && shown.has(j.id)) continue;
        if (j.id) shown.add(j.id);
        print(j.data);
      }
      if (jobs.length < 500) break;
    }
    listed = true;
    if (opts.follow) {
      // While following, Redis may go away and come back: say so instead of going silent.
      let lost = false;
      conn.on('reconnecting', () => {
        if (!lost) warn(`regate audit tail: lost the connection to Redis (${errors.last()?.message ?? 'closed'}); reconnecting`);
        lost = true;
      });
      conn.on('ready', () => {
        if (lost) warn('regate audit tail: reconnected to Redis');
        lost = false;
      });
      await withDeadline(new Promise<never>(() => undefined), { ms: Infinity, signal, what: () => new Error('unreachable') }).catch((e: unknown) => {
        if (!(e instanceof InterruptedError)) throw e;
      });
      if (missed > 0) warn(`regate audit tail: ${missed} batch(es) were consumed before they could be read`);
    }
    return 0;
  } catch (err) {
    if (err instanceof InterruptedError) return listed ? 0 : 130;
    warn(`regate audit tail: ${(err as Error).message}`);
    return 1;
  } finally {
    // A blocked XREAD does not end on close(); disconnecting the clients does. close() itself
    // may wait for a Redis that is gone, so it gets a short bound too.
    qeConn?.disconnect();
    conn.disconnect();
    const closing = Promise.allSettled([qe?.close(), queue.close()]);
    await withDeadline(closing, { ms: 1000, what: () => new Error('close timed out') }).catch(() => undefined);
  }
}

/** `--redis`, else REDIS_URL, else the old REGATE_REDIS_URL (with a warning), else local. */
export function redisUrlFromEnv(env: NodeJS.ProcessEnv, warn: (s: string) => void): string {
  if (env.REDIS_URL) return env.REDIS_URL;
  if (env.REGATE_REDIS_URL) {
    warn('regate audit tail: REGATE_REDIS_URL is deprecated and will be ignored in the next release; set REDIS_URL');
    return env.REGATE_REDIS_URL;
  }
  return 'redis://127.0.0.1:6379';
}

export async function run(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub !== 'tail') {
    if (sub === '-h' || sub === '--help') {
      process.stdout.write(help());
      return 0;
    }
    process.stderr.write(sub === undefined ? USAGE : `regate audit: unknown subcommand ${JSON.stringify(sub)}\n${USAGE}`);
    return 2;
  }
  const warn = (s: string) => void process.stderr.write(s + '\n');
  let redis: string | undefined;
  const opts: Omit<TailOptions, 'redis'> = { queue: 'audit', follow: false, json: false };
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i]!;
    const val = (): string | undefined => rest[++i];
    if (a === '--follow' || a === '-f') opts.follow = true;
    else if (a === '--json') opts.json = true;
    else if (a === '--redis' || a === '--queue' || a === '--prefix' || a === '--timeout') {
      const v = val();
      if (v === undefined) {
        process.stderr.write(`regate audit tail: ${a} needs a value\n` + USAGE);
        return 2;
      }
      if (a === '--redis') redis = v;
      else if (a === '--queue') opts.queue = v;
      else if (a === '--prefix') opts.prefix = v;
      else {
        const s = Number(v);
        if (!(s > 0 && s <= 3600)) {
          process.stderr.write(`regate audit tail: --timeout must be a number of seconds in (0, 3600]\n` + USAGE);
          return 2;
        }
        opts.timeoutMs = s * 1000;
      }
    } else if (a === '-h' || a === '--help') {
      process.stdout.write(help());
      return 0;
    } else {
      process.stderr.write(`regate audit tail: unknown option ${JSON.stringify(a)}\n` + USAGE);
      return 2;
    }
  }
  const url = redis ?? redisUrlFromEnv(process.env, warn);
  try {
    parseRedisUrl(url);
  } catch (err) {
    process.stderr.write(`regate audit tail: ${(err as Error).message}\n`);
    return 2;
  }
  const interrupt = abortOnSignals();
  try {
    return await tailEvents({ ...opts, redis: url }, (line) => process.stdout.write(line + '\n'), interrupt.signal);
  } finally {
    interrupt.dispose();
  }
}

