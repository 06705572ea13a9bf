/**
 * Validation of the upstream path a policy rewrites a call to. The rewritten path must stay
 * inside the upstream's URL space as the policy author sees it: no dot segments (a `..` after
 * rewriting would let `/car/{sub}` with sub = `../admin` escape), no encoded slashes or
 * backslashes (servers disagree on decoding them), no control characters, and an origin-form
 * target (RFC 9112 §3.2.1) — never an absolute URL that could name another host.
 */
const ENCODED_SEPARATOR = /%(2f|5c|2e)/i;
const CONTROL = /[\x00-\x20\x7f]/;

/** Returns a reason string when the path is unsafe, `null` when it is fine. */
export function checkUpstreamPath(pathAndQuery: string): string | null {
  if (!pathAndQuery.startsWith('/')) return 'must start with "/"';
  if (pathAndQuery.startsWith('//')) return 'must not start with "//" (authority form)';
  if (pathAndQuery.length > 8192) return 'too long';
  if (CONTROL.test(pathAndQuery)) return 'contains control characters or spaces';
  const q = pathAndQuery.indexOf('?');
  const path = q === -1 ? pathAndQuery : pathAndQuery.slice(0, q);
  if (path.includes('\\')) return 'contains a backslash';
  if (ENCODED_SEPARATOR.test(path)) return 'contains an encoded "/", "\\" or "."';
  for (const seg of path.split('/')) if (seg === '.' || seg === '..') return 'contains a dot segment';
  if (path.includes('#') || (q !== -1 && pathAndQuery.includes('#', q))) return 'contains a fragment';
  return null;
}
