/**
 * Recognises a request lost because the server closed a pooled keep-alive connection as we
 * reused it — the one network failure worth a single immediate retry of a read-only call.
 */

/**
 * ECONNRESET/EPIPE/undici socket errors, directly or as a `cause` (fetch wraps them).
 *
 * @example
 * isConnectionReset(new TypeError('fetch failed', { cause: { code: 'ECONNRESET' } })); // true
 */
export function isConnectionReset(err: unknown): boolean {
  for (let e = err, depth = 0; e && typeof e === 'object' && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'UND_ERR_SOCKET') return true;
  }
  return false;
}
