/**
 * The gateway's payload-encryption keys (README "Payload encryption"): loaded once at start-up
 * from PEM or JWK text (a file or an environment variable), checked for a type regate can use,
 * and published as a JWKS with `use: enc`.
 *
 * Key types and the JWE `alg` each accepts (RFC 7518 §4.3, §4.6; RFC 8037 for X25519):
 * - EC P-256 / P-384 and OKP X25519: `ECDH-ES+A256KW` and `ECDH-ES`
 * - RSA (2048 bits or more): `RSA-OAEP-256`
 * Rotation: the first key is the one advertised first (clients encrypt to it); every listed key
 * still decrypts, so a client holding the previous JWKS keeps working until that key is removed.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createPrivateKey, createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { exportJWK, type JWK } from 'jose';
import type { PayloadKeyConfig } from '../config/types.js';

export const ECDH_ALGS = ['ECDH-ES+A256KW', 'ECDH-ES'] as const;
export const RSA_ALGS = ['RSA-OAEP-256'] as const;

export interface PayloadKey {
  readonly kid: string;
  readonly kind: 'ec' | 'okp' | 'rsa';
  /** the JWE `alg` values this key decrypts */
  readonly algs: readonly string[];
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  readonly publicJwk: JWK;
}

export interface PayloadKeySet {
  /** in configured order: [0] is advertised first and seals session records */
  readonly keys: readonly PayloadKey[];
  byKid(kid: string): PayloadKey | undefined;
  /** the JWKS document, serialised once */
  readonly jwksJson: string;
}

/** A key that cannot be used: `index` names `payload_encryption.keys[index]` for the ConfigError. */
export class PayloadKeyError extends Error {
  constructor(
    readonly index: number,
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * @example const set = await loadPayloadKeys(config.payload_encryption.keys, config.source.dir, process.env);
 */
export async function loadPayloadKeys(list: readonly PayloadKeyConfig[], baseDir: string, env: NodeJS.ProcessEnv = process.env): Promise<PayloadKeySet> {
  const keys: PayloadKey[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < list.length; i++) {
    const kc = list[i] as PayloadKeyConfig;
    if (seen.has(kc.kid)) throw new PayloadKeyError(i, 'kid', `duplicate kid ${JSON.stringify(kc.kid)}`);
    seen.add(kc.kid);
    const field = kc.private_key_file !== undefined ? 'private_key_file' : 'private_key_env';
    let text: string;
    if (kc.private_key_file !== undefined) {
      try {
        text = readFileSync(resolve(baseDir, kc.private_key_file), 'utf8');
      } catch (err) {
        throw new PayloadKeyError(i, field, `cannot read ${kc.private_key_file}: ${(err as Error).message}`);
      }
    } else {
      const v = env[kc.private_key_env as string];
      if (v === undefined || v === '') throw new PayloadKeyError(i, field, `environment variable ${kc.private_key_env} is not set`);
      text = v;
    }
    keys.push(await toPayloadKey(kc.kid, text, i, field));
  }
  const byKid = new Map(keys.map((k) => [k.kid, k]));
  const jwksJson = JSON.stringify({ keys: keys.map((k) => k.publicJwk) });
  return { keys, byKid: (kid) => byKid.get(kid), jwksJson };
}

async function toPayloadKey(kid: string, text: string, index: number, field: string): Promise<PayloadKey> {
  let privateKey: KeyObject;
  try {
    const trimmed = text.trim();
    privateKey = trimmed.startsWith('{') ? createPrivateKey({ key: JSON.parse(trimmed) as JsonWebKey, format: 'jwk' }) : createPrivateKey(trimmed);
  } catch (err) {
    throw new PayloadKeyError(index, field, `not a private key (PEM or JWK): ${(err as Error).message}`);
  }
  const type = privateKey.asymmetricKeyType;
  let kind: PayloadKey['kind'];
  let algs: readonly string[];
  if (type === 'ec') {
    const crv = privateKey.asymmetricKeyDetails?.namedCurve;
    if (crv !== 'prime256v1' && crv !== 'secp384r1') throw new PayloadKeyError(index, field, `EC curve ${crv ?? '?'} is not accepted (P-256 or P-384)`);
    kind = 'ec';
    algs = ECDH_ALGS;
  } else if (type === 'x25519') {
    kind = 'okp';
    algs = ECDH_ALGS;
  } else if (type === 'rsa') {
    const bits = privateKey.asymmetricKeyDetails?.modulusLength ?? 0;
    if (bits < 2048) throw new PayloadKeyError(index, field, `RSA key of ${bits} bits: at least 2048 are needed`);
    kind = 'rsa';
    algs = RSA_ALGS;
  } else throw new PayloadKeyError(index, field, `key type ${type ?? '?'} cannot encrypt (EC P-256/P-384, X25519 or RSA)`);
  const publicKey = createPublicKey(privateKey);
  const jwk = await exportJWK(publicKey);
  const publicJwk: JWK = { ...jwk, kid, use: 'enc', alg: algs[0] as string };
  return { kid, kind, algs, privateKey, publicKey, publicJwk };
}
