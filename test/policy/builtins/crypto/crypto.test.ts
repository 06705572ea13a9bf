/**
 * crypto.* and crypto.x509.* with values from OPA's cases (cases/v1/crypto*), plus a
 * generated CA → leaf chain for parse_and_verify (the corpus has no verification case).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { skipWith } from '../../../helpers/skip.js';
import { RegoError } from '../../../../src/policy/errors.js';
import { asJson, call, caseAt, loadCases, regoTerm, runCallCases } from '../corpus-helpers.js';

const n = runCallCases(t, ['cryptomd5', 'cryptosha1', 'cryptosha256', 'cryptox509parsersaprivatekey'], {
  'crypto.md5': 1,
  'crypto.sha1': 1,
  'crypto.sha256': 1,
  'crypto.x509.parse_rsa_private_key': 1,
});
t.ok(n >= 3, `recognised ${n}`);

const first = (topic: string) => loadCases(topic);

t.test('HMACs (input.message/input.key cases)', (t) => {
  for (const topic of ['cryptohmacmd5', 'cryptohmacsha1', 'cryptohmacsha256', 'cryptohmacsha512']) {
    for (const c of first(topic)) {
      const fn = /crypto\.hmac\.(\w+)\(/.exec(c.modules?.[0] ?? '')?.[1] as string;
      const inp = c.input as { message: string; key: string };
      t.same([call(`crypto.hmac.${fn}`, [inp.message, inp.key])], c.want_result?.[0]?.x, c.note);
    }
  }
  t.equal(call('crypto.hmac.equal', ['abc', 'abc']), true);
  t.equal(call('crypto.hmac.equal', ['abc', 'abd']), false);
  t.end();
});

t.test('crypto.parse_private_keys', (t) => {
  const cases = first('cryptoparsersaprivatekeys');
  const [valid, invalid, empty] = [caseAt(cases, 0), caseAt(cases, 1), caseAt(cases, 2)];
  const pem = regoTerm(valid.modules?.[0] as string, 'pem') as string;
  const keys = call('crypto.parse_private_keys', [pem]) as unknown[];
  t.equal(keys.length, 1, valid.note);
  t.same(call('crypto.parse_private_keys', [regoTerm(invalid.modules?.[0] as string, 'pem')]), [], invalid.note);
  t.equal(call('crypto.parse_private_keys', [regoTerm(empty.modules?.[0] as string, 'pem')]), null, empty.note);
  t.end();
});

t.test('crypto.x509.parse_certificates (subjects, URIStrings, errors)', (t) => {
  for (const c of first('cryptox509parsecertificates')) {
    const mod = c.modules?.[0] as string;
    const certs = regoTerm(mod, 'certs') as string;
    if (c.want_error) {
      t.throws(() => call('crypto.x509.parse_certificates', [certs]), { code: 'REGO_ERR_BUILTIN', message: /illegal base64/ }, c.note);
      continue;
    }
    const out = asJson(call('crypto.x509.parse_certificates', [certs]) as never) as { Subject: { CommonName: string }; URIStrings: unknown }[];
    if (mod.includes('URIStrings')) t.same(out[0]?.URIStrings ?? null, c.want_result?.[0]?.x, c.note);
    else t.same(out.map((x) => x.Subject.CommonName), c.want_result?.[0]?.x, c.note);
  }
  t.end();
});

t.test('crypto.x509.parse_certificate_request', (t) => {
  for (const c of first('cryptox509parsecertificaterequest')) {
    const csr = regoTerm(c.modules?.[0] as string, 'csr') as string;
    if (c.want_error) {
      t.throws(() => call('crypto.x509.parse_certificate_request', [csr]), { code: 'REGO_ERR_BUILTIN', message: /illegal base64/ }, c.note);
      continue;
    }
    const out = asJson(call('crypto.x509.parse_certificate_request', [csr]) as never) as { Subject: { CommonName: string } };
    t.equal(out.Subject.CommonName, c.want_result?.[0]?.x, c.note);
  }
  t.end();
});

t.test('crypto.x509.parse_keypair and parse_rsa_private_key', (t) => {
  const [c] = first('cryptox509parsekeypair');
  const inp = c?.input as { cert: string; key: string };
  const out = call('crypto.x509.parse_keypair', [inp.cert, inp.key]) as { Certificate: string[] };
  t.equal(out.Certificate[0], c?.want_result?.[0]?.x);
  let err: RegoError | undefined;
  try {
    call('crypto.x509.parse_rsa_private_key', ['invalid'], undefined);
  } catch (e) {
    err = e as RegoError;
  }
  t.match(err?.message, /illegal base64/);
  t.end();
});

t.test('parse_and_verify_certificates on a generated CA → leaf chain', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'regate-x509-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const ossl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  try {
    ossl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-subj', '/CN=Test CA', '-days', '3650', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=keyCertSign');
    ossl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'leaf.key', '-out', 'leaf.csr', '-subj', '/CN=leaf.example');
    execFileSync('sh', ['-c', 'printf "subjectAltName=DNS:leaf.example\\nextendedKeyUsage=serverAuth\\n" > ext.cnf'], { cwd: dir });
    ossl('x509', '-req', '-in', 'leaf.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'leaf.pem', '-days', '365', '-extfile', 'ext.cnf');
  } catch {
    skipWith(t, 'openssl not available');
    return t.end();
  }
  const ca = readFileSync(join(dir, 'ca.pem'), 'utf8');
  const leaf = readFileSync(join(dir, 'leaf.pem'), 'utf8');
  const ok = call('crypto.x509.parse_and_verify_certificates', [ca + leaf]) as [boolean, { Subject: { CommonName: string } }[]];
  t.equal(ok[0], true);
  t.same(ok[1].map((c) => c.Subject.CommonName), ['leaf.example', 'Test CA']);
  t.same(call('crypto.x509.parse_and_verify_certificates', [leaf + ca]), [false, []], 'wrong order fails');
  t.same(call('crypto.x509.parse_and_verify_certificates', [leaf]), [false, []], 'one cert fails');
  const withOpts = call('crypto.x509.parse_and_verify_certificates_with_options', [ca + leaf, { DNSName: 'leaf.example', KeyUsages: ['KeyUsageServerAuth'] }]) as [boolean, Record<string, unknown>[]];
  t.equal(withOpts[0], true);
  // OPA adds URIStrings (extendCertificates) only in the variant without options.
  t.ok('URIStrings' in (ok[1][0] as object) && !('URIStrings' in (withOpts[1][0] as object)), 'URIStrings only without options');
  // CurrentTime and MaxConstraintComparisons are read with json.Number's Int64/Int: 1.5 or 1e18 is none.
  t.throws(() => call('crypto.x509.parse_and_verify_certificates_with_options', [ca + leaf, { CurrentTime: 1.5 }]), { message: /'CurrentTime' should be a valid int64 number/ });
  t.throws(() => call('crypto.x509.parse_and_verify_certificates_with_options', [ca + leaf, { MaxConstraintComparisons: 1.5 }]), { message: /'MaxConstraintComparisons' should be a valid number/ });
  t.same(call('crypto.x509.parse_and_verify_certificates_with_options', [ca + leaf, { DNSName: 'other.example' }]), [false, []]);
  t.same(call('crypto.x509.parse_and_verify_certificates_with_options', [ca + leaf, { CurrentTime: 946684800000000000 }]), [false, []], 'not yet valid in 2000');
  t.throws(() => call('crypto.x509.parse_and_verify_certificates_with_options', [ca + leaf, { Bogus: 1 }]), { code: 'REGO_ERR_BUILTIN' });

  // root → intermediate → leaf; an intermediate without CA:TRUE must not sign.
  const mk = (name: string, ca: boolean) => {
    ossl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`);
    execFileSync('sh', ['-c', `printf "basicConstraints=critical,CA:${ca ? 'TRUE' : 'FALSE'}\\n" > ${name}.cnf`], { cwd: dir });
    ossl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.pem`, '-days', '365', '-extfile', `${name}.cnf`);
  };
  mk('inter', true);
  mk('notca', false);
  const leafFrom = (issuer: string) => {
    ossl('x509', '-req', '-in', 'leaf.csr', '-CA', `${issuer}.pem`, '-CAkey', `${issuer}.key`, '-CAcreateserial', '-out', `leaf-${issuer}.pem`, '-days', '365', '-extfile', 'ext.cnf');
    return readFileSync(join(dir, `leaf-${issuer}.pem`), 'utf8');
  };
  const inter = readFileSync(join(dir, 'inter.pem'), 'utf8');
  const notca = readFileSync(join(dir, 'notca.pem'), 'utf8');
  const chain = call('crypto.x509.parse_and_verify_certificates', [ca + inter + leafFrom('inter')]) as [boolean, { Subject: { CommonName: string } }[]];
  t.same([chain[0], chain[1].map((c) => c.Subject.CommonName)], [true, ['leaf.example', 'inter', 'Test CA']]);
  t.same(call('crypto.x509.parse_and_verify_certificates', [ca + notca + leafFrom('notca')]), [false, []], 'non-CA intermediate');
  t.end();
});
