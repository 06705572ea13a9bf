/**
 * Judges one case's outcome the way OPA's own harness does (v1/test/cases + topdown's test
 * runner): the result set compares order-insensitively; values are compared in their JSON form
 * (sets rendered as sorted arrays, non-string object keys as their JSON text, numbers as
 * float64, since the expected YAML was parsed that way); `sort_bindings` makes array-valued
 * bindings order-insensitive; an expected error must carry the expected OPA code and contain
 * the expected text.
 *
 * @example
 * ```ts
 * judgeCase(c, { rows: [{ x: 1 }] }); // → { pass: true } or { pass: false, reason: '…' }
 * ```
 */
import { RegoError } from '../errors.js';
import { toJs, type Value } from '../value/index.js';
import type { ConformanceCase } from './cases.js';

export type Outcome = { rows: Value[]; error?: undefined } | { rows?: undefined; error: unknown };

export interface Verdict {
  pass: boolean;
  reason?: string;
}

/** Canonical text of a JSON-ish value: sorted keys, numbers as float64. */
export function canonical(x: unknown): string {
  if (x === null || x === undefined) return 'null';
  switch (typeof x) {
    case 'number':
      return Object.is(x, -0) ? '0' : String(x);
    case 'bigint':
      return String(Number(x));
    case 'string':
      return JSON.stringify(x);
    case 'boolean':
      return x ? 'true' : 'false';
    case 'object':
      if (Array.isArray(x)) return '[' + x.map(canonical).join(',') + ']';
      return (
        '{' +
        Object.keys(x as object)
          .sort()
          .map((k) => JSON.stringify(k) + ':' + canonical((x as Record<string, unknown>)[k]))
          .join(',') +
        '}'
      );
    default:
      return String(x);
  }
}

function isGenerated(name: string): boolean {
  return name.startsWith('$') || name.startsWith('__local');
}

/** Normalises one binding row (a plain JS object after `toJs`) into its canonical text. */
function rowText(row: unknown, c: ConformanceCase): string {
  if (row === null || typeof row !== 'object' || Array.isArray(row)) return canonical(row);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row as Record<string, unknown>)) {
    if (c.ignore_generated_vars && isGenerated(k)) continue;
    out[k] = c.sort_bindings && Array.isArray(v) ? [...v].sort((a, b) => cmpText(canonical(a), canonical(b))) : v;
  }
  return canonical(out);
}

function cmpText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function errorText(e: unknown): string {
  // OPA renders topdown errors as `file:row: code: message`; want_error may quote any part of it.
  if (e instanceof RegoError) return (e.location ? `${e.location.file}:${e.location.line}: ` : '') + (e.opaCode ? e.opaCode + ': ' : '') + e.message;
  return e instanceof Error ? e.message : String(e);
}

function describe(e: unknown): string {
  if (e instanceof RegoError) return `${e.code}${e.opaCode ? ` (${e.opaCode})` : ''}: ${e.message}`;
  return `crash: ${e instanceof Error ? e.stack?.split('\n').slice(0, 2).join(' ') ?? e.message : String(e)}`;
}

export function judgeCase(c: ConformanceCase, outcome: Outcome): Verdict {
  const wantsError = c.want_error_code !== undefined || c.want_error !== undefined;
  if (outcome.error !== undefined) {
    const e = outcome.error;
    if (!wantsError) return { pass: false, reason: 'unexpected error ' + describe(e) };
    const code = e instanceof RegoError ? e.opaCode : undefined;
    if (c.want_error_code !== undefined && code !== c.want_error_code) {
      return { pass: false, reason: `error code ${code ?? 'none'}, want ${c.want_error_code} (${describe(e)})` };
    }
    if (c.want_error !== undefined && !errorText(e).includes(c.want_error)) {
      return { pass: false, reason: `error text ${JSON.stringify(errorText(e))} lacks ${JSON.stringify(c.want_error)}` };
    }
    return { pass: true };
  }
  const rows = outcome.rows ?? [];
  if (wantsError) return { pass: false, reason: `want error ${c.want_error_code ?? ''} ${c.want_error ?? ''}, got ${rows.length} result(s)`.replace(/\s+/g, ' ') };
  if (c.want_defined !== undefined) {
    return rows.length > 0 === c.want_defined ? { pass: true } : { pass: false, reason: `want defined=${c.want_defined}, got ${rows.length} result(s)` };
  }
  const want = (c.want_result ?? []).map((r) => rowText(r, c)).sort(cmpText);
  const got = rows.map((r) => rowText(toJs(r), c)).sort(cmpText);
  if (want.length === got.length && want.every((w, i) => w === got[i])) return { pass: true };
  const clip = (s: string): string => (s.length > 300 ? s.slice(0, 300) + '…' : s);
  return { pass: false, reason: `result mismatch: got ${clip('[' + got.join(',') + ']')}, want ${clip('[' + want.join(',') + ']')}` };
}
