/**
 * Decision-log masking with OPA's semantics (open-policy-agent/opa `plugins/logs/mask.go`):
 * a rule either *removes* the value at a JSON pointer (recorded in the event's `erased`) or
 * *upserts* a replacement (recorded in `masked`). Pointers are rooted at `/input` (or `/result`);
 * a rule whose path does not exist does nothing and is not listed, like OPA's remove.
 *
 * Example:
 * ```ts
 * const mask = createMasker(['/input/token/claims/email', { path: '/input/request/headers/x-user', value: '***' }]);
 * mask.apply(event); // event.erased = ['/input/token/claims/email'], event.masked = [...]
 * ```
 */
import type { MaskRule } from '../config/types.js';

interface CompiledRule {
  pointer: string;
  segments: string[];
  upsert: boolean;
  value: unknown;
}

export interface Maskable {
  input?: unknown;
  result?: unknown;
  erased?: string[];
  masked?: string[];
}

/** RFC 6901 segment decoding (`~1` → `/`, `~0` → `~`). */
function parsePointer(p: string): string[] {
  if (!p.startsWith('/')) throw new TypeError(`mask rule ${JSON.stringify(p)} is not a JSON pointer`);
  return p.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

export interface Masker {
  /**
   * Apply every rule to `ev` in place. With `copyOnWrite`, each object or array on a rule's path
   * below `ev` is replaced by a shallow copy before it is changed, so values shared with the
   * request context (token claims, the decision, the policy input) are never modified and only
   * the few containers on masked paths are copied, not whole subtrees.
   */
  apply(ev: Maskable, copyOnWrite?: boolean): void;
  readonly size: number;
}

export function createMasker(rules: readonly MaskRule[]): Masker {
  const compiled: CompiledRule[] = rules.map((r) => {
    const pointer = typeof r === 'string' ? r : r.path;
    const segments = parsePointer(pointer);
    if (segments[0] !== 'input' && segments[0] !== 'result') throw new TypeError(`mask rule ${pointer} must start with /input or /result`);
    return { pointer, segments, upsert: typeof r !== 'string', value: typeof r === 'string' ? undefined : r.value };
  });

  function apply(ev: Maskable, copyOnWrite = false): void {
    const owned = copyOnWrite ? new Set<object>() : null; // the copies made by this call
    for (const rule of compiled) {
      // Walk to the parent; OPA's remove ignores missing paths, and upsert creates only the leaf.
      // Only own properties are followed: `/input/__proto__/x` must not reach Object.prototype.
      let parent: unknown = ev as unknown;
      const last = rule.segments.length - 1;
      let ok = true;
      for (let i = 0; i < last; i++) {
        const seg = rule.segments[i]!;
        if (parent === null || typeof parent !== 'object') { ok = false; break; }
        const container = parent as Record<string | number, unknown>;
        const key: string | number = Array.isArray(parent) ? Number(seg) : seg;
        if (!Object.hasOwn(container, key)) { ok = false; break; }
        let child = container[key];
        if (owned !== null && child !== null && typeof child === 'object' && !owned.has(child)) {
          child = Array.isArray(child) ? child.slice() : { ...(child as object) };
          owned.add(child as object);
          container[key] = child;
        }
        parent = child;
      }
      if (!ok || parent === null || typeof parent !== 'object') continue;
      const leaf = rule.segments[last]!;
      if (Array.isArray(parent)) {
        const i = Number(leaf);
        if (!Number.isInteger(i) || i < 0 || i >= parent.length) continue;
        if (rule.upsert) parent[i] = rule.value;
        else parent.splice(i, 1);
      } else {
        const obj = parent as Record<string, unknown>;
        if (rule.upsert) obj[leaf] = rule.value;
        else if (Object.prototype.hasOwnProperty.call(obj, leaf)) delete obj[leaf];
        else continue;
      }
      (rule.upsert ? (ev.masked ??= []) : (ev.erased ??= [])).push(rule.pointer);
    }
  }
  return { apply, size: compiled.length };
}

/**
 * Header erasure runs on every event, so it is a per-name cached substring test rather than a
 * pointer walk. The raw Authorization header is always erased whatever the config says: the
 * bearer token must never reach an event (DESIGN.md).
 *
 * The same test erases query parameters (their names are case-sensitive and written with `_`:
 * `api_key`, `X-Amz-Security-Token`, `client_secret`), so names are compared lower-cased with
 * `_` read as `-`: `api-key` in the list matches `api_key`, `X_API_Key` and `x-api-key`. Before,
 * `?api_key=<key>` was stored in every event while `X-Api-Key: <key>` was erased
 * (test/security/token-leaks.test.ts).
 */
export function createHeaderFilter(patterns: readonly string[]): (name: string) => boolean {
  const pats = [...new Set(['authorization', ...patterns.map(normaliseName)])];
  const cache = new Map<string, boolean>();
  return (name) => {
    let hit = cache.get(name);
    if (hit === undefined) {
      const n = normaliseName(name);
      hit = pats.some((p) => n.includes(p));
      if (cache.size < 4096) cache.set(name, hit); // bounded: header and parameter names come from clients
    }
    return hit;
  };
}

function normaliseName(name: string): string {
  return name.toLowerCase().replace(/_/g, '-');
}
