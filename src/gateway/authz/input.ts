/**
 * Builds the policy input (DESIGN.md "Policy input") from the request context.
 *
 * The raw Authorization header (and any configured secret-bearing header) is removed: a policy
 * decides on the verified token in `input.token`, never on the credential itself, and the input
 * is what the audit event records.
 */
import type { RequestContext } from '../pipeline/context.js';

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
  };
  token: RequestContext['auth'] extends infer A ? (A extends { token: infer T } ? T : never) | null : never;
  route: { id: string; upstream: string };
}

const HIDDEN_HEADERS = new Set(['authorization', 'proxy-authorization']);

export function parseQuery(raw: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  if (raw === '') return out;
  for (const [k, v] of new URLSearchParams(raw)) {
    const list = Object.hasOwn(out, k) ? out[k] : undefined;
    if (list) list.push(v);
    else Object.defineProperty(out, k, { value: [v], enumerable: true, writable: true, configurable: true });
  }
  return out;
}

export function buildPolicyInput(ctx: RequestContext): PolicyInput {
  const headers: Record<string, string> = {};
  for (const k in ctx.headers) {
    if (HIDDEN_HEADERS.has(k)) continue;
    headers[k] = ctx.headers[k] as string;
  }
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
    },
    token: ctx.auth ? ctx.auth.token : null,
    route: { id: ctx.route.id, upstream: ctx.route.upstream },
  };
}
