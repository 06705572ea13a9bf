/**
 * What the trust-boundary checks (issue #14) cost per request, measured on their own: the edge
 * read of a request head with every check (server/client-head.ts) against the plain read the
 * gateway did before them, plus the per-request checks further in (a policy's rewritten target,
 * credential filtering of the policy input and the audit record). Whole-gateway A/B runs
 * (bench/ab.ts) on a shared 2-core machine move by ±20 % from one minute to the next, far more
 * than the few µs in question; this loop isolates the added work and takes the minimum over
 * rounds, both variants interleaved, which load can only make slower, never faster.
 *
 * The request heads are what the bench suite sends: the passthrough route's (a handful of short
 * headers) and the full pipeline's (the same plus an RS256 access token, ~800 bytes, which every
 * value check scans).
 *
 * Run:  node --import tsx bench/validation.ts [--rounds 9] [--ms 200]
 */
import { readClientHead, type EdgeRules } from '../src/gateway/server/client-head.js';
import type { HttpRequest } from '../src/gateway/server/uws-loader.js';
import { checkTarget, STRICT_PATH_RULES } from '../src/gateway/shared/path-check.js';
import { isSecretHeader, looksLikeCredential } from '../src/gateway/shared/secrets.js';
import { argValue } from './lib/args.js';

const rounds = Number(argValue('--rounds') ?? '9');
const ms = Number(argValue('--ms') ?? '200');

// an RS256 access token's size: header.payload.signature, base64url
const b64 = (n: number) => 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_'.repeat(Math.ceil(n / 64)).slice(0, n);
const jwt = `eyJhbGciOiJSUzI1NiIsInR5cCI6ImF0K2p3dCIsImtpZCI6ImsxIn0.${b64(420)}.${b64(342)}`;
const passthroughHead: [string, string][] = [
  ['host', '127.0.0.1:8080'],
  ['user-agent', 'wrk/4.2.0 (bench)'],
  ['accept', '*/*'],
  ['accept-encoding', 'gzip, deflate'],
  ['connection', 'keep-alive'],
  ['x-request-id', '5b2a3c1e-9f1d-4e8a-b6f0-2d7c9e1a4b3f'],
];
const fullHead: [string, string][] = [...passthroughHead, ['authorization', `Bearer ${jwt}`]];

/** The parts of uWS's HttpRequest that the edge reads. */
function fakeRequest(fields: [string, string][], url: string, query: string | undefined): HttpRequest {
  return {
    getCaseSensitiveMethod: () => 'GET',
    getMethod: () => 'get',
    getUrl: () => url,
    getQuery: () => query,
    getHeader: (k: string) => fields.find(([n]) => n === k)?.[1] ?? '',
    forEach(cb: (k: string, v: string) => void) {
      for (const [k, v] of fields) cb(k, v);
    },
  } as unknown as HttpRequest;
}

const rules: EdgeRules = {
  stripNames: new Set(['x-user-id', 'x-forwarded-user', 'x-auth-request-user', 'x-client-id', 'forwarded', 'x-real-ip']),
  stripPrefixes: ['x-forwarded-'],
  keepStripped: false,
  trustForwarded: false,
  pathRules: STRICT_PATH_RULES,
  allowChunked: true,
  allowQuerySemicolons: false,
};

/** The head read as the gateway did it before the edge checks (server/gateway.ts at 2845a50). */
function plainRead(req: HttpRequest): number {
  const method = req.getCaseSensitiveMethod();
  const path = req.getUrl();
  const rawQuery = req.getQuery() ?? '';
  const rawHeaders: string[] = [];
  const headers: Record<string, string> = {};
  let headerBytes = method.length + path.length + rawQuery.length + 12;
  req.forEach((k, v) => {
    rawHeaders.push(k, v);
    headerBytes += k.length + v.length + 4;
    const prev = headers[k];
    headers[k] = prev === undefined ? v : prev + (k === 'cookie' ? '; ' : ', ') + v;
  });
  return headerBytes + rawHeaders.length + (headers['host']?.length ?? 0);
}

/** The credential filter the policy input and the audit record apply to every header. */
function secretsFilter(fields: [string, string][]): number {
  let n = 0;
  for (const [k, v] of fields) if (!isSecretHeader(k, v)) n += v.length;
  for (const [k, v] of fields) if (k !== 'authorization' && !looksLikeCredential(v)) n += v.length;
  return n;
}

let sink = 0;
function nsPerOp(fn: () => number): number {
  const end = performance.now() + ms;
  let ops = 0;
  const t0 = performance.now();
  while (performance.now() < end) {
    for (let i = 0; i < 1000; i++) sink += fn();
    ops += 1000;
  }
  return ((performance.now() - t0) * 1e6) / ops;
}

const cases: Record<string, () => number> = {};
for (const [name, head] of [['passthrough', passthroughHead], ['full pipeline', fullHead]] as const) {
  const req = fakeRequest(head, '/api/bench/items/42', 'page=2&sort=desc');
  cases[`${name}: plain read (before)`] = () => plainRead(req);
  cases[`${name}: checked read (edge)`] = () => {
    const h = readClientHead(req, rules);
    return h.error === null ? h.headerBytes : -1;
  };
}
cases['policy rewrite: checkTarget'] = () => (checkTarget('/internal/v2/cars/u123/insurance?view=full') === null ? 1 : 0);
cases['full pipeline: credential filters (input + audit)'] = () => secretsFilter(fullHead);

const samples = new Map<string, number[]>();
for (let r = 0; r < rounds; r++) for (const [k, fn] of Object.entries(cases)) samples.set(k, [...(samples.get(k) ?? []), nsPerOp(fn)]);
const min = (k: string) => Math.min(...(samples.get(k) ?? [NaN]));
const lines = [...samples.keys()].map((k) => `${k.padEnd(52)} ${min(k).toFixed(0).padStart(7)} ns`);
const added = (name: string) => min(`${name}: checked read (edge)`) - min(`${name}: plain read (before)`);
const fullAdded = added('full pipeline') + min('full pipeline: credential filters (input + audit)') + min('policy rewrite: checkTarget');
lines.push(
  '',
  `added per request, passthrough:   ${(added('passthrough') / 1000).toFixed(2)} µs`,
  `added per request, full pipeline: ${(fullAdded / 1000).toFixed(2)} µs (edge + credential filters + one rewritten target)`,
  `(minimum of ${rounds} rounds × ${ms} ms per case; ${sink > 0 ? 'ok' : ''})`,
);
process.stdout.write(lines.join('\n') + '\n');
