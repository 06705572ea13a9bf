/**
 * The common name of a TLS peer's certificate, for test servers that record who connected.
 * Node types a subject attribute as `string | string[]` (an attribute may repeat in a subject);
 * the test certificates have one CN, a repeated one is joined with '+' (OpenSSL's notation for a
 * multi-valued name) so that it never equals a single expected name by accident.
 *
 * @example const cn = peerCn(req.socket as TLSSocket); // 'client-a', or undefined without a certificate
 */
import type { TLSSocket } from 'node:tls';

export function peerCn(sock: TLSSocket): string | undefined {
  // without a peer certificate, getPeerCertificate() answers an empty object: no subject
  const cn = sock.getPeerCertificate().subject?.CN;
  return Array.isArray(cn) ? cn.join('+') : cn;
}
