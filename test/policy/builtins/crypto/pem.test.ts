/**
 * PEM text as Go's encoding/pem reads it (shared/der.ts pemDecode), through the builtins that take
 * PEM: a malformed block between good ones is skipped, a block of another type in a certificate
 * bundle is an error, tls.X509KeyPair names the block types it skipped, and io.jwt.verify_*
 * refuses anything after the key's END line.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { skipWith } from '../../../helpers/skip.js';
import { pemBlocks, pemDecode } from '../../../../src/policy/builtins/shared/der.js';
import { call, throwsCode } from '../helpers.js';

const block = (type: string, b64: string) => `-----BEGIN ${type}-----\n${b64}\n-----END ${type}-----\n`;

t.test('pemDecode skips malformed blocks as Go does', (t) => {
  const good1 = block('A', 'AQI=');
  const good2 = block('B', 'AwQ=');
  const types = (s: string) => pemBlocks(s).map((b) => `${b.type}:${b.der.toString('hex')}`);
  t.same(types(good1 + good2), ['A:0102', 'B:0304']);
  // Bad base64 in the middle block: skipped, the search resumes at the next BEGIN line.
  t.same(types(good1 + block('X', 'A!B=') + good2), ['A:0102', 'B:0304']);
  // Missing padding is bad base64 for Go's StdEncoding.
  t.same(types(block('X', 'AQI') + good2), ['B:0304']);
  // A BEGIN without its END: the END of the next block does not close it (its BEGIN line is not base64).
  t.same(types('-----BEGIN A-----\nAQI=\n' + good2), ['B:0304']);
  // An END of another type, or text after the END marker on its line, makes the block malformed.
  t.same(types('-----BEGIN A-----\nAQI=\n-----END B-----\n' + good2), ['B:0304']);
  t.same(types('-----BEGIN A-----\nAQI=\n-----END A----- x\n' + good2), ['B:0304']);
  // Text before, between and after blocks is ignored; a BEGIN must start a line.
  t.same(types('junk\n' + good1 + 'more junk\n' + good2 + 'tail'), ['A:0102', 'B:0304']);
  t.same(types('x-----BEGIN A-----\nAQI=\n-----END A-----\n'), []);
  // Header lines after the BEGIN line are not content; spaces, tabs and CRLF are ignored.
  const h = pemDecode('-----BEGIN A-----\r\nProc-Type: 4,ENCRYPTED\r\n\r\nAQ I=\t\r\n-----END A-----\r\nrest');
  t.same(h && { type: h.block.type, hex: h.block.der.toString('hex'), headers: h.block.headers, rest: h.rest }, { type: 'A', hex: '0102', headers: 1, rest: 'rest' });
  t.equal(pemDecode('no pem here'), undefined);
  t.end();
});

t.test('certificate and key PEM through the crypto builtins', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'regate-pem-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'k.pem', '-out', 'c.pem', '-subj', '/CN=pem.example', '-days', '30'], { cwd: dir, stdio: 'pipe' });
  } catch {
    skipWith(t, 'openssl not available');
    return t.end();
  }
  const cert = readFileSync(join(dir, 'c.pem'), 'utf8');
  const key = readFileSync(join(dir, 'k.pem'), 'utf8');
  const cn = (v: unknown) => (v as { Subject: { CommonName: string } }[]).map((c) => c.Subject.CommonName);
  const bad = block('CERTIFICATE', 'not*base64');

  // getX509CertsFromPem: a malformed block is skipped, another block type is refused.
  t.same(cn(call('crypto.x509.parse_certificates', cert + bad + cert)), ['pem.example', 'pem.example']);
  throwsCode(t, () => call('crypto.x509.parse_certificates', cert + key + cert), 'REGO_ERR_BUILTIN', "PEM block type is 'PRIVATE KEY', expected CERTIFICATE");
  // Nothing decodable after the BEGIN prefix: no certificates, not an error.
  t.same(call('crypto.x509.parse_certificates', '-----BEGIN CERTIFICATE-----\nnot base64\n'), []);

  // tls.X509KeyPair picks CERTIFICATE blocks and the first "… PRIVATE KEY" block.
  const kp = call('crypto.x509.parse_keypair', key + cert, bad + cert + key) as { Certificate: string[] };
  t.equal(kp.Certificate.length, 1);
  throwsCode(t, () => call('crypto.x509.parse_keypair', key, key), 'REGO_ERR_BUILTIN', 'tls: failed to find certificate PEM data in certificate input, but did find a private key; PEM inputs may have been switched');
  throwsCode(t, () => call('crypto.x509.parse_keypair', block('X', 'AQI=') + block('Y', 'AQI='), key), 'REGO_ERR_BUILTIN', 'tls: failed to find "CERTIFICATE" PEM block in certificate input after skipping PEM blocks of the following types: [X Y]');
  throwsCode(t, () => call('crypto.x509.parse_keypair', cert, cert), 'REGO_ERR_BUILTIN', 'tls: found a certificate rather than a key in the PEM for the private key');
  throwsCode(t, () => call('crypto.x509.parse_keypair', cert, bad), 'REGO_ERR_BUILTIN', 'tls: failed to find any PEM data in key input');
  throwsCode(t, () => call('crypto.x509.parse_keypair', cert, block('EC PRIVATE KEY', 'AQI=')), 'REGO_ERR_BUILTIN', 'tls: failed to parse private key');

  // x509.ParsePKCS1PrivateKey on a PKCS #8 key names the parser to use instead.
  const pkcs8Body = key.replace(/-----[A-Z ]+-----/g, '').trim();
  throwsCode(t, () => call('crypto.x509.parse_rsa_private_key', block('RSA PRIVATE KEY', pkcs8Body)), 'REGO_ERR_BUILTIN', 'x509: failed to parse private key (use ParsePKCS8PrivateKey instead for this key format)');

  // getKeysFromCertOrJWK: `len(rest) > 0` after the first block — even a blank line.
  const jwt = 'eyJhbGciOiJSUzI1NiJ9.e30.AA';
  t.equal(call('io.jwt.verify_rs256', jwt, cert), false);
  throwsCode(t, () => call('io.jwt.verify_rs256', jwt, cert + '\n'), 'REGO_ERR_BUILTIN', 'extra data after a PEM certificate block');
  t.end();
});
