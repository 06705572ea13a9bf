/**
 * The route matcher, compiled once from the validated routes.
 *
 * Precedence: an exact `path` beats any prefix; a longer `path_prefix` beats a shorter one;
 * among equals, the order in the file. Prefixes match on segment boundaries (`/car` matches
 * `/car` and `/car/x`, never `/cars`). A route with `host` only matches that Host (port and a
 * trailing root dot ignored;
 * `*.example.com` matches any subdomain). When the path and host fit but the method does not,
 * the result is 405 with `Allow` (RFC 9110 §15.5.6) rather than 404 or a broader route.
 * A route with `match.case_sensitive: false` matches its path in any ASCII case (`/ADMIN/x`
 * meets `/admin`, shared/path-case.ts); the precedence is the same, over the folded paths.
 *
 * Matching costs one Map lookup per path segment, whatever the number of routes.
 */
import { GatewayError } from '../errors.js';
import type { RouteConfig } from '../config/types.js';
import { checkPath, STRICT_PATH_RULES, type PathRules } from '../shared/path-check.js';
import { stripLengthOf } from '../shared/route-path.js';
import { foldPathCase } from '../shared/path-case.js';

/** Methods a route without a `methods` list does not take. */
const UNLISTED = new Set(['CONNECT', 'TRACE']);
/** What such a route's 405 names in `Allow`. */
const DEFAULT_ALLOW = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

export interface CompiledRoute {
  readonly config: RouteConfig;
  readonly index: number;
  /** the matched prefix length to strip when `strip_prefix` is set (0 otherwise; shared/route-path.ts) */
  readonly stripLength: number;
  readonly methods: ReadonlySet<string> | null;
  readonly host: string | null;
  readonly hostSuffix: string | null;
  /** the path as written (a prefix without its trailing slash) */
  readonly key: string;
  /** false: `key` matches in any ASCII case */
  readonly caseSensitive: boolean;
}

export interface Router {
  /**
   * Returns the route or throws GW_ERR_NOT_FOUND / GW_ERR_METHOD_NOT_ALLOWED / GW_ERR_BAD_REQUEST.
   * `pathChecked`: the caller found `checkPath(path, rules)` null already, with the router's own
   * rules — the server's edge (edge-rules.ts takes both from `security`) — so the router does
   * not run it a second time.
   */
  match(method: string, host: string, path: string, pathChecked?: boolean): CompiledRoute;
}

/**
 * @example
 * const router = compileRouter(config.routes, { allowEncodedSlash: config.security.allow_encoded_slashes });
 * router.match('GET', 'api.example.com', '/car/1').config.id // 'car'
 */
export function compileRouter(routes: readonly RouteConfig[], rules: PathRules = STRICT_PATH_RULES): Router {
  const exact = new Map<string, CompiledRoute[]>();
  const prefix = new Map<string, CompiledRoute[]>();
  // With a case-insensitive route the tables are keyed by folded paths, and a case-sensitive
  // route in them also compares its own spelling; without one, nothing is folded per request.
  const folds = routes.some((r) => r.match.case_sensitive === false);
  routes.forEach((config, index) => {
    const p = config.match.path ?? config.match.path_prefix;
    if (p === undefined) throw new TypeError(`route ${config.id} has neither path nor path_prefix`);
    // A trailing slash on a prefix is the boundary itself: `/api/` and `/api` mean the same subtree.
    const key = config.match.path !== undefined ? p : trimSlash(p);
    const host = config.match.host === undefined ? null : withoutRootDot(config.match.host.toLowerCase());
    const compiled: CompiledRoute = {
      config,
      index,
      stripLength: stripLengthOf(config),
      methods: config.match.methods ? new Set(config.match.methods) : null,
      host: host !== null && !host.startsWith('*.') ? host : null,
      hostSuffix: host !== null && host.startsWith('*.') ? host.slice(1) : null,
      key,
      caseSensitive: config.match.case_sensitive !== false,
    };
    const table = config.match.path !== undefined ? exact : prefix;
    const tableKey = folds ? foldPathCase(key) : key;
    const list = table.get(tableKey) ?? [];
    list.push(compiled);
    table.set(tableKey, list);
  });

  const anyHost = routes.some((r) => r.match.host !== undefined);

  return {
    match(method, rawHost, path, pathChecked = false) {
      // The router checks the path unless its caller did with the same rules (the edge,
      // server/client-head.ts), because it is usable on its own: dot segments would let
      // `/public/../admin` match `/public` here and reach `/admin` upstream after the upstream
      // normalises it.
      const why = pathChecked ? null : checkPath(path, rules);
      if (why !== null) throw new GatewayError(path.charCodeAt(0) === 47 ? 'GW_ERR_BAD_PATH' : 'GW_ERR_BAD_TARGET', { cause: why });
      // Most configs name no host: then the Host value is never compared, and neither lower-cased
      // nor cut at its port (a `toLowerCase` and a slice per request)
      // `admin.example.com.` (the absolute, root-terminated form) is the same name in DNS, and the
      // same virtual host to the backends that read X-Forwarded-Host: it must meet the same route,
      // not fall through to a broader one (test/security/host-routing.test.ts)
      const host = anyHost ? withoutRootDot(stripPort(rawHost.toLowerCase())) : '';
      // No closures per request (`consider` is a module function): the hot path allocates nothing
      // unless a method does not fit, and tsx's keep-names helper has nothing to rename.
      const scratch: Scratch = { allow: null };
      // The fold keeps every length and `/` in place, so a key cut from `lookup` and the same
      // cut of `path` are one path in two cases (the client's is what a case-sensitive route and
      // everything after the router see).
      const lookup = folds ? foldPathCase(path) : path;
      // The most specific path that fits the host decides: a method it does not accept is 405,
      // never a fall-through to a broader route (which would silently change the upstream).
      const hit = consider(exact.get(lookup), method, host, folds ? path : null, scratch);
      if (hit) return hit;
      if (scratch.allow !== null) throw notAllowed(scratch.allow);
      // `/api/delete/` is `/api/delete` to Express (non-strict routing, its default), Spring ≤ 5
      // and others: an exact route takes it too, rather than a broader route in front of the
      // same backend (test/security/path-spellings.test.ts)
      if (path.length > 1 && path.charCodeAt(path.length - 1) === 47) {
        const slashless = consider(exact.get(lookup.slice(0, -1)), method, host, folds ? path.slice(0, -1) : null, scratch);
        if (slashless) return slashless;
        if (scratch.allow !== null) throw notAllowed(scratch.allow);
      }
      // Walk segment boundaries from the longest prefix down to `/` ('' after trimming).
      let end = path.length;
      for (let guard = 0; guard <= path.length; guard++) {
        const cut = end === lookup.length ? lookup : lookup.slice(0, end);
        const key = cut === '/' ? '' : trimSlash(cut);
        const r = consider(prefix.get(key), method, host, folds ? path.slice(0, key.length) : null, scratch);
        if (r) return r;
        if (scratch.allow !== null) throw notAllowed(scratch.allow);
        if (end === 0) break;
        end = path.lastIndexOf('/', end - 1);
        if (end < 0) break;
      }
      throw new GatewayError('GW_ERR_NOT_FOUND');
    },
  };
}

/** Methods of routes that fit the path and host but not the method (for 405's `Allow`). */
interface Scratch {
  allow: Set<string> | null;
}

/** `rawKey`: the client's spelling of the key looked up, when the tables are folded (else null). */
function consider(list: CompiledRoute[] | undefined, method: string, host: string, rawKey: string | null, scratch: Scratch): CompiledRoute | undefined {
  if (!list) return undefined;
  for (const r of list) {
    if (rawKey !== null && r.caseSensitive && r.key !== rawKey) continue;
    if (r.host !== null && r.host !== host) continue;
    if (r.hostSuffix !== null && !host.endsWith(r.hostSuffix)) continue;
    // CONNECT and TRACE only where the route names them (RFC 9110 §9.3.6/§9.3.8: a tunnel, and
    // an echo of the request that would reflect the gateway's own headers back to the client)
    if (r.methods === null ? !UNLISTED.has(method) : r.methods.has(method) || (method === 'HEAD' && r.methods.has('GET'))) return r;
    if (r.methods === null) {
      scratch.allow ??= new Set();
      for (const m of DEFAULT_ALLOW) scratch.allow.add(m);
      continue;
    }
    scratch.allow ??= new Set();
    for (const m of r.methods) scratch.allow.add(m);
  }
  return undefined;
}

function notAllowed(allow: Set<string>): GatewayError {
  return new GatewayError('GW_ERR_METHOD_NOT_ALLOWED', { headers: { allow: [...allow].join(', ') } });
}

function trimSlash(p: string): string {
  return p.endsWith('/') ? p.slice(0, -1) : p;
}

/** One trailing dot removed (RFC 1034 §3.1's absolute name); the edge refuses empty labels (`a..`). */
function withoutRootDot(host: string): string {
  return host.length > 1 && host.charCodeAt(host.length - 1) === 46 ? host.slice(0, -1) : host;
}

function stripPort(host: string): string {
  if (host.startsWith('[')) {
    const close = host.indexOf(']');
    return close < 0 ? host : host.slice(0, close + 1);
  }
  const colon = host.indexOf(':');
  return colon < 0 ? host : host.slice(0, colon);
}

