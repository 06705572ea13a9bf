/**
 * One place that turns `redis.url` into an ioredis client: standalone, Cluster or Sentinel.
 *
 * URL forms (Cluster and Sentinel have no standard URL scheme, so we accept the `redis+cluster` /
 * `redis+sentinel` spelling that several clients use):
 *   redis://[user:pass@]host:port[/db]            rediss:// for TLS
 *   redis+cluster://[user:pass@]h1:p1,h2:p2       seed nodes of a Redis Cluster
 *   redis+sentinel://[:pass@]h1:p1,h2:p2/mymaster[/db]
 *
 * Example:
 * ```ts
 * const r = createRedisClient('redis://127.0.0.1:6379', { role: 'producer', commandTimeoutMs: 1000 });
 * ```
 */
import { Cluster, Redis } from 'ioredis';
import type { RedisOptions } from 'ioredis';

export type RedisClient = Redis | Cluster;

export interface RedisClientOptions {
  /**
   * `producer`: fail fast — no offline queue, one retry, a command timeout — so the emitter learns
   * at once that Redis is away and spools instead of BullMQ waiting silently for minutes.
   * `blocking`: what a BullMQ Worker needs (`maxRetriesPerRequest: null`, offline queue on).
   */
  role: 'producer' | 'blocking';
  commandTimeoutMs?: number;
  connectTimeoutMs?: number;
  connectionName?: string;
}

export interface ParsedRedisUrl {
  kind: 'standalone' | 'cluster' | 'sentinel';
  nodes: { host: string; port: number }[];
  tls: boolean;
  username?: string;
  password?: string;
  db?: number;
  masterName?: string;
}

/** Parse without connecting; a bad URL is a TypeError (misuse at construction). */
export function parseRedisUrl(url: string): ParsedRedisUrl {
  const m = /^(rediss?|redis\+cluster|rediss\+cluster|redis\+sentinel|redis-cluster|redis-sentinel):\/\/(?:([^@/]*)@)?([^/?#]*)(\/[^?#]*)?/.exec(url);
  if (!m) throw new TypeError(`unsupported redis url ${JSON.stringify(url.replace(/\/\/[^@/]*@/, '//***@'))}`);
  const scheme = m[1]!;
  const kind = scheme.includes('cluster') ? 'cluster' : scheme.includes('sentinel') ? 'sentinel' : 'standalone';
  const tls = scheme.startsWith('rediss');
  let username: string | undefined;
  let password: string | undefined;
  if (m[2] !== undefined && m[2] !== '') {
    const i = m[2].indexOf(':');
    if (i < 0) username = decodeURIComponent(m[2]);
    else {
      username = i === 0 ? undefined : decodeURIComponent(m[2].slice(0, i));
      password = decodeURIComponent(m[2].slice(i + 1));
    }
  }
  const defPort = kind === 'sentinel' ? 26379 : 6379;
  const nodes = (m[3] ?? '').split(',').filter(Boolean).map((hp) => {
    const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(hp);
    const [host, port] = v6 ? [v6[1]!, v6[2]] : [hp.split(':')[0]!, hp.split(':')[1]];
    return { host: host || '127.0.0.1', port: port ? Number(port) : defPort };
  });
  if (nodes.length === 0) nodes.push({ host: '127.0.0.1', port: defPort });
  if (nodes.some((n) => !Number.isInteger(n.port) || n.port <= 0 || n.port > 65535)) throw new TypeError('redis url has an invalid port');
  const segs = (m[4] ?? '').split('/').filter(Boolean);
  let db: number | undefined;
  let masterName: string | undefined;
  if (kind === 'sentinel') {
    masterName = segs[0] !== undefined ? decodeURIComponent(segs[0]) : undefined;
    if (!masterName) throw new TypeError('redis+sentinel url needs a master name: redis+sentinel://host:26379/mymaster');
    if (segs[1] !== undefined) db = Number(segs[1]);
  } else if (segs[0] !== undefined) db = Number(segs[0]);
  if (db !== undefined && (!Number.isInteger(db) || db < 0)) throw new TypeError('redis url has an invalid database number');
  if (kind === 'standalone' && nodes.length > 1) throw new TypeError('several hosts need redis+cluster:// or redis+sentinel://');
  return { kind, nodes, tls, username, password, db, masterName };
}

export function createRedisClient(url: string, opts: RedisClientOptions): RedisClient {
  const p = parseRedisUrl(url);
  const base: RedisOptions = {
    connectTimeout: opts.connectTimeoutMs ?? 2000,
    connectionName: opts.connectionName,
    username: p.username,
    password: p.password,
    db: p.db,
    ...(p.tls ? { tls: {} } : {}),
    // Reconnect forever with a capped backoff: the emitter and the limiter rely on coming back.
    retryStrategy: (times: number) => Math.min(50 * 2 ** Math.min(times, 10), 1000),
    ...(opts.role === 'producer'
      ? { enableOfflineQueue: false, maxRetriesPerRequest: 1, commandTimeout: opts.commandTimeoutMs ?? 1000, autoResubscribe: false }
      : { maxRetriesPerRequest: null, enableOfflineQueue: true }),
  };
  if (p.kind === 'cluster') {
    return new Cluster(p.nodes, {
      redisOptions: base,
      enableOfflineQueue: base.enableOfflineQueue,
      maxRedirections: 16,
      clusterRetryStrategy: (times: number) => Math.min(100 * 2 ** Math.min(times, 10), 2000),
    } as ConstructorParameters<typeof Cluster>[1]);
  }
  if (p.kind === 'sentinel') {
    return new Redis({ ...base, sentinels: p.nodes, name: p.masterName, sentinelPassword: p.password });
  }
  const n = p.nodes[0]!;
  return new Redis({ ...base, host: n.host, port: n.port });
}

/**
 * BullMQ key prefix. On Redis Cluster every key of one queue must hash to one slot for BullMQ's
 * Lua scripts, hence a hash-tagged prefix (`{regate}`); an explicit tag is kept as configured.
 */
export function queuePrefix(url: string, prefix: string | undefined): string {
  const pre = prefix ?? 'regate';
  if (parseRedisUrl(url).kind === 'cluster' && !/\{[^}]+\}/.test(pre)) return `{${pre}}`;
  return pre;
}
