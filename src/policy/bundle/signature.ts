/**
 * Bundle signatures as OPA defines them (docs "Bundles" › Signing; OPA bundle/verify.go, sign.go):
 * `.signatures.json` is `{"signatures": ["<JWS compact>"]}` with exactly one JWT whose payload is
 * `{files: [{name, hash, algorithm}], keyid?, scope?, iat?, iss?}`. Verification:
 *   1. the key id is the configured one, else the JWT header `kid`, else the payload `keyid`;
 *   2. the JWS verifies with that key (RS/PS/ES/HS, through jose);
 *   3. the payload `scope` equals the configured scope (both may be empty);
 *   4. every file of the bundle but `.signatures.json` and the excluded ones is listed with a
 *      matching digest (hash.ts), and every listed file is in the bundle.
 * A bundle that fails any step is refused as a whole (REGO_ERR_BUNDLE_SIGNATURE).
 *
 * @example
 *   const sig = await signBundleFiles(files, { key: await importSigningKey(pem, 'RS256'), algorithm: 'RS256', keyid: 'ci' });
 *   await verifyBundleFiles(new Map([...files, ['.signatures.json', sig]]), { keys: { ci: { key: pub, algorithm: 'RS256' } } });
 */
import { CompactSign, compactVerify, decodeProtectedHeader, importPKCS8, importSPKI, importX509, type CryptoKey } from 'jose';
import { createPrivateKey } from 'node:crypto';
import { RegoError } from '../errors.js';
import { hashBundleFile } from './hash.js';
import { normaliseEntryName } from './tar.js';

export const SIGNATURES_FILE = '.signatures.json';

export type BundleKey = CryptoKey | Uint8Array;

export interface BundleVerificationKey {
  readonly key: BundleKey;
  /** JWS algorithm the key verifies (OPA's `algorithm`, default RS256) */
  readonly algorithm: string;
  readonly scope?: string;
}

export interface BundleVerificationOptions {
  readonly keys: Readonly<Record<string, BundleVerificationKey>>;
  /** the key to use whatever the JWT names (OPA's `keyid` in the bundle's signing config) */
  readonly keyid?: string;
  readonly scope?: string;
  /** bundle files left out of the signature (OPA's `exclude_files`), bundle-relative names */
  readonly excludeFiles?: readonly string[];
}

export interface BundleSignature {
  readonly keyid: string;
  readonly files: readonly { name: string; hash: string; algorithm: string }[];
  readonly iat?: number;
  readonly iss?: string;
  readonly scope?: string;
}

const fail = (msg: string, cause?: unknown): never => {
  throw new RegoError('REGO_ERR_BUNDLE_SIGNATURE', `${SIGNATURES_FILE}: ${msg}`, cause === undefined ? undefined : { cause });
};

const isHmac = (alg: string) => /^HS(256|384|512)$/.test(alg);

/** A verification key from PEM text (public key or certificate) or, for HS*, the shared secret. */
export async function importVerificationKey(material: string, algorithm: string): Promise<BundleKey> {
  if (isHmac(algorithm)) return new TextEncoder().encode(material);
  return material.includes('BEGIN CERTIFICATE') ? importX509(material, algorithm) : importSPKI(material, algorithm);
}

/** A signing key from PEM text (PKCS#8, or PKCS#1/SEC1 converted) or, for HS*, the shared secret. */
export async function importSigningKey(material: string, algorithm: string): Promise<BundleKey> {
  if (isHmac(algorithm)) return new TextEncoder().encode(material);
  // openssl's default "BEGIN RSA/EC PRIVATE KEY" is not PKCS#8: node:crypto re-encodes it
  const pkcs8 = material.includes('BEGIN PRIVATE KEY') ? material : createPrivateKey(material).export({ format: 'pem', type: 'pkcs8' }).toString();
  return importPKCS8(pkcs8, algorithm);
}

/** Verifies `files` (bundle-relative names → bytes) against their `.signatures.json`; returns the payload. */
export async function verifyBundleFiles(files: ReadonlyMap<string, Uint8Array>, opts: BundleVerificationOptions): Promise<BundleSignature> {
  const raw = files.get(SIGNATURES_FILE);
  if (raw === undefined) return fail('missing: the bundle is not signed');
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(raw).toString('utf8'));
  } catch (e) {
    return fail(`not JSON: ${(e as Error).message}`, e);
  }
  const sigs = (doc as { signatures?: unknown } | null)?.signatures;
  if (!Array.isArray(sigs) || sigs.length !== 1 || typeof sigs[0] !== 'string') return fail('expected {"signatures": [one JWT]}');
  const token = sigs[0];
  let header: { kid?: unknown; alg?: unknown };
  let claims: Record<string, unknown>;
  try {
    header = decodeProtectedHeader(token);
    claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch (e) {
    return fail('the signature is not a compact JWS', e);
  }
  const keyid = opts.keyid ?? (typeof header.kid === 'string' && header.kid !== '' ? header.kid : undefined) ?? (typeof claims['keyid'] === 'string' ? claims['keyid'] : '');
  if (keyid === '') return fail('no key id: set signing.keyid, or sign with a kid');
  const key = opts.keys[keyid];
  if (key === undefined) return fail(`no verification key with id ${JSON.stringify(keyid)}`);
  try {
    await compactVerify(token, key.key, { algorithms: [key.algorithm] });
  } catch (e) {
    return fail(`the signature does not verify with key ${JSON.stringify(keyid)} (${(e as Error).message})`, e);
  }
  const scope = opts.scope ?? key.scope ?? '';
  if ((claims['scope'] ?? '') !== scope) return fail(`scope mismatch: signed for ${JSON.stringify(claims['scope'] ?? '')}, expected ${JSON.stringify(scope)}`);
  const listed = claims['files'];
  if (!Array.isArray(listed)) return fail('the signed payload has no files array');
  const want = new Map<string, { name: string; hash: string; algorithm: string }>();
  for (const f of listed as unknown[]) {
    const e = f as { name?: unknown; hash?: unknown; algorithm?: unknown } | null;
    if (typeof e?.name !== 'string' || typeof e.hash !== 'string' || typeof e.algorithm !== 'string' || e.algorithm === '') return fail('a files entry needs name, hash and algorithm');
    want.set(normaliseEntryName(e.name), { name: e.name, hash: e.hash, algorithm: e.algorithm });
  }
  const excluded = new Set((opts.excludeFiles ?? []).map(normaliseEntryName));
  for (const [name, bytes] of files) {
    if (name === SIGNATURES_FILE || excluded.has(name)) continue;
    const w = want.get(name);
    if (w === undefined) return fail(`file ${name} is not included in the bundle signature`);
    const got = hashBundleFile(name, bytes, w.algorithm);
    if (got !== w.hash.toLowerCase()) return fail(`${name}: digest mismatch (signed ${w.hash}, got ${got})`);
    want.delete(name);
  }
  if (want.size > 0) return fail(`file(s) ${[...want.keys()].join(', ')} are in the signature but not in the bundle`);
  return {
    keyid,
    files: listed as BundleSignature['files'],
    ...(typeof claims['iat'] === 'number' ? { iat: claims['iat'] } : {}),
    ...(typeof claims['iss'] === 'string' ? { iss: claims['iss'] } : {}),
    ...(typeof claims['scope'] === 'string' ? { scope: claims['scope'] } : {}),
  };
}

export interface BundleSigningOptions {
  readonly key: BundleKey;
  readonly algorithm: string;
  readonly keyid?: string;
  readonly scope?: string;
  readonly iss?: string;
  /** files left out of the signature (they are then unprotected: the verifier must exclude them too) */
  readonly excludeFiles?: readonly string[];
  /** hashing algorithm of the file digests; OPA's default SHA-256 */
  readonly hashAlgorithm?: string;
}

/** The bytes of `.signatures.json` for `files` (any existing .signatures.json is left out). */
export async function signBundleFiles(files: ReadonlyMap<string, Uint8Array>, opts: BundleSigningOptions): Promise<Uint8Array> {
  const hashAlgorithm = opts.hashAlgorithm ?? 'SHA-256';
  const excluded = new Set((opts.excludeFiles ?? []).map(normaliseEntryName));
  const names = [...files.keys()].filter((n) => n !== SIGNATURES_FILE && !excluded.has(n)).sort();
  const payload = {
    files: names.map((name) => ({ name, hash: hashBundleFile(name, files.get(name)!, hashAlgorithm), algorithm: hashAlgorithm })),
    iat: Math.floor(Date.now() / 1000),
    ...(opts.iss !== undefined ? { iss: opts.iss } : {}),
    ...(opts.keyid !== undefined ? { keyid: opts.keyid } : {}),
    ...(opts.scope !== undefined ? { scope: opts.scope } : {}),
  };
  const jws = await new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
    .setProtectedHeader({ alg: opts.algorithm, ...(opts.keyid !== undefined ? { kid: opts.keyid } : {}) })
    .sign(opts.key);
  return new TextEncoder().encode(JSON.stringify({ signatures: [jws] }) + '\n');
}
