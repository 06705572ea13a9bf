/**
 * The client's address as text, once per request (`ctx.remoteAddr`: X-Forwarded-For and
 * Forwarded on every proxied request, the policy input, the audit event).
 *
 * It cannot be read lazily: uWS's `res` may not be touched once the response has ended or the
 * client went away, and the forwarding headers, which every proxied request carries, need it
 * anyway. What can be saved is the formatting. uWS's `getRemoteAddressAsText` formats the address
 * in C++ (an snprintf per request) into a fresh ArrayBuffer, which then took a Buffer and a
 * latin1 decode to become a string; `getRemoteAddress` hands over the 4 or 16 raw bytes. A
 * gateway's requests mostly come from the same few peers (keep-alive connections, a load
 * balancer in front), so the raw bytes are compared with the last request's and its text is
 * reused when they match: one native call and a few byte comparisons, no formatting, no string.
 * Each call still asks the kernel (getpeername): uWS.js keeps no per-connection state that JS
 * could hang the address on.
 *
 * @example
 * const remoteAddressOf = createRemoteAddressReader();
 * const addr = remoteAddressOf(res); // '127.0.0.1', '2001:db8::…' as uWS writes it
 */
import type { HttpResponse } from './uws-loader.js';

export function createRemoteAddressReader(): (res: HttpResponse) => string {
  let lastBytes = new Uint8Array(0);
  let lastText: string | null = null;
  return function remoteAddressOf(res: HttpResponse): string {
    const bytes = new Uint8Array(res.getRemoteAddress());
    if (lastText !== null && bytes.length === lastBytes.length) {
      let i = 0;
      while (i < bytes.length && bytes[i] === lastBytes[i]) i++;
      if (i === bytes.length) return lastText;
    }
    // uWS's own text form, so every address reads exactly as it did before this cache
    const text = Buffer.from(res.getRemoteAddressAsText()).toString('latin1');
    lastBytes = bytes;
    lastText = text;
    return text;
  };
}
