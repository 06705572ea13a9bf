/**
 * A route's path rule, in one place: which part of the request path the upstream sees.
 *
 * `strip_prefix` removes the matched `path_prefix` (`/api/x` with prefix `/api` → `/x`); a
 * trailing slash on the prefix is the segment boundary itself, so `/api/` strips like `/api`.
 * The router computes the length once per route (routing/router.ts), the route reference every
 * request carries holds it (`RouteRef.stripLength`), and the map stage and the proxy both derive
 * the upstream path with `upstreamPathOf` — never a second copy of the rule.
 */
import type { RouteConfig } from '../config/types.js';

/**
 * How many leading characters of a matched path a route removes (0: none).
 * @example stripLengthOf({ match: { path_prefix: '/api/' }, strip_prefix: true, … }) // 4
 */
export function stripLengthOf(route: Pick<RouteConfig, 'match' | 'strip_prefix'>): number {
  const prefix = route.match.path_prefix;
  if (!route.strip_prefix || prefix === undefined) return 0;
  return prefix.endsWith('/') ? prefix.length - 1 : prefix.length;
}

/**
 * The path (no query) the upstream gets for a request path under a route with `stripLength`;
 * stripping everything leaves `/`.
 * @example upstreamPathOf('/api/x', 4) // '/x'
 */
export function upstreamPathOf(path: string, stripLength: number): string {
  return stripLength > 0 ? path.slice(stripLength) || '/' : path;
}
