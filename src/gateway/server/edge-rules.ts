/**
 * Which request headers are the gateway's, built once from the config: the client may never
 * send them (DESIGN.md "The trust boundary", README "Security model").
 *
 * - identity an upstream may trust: `x-user-id`, `x-client-id`, and the addresses and URLs that
 *   proxies set (`x-real-ip`, `true-client-ip`, `x-original-url`, `x-rewrite-url`, every
 *   `x-forwarded-*`, `forwarded`), which backends use to decide who called and what was asked,
 *   and the method-override fields (`x-http-method-override`…), which decide what is done;
 * - every header a configured backend credential sets (`signature`, `content-digest`, a `header`
 *   credential's name…) — except `authorization`, which carries the caller's own bearer token to
 *   the authenticate stage and is dropped before the upstream on authenticated routes;
 * - `security.identity_headers` from the config (names, or prefixes ending in `*`).
 * With `listen.trust_forwarded`, X-Forwarded-For/-Proto and Forwarded from the trusted load
 * balancer are kept (client-head.ts).
 */
import type { GatewayConfig } from '../config/types.js';
import type { EdgeRules } from './client-head.js';
import { pathRulesOf } from '../shared/path-check.js';

/** The built-in list (lower-case); `x-forwarded-` is a prefix. */
export const IDENTITY_HEADERS: readonly string[] = Object.freeze([
  'x-user-id', 'x-client-id', 'x-real-ip', 'true-client-ip', 'x-client-ip', 'x-original-url', 'x-rewrite-url',
  'x-original-uri', 'x-forwarded-*', 'forwarded', 'x-authenticated-user', 'x-remote-user', 'remote-user',
  // The method the backend runs (Express method-override, Rack, Symfony/Laravel, ASP.NET Core,
  // OData): a policy that allowed GET or POST must not have the backend run DELETE
  // (test/security/method-override.test.ts).
  'x-http-method-override', 'x-http-method', 'x-method-override',
]);

/** Headers each credential type writes (mapping/credentials), given its spec. */
function credentialHeaders(spec: { readonly type: string; readonly [k: string]: unknown }): string[] {
  switch (spec.type) {
    case 'basic':
    case 'bearer':
      return ['authorization'];
    case 'header':
      return typeof spec['header'] === 'string' ? [spec['header'].toLowerCase()] : [];
    case 'jwt':
      return [typeof spec['header'] === 'string' ? spec['header'].toLowerCase() : 'authorization'];
    case 'hmac':
      return ['signature', 'signature-input', 'content-digest'];
    default:
      return [];
  }
}

/**
 * @example const rules = createEdgeRules(config); // once per gateway
 */
export function createEdgeRules(config: GatewayConfig): EdgeRules {
  const names = new Set<string>();
  const prefixes: string[] = [];
  const add = (n: string) => {
    const lower = n.toLowerCase();
    if (lower.endsWith('*')) prefixes.push(lower.slice(0, -1));
    else names.add(lower);
  };
  for (const n of IDENTITY_HEADERS) add(n);
  for (const n of config.security.identity_headers) add(n);
  for (const spec of Object.values(config.credentials)) for (const n of credentialHeaders(spec)) if (n !== 'authorization') add(n);
  return Object.freeze({
    stripNames: names,
    stripPrefixes: Object.freeze([...new Set(prefixes)]),
    keepStripped: config.security.identity_headers_visible_to_policy,
    trustForwarded: config.listen.trust_forwarded,
    pathRules: pathRulesOf(config),
    allowChunked: config.security.chunked_request_bodies,
    allowQuerySemicolons: config.security.allow_query_semicolons,
  });
}
