/**
 * X.509 certificates, CSRs and private keys rendered as the JSON Go's encoding/json produces for
 * crypto/x509 structs (what OPA's crypto.x509.* builtins return): PascalCase fields, big
 * integers as numbers, byte slices as base64, times as RFC 3339, pkix.Name with its `Names`.
 *
 * The DER reader (der.ts) extracts what node:crypto's X509Certificate does not expose in Go's shape
 * (names per attribute, extensions, key usages). Signatures are still checked by node:crypto.
 *
 * @example
 *   const [c] = parseCertificatesInput(pemText);
 *   c.goJson.Subject.CommonName; // 'example.com'
 */
import { createPrivateKey, createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import { type PlainObject, type Value } from '../../value/index.js';
import { bigFromBuf, bigint, children, content, decodeStdBase64, oid, pemBlocks, raw, readNode, str, time, X509Error, type Node } from './der.js';
import { ipString } from './ip.js';

export { decodeStdBase64, pemBlocks, X509Error } from './der.js';

// ------------------------------------------------------------------------ pkix.Name

const NAME_FIELDS: Record<string, string> = {
  '2.5.4.6': 'Country',
  '2.5.4.10': 'Organization',
  '2.5.4.11': 'OrganizationalUnit',
  '2.5.4.7': 'Locality',
  '2.5.4.8': 'Province',
  '2.5.4.9': 'StreetAddress',
  '2.5.4.17': 'PostalCode',
};

function pkixName(n: Node): PlainObject {
  const out: PlainObject = {
    Country: null,
    Organization: null,
    OrganizationalUnit: null,
    Locality: null,
    Province: null,
    StreetAddress: null,
    PostalCode: null,
    SerialNumber: '',
    CommonName: '',
    Names: [],
    ExtraNames: null,
  };
  const names: Value[] = [];
  for (const set of children(n)) {
    for (const atv of children(set)) {
      const [t, v] = children(atv);
      if (!t || !v) continue;
      const id = oid(t);
      const value = str(v);
      names.push({ Type: id, Value: value });
      const key = id.join('.');
      if (key === '2.5.4.3') out.CommonName = value;
      else if (key === '2.5.4.5') out.SerialNumber = value;
      else {
        const f = NAME_FIELDS[key];
        if (f) out[f] = [...((out[f] as Value[] | null) ?? []), value];
      }
    }
  }
  out.Names = names;
  return out;
}

// ------------------------------------------------------------------------ algorithms

const SIG_ALGS: Record<string, number> = {
  '1.2.840.113549.1.1.2': 1,
  '1.2.840.113549.1.1.4': 2,
  '1.2.840.113549.1.1.5': 3,
  '1.2.840.113549.1.1.11': 4,
  '1.2.840.113549.1.1.12': 5,
  '1.2.840.113549.1.1.13': 6,
  '1.2.840.10040.4.3': 7,
  '2.16.840.1.101.3.4.3.2': 8,
  '1.2.840.10045.4.1': 9,
  '1.2.840.10045.4.3.2': 10,
  '1.2.840.10045.4.3.3': 11,
  '1.2.840.10045.4.3.4': 12,
  '1.2.840.113549.1.1.10': 13,
  '1.3.101.112': 16,
};
const PK_ALGS: Record<string, number> = { '1.2.840.113549.1.1.1': 1, '1.2.840.10040.4.1': 2, '1.2.840.10045.2.1': 3, '1.3.101.112': 4 };
const EKU: Record<string, number> = {
  '2.5.29.37.0': 0,
  '1.3.6.1.5.5.7.3.1': 1,
  '1.3.6.1.5.5.7.3.2': 2,
  '1.3.6.1.5.5.7.3.3': 3,
  '1.3.6.1.5.5.7.3.4': 4,
  '1.3.6.1.5.5.7.3.5': 5,
  '1.3.6.1.5.5.7.3.6': 6,
  '1.3.6.1.5.5.7.3.7': 7,
  '1.3.6.1.5.5.7.3.8': 8,
  '1.3.6.1.5.5.7.3.9': 9,
  '1.3.6.1.4.1.311.10.3.3': 10,
  '2.16.840.1.113730.4.1': 11,
  '1.3.6.1.4.1.311.2.1.22': 12,
  '1.3.6.1.4.1.311.61.1.1': 13,
};

function b64url(b: string | undefined): Buffer {
  return Buffer.from(b ?? '', 'base64url');
}

/** Go's JSON for the parsed public key (rsa.PublicKey {N, E}, ecdsa.PublicKey {Curve, X, Y}, ed25519 bytes). */
function publicKeyJson(key: KeyObject): Value {
  const jwk = key.export({ format: 'jwk' }) as Record<string, string>;
  switch (key.asymmetricKeyType) {
    case 'rsa':
    case 'rsa-pss':
      return { N: bigFromBuf(b64url(jwk.n)), E: bigFromBuf(b64url(jwk.e)) };
    case 'ec':
      return { Curve: {}, X: bigFromBuf(b64url(jwk.x)), Y: bigFromBuf(b64url(jwk.y)) };
    default:
      return b64url(jwk.x).toString('base64');
  }
}

// ------------------------------------------------------------------------ certificates

export interface ParsedCert {
  cert: X509Certificate;
  der: Buffer;
  goJson: PlainObject;
  extKeyUsage: number[];
  isCA: boolean;
  basicConstraintsValid: boolean;
  dnsNames: string[];
}

function uriJson(u: string): Value {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):(?:\/\/([^/?#]*))?([^?#]*)(?:\?([^#]*))?(?:#(.*))?$/.exec(u);
  return {
    Scheme: m?.[1] ?? '',
    Opaque: '',
    User: null,
    Host: m?.[2] ?? '',
    Path: m?.[3] ?? u,
    RawPath: '',
    OmitHost: false,
    ForceQuery: false,
    RawQuery: m?.[4] ?? '',
    Fragment: m?.[5] ?? '',
    RawFragment: '',
  };
}

export function parseCertificateDer(der: Buffer): ParsedCert {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(der);
  } catch (e) {
    throw new X509Error(`x509: malformed certificate: ${(e as Error).message}`);
  }
  const top = readNode(der, 0);
  const [tbs, sigAlg, sig] = children(top);
  if (!tbs || !sigAlg || !sig) throw new X509Error('x509: malformed certificate');
  const t = children(tbs);
  let i = 0;
  let version = 1;
  if (t[0] && t[0].tag === 0xa0) {
    const v = children(t[0])[0];
    version = v ? Number(bigint(v)) + 1 : 1;
    i++;
  }
  const serial = t[i++] as Node;
  i++; // signature algorithm inside TBS (same as outer)
  const issuer = t[i++] as Node;
  const validity = children(t[i++] as Node);
  const subject = t[i++] as Node;
  const spki = t[i++] as Node;
  let exts: Node[] = [];
  for (; i < t.length; i++) {
    const n = t[i] as Node;
    if (n.tag === 0xa3) exts = children(children(n)[0] as Node);
  }
  const sigOid = oid(children(sigAlg)[0] as Node).join('.');
  const pkOid = oid(children(children(spki)[0] as Node)[0] as Node).join('.');
  const out: PlainObject = {
    Raw: der.toString('base64'),
    RawTBSCertificate: raw(tbs).toString('base64'),
    RawSubjectPublicKeyInfo: raw(spki).toString('base64'),
    RawSubject: raw(subject).toString('base64'),
    RawIssuer: raw(issuer).toString('base64'),
    Signature: content(sig).subarray(1).toString('base64'),
    SignatureAlgorithm: SIG_ALGS[sigOid] ?? 0,
    PublicKeyAlgorithm: PK_ALGS[pkOid] ?? 0,
    PublicKey: publicKeyJson(cert.publicKey),
    Version: version,
    SerialNumber: bigint(serial),
    Issuer: pkixName(issuer),
    Subject: pkixName(subject),
    NotBefore: time(validity[0] as Node),
    NotAfter: time(validity[1] as Node),
    KeyUsage: 0,
    Extensions: [],
    ExtraExtensions: null,
    UnhandledCriticalExtensions: null,
    ExtKeyUsage: null,
    UnknownExtKeyUsage: null,
    BasicConstraintsValid: false,
    IsCA: false,
    MaxPathLen: 0,
    MaxPathLenZero: false,
    SubjectKeyId: null,
    AuthorityKeyId: null,
    OCSPServer: null,
    IssuingCertificateURL: null,
    DNSNames: null,
    EmailAddresses: null,
    IPAddresses: null,
    URIs: null,
    PermittedDNSDomainsCritical: false,
    PermittedDNSDomains: null,
    ExcludedDNSDomains: null,
    PermittedIPRanges: null,
    ExcludedIPRanges: null,
    PermittedEmailAddresses: null,
    ExcludedEmailAddresses: null,
    PermittedURIDomains: null,
    ExcludedURIDomains: null,
    CRLDistributionPoints: null,
    PolicyIdentifiers: null,
    Policies: null,
    URIStrings: null,
  };
  const extJson: Value[] = [];
  const eku: number[] = [];
  const dns: string[] = [];
  for (const e of exts) {
    const parts = children(e);
    const id = oid(parts[0] as Node);
    const critical = parts.length === 3 && content(parts[1] as Node)[0] !== 0;
    const valueNode = parts[parts.length - 1] as Node;
    const value = content(valueNode);
    extJson.push({ Id: id, Critical: critical, Value: value.toString('base64') });
    const inner = () => readNode(value, 0);
    switch (id.join('.')) {
      case '2.5.29.17': {
        const emails: string[] = [];
        const ips: string[] = [];
        const uris: string[] = [];
        for (const gn of children(inner())) {
          const v = content(gn);
          if (gn.tag === 0x82) dns.push(v.toString('latin1'));
          else if (gn.tag === 0x81) emails.push(v.toString('latin1'));
          else if (gn.tag === 0x86) uris.push(v.toString('latin1'));
          else if (gn.tag === 0x87) ips.push(ipString(Uint8Array.from(v)));
        }
        if (dns.length) out.DNSNames = [...dns];
        if (emails.length) out.EmailAddresses = emails;
        if (ips.length) out.IPAddresses = ips;
        if (uris.length) {
          out.URIs = uris.map(uriJson);
          out.URIStrings = uris;
        }
        break;
      }
      case '2.5.29.19': {
        out.BasicConstraintsValid = true;
        out.MaxPathLen = -1;
        for (const c of children(inner())) {
          if (c.tag === 0x01) out.IsCA = content(c)[0] !== 0;
          else if (c.tag === 0x02) {
            out.MaxPathLen = bigint(c);
            out.MaxPathLenZero = out.MaxPathLen === 0;
          }
        }
        break;
      }
      case '2.5.29.15': {
        const b = content(inner());
        let ku = 0;
        for (let byte = 1; byte < b.length; byte++) for (let bit = 0; bit < 8; bit++) if (((b[byte] as number) >> (7 - bit)) & 1) ku |= 1 << ((byte - 1) * 8 + bit);
        out.KeyUsage = ku;
        break;
      }
      case '2.5.29.37':
        for (const c of children(inner())) {
          const k = EKU[oid(c).join('.')];
          if (k !== undefined) eku.push(k);
        }
        out.ExtKeyUsage = eku;
        break;
      case '1.3.6.1.5.5.7.1.1': {
        // Authority Information Access: OCSP responders and CA issuer URLs (RFC 5280 §4.2.2.1).
        const ocsp: string[] = [];
        const issuers: string[] = [];
        for (const ad of children(inner())) {
          const [method, loc] = children(ad);
          if (!method || !loc || loc.tag !== 0x86) continue;
          const m = oid(method).join('.');
          if (m === '1.3.6.1.5.5.7.48.1') ocsp.push(content(loc).toString('latin1'));
          else if (m === '1.3.6.1.5.5.7.48.2') issuers.push(content(loc).toString('latin1'));
        }
        if (ocsp.length) out.OCSPServer = ocsp;
        if (issuers.length) out.IssuingCertificateURL = issuers;
        break;
      }
      case '2.5.29.31': {
        // CRL distribution points: the URI general names of each fullName.
        const urls: string[] = [];
        const walk = (n: Node, depth: number) => {
          if (n.tag === 0x86) urls.push(content(n).toString('latin1'));
          else if (depth < 8 && n.tag & 0x20) for (const c of children(n)) walk(c, depth + 1);
        };
        walk(inner(), 0);
        if (urls.length) out.CRLDistributionPoints = urls;
        break;
      }
      case '2.5.29.32': {
        const ids: Value[] = [];
        for (const pi of children(inner())) {
          const first = children(pi)[0];
          if (first) ids.push(oid(first));
        }
        if (ids.length) out.PolicyIdentifiers = ids;
        break;
      }
      case '2.5.29.14':
        out.SubjectKeyId = content(inner()).toString('base64');
        break;
      case '2.5.29.35':
        for (const c of children(inner())) if (c.tag === 0x80) out.AuthorityKeyId = content(c).toString('base64');
        break;
    }
  }
  out.Extensions = extJson.length ? extJson : null;
  return { cert, der, goJson: out, extKeyUsage: eku, isCA: out.IsCA === true, basicConstraintsValid: out.BasicConstraintsValid === true, dnsNames: dns };
}

/** Concatenated DER certificates (Go x509.ParseCertificates). */
export function parseCertificatesDer(der: Buffer): ParsedCert[] {
  const out: ParsedCert[] = [];
  // Bounded: each certificate consumes its own length.
  for (let p = 0; p < der.length; ) {
    const n = readNode(der, p);
    out.push(parseCertificateDer(Buffer.from(der.subarray(p, n.end))));
    p = n.end;
  }
  return out;
}

/** OPA getX509CertsFromString: PEM text, or base64 of PEM, or base64 of DER. */
export function parseCertificatesInput(s: string): ParsedCert[] {
  const fromPem = (text: string) => {
    const ders: Buffer[] = [];
    for (const b of pemBlocks(text)) {
      if (b.type !== 'CERTIFICATE') throw new X509Error(`PEM block type is '${b.type}', expected CERTIFICATE`);
      ders.push(b.der);
    }
    return parseCertificatesDer(Buffer.concat(ders));
  };
  if (s.startsWith('-----BEGIN')) return fromPem(s);
  const bytes = decodeStdBase64(s);
  if (bytes.subarray(0, 10).toString('latin1') === '-----BEGIN') return fromPem(bytes.toString('latin1'));
  return parseCertificatesDer(bytes);
}

// ------------------------------------------------------------------------ CSRs

/** x509.CertificateRequest JSON (the fields policies use). */
export function parseCsrDer(der: Buffer): PlainObject {
  const top = readNode(der, 0);
  const [info, sigAlg, sig] = children(top);
  if (!info || !sigAlg || !sig) throw new X509Error('x509: malformed certificate request');
  const [ver, subject, spki] = children(info);
  if (!ver || !subject || !spki) throw new X509Error('x509: malformed certificate request');
  const sigOid = oid(children(sigAlg)[0] as Node).join('.');
  const pkOid = oid(children(children(spki)[0] as Node)[0] as Node).join('.');
  let pk: Value = null;
  try {
    pk = publicKeyJson(createPublicKey({ key: raw(spki), format: 'der', type: 'spki' }));
  } catch {
    pk = null;
  }
  return {
    Raw: der.toString('base64'),
    RawTBSCertificateRequest: raw(info).toString('base64'),
    RawSubjectPublicKeyInfo: raw(spki).toString('base64'),
    RawSubject: raw(subject).toString('base64'),
    Version: Number(bigint(ver)),
    Signature: content(sig).subarray(1).toString('base64'),
    SignatureAlgorithm: SIG_ALGS[sigOid] ?? 0,
    PublicKeyAlgorithm: PK_ALGS[pkOid] ?? 0,
    PublicKey: pk,
    Subject: pkixName(subject),
    Attributes: null,
    Extensions: null,
    ExtraExtensions: null,
    DNSNames: null,
    EmailAddresses: null,
    IPAddresses: null,
    URIs: null,
  };
}

// ------------------------------------------------------------------------ private keys

export interface ParsedPrivateKey {
  key: KeyObject;
  /** Go's JSON of rsa.PrivateKey / ecdsa.PrivateKey / ed25519.PrivateKey */
  goJson: Value;
}

function privateKeyJson(key: KeyObject): Value {
  const j = key.export({ format: 'jwk' }) as Record<string, string>;
  const n = (x: string | undefined) => bigFromBuf(b64url(x));
  switch (key.asymmetricKeyType) {
    case 'rsa':
    case 'rsa-pss':
      return {
        N: n(j.n),
        E: n(j.e),
        D: n(j.d),
        Primes: [n(j.p), n(j.q)],
        Precomputed: { Dp: n(j.dp), Dq: n(j.dq), Qinv: n(j.qi), CRTValues: [] },
      };
    case 'ec':
      return { Curve: {}, X: n(j.x), Y: n(j.y), D: n(j.d) };
    default:
      return Buffer.concat([b64url(j.d), b64url(j.x)]).toString('base64');
  }
}

const KEY_PARSERS = { pkcs1: 'ParsePKCS1PrivateKey', pkcs8: 'ParsePKCS8PrivateKey', sec1: 'ParseECPrivateKey' } as const;

/**
 * Go's hint when a key block holds another encoding than its type says (x509.ParsePKCS1PrivateKey
 * and friends try the others, in their order): `x509: failed to parse private key (use
 * ParsePKCS8PrivateKey instead for this key format)`.
 */
function wrongKeyFormat(der: Buffer, tried: keyof typeof KEY_PARSERS): string | undefined {
  const order = { pkcs1: ['sec1', 'pkcs8'], pkcs8: ['sec1', 'pkcs1'], sec1: ['pkcs8', 'pkcs1'] } as const;
  const shape = keyShape(der);
  for (const other of order[tried]) {
    if (shape === other) return `x509: failed to parse private key (use ${KEY_PARSERS[other]} instead for this key format)`;
  }
  return undefined;
}

/**
 * Which private-key structure `der` has, by its ASN.1 outline (what Go's asn1.Unmarshal into
 * each struct accepts): PKCS #1 is SEQUENCE { INTEGER, INTEGER, … }, PKCS #8 SEQUENCE { INTEGER,
 * SEQUENCE, OCTET STRING, … }, SEC 1 SEQUENCE { INTEGER, OCTET STRING, … }.
 */
function keyShape(der: Buffer): keyof typeof KEY_PARSERS | undefined {
  try {
    const top = readNode(der, 0);
    if (top.tag !== 0x30 || top.end !== der.length) return undefined;
    const [v, second, third] = children(top);
    if (v?.tag !== 0x02) return undefined;
    if (second?.tag === 0x02) return 'pkcs1';
    if (second?.tag === 0x30 && third?.tag === 0x04) return 'pkcs8';
    if (second?.tag === 0x04) return 'sec1';
  } catch {
    // not DER at all
  }
  return undefined;
}

/** OPA getPrivateKeysFromPEMData: RSA (PKCS#1), PKCS#8 and EC blocks; input may be base64 of PEM. */
export function parsePrivateKeysPem(input: string): ParsedPrivateKey[] {
  let text = input;
  try {
    text = decodeStdBase64(input).toString('latin1');
  } catch {
    text = input;
  }
  const out: ParsedPrivateKey[] = [];
  for (const b of pemBlocks(text)) {
    const type = b.type === 'RSA PRIVATE KEY' ? 'pkcs1' : b.type === 'PRIVATE KEY' ? 'pkcs8' : b.type === 'EC PRIVATE KEY' ? 'sec1' : undefined;
    if (!type) continue;
    // OpenSSL reads a PKCS #8 key as PKCS #1 when asked; Go's ASN.1 decoder does not.
    const shape = keyShape(b.der);
    if (shape !== undefined && shape !== type) throw new X509Error(wrongKeyFormat(b.der, type) as string);
    let key: KeyObject;
    try {
      key = createPrivateKey({ key: b.der, format: 'der', type });
    } catch (e) {
      throw new X509Error(wrongKeyFormat(b.der, type) ?? `x509: failed to parse private key: ${(e as Error).message}`);
    }
    out.push({ key, goJson: privateKeyJson(key) });
  }
  return out;
}
