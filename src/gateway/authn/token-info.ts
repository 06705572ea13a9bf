/**
 * Normalises JWT claims or an RFC 7662 introspection response into `input.token`
 * (DESIGN.md "Policy input"): `scope` is always an array, `claims` holds everything.
 * The result is deeply frozen because one cached object serves many requests.
 */
import type { AuthOutcome, TokenInfo } from '../pipeline/context.js';

/**
 * @example
 * normaliseTokenInfo({ sub: 'u1', scope: 'a b', client_id: 'app' }, true).scope; // ['a', 'b']
 */
export function normaliseTokenInfo(claims: Record<string, unknown>, active: boolean): TokenInfo {
  const info: TokenInfo = { active, scope: readScope(claims), claims };
  // RFC 9068 §2.2 / RFC 7662 §2.2 spell these the same way; `azp` is OIDC's name for the client.
  if (typeof claims.sub === 'string') info.sub = claims.sub;
  const clientId = typeof claims.client_id === 'string' ? claims.client_id : typeof claims.azp === 'string' ? claims.azp : undefined;
  if (clientId !== undefined) info.client_id = clientId;
  if (typeof claims.exp === 'number') info.exp = claims.exp;
  if (typeof claims.iss === 'string') info.iss = claims.iss;
  return deepFreeze(info);
}

/** A frozen outcome object, built once per cache entry so a cache hit allocates nothing. */
export function createOutcome(token: TokenInfo, cache: AuthOutcome['cache'], degraded = false): AuthOutcome {
  return Object.freeze({ token, cache, degraded });
}

function readScope(claims: Record<string, unknown>): string[] {
  // RFC 7662 §2.2 and RFC 9068 §2.2.3: `scope` is a space-separated string; some servers (Azure,
  // Okta) send `scp` as an array, some send `scope` as an array. Accept all three.
  const s = claims.scope ?? claims.scp;
  if (typeof s === 'string') return s.split(' ').filter((x) => x.length > 0);
  if (Array.isArray(s)) return s.filter((x): x is string => typeof x === 'string');
  return [];
}

function deepFreeze<T>(v: T): T {
  if (v && typeof v === 'object' && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v)) deepFreeze(x);
  }
  return v;
}
