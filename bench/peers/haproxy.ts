/**
 * The native peer of the bench suite: HAProxy (Debian's 2.6) from the templates in
 * bench/peers/haproxy/ —
 *   passthrough  a plain proxy hop (the counterpart of nginx proxy_pass and regate passthrough)
 *   full         regate's full-pipeline job as far as HAProxy can express it natively: RS256 JWT
 *                (jwt_verify) with alg/typ/iss/aud/exp checks, the bench policy's rule as ACLs,
 *                a per-caller rate limit in a stick table, the path rewrite, x-user-id and the
 *                basic credential, one JSON log line per request to a UDP sink, upstream keep-alive.
 * What it cannot express: a policy language (the Rego decision, its hot reload and its
 * decision-chosen upstream, headers and buckets are fixed ACLs here), a JWKS fetched and picked by
 * `kid` (one PEM key file, read at start), and a no-loss audit stream (the log is fire-and-forget UDP).
 * HAProxy prints nothing when ready, so the start waits for its port; the config is checked with
 * `haproxy -c` first so that a bad one fails with HAProxy's message rather than a time-out.
 */
import { execFileSync } from 'node:child_process';
import { createPublicKey } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { JWK } from 'jose';
import { freePort, waitForPort } from '../lib/ports.js';
import { spawnPinned } from '../lib/procs.js';
import type { Server } from '../lib/servers.js';

const here = fileURLToPath(new URL('.', import.meta.url));

/** What the full configuration needs to do regate's job. */
export interface HaproxyFullJob {
  /** PEM (SPKI) of the RS256 key the token server signs with */
  publicKeyPem: string;
  issuer: string;
  audience: string;
  /** the backend's basic credential */
  basic: { username: string; password: string };
  /** requests per caller per 60 s before 429 */
  rateLimit: number;
  /** UDP port on 127.0.0.1 that receives one syslog datagram per request */
  logPort: number;
}

/**
 * The PEM public key of the first RS256 key in `keys` (a token server's private JWKs): HAProxy's
 * jwt_verify takes a key file, not a JWKS.
 * @example
 * const pem = rs256PublicPem(ts.keys);
 */
export function rs256PublicPem(keys: readonly JWK[]): string {
  const jwk = keys.find((k) => k.alg === 'RS256');
  if (!jwk) throw new Error('haproxy peer: the token server has no RS256 key');
  return createPublicKey({ key: jwk as import('node:crypto').JsonWebKey, format: 'jwk' }).export({ type: 'spki', format: 'pem' }) as string;
}

/** A config value that goes inside a double-quoted HAProxy argument: refuse what would break out of it. */
function quoted(name: string, v: string): string {
  if (!/^[\x21-\x7e]*$/.test(v) || /["\\'%]/.test(v)) throw new TypeError(`haproxy peer: ${name} ${JSON.stringify(v)} has characters the config cannot quote`);
  return v;
}

/**
 * Writes the config of `kind` under `<dir>/haproxy-<kind>/` and starts HAProxy pinned to `cpus`
 * with `threads` threads (`nbthread`, default 1: the suite's one-CPU proxy; bench/scaling.ts runs 2).
 * @example
 * const hp = await startHaproxy({ bin: '/usr/sbin/haproxy', kind: 'passthrough', dir, upstreamUrl: up.url, cpus: plan.proxyCpu });
 */
export async function startHaproxy(o: { bin: string; kind: 'passthrough' | 'full'; dir: string; upstreamUrl: string; cpus: string | null; job?: HaproxyFullJob; threads?: number }): Promise<Server> {
  const threads = o.threads ?? 1;
  if (!Number.isInteger(threads) || threads < 1) throw new TypeError(`haproxy peer: threads ${threads} is not a positive integer`);
  const port = await freePort();
  // one directory per thread count: two configurations may be written in one bench directory
  const hdir = join(o.dir, `haproxy-${o.kind}${threads === 1 ? '' : `-t${threads}`}`);
  mkdirSync(hdir, { recursive: true });
  let conf = readFileSync(join(here, 'haproxy', `${o.kind}.cfg.template`), 'utf8')
    .replaceAll('{{THREADS}}', String(threads))
    .replaceAll('{{PORT}}', String(port))
    .replaceAll('{{UPSTREAM_PORT}}', new URL(o.upstreamUrl).port);
  if (o.kind === 'full') {
    const job = o.job;
    if (!job) throw new TypeError('haproxy peer: the full configuration needs `job`');
    const pem = join(hdir, 'rs256.pem');
    writeFileSync(pem, job.publicKeyPem);
    if (!Number.isInteger(job.rateLimit) || job.rateLimit < 1) throw new TypeError(`haproxy peer: rateLimit ${job.rateLimit} is not a positive integer`);
    conf = conf
      .replaceAll('{{PUBKEY}}', quoted('key path', pem))
      .replaceAll('{{ISSUER}}', quoted('issuer', job.issuer))
      .replaceAll('{{AUDIENCE}}', quoted('audience', job.audience))
      .replaceAll('{{BASIC}}', Buffer.from(`${job.basic.username}:${job.basic.password}`).toString('base64'))
      .replaceAll('{{RATE_LIMIT}}', String(job.rateLimit))
      .replaceAll('{{LOG_PORT}}', String(job.logPort));
  }
  const left = /\{\{[A-Z_]+\}\}/.exec(conf);
  if (left) throw new Error(`haproxy peer: ${o.kind}.cfg.template: ${left[0]} not filled`);
  const cfg = join(hdir, 'haproxy.cfg');
  writeFileSync(cfg, conf);
  try {
    execFileSync(o.bin, ['-c', '-q', '-f', cfg], { stdio: 'pipe', timeout: 30_000 });
  } catch (err) {
    throw new Error(`haproxy -c refused ${cfg}: ${String((err as { stderr?: Buffer }).stderr ?? err).slice(0, 400)}`);
  }
  // -db: foreground, no daemon (stopped with SIGTERM like the other servers)
  const proc = await spawnPinned(o.cpus, o.bin, ['-db', '-f', cfg], null);
  if (!(await waitForPort(port))) {
    await proc.stop();
    throw new Error(`haproxy did not listen: ${proc.output().slice(-300)}`);
  }
  return { proc, url: `http://127.0.0.1:${port}` };
}
