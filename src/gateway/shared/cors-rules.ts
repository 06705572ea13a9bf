/**
 * CORS per route (Fetch standard, "CORS protocol"): the gateway answers preflights itself —
 * without a token and without calling the upstream — and adds the response headers to actual
 * requests from allowed origins.
 *
 * An origin is allowed when it equals a configured one, or fits a configured pattern
 * (`https://*.example.com`: one or more labels in place of `*`, same scheme and port). It is
 * then echoed — after the match, never blindly — or `*` when the rule allows any origin
 * without credentials. Every answer on a CORS route carries `Vary: Origin`, so a shared cache
 * never serves one origin's answer to another.
 *
 * @example
 * const rules = compileCorsRules(config.routes);
 * const rule = rules.get('app');
 * rule?.preflight('https://app.example', 'POST', 'content-type') // { ok: true, headers: [...] }
 */
import type { CorsConfig } from '../config/types.js';

export interface PreflightAnswer {
  ok: boolean;
  /** response headers (flat name/value list) when ok */
  headers: string[];
  /** why it was refused (logs) */
  reason?: string;
}

export interface CorsRule {
  /** The answer to a preflight: `acrm` is Access-Control-Request-Method, `acrh` the -Headers value. */
  preflight(origin: string, acrm: string, acrh: string | undefined): PreflightAnswer;
  /** Adds the headers of an actual response (to the response header record). */
  decorate(origin: string | undefined, out: Record<string, string>): void;
}

/** A request is a CORS preflight when it is OPTIONS with Origin and Access-Control-Request-Method. */
export function preflightMethod(method: string, headers: Readonly<Record<string, string>>): string | undefined {
  if (method !== 'OPTIONS' || headers['origin'] === undefined) return undefined;
  return headers['access-control-request-method'];
}

export function compileCorsRules(routes: readonly { readonly id: string; readonly cors?: CorsConfig }[]): ReadonlyMap<string, CorsRule> {
  const out = new Map<string, CorsRule>();
  for (const r of routes) if (r.cors) out.set(r.id, compileRule(r.cors));
  return out;
}

function compileRule(c: CorsConfig): CorsRule {
  const any = c.allow_origins.includes('*');
  const exact = new Set(c.allow_origins.filter((o) => o !== '*' && !o.includes('://*.')).map((o) => o.toLowerCase()));
  const patterns = c.allow_origins.filter((o) => o.includes('://*.')).map((o) => {
    const [scheme, rest] = o.toLowerCase().split('://*.') as [string, string];
    return { prefix: `${scheme}://`, suffix: `.${rest}` };
  });
  const LABELS = /^[a-z0-9-]+(\.[a-z0-9-]+)*$/;
  const allowed = (origin: string): boolean => {
    const o = origin.toLowerCase();
    if (exact.has(o)) return true;
    for (const p of patterns) {
      if (!o.startsWith(p.prefix) || !o.endsWith(p.suffix)) continue;
      // what stands for `*` must be host labels only: no port, no path, no userinfo, not empty
      const middle = o.slice(p.prefix.length, o.length - p.suffix.length);
      if (middle.length > 0 && LABELS.test(middle)) return true;
    }
    return false;
  };
  const methods = new Set(c.allow_methods);
  const headers = new Set(c.allow_headers.map((h) => h.toLowerCase()));
  const allowOrigin = (origin: string) => (any && !c.allow_credentials ? '*' : origin);
  const methodsValue = c.allow_methods.join(', ');
  const headersValue = c.allow_headers.join(', ');
  const exposeValue = c.expose_headers.join(', ');

  return {
    preflight(origin, acrm, acrh) {
      if (!(any || allowed(origin))) return { ok: false, headers: [], reason: `origin ${origin} is not allowed` };
      if (!methods.has(acrm)) return { ok: false, headers: [], reason: `method ${acrm} is not allowed` };
      if (acrh !== undefined) {
        for (const raw of acrh.split(',')) {
          const h = raw.trim().toLowerCase();
          if (h !== '' && !headers.has(h)) return { ok: false, headers: [], reason: `header ${h} is not allowed` };
        }
      }
      const out = ['access-control-allow-origin', allowOrigin(origin), 'access-control-allow-methods', methodsValue];
      if (headersValue !== '') out.push('access-control-allow-headers', headersValue);
      if (c.allow_credentials) out.push('access-control-allow-credentials', 'true');
      out.push('access-control-max-age', String(c.max_age_s));
      out.push('vary', 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers');
      return { ok: true, headers: out };
    },
    decorate(origin, out) {
      out['vary'] = out['vary'] === undefined ? 'Origin' : `${out['vary']}, Origin`;
      if (origin === undefined || !(any || allowed(origin))) return;
      out['access-control-allow-origin'] = allowOrigin(origin);
      if (c.allow_credentials) out['access-control-allow-credentials'] = 'true';
      if (exposeValue !== '') out['access-control-expose-headers'] = exposeValue;
    },
  };
}

/** Response headers an upstream may not set on a CORS route: the gateway's rule is the only one. */
export const CORS_RESPONSE_HEADERS: readonly string[] = [
  'access-control-allow-origin',
  'access-control-allow-credentials',
  'access-control-allow-methods',
  'access-control-allow-headers',
  'access-control-expose-headers',
  'access-control-max-age',
];
