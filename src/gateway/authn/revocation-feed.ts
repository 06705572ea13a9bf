/**
 * Keeps one worker's revocation list in step with Redis (README "Token revocation").
 *
 * Every gateway worker thread builds its own stages (server/worker-main.ts), so every worker runs
 * its own feed: one subscriber connection per worker, and a revocation reaches each worker's
 * caches directly, with no relay through the main thread that could lag or be lost.
 *
 * Sequence, on every (re)connection: subscribe to the channel first, then read the whole stored
 * set — a revocation written in between arrives both ways, and applying an entry twice is a
 * no-op. Only after both is the feed `connected`. A PING every `heartbeat_ms` on the subscriber
 * connection finds a connection that is open but dead (a partition, a hung Redis), which pub/sub
 * alone would never notice: a missed answer marks the feed down and reconnects.
 */
import type { Logger } from 'pino';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { RedisConfig, RevocationConfig } from '../config/types.js';
import { createRedisClient, type RedisClient } from '../shared/redis-connection.js';
import { loadRevocations, parseRevocation, revocationKeys, type Revocation } from '../shared/revocation-store.js';
import type { RevocationList } from './revocation-list.js';

export interface RevocationFeedOptions {
  config: RevocationConfig;
  redis: RedisConfig;
  list: RevocationList;
  /** evicts what the caches hold for a new entry (called once per new or widened entry) */
  onRevoked(r: Revocation): void;
  logger: Logger;
  registry: Registry;
  now: () => number;
}

export interface RevocationFeed {
  /** subscribed and the stored set loaded since the last (re)connection */
  readonly connected: boolean;
  /** resolves when first connected, or false after `ms` */
  ready(ms: number): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * @example
 * const feed = createRevocationFeed({ config: cfg.revocation, redis: config.redis, list, onRevoked: (r) => evict(r), logger, registry, now: Date.now });
 * await feed.ready(2000);
 */
export function createRevocationFeed(opts: RevocationFeedOptions): RevocationFeed {
  const { list, logger, now } = opts;
  const keys = revocationKeys(opts.redis.url, opts.redis.prefix);
  const metrics = createFeedMetrics(opts.registry);
  const clientOpts = { role: 'blocking' as const, connectTimeoutMs: opts.redis.connect_timeout_ms };
  // Subscriber mode allows no other commands, so reads go through a second connection.
  const sub: RedisClient = createRedisClient(opts.redis.url, { ...clientOpts, connectionName: 'regate-revocations-sub' });
  const cmd: RedisClient = createRedisClient(opts.redis.url, { ...clientOpts, connectionName: 'regate-revocations' });
  let connected = false;
  let closed = false;
  let generation = 0; // bumps on every loss, so a sync that started before it does not mark us up
  let waiters: ((ok: boolean) => void)[] = [];
  let lastError: string | undefined;
  metrics.up.set(0);
  metrics.entries.set(list.size);

  const apply = (r: Revocation): void => {
    const before = list.dropped;
    if (!list.add(r)) return;
    metrics.received.inc({ kind: r.kind });
    if (list.dropped > before) metrics.dropped.inc(list.dropped - before);
    opts.onRevoked(r);
  };

  const setUp = (up: boolean, why?: string): void => {
    if (up === connected) return;
    connected = up;
    metrics.up.set(up ? 1 : 0);
    if (up) {
      logger.info({ entries: list.size }, 'revocation feed connected');
      for (const w of waiters) w(true);
      waiters = [];
    } else {
      generation++;
      // warn: while down, fail_open serves from the last known list and fail_closed refuses
      if (!closed) logger.warn({ mode: opts.config.on_redis_unavailable, error: why ?? lastError }, 'revocation feed lost Redis');
    }
  };

  sub.on('error', (err: Error) => void (lastError = err.message));
  cmd.on('error', (err: Error) => void (lastError = err.message));
  sub.on('message', (channel: string, message: string) => {
    if (channel !== keys.channel) return;
    const r = parseRevocation(message);
    if (r === null) return logger.warn({ channel }, 'ignored a revocation message that is not an entry');
    apply(r);
    metrics.entries.set(list.size);
  });
  sub.on('close', () => setUp(false, 'connection closed'));
  sub.on('ready', () => void sync());

  let syncing = false;
  let again = false; // a 'ready' came while a sync ran: that sync may belong to a lost connection
  async function sync(): Promise<void> {
    if (closed) return;
    if (syncing) {
      again = true;
      return;
    }
    syncing = true;
    again = false;
    const gen = generation;
    try {
      await withTimeout(sub.subscribe(keys.channel), opts.redis.connect_timeout_ms + opts.redis.command_timeout_ms);
      const all = await withTimeout(loadRevocations(cmd, keys, now(), opts.config.max_entries), opts.redis.connect_timeout_ms + opts.redis.command_timeout_ms);
      for (const r of all) apply(r);
      list.purge(now());
      metrics.entries.set(list.size);
      if (gen === generation && !closed) setUp(true);
    } catch (err) {
      lastError = (err as Error).message;
      // Try again while the subscriber is up; a lost connection brings another 'ready'.
      if (!closed) setTimeout(() => void (sub.status === 'ready' ? sync() : undefined), 250).unref();
    } finally {
      syncing = false;
      if (again && !closed && sub.status === 'ready') void sync();
    }
  }

  let beating = false;
  const heartbeat = setInterval(() => {
    if (closed || beating || sub.status !== 'ready') return;
    beating = true;
    withTimeout(sub.ping(), opts.redis.command_timeout_ms)
      .catch((err: unknown) => {
        if (closed) return;
        setUp(false, `no answer to PING (${(err as Error).message})`);
        sub.disconnect(true); // reconnect; 'ready' syncs again
      })
      .finally(() => void (beating = false));
    // expired entries leave the gauge too, not only the map
    list.purge(now());
    metrics.entries.set(list.size);
  }, opts.config.heartbeat_ms);
  heartbeat.unref();

  return {
    get connected() {
      return connected;
    },
    ready(ms) {
      if (connected) return Promise.resolve(true);
      return new Promise((resolve) => {
        const timer = setTimeout(() => resolve(false), ms);
        timer.unref();
        waiters.push((ok) => {
          clearTimeout(timer);
          resolve(ok);
        });
      });
    },
    async close() {
      closed = true;
      clearInterval(heartbeat);
      for (const w of waiters) w(false);
      waiters = [];
      metrics.up.set(0);
      sub.disconnect();
      cmd.disconnect();
    },
  };
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Redis did not answer within ${ms} ms`)), ms);
    p.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}

interface FeedMetrics {
  received: Counter<'kind'>;
  dropped: Counter;
  entries: Gauge;
  up: Gauge;
}

/** Reused per registry: tests may build several stages on one registry. */
function createFeedMetrics(registry: Registry): FeedMetrics {
  const get = <M>(name: string, make: () => M): M => (registry.getSingleMetric(name) as M | undefined) ?? make();
  return {
    received: get('regate_token_revocations_received_total', () => new Counter({ name: 'regate_token_revocations_received_total', help: 'revocation entries this worker learned (from the channel or the stored set), by kind', labelNames: ['kind'], registers: [registry] })),
    dropped: get('regate_token_revocations_dropped_total', () => new Counter({ name: 'regate_token_revocations_dropped_total', help: 'revocation entries dropped because the local list was full (tokens.revocation.max_entries)', registers: [registry] })),
    // With several workers /metrics merges registries: the largest list, and up only if every worker is.
    entries: get('regate_token_revocation_entries', () => new Gauge({ name: 'regate_token_revocation_entries', help: 'entries in the local revocation list', registers: [registry], aggregator: 'max' })),
    up: get('regate_token_revocation_feed_up', () => new Gauge({ name: 'regate_token_revocation_feed_up', help: '1 while the revocation feed is subscribed and in step with Redis', registers: [registry], aggregator: 'min' })),
  };
}
