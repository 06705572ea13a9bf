/**
 * What `input.request.tls` says of a certificate (server/client-certificate.ts): the subject as
 * an RFC 4514 string (least significant RDN first, specials escaped), Node's SAN text split back into exactly the certificate's entries
 * (quoted ones included), and the RFC 8705 thumbprint over the DER.
 */
import t from 'tap';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describeClientCertificate, splitSubjectAltName } from '../../../src/gateway/server/client-certificate.js';
import { createTestPki } from '../../helpers/tls-certs.js';

t.test('SAN text: plain entries, quoted ones holding ", " and escapes, empty', async (t) => {
  t.same(splitSubjectAltName(''), []);
  t.same(splitSubjectAltName('DNS:a.example, IP Address:127.0.0.1, URI:spiffe://t/a'), ['DNS:a.example', 'IP Address:127.0.0.1', 'URI:spiffe://t/a']);
  // a value with ", " inside cannot split into a forged second entry
  t.same(splitSubjectAltName('URI:"x, DNS:evil.example", DNS:b'), ['URI:x, DNS:evil.example', 'DNS:b']);
  t.same(splitSubjectAltName('email:"a\\"b@c", DNS:d'), ['email:a"b@c', 'DNS:d']);
});

t.test('a real certificate: subject, SANs as issued, x5t#S256 as the PKI helper computes it', async (t) => {
  const pki = createTestPki();
  t.teardown(() => pki.remove());
  const c = pki.issue('c', { cn: 'app, 1', san: ['URI:spiffe://t/app-1', 'DNS:app.example', 'IP:192.0.2.7'], client: true });
  const d = describeClientCertificate(new X509Certificate(readFileSync(c.cert)));
  t.equal(d.subject, 'CN=app\\, 1', 'a comma in a value is escaped, so it cannot start another RDN');
  // several RDNs: least significant first (openssl -subj lists them most significant first)
  const { execFileSync } = await import('node:child_process');
  const { join } = await import('node:path');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(pki.dir, 'm.key'), '-out', join(pki.dir, 'm.pem'), '-days', '1', '-subj', '/C=DE/O=Acme, Inc/CN=app-2'], { stdio: 'ignore' });
  t.equal(describeClientCertificate(new X509Certificate(readFileSync(join(pki.dir, 'm.pem')))).subject, 'CN=app-2,O=Acme\\, Inc,C=DE');
  t.same(d.san, ['URI:spiffe://t/app-1', 'DNS:app.example', 'IP Address:192.0.2.7']);
  t.equal(d.x5tS256, c.x5tS256);
  t.ok(Object.isFrozen(d) && Object.isFrozen(d.san));
});
