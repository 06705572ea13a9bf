/**
 * http.send's inter-query cache (OPA: InterQueryBuiltinCache with `cache: true` or
 * `force_cache: true`): responses kept across evaluations, fresh until the expiry OPA derives
 * from Cache-Control max-age + Date, else Expires (topdown/http.go expiryFromHeaders), or for
 * `force_cache` the given number of seconds. Entries stay after they go stale so that a later
 * call can revalidate them with If-None-Match / If-Modified-Since.
 *
 * The cache is bounded (bytes and entries, least recently used evicted first), unlike OPA's
 * default of no limit: a policy must not be able to grow the gateway's heap without bound.
 *
 * @example
 *   httpSendCache.set(key, { statusCode: 200, status: '200 OK', headers: {}, body, expiresAtMs });
 *   httpSendCache.get(key)?.statusCode; // 200
 */

/** A stored response: the raw parts, formatted into a Rego value on every hit (OPA's "serialized" mode). */
export interface CachedResponse {
  statusCode: number;
  status: string;
  /** Lower-case names, values in arrival order. */
  headers: Record<string, string[]>;
  body: Uint8Array;
  /** -Infinity: stale at once (Go's zero time: no max-age and no usable Expires). */
  expiresAtMs: number;
}

/** RFC 7231 §6.1 heuristically cacheable codes, the only ones OPA stores. */
export const CACHEABLE_STATUS: ReadonlySet<number> = new Set([200, 203, 204, 206, 300, 301, 404, 405, 410, 414, 501]);

export class ResponseCache {
  private readonly entries = new Map<string, { value: CachedResponse; size: number }>();
  private bytes = 0;

  constructor(
    public maxBytes: number,
    public maxEntries: number,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  get(key: string): CachedResponse | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    // Refresh recency.
    this.entries.delete(key);
    this.entries.set(key, e);
    return e.value;
  }

  set(key: string, value: CachedResponse): void {
    this.delete(key);
    let size = key.length * 2 + value.body.byteLength + 64;
    for (const [k, vs] of Object.entries(value.headers)) for (const v of vs) size += (k.length + v.length) * 2;
    if (size > this.maxBytes) return;
    this.entries.set(key, { value, size });
    this.bytes += size;
    // Bounded: every pass removes one entry.
    for (const [k] of this.entries) {
      if (this.bytes <= this.maxBytes && this.entries.size <= this.maxEntries) break;
      this.delete(k);
    }
  }

  delete(key: string): void {
    const e = this.entries.get(key);
    if (!e) return;
    this.entries.delete(key);
    this.bytes -= e.size;
  }

  clear(): void {
    this.entries.clear();
    this.bytes = 0;
  }
}

/** The process-wide cache (OPA has one per runtime). 32 MiB / 10,000 responses by default. */
export const httpSendCache = new ResponseCache(32 * 1024 * 1024, 10_000);

function first(headers: Record<string, string[]>, name: string): string {
  return headers[name]?.[0] ?? '';
}

/** OPA's parseCacheControlHeader: directives split on ",", `k=v` only with exactly one "=". */
export function parseCacheControl(headers: Record<string, string[]>): Map<string, string> {
  const out = new Map<string, string>();
  for (let part of first(headers, 'cache-control').split(',')) {
    part = part.replace(/^ +| +$/g, '');
    if (part === '') continue;
    if (part.includes('=')) {
      const items = part.split('=');
      if (items.length !== 2) continue;
      out.set((items[0] as string).replace(/^ +| +$/g, ''), (items[1] as string).replace(/^,+|,+$/g, ''));
    } else out.set(part, '');
  }
  return out;
}

/** `Cache-Control: no-store` forbids storing (unless force_cache). */
export function canStore(headers: Record<string, string[]>): boolean {
  return !parseCacheControl(headers).has('no-store');
}

/** Go's http.ParseTime (RFC 1123, RFC 850, asctime), as epoch ms; NaN when unparsable. */
function parseHttpDate(s: string): number {
  if (!/^[A-Za-z]{3},? /.test(s)) return NaN;
  return Date.parse(s.endsWith('GMT') || s.endsWith('UTC') ? s : s + ' GMT');
}

/**
 * OPA's expiryFromHeaders: Date + max-age when max-age is present (an error without a usable
 * Date header or with a malformed max-age), else Expires, else already stale.
 */
export function expiryFromHeaders(headers: Record<string, string[]>): number {
  const maxAge = parseCacheControl(headers).get('max-age');
  if (maxAge !== undefined) {
    if (!/^\d+$/.test(maxAge)) throw new Error(`strconv.ParseUint: parsing ${JSON.stringify(maxAge)}: invalid syntax`);
    const seconds = Math.min(Number(maxAge), 2 ** 31 - 1);
    const date = first(headers, 'date');
    if (date === '') throw new Error('no date header');
    const created = parseHttpDate(date);
    if (Number.isNaN(created)) throw new Error(`parsing time ${JSON.stringify(date)} as "Mon, 02 Jan 2006 15:04:05 MST": cannot parse`);
    return created + seconds * 1000;
  }
  const expires = first(headers, 'expires');
  if (expires === '') return -Infinity;
  const at = parseHttpDate(expires);
  // `Expires: 0` and other invalid dates mean "already expired" (RFC 7234 §5.3).
  return Number.isNaN(at) ? -Infinity : at;
}
