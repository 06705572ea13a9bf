/**
 * Turns what a policy returned into a validated Decision (contract: DESIGN.md "Decision").
 *
 * The policy is trusted to decide but not to be well-formed: anything it asks for that the
 * configuration does not declare (an upstream, a credential), or that would make an unsafe
 * request (CR/LF in a header, a Host override, a path with `..`), is a policy error and the call
 * fails closed with GW_ERR_POLICY_DECISION — never a best-effort partial application.
 *
 * @example
 *   const d = parseDecision({ allow: true, upstream: { name: 'car', path: '/car/u1' } },
 *     { upstreams: new Set(['car']), credentials: new Set() }, { revision: 'abc', evalNs: 900 });
 */
import { GatewayError } from '../errors.js';
import type { Decision, RateLimitBucket } from '../pipeline/context.js';
import { PROTECTED_REQUEST_HEADERS, PROTECTED_RESPONSE_HEADERS, isValidHeaderName, isValidHeaderValue } from './header-rules.js';
import { checkTarget } from '../shared/path-check.js';

export interface DecisionCatalog {
  readonly upstreams: ReadonlySet<string>;
  readonly credentials: ReadonlySet<string>;
}

export interface DecisionMeta {
  readonly revision: string;
  readonly evalNs: number;
}

// The fields a decision may have (DESIGN.md "Decision"). A `switch`, not a Set: the keys of a
// policy's object are internalised strings, so each case is a pointer comparison where `Set#has`
// hashed and probed a table for every key of every decision.
function isTopKey(k: string): boolean {
  switch (k) {
    case 'allow':
    case 'status':
    case 'reason':
    case 'upstream':
    case 'rate_limit':
    case 'response_headers':
    case 'labels':
    case 'insufficient_scope':
      return true;
    default:
      return false;
  }
}

function isUpstreamKey(k: string): boolean {
  switch (k) {
    case 'name':
    case 'path':
    case 'headers':
    case 'remove_headers':
    case 'credentials':
      return true;
    default:
      return false;
  }
}

function invalid(what: string, meta: DecisionMeta): GatewayError {
  return new GatewayError('GW_ERR_POLICY_DECISION', { cause: new Error(`invalid decision (policy revision ${meta.revision}): ${what}`) });
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/**
 * Header names a decision used before, valid, with their lower-case form: a policy writes the
 * same few names in every decision (most often the same string constants of its compiled code),
 * so the name check and the lower-casing run once per name. Bounded: a policy that makes up
 * names per request only stops being cached.
 */
const VALID_NAMES = new Map<string, string>();
const MAX_VALID_NAMES = 1024;

/** `name` lower-cased when it is a valid header name, else null. */
function lowerValidName(name: string): string | null {
  const known = VALID_NAMES.get(name);
  if (known !== undefined) return known;
  if (!isValidHeaderName(name)) return null;
  const lower = name.toLowerCase();
  if (VALID_NAMES.size < MAX_VALID_NAMES) VALID_NAMES.set(name, lower);
  return lower;
}

/**
 * A decision's object of strings, validated. Returned as it is when it already is what the copy
 * would be (every value a string; with `protectedNames`, every name valid, lower-case and allowed),
 * as a policy's decision normally is: nothing downstream writes to a decision's maps (the map stage
 * and the denial copy them), so the copy was one allocation and a store per header for nothing.
 */
function stringMap(x: unknown, field: string, meta: DecisionMeta, protectedNames?: ReadonlySet<string>): Record<string, string> {
  if (!isRecord(x)) throw invalid(`${field} must be an object of strings`, meta);
  let out: Record<string, string> | null = null; // a copy, from the first name that needs lower-casing
  for (const k of Object.keys(x)) {
    const v = x[k];
    if (typeof v !== 'string') throw invalid(`${field}.${k} must be a string`, meta);
    if (protectedNames) {
      const name = lowerValidName(k);
      if (name === null) throw invalid(`${field}: invalid header name ${JSON.stringify(k)}`, meta);
      if (!isValidHeaderValue(v)) throw invalid(`${field}.${k}: header value has forbidden characters`, meta);
      if (protectedNames.has(name)) throw invalid(`${field}: header ${name} may not be set by a policy`, meta);
      if (out === null && name !== k) out = copyUntil(x, k);
      if (out !== null) out[name] = v;
    }
  }
  return out ?? (x as Record<string, string>);
}

/** The entries of `x` before `stop` (names already checked and lower-case), in a fresh object. */
function copyUntil(x: Record<string, unknown>, stop: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(x)) {
    if (k === stop) break;
    out[k] = x[k] as string;
  }
  return out;
}

function parseBuckets(x: unknown, meta: DecisionMeta): RateLimitBucket[] {
  if (!Array.isArray(x)) throw invalid('rate_limit must be an array', meta);
  if (x.length > 16) throw invalid('rate_limit has more than 16 buckets', meta);
  // a loop, not `map` with a destructuring closure: one allocation per bucket and the array
  const out = new Array<RateLimitBucket>(x.length);
  for (let i = 0; i < x.length; i++) {
    const b: unknown = x[i];
    if (!isRecord(b)) throw invalid(`rate_limit[${i}] must be an object`, meta);
    const key = b.key;
    const limit = b.limit;
    const window_s = b.window_s;
    if (typeof key !== 'string' || key.length === 0 || key.length > 512) throw invalid(`rate_limit[${i}].key must be a non-empty string`, meta);
    if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 0) throw invalid(`rate_limit[${i}].limit must be a non-negative integer`, meta);
    if (typeof window_s !== 'number' || !(window_s > 0) || window_s > 86400 * 31) throw invalid(`rate_limit[${i}].window_s must be a positive number of seconds`, meta);
    out[i] = { key, limit, window_s };
  }
  return out;
}

export function parseDecision(raw: unknown, catalog: DecisionCatalog, meta: DecisionMeta): Decision {
  if (raw === undefined) return { allow: false, reason: undefined, raw: null, revision: meta.revision, evalNs: meta.evalNs };
  if (typeof raw === 'boolean') return { allow: raw, raw, revision: meta.revision, evalNs: meta.evalNs };
  if (!isRecord(raw)) throw invalid('must be a boolean or an object', meta);
  for (const k of Object.keys(raw)) if (!isTopKey(k)) throw invalid(`unknown field ${JSON.stringify(k)}`, meta);

  const d: Decision = { allow: false, raw, revision: meta.revision, evalNs: meta.evalNs };
  if (typeof raw.allow !== 'boolean') throw invalid('allow must be a boolean', meta);
  d.allow = raw.allow;
  if (raw.status !== undefined) {
    const s = raw.status;
    if (typeof s !== 'number' || !Number.isInteger(s) || s < 400 || s > 599) throw invalid('status must be an HTTP error status (400–599)', meta);
    d.status = s;
  }
  if (raw.reason !== undefined) {
    if (typeof raw.reason !== 'string' || raw.reason.length > 1024) throw invalid('reason must be a string of at most 1024 characters', meta);
    d.reason = raw.reason;
  }
  if (raw.insufficient_scope !== undefined) {
    const s = raw.insufficient_scope;
    if (s !== true && (typeof s !== 'string' || !/^[\x21\x23-\x5b\x5d-\x7e ]*$/.test(s))) throw invalid('insufficient_scope must be true or a scope string', meta);
    d.insufficientScope = true;
    if (typeof s === 'string') d.requiredScope = s;
  }
  if (raw.labels !== undefined) d.labels = stringMap(raw.labels, 'labels', meta);
  if (raw.response_headers !== undefined) d.response_headers = stringMap(raw.response_headers, 'response_headers', meta, PROTECTED_RESPONSE_HEADERS);
  if (raw.rate_limit !== undefined) d.rate_limit = parseBuckets(raw.rate_limit, meta);

  if (raw.upstream !== undefined) {
    const u = raw.upstream;
    if (!isRecord(u)) throw invalid('upstream must be an object', meta);
    for (const k of Object.keys(u)) if (!isUpstreamKey(k)) throw invalid(`upstream: unknown field ${JSON.stringify(k)}`, meta);
    const up: NonNullable<Decision['upstream']> = {};
    if (u.name !== undefined) {
      if (typeof u.name !== 'string' || !catalog.upstreams.has(u.name)) throw invalid(`upstream.name ${JSON.stringify(u.name)} is not a declared upstream`, meta);
      up.name = u.name;
    }
    if (u.path !== undefined) {
      if (typeof u.path !== 'string') throw invalid('upstream.path must be a string', meta);
      const why = checkTarget(u.path);
      if (why) throw invalid(`upstream.path ${why}`, meta);
      up.path = u.path;
    }
    if (u.headers !== undefined) up.headers = stringMap(u.headers, 'upstream.headers', meta, PROTECTED_REQUEST_HEADERS);
    if (u.remove_headers !== undefined) {
      if (!Array.isArray(u.remove_headers)) throw invalid('upstream.remove_headers must be an array of header names', meta);
      const list: unknown[] = u.remove_headers;
      const names = new Array<string>(list.length);
      for (let i = 0; i < list.length; i++) {
        const h = list[i];
        const name = typeof h === 'string' ? lowerValidName(h) : null;
        if (name === null) throw invalid(`upstream.remove_headers: invalid header name ${JSON.stringify(h)}`, meta);
        if (PROTECTED_REQUEST_HEADERS.has(name)) throw invalid(`upstream.remove_headers: ${name} may not be removed by a policy`, meta);
        names[i] = name;
      }
      up.remove_headers = names;
    }
    if (u.credentials !== undefined) {
      if (typeof u.credentials !== 'string' || !catalog.credentials.has(u.credentials)) throw invalid(`upstream.credentials ${JSON.stringify(u.credentials)} are not declared`, meta);
      up.credentials = u.credentials;
    }
    d.upstream = up;
  }
  return d;
}
