/**
 * The one check every upstream path passes — passed through from the client, stripped of a
 * route prefix, or rewritten by a policy — so that the path the gateway routed and authorized is
 * the path every common backend resolves. Backends normalise differently (RFC 3986 §5.2.4 dot
 * removal, Tomcat's `;` path parameters, IIS and Windows treating `\` as `/` and trimming
 * trailing dots, servers that decode twice); a path any of them would resolve elsewhere is
 * refused, never "fixed":
 * - dot segments in any encoding: `.`/`..` raw, percent-encoded (`%2e`), double-encoded
 *   (`%252e`), overlong UTF-8 (`%c0%ae`), `%u002e`, full-width `．`, or only dots (`...`);
 * - backslashes (raw or `%5c`), `;` path parameters, `#`, a leading `//` (which some clients and
 *   frameworks read as an authority: `//evil.example/x`), NUL and control bytes (raw or encoded);
 * - malformed percent-encoding; encoded slashes `%2f` unless the deployment allows them;
 * - a percent-encoded unreserved character (`%69` for `i`, also `%2569`) and an empty segment
 *   (`/a//b`): backends decode the one and merge the other, so the router, the policy and the
 *   backend would each see another path (`/adm%69n` past an `/admin` route);
 * - where a route matches paths case-insensitively: a percent-encoded character that Unicode case
 *   folding makes an ASCII letter (`/adm%C4%B1n`, `ı` → `I`; shared/path-case.ts).
 *
 * @example
 * checkPath('/car/u1/get_my_insurance') // null
 * checkPath('/public/..;/admin')        // 'contains ";" (path parameters)'
 */
import type { GatewayConfig } from '../config/types.js';
import { PATH_CHAR_CLASS, isQuerySyntax } from './http-syntax.js';
import { hasEncodedCaseFold } from './path-case.js';

export interface PathRules {
  /** pass `%2f` through (off: refused; servers disagree on whether it separates segments) */
  allowEncodedSlash: boolean;
  /**
   * some route matches paths ASCII-case-insensitively, so its backend folds case: refuse the
   * encoded characters that its Unicode folding would make ASCII letters (shared/path-case.ts)
   */
  caseInsensitive?: boolean;
}

export const STRICT_PATH_RULES: PathRules = Object.freeze({ allowEncodedSlash: false, caseInsensitive: false });

/**
 * The deployment's rules, the same at the edge, in the router and in the proxy: a path one of
 * them let through must not be refused by the next.
 * @example pathRulesOf(config) // { allowEncodedSlash: false, caseInsensitive: true }
 */
export function pathRulesOf(config: Pick<GatewayConfig, 'security' | 'routes'>): PathRules {
  return Object.freeze({
    allowEncodedSlash: config.security.allow_encoded_slashes,
    // the loader wrote each route's own setting, or `security.case_sensitive_paths`, into it
    caseInsensitive: config.routes.some((r) => r.match.case_sensitive === false),
  });
}

const MAX_PATH = 8192;
const BAD_PERCENT = /%(?![0-9A-Fa-f]{2})/;
const ENCODED_CONTROL = /%(?:[01][0-9A-Fa-f]|7[Ff])/;
const ENCODED_BACKSLASH = /%5[Cc]/;
const ENCODED_SLASH = /%2[Ff]/;
/**
 * A percent-encoded unreserved character (RFC 3986 §2.3: ALPHA, DIGIT, `-`, `.`, `_`, `~`), also
 * encoded again (`%2569`): URI normalisers and every common backend decode it (§6.2.2.2), so
 * `/adm%69n` is `/admin` to them while the router and a policy see another path.
 */
const ENCODED_UNRESERVED = /%(?:25)*(?:3[0-9]|[46][1-9A-Fa-f]|[57][0-9Aa]|2[DdEe]|5[Ff]|7[Ee])/;

/** Returns why `path` (no query) may not go upstream, or null when it may. */
export function checkPath(path: string, rules: PathRules = STRICT_PATH_RULES): string | null {
  return checkPathBefore(path, path.length, rules);
}

/**
 * Checks a `path?query` target (a policy's rewrite, or a route's result), returning why it may
 * not go upstream, or null.
 */
export function checkTarget(target: string, rules: PathRules = STRICT_PATH_RULES): string | null {
  const q = target.indexOf('?');
  const why = checkPathBefore(target, q < 0 ? target.length : q, rules);
  if (why !== null) return why;
  if (q >= 0 && !isQuerySyntax(target.slice(q + 1))) return 'the query contains characters outside RFC 3986 query syntax';
  return null;
}

/**
 * `checkPath` of `s.slice(0, end)` without the slice. One pass over the characters
 * (PATH_CHAR_CLASS, the same set as isOriginPathSyntax's regex) notes what the later checks need —
 * a `;`, a `%`, a `/` followed by a dot or an escape — where there used to be the syntax regex, two
 * `includes` and the dot-segment probe regex: each path goes through this three or four times
 * per request (the edge, the router, a policy's rewrite, the proxy's rewritten target). The
 * checks and which reason wins when a path has several faults are the same as before.
 */
function checkPathBefore(s: string, end: number, rules: PathRules): string | null {
  if (end === 0 || s.charCodeAt(0) !== 47) return 'must start with "/"';
  if (end > MAX_PATH) return 'too long';
  if (end > 1 && s.charCodeAt(1) === 47) return 'must not start with "//"';
  let semicolon = false;
  let percent = false;
  // a "/" followed by ".", "%" (or a full-width dot, which is not path syntax): the start of what
  // may be a dot segment; most paths (`/v1.2/x.json` too) have none and skip the segment walk
  let maybeDot = false;
  // `//` inside the path: merged into one `/` by nginx (merge_slashes), Spring and others
  let emptySegment = false;
  let prev = 0;
  for (let i = 0; i < end; i++) {
    const c = s.charCodeAt(i);
    const k = c < 128 ? (PATH_CHAR_CLASS[c] as number) : 0;
    if (k !== 1) {
      if (k === 0) return 'contains characters outside RFC 3986 path syntax';
      if (c === 59) semicolon = true;
      else if (c === 37) {
        percent = true;
        if (prev === 47) maybeDot = true;
      } else if (c === 46 && prev === 47) maybeDot = true;
      else if (c === 47 && prev === 47) emptySegment = true;
    }
    prev = c;
  }
  if (semicolon) return 'contains ";" (path parameters)';
  if (emptySegment) return 'contains an empty segment ("//")';
  if (!percent && !maybeDot) return null;
  const path = end === s.length ? s : s.slice(0, end);
  let unreserved = false;
  let caseFold = false;
  if (percent) {
    if (BAD_PERCENT.test(path)) return 'malformed percent-encoding';
    if (ENCODED_CONTROL.test(path)) return 'contains an encoded control character';
    if (ENCODED_BACKSLASH.test(path)) return 'contains an encoded backslash';
    if (!rules.allowEncodedSlash && ENCODED_SLASH.test(path)) return 'contains an encoded "/"';
    // after the dot-segment walk, which names an encoded dot segment as such
    unreserved = ENCODED_UNRESERVED.test(path);
    caseFold = rules.caseInsensitive === true && hasEncodedCaseFold(path);
  }
  if (!maybeDot) return spellingReason(unreserved, caseFold);
  // Segment by segment: the rare paths with dots or escapes get the full decode.
  let start = 1;
  for (let guard = 0; guard <= path.length; guard++) {
    const next = path.indexOf('/', start);
    const seg = path.slice(start, next < 0 ? path.length : next);
    if (seg.length > 0 && isDotSegment(seg)) return 'contains a dot segment';
    if (next < 0) break;
    start = next + 1;
  }
  return spellingReason(unreserved, caseFold);
}

const UNRESERVED_REASON = 'contains a percent-encoded unreserved character (one spelling per path: `/adm%69n` is `/admin`)';
const CASE_FOLD_REASON = 'contains a percent-encoded character that case folding makes an ASCII letter (`/adm%C4%B1n` is `/ADMIN` to a case-insensitive backend)';

/** The reasons that come after the dot-segment walk (which names an encoded dot segment as such). */
function spellingReason(unreserved: boolean, caseFold: boolean): string | null {
  return unreserved ? UNRESERVED_REASON : caseFold ? CASE_FOLD_REASON : null;
}

/** Does a segment resolve to `.` or `..` (or only dots) under any decoding a backend may apply? */
function isDotSegment(seg: string): boolean {
  let s = seg;
  // three rounds of decoding catch double- and triple-encoding (%25252e); a fourth never helps a
  // real client, and each round only runs while escapes remain
  for (let round = 0; round < 4; round++) {
    if (onlyDots(s)) return true;
    if (!s.includes('%')) return false;
    const next = decodeLoosely(s);
    if (next === s) return false;
    s = next;
  }
  return onlyDots(s);
}

function onlyDots(s: string): boolean {
  // trailing spaces and dots are trimmed by Windows file APIs: `.. ` and `...` count too
  const t = s.replace(/[ \t]+$/, '');
  return t.length > 0 && /^[.\uff0e]+$/.test(t);
}

/**
 * Percent-decoding as the most permissive backends do it: `%XX`, IIS's `%uXXXX`, and overlong
 * UTF-8 forms of `.` (`%c0%ae`, `%e0%80%ae`) that lax decoders map to `.`.
 */
function decodeLoosely(s: string): string {
  return s
    .replace(/%c0%ae|%e0%80%ae|%f0%80%80%ae/gi, '.')
    .replace(/%u([0-9a-f]{4})/gi, (_, h: string) => String.fromCharCode(parseInt(h, 16)))
    .replace(/%ef%bc%8e/gi, '\uff0e')
    .replace(/%([0-9a-f]{2})/gi, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
}
