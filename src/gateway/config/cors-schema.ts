/**
 * `routes[].cors` (DESIGN.md "TLS" example, issue #17): which browser origins may call a route.
 * Origins are matched exactly or by a configured pattern (shared/cors-rules.ts); the config check here
 * refuses what would be unsafe or can never match, with a located message.
 */
import type { ProblemList, Segment } from './problems.js';
import type { CorsConfig } from './types.js';

const token = { type: 'string', pattern: '^[!#$%&\'*+.^_`|~0-9A-Za-z-]+$' } as const;

export const corsSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['allow_origins'],
  properties: {
    /** `https://app.example`, `https://*.example.com` (one or more labels), or `*` (any, never with credentials) */
    allow_origins: { type: 'array', minItems: 1, uniqueItems: true, items: { type: 'string', minLength: 1 } },
    allow_methods: { type: 'array', minItems: 1, uniqueItems: true, items: token, default: ['GET', 'HEAD', 'POST'] },
    allow_headers: { type: 'array', uniqueItems: true, items: token, default: [] },
    expose_headers: { type: 'array', uniqueItems: true, items: token, default: [] },
    allow_credentials: { type: 'boolean', default: false },
    /** how long a browser may cache a preflight answer (Access-Control-Max-Age) */
    max_age_s: { type: 'integer', minimum: 0, maximum: 86400, default: 600 },
  },
} as const;

/** scheme://host[:port], host possibly starting with `*.` */
const ORIGIN_PATTERN = /^(https?):\/\/(\*\.)?([A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*|\[[0-9A-Fa-f:.]+\])(:\d{1,5})?$/;

/** Why an `allow_origins` entry is not usable, or null. */
export function originEntryProblem(entry: string): string | null {
  if (entry === '*') return null;
  if (entry.endsWith('/')) return `${JSON.stringify(entry)} ends with "/": an origin is scheme://host[:port], no path`;
  if (!ORIGIN_PATTERN.test(entry)) return `${JSON.stringify(entry)} is not an origin (scheme://host[:port], optionally https://*.example.com)`;
  return null;
}

/** Cross-field rules of every route's `cors` (runs beside the schema; skips what it already reported). */
export function checkCors(routes: unknown, problems: ProblemList): void {
  if (!Array.isArray(routes)) return;
  routes.forEach((r: unknown, i) => {
    if (typeof r !== 'object' || r === null) return;
    const cors = (r as { cors?: unknown }).cors;
    if (typeof cors !== 'object' || cors === null) return;
    const c = cors as Partial<CorsConfig>;
    const at = (k: Segment[]): Segment[] => ['routes', i, 'cors', ...k];
    const fail = (msg: string, path: Segment[]) => {
      if (!problems.covers(path)) problems.add(msg, path);
    };
    (Array.isArray(c.allow_origins) ? c.allow_origins : []).forEach((o, j) => {
      if (typeof o !== 'string') return;
      const why = originEntryProblem(o);
      if (why !== null) fail(why, at(['allow_origins', j]));
    });
    // Fetch standard: a credentialed response may not say `*`; reflecting every origin instead would be the classic CORS hole
    if (c.allow_credentials === true && Array.isArray(c.allow_origins) && c.allow_origins.includes('*')) {
      fail('"*" cannot be combined with allow_credentials: true (list the origins that may send credentials)', at(['allow_origins']));
    }
  });
}
