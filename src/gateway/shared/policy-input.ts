/**
 * Builds the policy input (DESIGN.md "Policy input") from the request context.
 *
 * Credentials are removed wherever the client put them (shared/secrets.ts: the Authorization
 * header, any header value or query parameter that holds a token): a policy decides on the
 * verified token in `input.token`, never on the credential itself, and the input is what the
 * audit event records.
 */
import type { RequestContext } from '../pipeline/context.js';
import { isSecretHeader, isSecretQueryParam } from './secrets.js';

export interface PolicyInput {
  request: {
    id: string;
    method: string;
    path: string;
    query: Record<string, string[]>;
    headers: Record<string, string>;
    host: string;
    scheme: string;
    remote_addr: string;
    /** present (true) only when the body arrived as a JWE (README "Payload encryption") */
    encrypted?: true;
    /** the key that decrypted it: a gateway key's kid, or a session's (`session: true`) */
    encryption?: { kid: string; alg: string; session: boolean };
    /** the verified client certificate (mTLS listeners, DESIGN.md "TLS"); absent without one */
    tls?: { subject: string; san: string[]; 'x5t#S256': string };
  };
  token: RequestContext['auth'] extends infer A ? (A extends { token: infer T } ? T : never) | null : never;
  route: { id: string; upstream: string };
}

/**
 * `input.request.query`: the decoded parameters, minus credentials (shared/secrets.ts) — a token
 * sent as `access_token` never reaches the policy or the audit event, on any route.
 */
export function parseQuery(raw: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  if (raw === '') return out;
  for (const [k, v] of new URLSearchParams(raw)) {
    if (isSecretQueryParam(k, v)) continue;
    const list = Object.hasOwn(out, k) ? out[k] : undefined;
    if (list) list.push(v);
    else Object.defineProperty(out, k, { value: [v], enumerable: true, writable: true, configurable: true });
  }
  return out;
}

export function buildPolicyInput(ctx: RequestContext): PolicyInput {
  const headers: Record<string, string> = {};
  for (const k in ctx.headers) {
    const v = ctx.headers[k] as string;
    if (isSecretHeader(k, v)) continue;
    headers[k] = v;
  }
  // identity headers the edge removed, shown only when the config says so (never sent upstream)
  const stripped = ctx.strippedHeaders;
  if (stripped !== null) for (const k in stripped) if (!isSecretHeader(k, stripped[k] as string)) headers[k] ??= stripped[k] as string;
  // `?? null`: contexts built by hand (tests, benches) may predate the field
  const enc = ctx.encryption ?? null;
  const cert = ctx.tls ?? null;
  return {
    request: {
      id: ctx.id,
      method: ctx.method,
      path: ctx.path,
      query: parseQuery(ctx.rawQuery),
      headers,
      host: ctx.host,
      scheme: ctx.scheme,
      remote_addr: ctx.remoteAddr,
      ...(enc !== null ? { encrypted: true as const, encryption: { kid: enc.kid, alg: enc.alg, session: enc.session } } : {}),
      ...(cert !== null ? { tls: { subject: cert.subject, san: [...cert.san], 'x5t#S256': cert.x5tS256 } } : {}),
    },
    token: ctx.auth ? ctx.auth.token : null,
    route: { id: ctx.route.id, upstream: ctx.route.upstream },
  };
}
