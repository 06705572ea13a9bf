/**
 * crypto.x509.* builtins (OPA topdown/crypto.go). Certificates come back in Go's
 * x509.Certificate JSON shape (../shared/x509-der.ts) plus OPA's `URIStrings`.
 *
 * Chain verification follows OPA's convention: the first certificate is the root, the last the
 * leaf, the rest intermediates; the verified chain is returned leaf first, as Go's Verify does.
 */
import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import { BuiltinError, BuiltinTypeError } from '../../errors.js';
import { isObject, objectEntries, RNumber, RSet, typeName, type PlainObject, type RObject, type Value } from '../../value/index.js';
import type { BuiltinDef } from '../registry.js';
import { decodeStdBase64, parseCertificateDer, parseCertificatesInput, parseCsrDer, parsePrivateKeysPem, pemBlocks, X509Error, type ParsedCert } from '../shared/x509-der.js';
import type { PemBlock } from '../shared/der.js';
import { expectString as str, nativeNumber } from '../shared/args.js';


function wrap<T>(name: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof X509Error) throw new BuiltinError(name, e.message);
    throw e;
  }
}

const KEY_USAGES: Record<string, number> = {
  KeyUsageAny: 0,
  KeyUsageServerAuth: 1,
  KeyUsageClientAuth: 2,
  KeyUsageCodeSigning: 3,
  KeyUsageEmailProtection: 4,
  KeyUsageIPSECEndSystem: 5,
  KeyUsageIPSECTunnel: 6,
  KeyUsageIPSECUser: 7,
  KeyUsageTimeStamping: 8,
  KeyUsageOCSPSigning: 9,
  KeyUsageMicrosoftServerGatedCrypto: 10,
  KeyUsageNetscapeServerGatedCrypto: 11,
  KeyUsageMicrosoftCommercialCodeSigning: 12,
  KeyUsageMicrosoftKernelCodeSigning: 13,
};

interface VerifyOpts {
  dnsName: string;
  currentTime: Date | undefined;
  keyUsages: number[];
}

function extractVerifyOpts(name: string, o: PlainObject | RObject): VerifyOpts {
  const opts: VerifyOpts = { dnsName: '', currentTime: undefined, keyUsages: [] };
  for (const [k, v0] of objectEntries(o)) {
    if (typeof k !== 'string') continue;
    const v = nativeNumber(v0);
    switch (k) {
      case 'DNSName':
        if (typeof v !== 'string') throw new BuiltinError(name, "'DNSName' should be a string");
        opts.dnsName = v.replace(/^"+|"+$/g, '');
        break;
      case 'CurrentTime':
        if (typeof v !== 'number' && typeof v !== 'bigint') throw new BuiltinError(name, "'CurrentTime' should be a number");
        // json.Number.Int64 parses the number's text: 1e9 or 1.0 is no int64.
        if (v0 instanceof RNumber || (typeof v === 'number' && (!Number.isInteger(v) || Math.abs(v) >= 2 ** 63)) || (typeof v === 'bigint' && (v < -(2n ** 63n) || v >= 2n ** 63n))) {
          throw new BuiltinError(name, "'CurrentTime' should be a valid int64 number");
        }
        opts.currentTime = new Date(Number(BigInt(v) / 1_000_000n));
        break;
      case 'MaxConstraintComparisons':
        if (typeof v !== 'number' && typeof v !== 'bigint') throw new BuiltinError(name, "'MaxConstraintComparisons' should be a number");
        if (v0 instanceof RNumber || (typeof v === 'bigint' ? v < -(2n ** 63n) || v >= 2n ** 63n : !Number.isInteger(v) || Math.abs(v) >= 2 ** 63)) throw new BuiltinError(name, "'MaxConstraintComparisons' should be a valid number");
        break;
      case 'KeyUsages': {
        let items: readonly Value[];
        if (Array.isArray(v)) items = v;
        else if (v instanceof RSet) items = v.values();
        else throw new BuiltinError(name, "'KeyUsages' should be an Array or Set");
        const invalid: string[] = [];
        for (const it of items) {
          if (typeof it !== 'string') continue;
          const u = it.replace(/^"+|"+$/g, '');
          const code = KEY_USAGES[u];
          if (code === undefined) invalid.push(u);
          else opts.keyUsages.push(code);
        }
        if (invalid.length) throw new BuiltinError(name, `invalid entries for 'KeyUsages' found: [${invalid.join(' ')}]`);
        break;
      }
      default:
        throw new BuiltinError(name, 'invalid key option');
    }
  }
  return opts;
}

function issued(child: ParsedCert, parent: ParsedCert): boolean {
  try {
    return child.cert.checkIssued(parent.cert) && child.cert.verify(parent.cert.publicKey);
  } catch {
    return false;
  }
}

function timeValid(c: X509Certificate, at: Date): boolean {
  return new Date(c.validFrom) <= at && at <= new Date(c.validTo);
}

/** Go VerifyHostname: SAN DNS names (never the subject CN) or, for an address, SAN IPs. */
function hostMatches(leaf: X509Certificate, host: string): boolean {
  const ip = /^[0-9.]+$/.test(host) || host.includes(':');
  if (ip) return leaf.checkIP(host.replace(/^\[|\]$/g, '')) !== undefined;
  return leaf.checkHost(host, { subject: 'never' }) !== undefined;
}

/**
 * Builds leaf → intermediates… → root (Go x509.Certificate.Verify with one root): every
 * certificate within its validity period, intermediates with CA basic constraints, extended
 * key usages compatible with the requested ones (default: server auth), the leaf matching
 * DNSName. Depth-bounded; returns undefined when no chain verifies.
 */
function verifyChain(certs: ParsedCert[], o: VerifyOpts): ParsedCert[] | undefined {
  if (certs.length < 2) return undefined;
  const root = certs[0] as ParsedCert;
  const leaf = certs[certs.length - 1] as ParsedCert;
  const intermediates = certs.slice(1, -1);
  const at = o.currentTime ?? new Date();
  if (o.dnsName !== '' && !hostMatches(leaf.cert, o.dnsName)) return undefined;
  const wanted = o.keyUsages.length ? o.keyUsages : [1];
  const usageOk = (c: ParsedCert) => wanted.includes(0) || c.extKeyUsage.length === 0 || c.extKeyUsage.includes(0) || wanted.some((u) => c.extKeyUsage.includes(u));
  const fits = (c: ParsedCert) => timeValid(c.cert, at) && usageOk(c);
  if (!fits(root)) return undefined;
  const walk = (cur: ParsedCert, depth: number, seen: Set<ParsedCert>): ParsedCert[] | undefined => {
    if (cur.der.equals(root.der)) return [cur];
    if (!fits(cur)) return undefined;
    if (depth > 0 && (!cur.basicConstraintsValid || !cur.isCA)) return undefined;
    if (issued(cur, root)) return [cur, root];
    if (depth >= 16) return undefined;
    for (const im of intermediates) {
      if (seen.has(im) || !issued(cur, im)) continue;
      const rest = walk(im, depth + 1, new Set([...seen, im]));
      if (rest) return [cur, ...rest];
    }
    return undefined;
  };
  return walk(leaf, 0, new Set([leaf]));
}

function parseAndVerify(name: string, input: Value, optsV: Value | undefined): Value {
  const s = str(name, input, 1);
  let opts: VerifyOpts = { dnsName: '', currentTime: undefined, keyUsages: [] };
  if (optsV !== undefined) {
    if (!isObject(optsV)) throw new BuiltinTypeError(name, `operand 2 must be object but got ${typeName(optsV)}`);
  }
  let certs: ParsedCert[];
  try {
    certs = parseCertificatesInput(s);
  } catch (e) {
    if (e instanceof X509Error) return [false, []];
    throw e;
  }
  if (optsV !== undefined && isObject(optsV)) opts = extractVerifyOpts(name, optsV);
  const chain = verifyChain(certs, opts);
  if (!chain) return [false, []];
  // OPA extends the certificates with URIStrings only without options (with them it converts
  // the []*x509.Certificate as is).
  if (optsV !== undefined) return [true, chain.map((c) => withoutUriStrings(c.goJson))];
  return [true, chain.map((c) => c.goJson)];
}

/**
 * Go's tls.X509KeyPair block selection: every CERTIFICATE block of the certificate input, the
 * first `PRIVATE KEY` / `… PRIVATE KEY` block of the key input, with its errors naming the
 * block types it skipped.
 */
function keyPairBlocks(certBlocks: PemBlock[], keyBlocks: PemBlock[]): { certDers: Buffer[]; keyDer: Buffer } {
  const certDers = certBlocks.filter((b) => b.type === 'CERTIFICATE').map((b) => b.der);
  if (certDers.length === 0) {
    const skipped = certBlocks.map((b) => b.type);
    if (skipped.length === 0) throw new X509Error('tls: failed to find any PEM data in certificate input');
    if (skipped.length === 1 && (skipped[0] as string).endsWith('PRIVATE KEY')) {
      throw new X509Error('tls: failed to find certificate PEM data in certificate input, but did find a private key; PEM inputs may have been switched');
    }
    throw new X509Error(`tls: failed to find "CERTIFICATE" PEM block in certificate input after skipping PEM blocks of the following types: [${skipped.join(' ')}]`);
  }
  const skipped: string[] = [];
  for (const b of keyBlocks) {
    if (b.type === 'PRIVATE KEY' || b.type.endsWith(' PRIVATE KEY')) return { certDers, keyDer: b.der };
    skipped.push(b.type);
  }
  if (skipped.length === 0) throw new X509Error('tls: failed to find any PEM data in key input');
  if (skipped.length === 1 && skipped[0] === 'CERTIFICATE') throw new X509Error('tls: found a certificate rather than a key in the PEM for the private key');
  throw new X509Error(`tls: failed to find PEM block with type ending in "PRIVATE KEY" in key input after skipping PEM blocks of the following types: [${skipped.join(' ')}]`);
}

/** Go's tls parsePrivateKey: PKCS #1, then PKCS #8, then SEC 1 — whatever the block's type says. */
function parseTlsPrivateKey(der: Buffer): KeyObject | undefined {
  for (const type of ['pkcs1', 'pkcs8', 'sec1'] as const) {
    try {
      return createPrivateKey({ key: der, format: 'der', type });
    } catch {
      // try the next encoding
    }
  }
  return undefined;
}

function withoutUriStrings(goJson: PlainObject): PlainObject {
  const { URIStrings: _omit, ...cert } = goJson;
  return cert;
}

function leafJson(der: Buffer): Value {
  return withoutUriStrings(parseCertificateDer(der).goJson);
}

function jwkOf(pem: string, name: string): Value {
  if (pem === '') throw new BuiltinError(name, 'input PEM data was empty');
  let text = pem;
  if (!pem.startsWith('-----BEGIN')) text = wrap(name, () => decodeStdBase64(pem)).toString('latin1');
  const keys = wrap(name, () => parsePrivateKeysPem(text));
  const first = keys[0];
  if (!first) return null;
  return first.key.export({ format: 'jwk' }) as PlainObject;
}

export const x509Builtins: BuiltinDef[] = [
  {
    name: 'crypto.x509.parse_certificates',
    arity: 1,
    impl: ([c]) => {
      const name = 'crypto.x509.parse_certificates';
      const s = str(name, c as Value, 1);
      return wrap(name, () => parseCertificatesInput(s)).map((x) => x.goJson);
    },
  },
  {
    name: 'crypto.x509.parse_and_verify_certificates',
    arity: 1,
    impl: ([c]) => parseAndVerify('crypto.x509.parse_and_verify_certificates', c as Value, undefined),
  },
  {
    name: 'crypto.x509.parse_and_verify_certificates_with_options',
    arity: 2,
    impl: ([c, o]) => parseAndVerify('crypto.x509.parse_and_verify_certificates_with_options', c as Value, o as Value),
  },
  {
    name: 'crypto.x509.parse_certificate_request',
    arity: 1,
    impl: ([c]) => {
      const name = 'crypto.x509.parse_certificate_request';
      const s = str(name, c as Value, 1);
      let text: Buffer = Buffer.from(s, 'latin1');
      if (!s.startsWith('-----BEGIN CERTIFICATE REQUEST-----')) text = wrap(name, () => decodeStdBase64(s));
      const blocks = pemBlocks(text.toString('latin1'));
      let der = text;
      if (blocks[0]) {
        if (blocks[0].type !== 'CERTIFICATE REQUEST') throw new BuiltinError(name, 'invalid PEM-encoded certificate signing request');
        der = blocks[0].der;
      }
      return wrap(name, () => parseCsrDer(der));
    },
  },
  {
    name: 'crypto.x509.parse_keypair',
    arity: 2,
    impl: ([c, k]) => {
      const name = 'crypto.x509.parse_keypair';
      const cs = str(name, c as Value, 1);
      const ks = str(name, k as Value, 1);
      const certText = cs.startsWith('-----BEGIN ') ? cs : wrap(name, () => decodeStdBase64(cs)).toString('latin1');
      const keyText = ks.startsWith('-----BEGIN ') ? ks : wrap(name, () => decodeStdBase64(ks)).toString('latin1');
      // DER input (no PEM armour after base64 decoding) is wrapped as PEM, as OPA does.
      const certBlocks = certText.startsWith('-----BEGIN ') ? pemBlocks(certText) : [{ type: 'CERTIFICATE', der: Buffer.from(certText, 'latin1'), headers: 0 }];
      const keyBlocks = keyText.startsWith('-----BEGIN') ? pemBlocks(keyText) : [{ type: 'PRIVATE KEY', der: Buffer.from(keyText, 'latin1'), headers: 0 }];
      const { certDers, keyDer } = wrap(name, () => keyPairBlocks(certBlocks, keyBlocks));
      const leaf = wrap(name, () => parseCertificateDer(certDers[0] as Buffer)).cert;
      const key = parseTlsPrivateKey(keyDer);
      if (!key) throw new BuiltinError(name, 'tls: failed to parse private key');
      const pubType = leaf.publicKey.asymmetricKeyType;
      if (pubType !== 'rsa' && pubType !== 'ec' && pubType !== 'ed25519') throw new BuiltinError(name, 'tls: unknown public key algorithm');
      if (key.asymmetricKeyType !== pubType) throw new BuiltinError(name, 'tls: private key type does not match public key type');
      if (!leaf.checkPrivateKey(key)) throw new BuiltinError(name, 'tls: private key does not match public key');
      const priv = parsePrivateKeysPem(key.export({ format: 'pem', type: 'pkcs8' }) as string)[0];
      return {
        Certificate: certDers.map((d) => d.toString('base64')),
        PrivateKey: priv ? priv.goJson : null,
        SupportedSignatureAlgorithms: null,
        OCSPStaple: null,
        SignedCertificateTimestamps: null,
        // Go ≥ 1.23 fills Leaf in tls.X509KeyPair (x509keypairleaf=1): the parsed leaf certificate.
        Leaf: leafJson(certDers[0] as Buffer),
      };
    },
  },
  {
    name: 'crypto.x509.parse_rsa_private_key',
    arity: 1,
    impl: ([p]) => {
      const name = 'crypto.x509.parse_rsa_private_key';
      return jwkOf(str(name, p as Value, 1), name);
    },
  },
];
