/**
 * The request context every pipeline stage shares, and the stage interface.
 *
 * A stage is built once from validated config and run per request (oathkeeper's
 * authn/authz/mutate split; hono's compose). It reads and writes the context and rejects a call
 * by throwing a GatewayError. Stages return synchronously when they can (a cached token, a JS
 * policy) so the hot path allocates no promises; the composer only awaits real promises.
 */
import type { GatewayError } from '../errors.js';
import type { RequestTrace } from '../shared/trace-context.js';

/** `input.token` of the policy contract (DESIGN.md): normalised, never the raw token. */
export interface TokenInfo {
  active: boolean;
  sub?: string;
  client_id?: string;
  /** always an array (space-separated `scope` strings and `scp` arrays are both normalised) */
  scope: string[];
  exp?: number;
  iss?: string;
  /** every claim (JWT payload or introspection response), raw token excluded */
  claims: Record<string, unknown>;
}

/** How the authenticate stage reached its result, for metrics and the audit event. */
export interface AuthOutcome {
  token: TokenInfo;
  /** served from a stale cache entry while the token server was unreachable */
  degraded: boolean;
  cache: 'hit' | 'miss' | 'stale';
}

/**
 * What the map stage sends upstream (filled from route defaults, then the decision). Header names
 * are lower-case: parseDecision lower-cases a decision's, credentials lower-case theirs when they
 * are made, and the proxy compares them with the client's (lower-case) names as they are.
 */
export interface UpstreamMapping {
  name: string;
  path: string; // path + query as sent upstream
  /** lower-case names */
  setHeaders: Record<string, string>;
  /** lower-case names */
  removeHeaders: string[];
  credentials?: string;
}

export interface RateLimitBucket {
  key: string;
  limit: number;
  window_s: number;
}

/** The decision as the gateway understands it after validation (DESIGN.md "Decision"). */
export interface Decision {
  allow: boolean;
  status?: number;
  reason?: string;
  insufficientScope?: boolean;
  /** the scope the policy said was missing (for `WWW-Authenticate: Bearer error="insufficient_scope", scope=…`) */
  requiredScope?: string;
  upstream?: { name?: string; path?: string; headers?: Record<string, string>; remove_headers?: string[]; credentials?: string };
  rate_limit?: RateLimitBucket[];
  response_headers?: Record<string, string>;
  labels?: Record<string, string>;
  /** the raw result as the policy returned it, for the audit event */
  raw: unknown;
  /** content hash of the policy set that decided */
  revision: string;
  /** the OPA bundles that decided, by name (`policies.bundles`), as OPA's decision log has them */
  bundles?: Readonly<Record<string, { readonly revision: string }>>;
  /** `bundles` as JSON, serialised once per loaded policy set (the audit encoder writes it as is) */
  bundlesJson?: string;
  evalNs: number;
  /**
   * `nd_builtin_cache` of the decision log as JSON text (exact big integers: time.now_ns is one),
   * when `decision_logs.nd_builtin_cache` is on
   */
  ndBuiltinCache?: string;
}

export interface RouteRef {
  id: string;
  upstream: string;
  auth: 'none' | 'jwt' | 'introspection';
  policy?: string;
  /**
   * characters of the request path the route removes before the upstream sees it
   * (`strip_prefix`; shared/route-path.ts computes it once per route); absent = 0
   */
  stripLength?: number;
}

export interface RequestContext {
  readonly id: string;
  readonly method: string; // upper-case
  readonly path: string; // as received, without the query string
  /**
   * without '?', '' when absent. Writable for one reason: a route that accepts `access_token`
   * in the query (RFC 6750 §2.3) has it removed here by the authenticate stage, so the raw token
   * never reaches the upstream, the policy input, logs or events.
   */
  rawQuery: string;
  /**
   * The target had a `?` (with an empty `rawQuery`, `/x?` rather than `/x`): the upstream gets
   * the target as the client sent it.
   */
  readonly hasQuery: boolean;
  /** lower-case names; repeated headers joined with ", " (set-cookie/cookie with "; ") */
  readonly headers: Record<string, string>;
  /**
   * The request's header fields as received, flat `[name, value, name, value…]` with lower-case
   * names and repeats kept (what the proxy forwards). Optional so that stage tests may build a
   * context without it; the server always sets it.
   */
  readonly rawHeaders?: readonly string[];
  readonly host: string;
  readonly scheme: 'http' | 'https';
  readonly remoteAddr: string;
  /**
   * Identity headers the client sent and the edge removed (server/client-head.ts), kept only when
   * `security.identity_headers_visible_to_policy` is on: the policy input shows them, nothing else.
   */
  readonly strippedHeaders: Readonly<Record<string, string>> | null;
  readonly route: RouteRef;
  readonly startNs: bigint;

  auth: AuthOutcome | null;
  /** the input the policy saw (set by the authorize stage; the audit event records it, masked) */
  policyInput?: unknown;
  decision: Decision | null;
  mapping: UpstreamMapping | null;
  /** response headers to add to whatever the upstream returns (policy + rate-limit headers) */
  responseHeaders: Record<string, string>;
  rateLimited: boolean;
  degraded: boolean;
  /** the error that ended the request, if one did */
  error: GatewayError | null;
  /** final status sent to the client (set by the proxy or error writer) */
  status: number;
  /**
   * When the exchange completed (server/gateway.ts, before the completion hooks run): the
   * request-duration metric and the audit event's latency share this one clock reading, a
   * `process.hrtime.bigint()` fewer per request (~0.6 k instructions; issue #20). A relayed
   * response takes the proxy timer's end reading (admin/outcome-metrics.ts), one more fewer.
   * null until then.
   */
  endNs: bigint | null;
  /**
   * The request's trace (telemetry/): null when telemetry is off, so a request pays one null
   * check for it. Set by the server before the pipeline runs.
   */
  trace: RequestTrace | null;
  /**
   * Set by the payload stage when the body arrived as a JWE (README "Payload encryption"): the
   * key that decrypted it (a gateway key's `kid`, or a session's), its `alg`, and whether the
   * answer is encrypted too. The policy input and the audit event show it; never the plaintext.
   */
  encryption: PayloadEncryption | null;
  /**
   * The client certificate the TLS handshake verified, on a listener with
   * `listen.tls.client_auth: optional|required` (server/mtls-terminator.ts); null without one.
   * The policy input shows it as `input.request.tls`; authn compares `x5tS256` with a
   * certificate-bound token's `cnf.x5t#S256` (RFC 8705 §3).
   */
  tls: ClientCertificate | null;
}

/** A verified client certificate as the policy sees it (DESIGN.md "TLS"). */
export interface ClientCertificate {
  /** the subject as an RFC 4514 string, least significant RDN first: `CN=client-1,O=Acme` */
  readonly subject: string;
  /** subjectAltName entries as `DNS:…`, `URI:…`, `IP Address:…`, `email:…` */
  readonly san: readonly string[];
  /** base64url SHA-256 of the certificate's DER (RFC 8705 §3.1 `x5t#S256`) */
  readonly x5tS256: string;
}

/** What the policy and the audit event learn of an encrypted request (never a key or the body). */
export interface PayloadEncryption {
  readonly kid: string;
  readonly alg: string;
  /** a session key (`alg: dir`) rather than a gateway key */
  readonly session: boolean;
  /** the answer is encrypted to the client (`rsp` or the session) */
  readonly response: boolean;
}

/** What a request brings with it; everything else in its context starts empty. */
export interface RequestFields {
  id: string;
  method: string;
  path: string;
  rawQuery: string;
  /** default: `rawQuery !== ''` */
  hasQuery?: boolean;
  headers: Record<string, string>;
  rawHeaders?: readonly string[];
  host: string;
  scheme: 'http' | 'https';
  remoteAddr: string;
  strippedHeaders?: Readonly<Record<string, string>> | null;
  route: RouteRef;
  /** the verified client certificate (mTLS listeners); default null */
  tls?: ClientCertificate | null;
  /** default: now */
  startNs?: bigint;
}

/**
 * The one place a context is made — by the server per request, and by tests and benches — so
 * every context has the same fields in the same order, and the same object shape for the engine.
 *
 * @example
 * const ctx = createRequestContext({ id, method: 'GET', path: '/x', rawQuery: '', headers, host, scheme: 'http', remoteAddr, route });
 */
export function createRequestContext(f: RequestFields): RequestContext {
  return {
    id: f.id,
    method: f.method,
    path: f.path,
    rawQuery: f.rawQuery,
    hasQuery: f.hasQuery ?? f.rawQuery !== '',
    headers: f.headers,
    rawHeaders: f.rawHeaders,
    host: f.host,
    scheme: f.scheme,
    remoteAddr: f.remoteAddr,
    strippedHeaders: f.strippedHeaders ?? null,
    route: f.route,
    startNs: f.startNs ?? process.hrtime.bigint(),
    auth: null,
    decision: null,
    mapping: null,
    responseHeaders: {},
    rateLimited: false,
    degraded: false,
    error: null,
    status: 0,
    endNs: null,
    trace: null,
    encryption: null,
    tls: f.tls ?? null,
  };
}

/** One pipeline stage. Throw a GatewayError to reject; return a promise only when you must wait. */
export interface Stage {
  readonly name: 'authenticate' | 'authorize' | 'ratelimit' | 'map' | (string & {});
  run(ctx: RequestContext): void | Promise<void>;
}
