/**
 * Case-insensitive path matching (`routes[].match.case_sensitive: false`,
 * `security.case_sensitive_paths: false`), for routes in front of a backend that reads `/ADMIN`
 * as `/admin` (IIS and ASP.NET, Spring or Express set to ignore case, an app that looks paths up
 * under a `_ci` collation). Envoy's route `case_sensitive: false` and HAProxy's `path_beg -i` do
 * the same.
 *
 * The fold is ASCII only (`A`–`Z` → `a`–`z`): it keeps every length and every `/` where it was,
 * so a matched prefix still strips by its length (shared/route-path.ts), and no other character
 * turns into a letter — JavaScript's `toLowerCase` maps the Kelvin sign `K` (U+212A) to `k` and
 * `İ` (U+0130) to two characters. Request paths are ASCII by the time they are matched (the edge
 * refuses anything else, shared/path-check.ts); the characters a backend's Unicode folding turns
 * into ASCII letters can only come percent-encoded, and `hasEncodedCaseFold` finds those.
 */

/**
 * `s` with ASCII capitals lower-cased and every other character as it was.
 * @example foldPathCase('/ADMIN/K') // '/admin/K' (the Kelvin sign stays)
 */
export function foldPathCase(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    // most paths are lower-case already: no copy for them
    if (c >= 65 && c <= 90) return s.replace(ASCII_CAPITALS, lowerCase);
  }
  return s;
}

const ASCII_CAPITALS = /[A-Z]+/g;
const lowerCase = (m: string): string => m.toLowerCase();

/**
 * A percent-encoded character whose Unicode case mapping is made of ASCII letters — to a backend
 * that decodes the path and then compares it ignoring case the Unicode way (Java's
 * `equalsIgnoreCase`, .NET's culture-aware comparers, `_ci` collations), the same as those
 * letters: `/adm%C4%B1n` is `/ADMIN` by `ı` (U+0131) → `I`. Also encoded again (`%25C4%25B1`),
 * for backends that decode twice. The characters (UTF-8): `ß` (→ SS), `İ` (→ i), `ı` (→ I),
 * `ſ` (→ S), `K` (→ k), and the Latin ligatures U+FB00–FB06 (`ﬁ` → FI …) — every code point
 * whose upper-, lower- or Turkish case mapping is ASCII letters only.
 */
const ENCODED_CASE_FOLD =
  /%(?:25)*c3%(?:25)*9f|%(?:25)*c4%(?:25)*b[01]|%(?:25)*c5%(?:25)*bf|%(?:25)*e2%(?:25)*84%(?:25)*aa|%(?:25)*ef%(?:25)*ac%(?:25)*8[0-6]/i;

/**
 * Does `path` hold a percent-encoded character that Unicode case folding makes an ASCII letter?
 * @example hasEncodedCaseFold('/adm%C4%B1n') // true
 * @example hasEncodedCaseFold('/caf%C3%A9')  // false
 */
export function hasEncodedCaseFold(path: string): boolean {
  return ENCODED_CASE_FOLD.test(path);
}
