/**
 * The gateway the security tests attack: the real one from YAML (test/gateway/authz/fixtures.ts
 * `startGw`) in front of a recording raw-socket upstream (wire.ts), both torn down with the test.
 * Each test writes only what it is about — its routes and the sections they need — and the
 * listen/admin/upstream lines and the HS256 token issuer are the same everywhere.
 */
import { SignJWT } from 'jose';
import type { Test } from 'tap';
import { startGw, type Gw } from '../gateway/authz/fixtures.js';
import { codeOf, sendOne, startRecordingUpstream, statusOf, type RecordingOptions, type RecordingUpstream } from './wire.js';

/** The shared secret of the `jwt` token issuer that `HS256_TOKENS` declares. */
const HS256_SECRET = '0123456789abcdef0123456789abcdef';
const ISSUER = 'https://idp.test';
const AUDIENCE = 'api';

/** A `tokens` section with one `jwt` issuer that accepts HS256 tokens from `signHs256`. */
export const HS256_TOKENS = `tokens:
  jwt: { keys: [ { kty: oct, kid: k, k: "${Buffer.from(HS256_SECRET).toString('base64url')}" } ], issuer: "${ISSUER}", audience: "${AUDIENCE}", algorithms: [HS256] }`;

/**
 * A token `HS256_TOKENS` accepts, valid for ten minutes.
 * @example rawGet('/admin/x', [`Authorization: Bearer ${await signHs256()}`])
 */
export function signHs256(claims: Record<string, unknown> = {}): Promise<string> {
  return new SignJWT({ sub: 'alice', ...claims })
    .setProtectedHeader({ alg: 'HS256', kid: 'k', typ: 'at+jwt' })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt()
    .setExpirationTime('10m')
    .sign(new TextEncoder().encode(HS256_SECRET));
}

export interface EdgeGatewayOptions {
  /** the `routes:` entries, one YAML line each (upstream `app` is the recording upstream) */
  routes: readonly string[];
  /** further top-level sections (`HS256_TOKENS`, `credentials:`, `policies:`, `security:` …) */
  sections?: readonly string[];
  /** how the upstream answers (wire.ts; default 200 `ok`) */
  answer?: RecordingOptions['answer'];
}

export interface EdgeGateway {
  up: RecordingUpstream;
  gw: Gw;
  /** the gateway's listening port, for `sendOne`/`sendRaw` */
  port: number;
  /**
   * Sends each request (`[label, bytes]`) on a fresh connection and asserts that it is answered
   * `status` with the error `code` and that nothing reached the upstream.
   * @example await edge.refuses(t, 400, 'GW_ERR_BAD_PATH', ['/a//b'].map((p) => [p, rawGet(p)]))
   */
  refuses(t: Test, status: number, code: string, requests: readonly (readonly [label: string, bytes: string])[]): Promise<void>;
}

/**
 * Starts the upstream and the gateway, and registers both for teardown on `t`.
 * @example
 * const { up, port } = await startEdgeGateway(t, { sections: [HS256_TOKENS], routes: ['{ id: a, match: { path_prefix: /a }, upstream: app, auth: jwt }'] });
 */
export async function startEdgeGateway(t: { teardown(fn: () => unknown): void }, opts: EdgeGatewayOptions): Promise<EdgeGateway> {
  const up = await startRecordingUpstream(opts.answer === undefined ? {} : { answer: opts.answer });
  t.teardown(() => up.close());
  const gw = await startGw(`
listen: { host: 127.0.0.1, port: 0 }
admin: { host: 127.0.0.1, port: 0 }
upstreams:
  app: { url: "${up.url}" }
${(opts.sections ?? []).join('\n')}
routes:
${opts.routes.map((r) => `  - ${r}`).join('\n')}
`);
  t.teardown(() => gw.close());
  const port = Number(new URL(gw.url).port);
  return {
    up,
    gw,
    port,
    async refuses(t, status, code, requests) {
      for (const [label, bytes] of requests) {
        up.reset();
        const r = await sendOne(port, bytes);
        t.equal(statusOf(r), status, label);
        t.equal(codeOf(r), code, label);
        t.equal(up.requests().length, 0, `${label}: nothing reaches the upstream`);
      }
    },
  };
}
