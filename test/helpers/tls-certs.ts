/**
 * Real X.509 certificates for the TLS tests, made with the `openssl` CLI in a fresh temporary
 * directory: two CAs (the trusted one and a stranger), server certificates (one per name, with
 * SANs), client certificates, an expired one and one for the wrong host. Node's crypto cannot
 * issue certificates, and checked-in test certificates expire; these are made per run.
 *
 * Every certificate is ECDSA P-256 (fast to make: the whole set takes well under a second).
 *
 * @example
 * const pki = await createTestPki();
 * const srv = pki.issue('server', { cn: 'localhost', san: ['DNS:localhost', 'IP:127.0.0.1'] });
 * https.createServer({ cert: readFileSync(srv.cert), key: readFileSync(srv.key) });
 */
import { execFileSync } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface IssuedCert {
  /** PEM files */
  cert: string;
  key: string;
  /** the certificate's base64url SHA-256 thumbprint over its DER (RFC 8705 `x5t#S256`) */
  x5tS256: string;
}

export interface IssueOptions {
  cn: string;
  /** subjectAltName entries in openssl form: `DNS:localhost`, `IP:127.0.0.1`, `URI:spiffe://x` */
  san?: string[];
  /** signing CA: the trusted one (default) or the stranger */
  ca?: 'trusted' | 'other';
  /** issue a certificate whose validity ended in 2020 */
  expired?: boolean;
  /** client certificate (extendedKeyUsage clientAuth) instead of a server one */
  client?: boolean;
}

export interface TestPki {
  dir: string;
  /** the trusted CA certificate (PEM file) */
  ca: string;
  /** a CA nothing trusts */
  otherCa: string;
  issue(name: string, opts: IssueOptions): IssuedCert;
  remove(): void;
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

function makeCa(dir: string, name: string, cn: string): void {
  openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.pem`, '-days', '2', '-subj', `/CN=${cn}`], dir);
  // `openssl ca` (used for the expired certificate, whose dates `x509 -req` cannot set) needs a database
  writeFileSync(join(dir, `${name}.index`), '');
  writeFileSync(
    join(dir, `${name}.cnf`),
    [
      '[ca]',
      'default_ca = this',
      '[this]',
      `database = ${name}.index`,
      `certificate = ${name}.pem`,
      `private_key = ${name}.key`,
      'new_certs_dir = .',
      'default_md = sha256',
      'policy = any',
      'unique_subject = no',
      'copy_extensions = copy',
      'rand_serial = yes',
      '[any]',
      'commonName = supplied',
      '',
    ].join('\n'),
  );
}

export function createTestPki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'regate-pki-'));
  makeCa(dir, 'ca', 'regate test CA');
  makeCa(dir, 'other-ca', 'stranger CA');
  return {
    dir,
    ca: join(dir, 'ca.pem'),
    otherCa: join(dir, 'other-ca.pem'),
    issue(name, opts) {
      const ca = opts.ca === 'other' ? 'other-ca' : 'ca';
      const ext = join(dir, `${name}.ext`);
      const lines = [opts.client ? 'extendedKeyUsage = clientAuth' : 'extendedKeyUsage = serverAuth', 'basicConstraints = CA:FALSE'];
      if (opts.san && opts.san.length > 0) lines.push(`subjectAltName = ${opts.san.join(',')}`);
      writeFileSync(ext, `${lines.join('\n')}\n`);
      openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${opts.cn}`], dir);
      if (opts.expired) {
        openssl(['ca', '-batch', '-config', `${ca}.cnf`, '-in', `${name}.csr`, '-out', `${name}.pem`, '-startdate', '20200101000000Z', '-enddate', '20200102000000Z', '-extfile', `${name}.ext`, '-notext'], dir);
      } else {
        openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.pem`, '-CAkey', `${ca}.key`, '-CAcreateserial', '-out', `${name}.pem`, '-days', '1', '-extfile', `${name}.ext`], dir);
      }
      const cert = join(dir, `${name}.pem`);
      const der = new X509Certificate(readFileSync(cert)).raw;
      return { cert, key: join(dir, `${name}.key`), x5tS256: createHash('sha256').update(der).digest('base64url') };
    },
    remove() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
