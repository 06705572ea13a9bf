/**
 * `regate token revoke <jti|sha256|sub> [--value V] [--exp unix] [--redis url] [--prefix p] [--timeout s]`
 *
 * Writes a revocation into Redis and announces it on the revocation channel; every connected
 * gateway worker of every instance drops the token(s) from its caches and refuses them from then
 * on (README "Token revocation"). Redis comes from --redis, else REDIS_URL; an unreachable Redis
 * is an error after --timeout (default 5 s), and SIGINT/SIGTERM end the command while it waits
 * (cli/redis-deadline.ts, as `regate audit tail`).
 *
 * Without --value the value is read from standard input; for `sha256` that input is the token
 * itself, hashed here — so a token never has to appear in a command line or shell history, and
 * only its digest reaches Redis.
 *
 * Example:
 * ```sh
 * regate token revoke jti --value 4f1c… --exp 1767225600
 * regate token revoke sub --value u123              # every token of u123 issued until now
 * printf %s "$TOKEN" | regate token revoke sha256   # the token's digest, not the token
 * ```
 */
import { createHash } from 'node:crypto';
import { createRedisClient, parseRedisUrl } from '../gateway/shared/redis-connection.js';
import { checkRevocationValue, publishRevocation, REVOCATION_KINDS, revocationKeys, type Revocation, type RevocationKind } from '../gateway/shared/revocation-store.js';
import { abortOnSignals, CLI_REDIS_TIMEOUT_MS, InterruptedError, maskRedisUrl, unreachable, watchRedisErrors, withDeadline } from './redis-deadline.js';

/** How long an entry is kept without --exp: longer than any access token regate expects to see. */
export const DEFAULT_REVOCATION_TTL_S = 86_400;

const USAGE = 'usage: regate token revoke <jti|sha256|sub> [--value V] [--exp unix-seconds] [--redis url] [--prefix regate] [--timeout seconds]\n';

export function help(): string {
  return `${USAGE}
Revokes access tokens on every regate instance and worker that shares this Redis, within about a
second (README "Token revocation"):

  jti      the token whose jti claim (or introspection jti) is the value
  sha256   the token whose base64url SHA-256 is the value; without --value the token is read
           from standard input and hashed here (only the digest is sent)
  sub      every token of this subject issued up to now (iat ≤ now, in whole seconds)

  --value V           the jti, digest or subject (default: read from standard input)
  --exp unix-seconds  when the revoked token(s) expire; the entry is kept until then
                      (default: now + ${DEFAULT_REVOCATION_TTL_S / 3600} h — for sub, make it the longest token lifetime)
  --redis url         redis://, rediss://, redis+cluster://, redis+sentinel:// (default: $REDIS_URL,
                      else redis://127.0.0.1:6379)
  --prefix p          the gateway's redis.prefix (default regate)
  --timeout seconds   give up when Redis does not answer within this time (default ${CLI_REDIS_TIMEOUT_MS / 1000})

Prints one line: the entry and how many gateway workers received it at once (workers that are
disconnected read it from Redis when they reconnect).
Exit status: 0 stored, 1 Redis unreachable or failing, 2 usage, 130 interrupted.
`;
}

export interface RevokeOptions {
  redis: string;
  prefix?: string;
  kind: RevocationKind;
  value: string;
  /** unix seconds */
  exp?: number;
  timeoutMs?: number;
  /** wall clock in ms (tests) */
  now?: () => number;
}

/** base64url SHA-256 of a token, the form `sha256` revocations and logs use. */
export function tokenSha256(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

/**
 * Stores and announces one revocation; resolves with the entry and the number of subscribers
 * that received it. Rejects with RedisUnreachableError after the timeout, InterruptedError when
 * `signal` aborts.
 *
 * @example await revokeTokens({ redis: 'redis://127.0.0.1:6379', kind: 'sub', value: 'u123' });
 */
export async function revokeTokens(opts: RevokeOptions, signal?: AbortSignal, warn: (s: string) => void = (s) => process.stderr.write(s + '\n')): Promise<{ entry: Revocation; receivers: number }> {
  const problem = checkRevocationValue(opts.kind, opts.value);
  if (problem !== null) throw new TypeError(`${opts.kind}: ${problem}`);
  const ms = opts.timeoutMs ?? CLI_REDIS_TIMEOUT_MS;
  const now = (opts.now ?? Date.now)();
  const entry: Revocation = { kind: opts.kind, value: opts.value, at: now, until: opts.exp !== undefined ? opts.exp * 1000 : now + DEFAULT_REVOCATION_TTL_S * 1000 };
  // 'blocking' keeps the command queued until the connection is up; the deadline bounds the wait
  const conn = createRedisClient(opts.redis, { role: 'blocking', connectionName: 'regate-token-revoke', connectTimeoutMs: Math.min(ms, 2000) });
  const errors = watchRedisErrors(conn);
  // Not silent while it waits: after a second, say what it is waiting for and for how long.
  const notice = setTimeout(() => warn(`regate token revoke: waiting for Redis at ${maskRedisUrl(opts.redis)} (up to ${ms / 1000} s)`), 1000);
  try {
    const receivers = await withDeadline(publishRevocation(conn, revocationKeys(opts.redis, opts.prefix), entry), { ms, signal, what: () => unreachable(opts.redis, ms, errors.last()) });
    return { entry, receivers };
  } finally {
    clearTimeout(notice);
    conn.disconnect();
  }
}

async function readStdin(signal: AbortSignal): Promise<string> {
  if (process.stdin.isTTY) process.stderr.write('regate token revoke: reading the value from standard input (end with Ctrl-D)\n');
  const chunks: Buffer[] = [];
  let size = 0;
  const read = (async () => {
    for await (const c of process.stdin) {
      size += (c as Buffer).length;
      if (size > 65536) throw new TypeError('standard input is larger than 64 KiB');
      chunks.push(c as Buffer);
    }
    return Buffer.concat(chunks).toString('utf8').trim();
  })();
  return withDeadline(read, { ms: Infinity, signal, what: () => new Error('unreachable') });
}

function fail(msg: string): number {
  process.stderr.write(`regate token revoke: ${msg}\n` + USAGE);
  return 2;
}

export async function run(argv: string[]): Promise<number> {
  const [sub, kind, ...rest] = argv;
  if (sub !== 'revoke') {
    process.stderr.write(sub === undefined ? USAGE : `regate token: unknown subcommand ${JSON.stringify(sub)}\n${USAGE}`);
    return 2;
  }
  if (kind === undefined || !(REVOCATION_KINDS as readonly string[]).includes(kind)) return fail(kind === undefined ? 'which kind: jti, sha256 or sub?' : `unknown kind ${JSON.stringify(kind)} (jti, sha256 or sub)`);
  let redis: string | undefined;
  let value: string | undefined;
  const opts: Partial<RevokeOptions> = {};
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i]!;
    if (!['--value', '--exp', '--redis', '--prefix', '--timeout'].includes(a)) return fail(`unknown option ${JSON.stringify(a)}`);
    const v = rest[++i];
    if (v === undefined) return fail(`${a} needs a value`);
    if (a === '--value') value = v;
    else if (a === '--redis') redis = v;
    else if (a === '--prefix') opts.prefix = v;
    else if (a === '--exp') {
      const exp = Number(v);
      if (!Number.isInteger(exp) || exp <= Date.now() / 1000) return fail('--exp must be a future time in unix seconds (the token\'s exp claim)');
      opts.exp = exp;
    } else {
      const s = Number(v);
      if (!(s > 0 && s <= 3600)) return fail('--timeout must be a number of seconds in (0, 3600]');
      opts.timeoutMs = s * 1000;
    }
  }
  const url = redis ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  try {
    parseRedisUrl(url);
  } catch (err) {
    process.stderr.write(`regate token revoke: ${(err as Error).message}\n`);
    return 2;
  }
  const interrupt = abortOnSignals();
  try {
    if (value === undefined) {
      const input = await readStdin(interrupt.signal);
      if (input === '') return fail('no --value and nothing on standard input');
      value = kind === 'sha256' ? tokenSha256(input) : input;
    }
    const problem = checkRevocationValue(kind as RevocationKind, value);
    if (problem !== null) return fail(`${kind}: ${problem}`);
    const { entry, receivers } = await revokeTokens({ ...opts, redis: url, kind: kind as RevocationKind, value }, interrupt.signal);
    process.stdout.write(`revoked ${entry.kind} ${entry.value} until ${new Date(entry.until).toISOString()}; ${receivers} gateway worker(s) notified\n`);
    return 0;
  } catch (err) {
    if (err instanceof InterruptedError) return 130;
    process.stderr.write(`regate token revoke: ${(err as Error).message}\n`);
    return 1;
  } finally {
    interrupt.dispose();
  }
}
