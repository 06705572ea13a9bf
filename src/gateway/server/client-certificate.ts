/**
 * What the policy learns of a verified client certificate (`input.request.tls`, DESIGN.md "TLS"):
 * its subject, its subjectAltName entries and its RFC 8705 thumbprint. Built once per TLS
 * connection by the mTLS terminator (mtls-terminator.ts), never per request.
 *
 * The subject is an RFC 4514 string, least significant RDN first (`CN=app-1,O=Acme`, as nginx's
 * `$ssl_client_s_dn` and Envoy write it). Node's `X509Certificate.subject` gives one RDN per
 * line, most significant first, with RFC 2253 specials already escaped (OpenSSL's
 * ASN1_STRFLGS_ESC_2253: `O=Acme\, Inc`), so the lines are reversed and joined with `,` — a `,`
 * inside a value cannot forge another RDN.
 * SAN entries are Node's text (`DNS:…`, `URI:…`, `IP Address:…`, `email:…`); Node quotes an
 * entry that holds `,` or `"` as a JSON string (CVE-2021-44532), which is undone here, so the
 * list has exactly the certificate's entries.
 *
 * @example
 * describeClientCertificate(socket.getPeerX509Certificate()!)
 * // { subject: 'CN=client-1', san: ['URI:spiffe://test/client-1'], x5tS256: 'bwcK0esc…' }
 */
import { createHash, type X509Certificate } from 'node:crypto';
import type { ClientCertificate } from '../pipeline/context.js';

export function describeClientCertificate(cert: X509Certificate): ClientCertificate {
  const subject = cert.subject
    .split('\n')
    .filter((l) => l !== '')
    .reverse()
    .join(',');
  return Object.freeze({
    subject,
    san: Object.freeze(splitSubjectAltName(cert.subjectAltName ?? '')),
    x5tS256: createHash('sha256').update(cert.raw).digest('base64url'),
  });
}

/**
 * Node's `subjectAltName` text into its entries: `, ` separates them, and an entry whose value
 * needed quoting is `TYPE:"json string"`.
 * @example splitSubjectAltName('DNS:a, URI:"x, y"') // ['DNS:a', 'URI:x, y']
 */
export function splitSubjectAltName(text: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < text.length) {
    const colon = text.indexOf(':', i);
    if (colon < 0) break;
    const type = text.slice(i, colon + 1);
    let j = colon + 1;
    let value: string;
    if (text[j] === '"') {
      // a JSON string: find its closing quote, skipping escapes
      let k = j + 1;
      while (k < text.length && text[k] !== '"') k += text[k] === '\\' ? 2 : 1;
      value = JSON.parse(text.slice(j, k + 1)) as string;
      j = k + 1;
    } else {
      const end = text.indexOf(', ', j);
      value = text.slice(j, end < 0 ? text.length : end);
      j = end < 0 ? text.length : end;
    }
    out.push(type + value);
    i = text.startsWith(', ', j) ? j + 2 : j;
  }
  return out;
}
