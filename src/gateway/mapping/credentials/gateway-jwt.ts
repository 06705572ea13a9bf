/**
 * Gateway-signed JWTs for backends that want the user's identity in a form they can verify
 * offline: short-lived tokens signed by the gateway's own key (never the caller's token, which
 * stays between client and gateway), verifiable with the gateway's JWKS (served by the admin
 * listener at /.well-known/jwks.json).
 *
 * Tokens are cached per (subject, client, audience) until 80 % of their lifetime, so a busy user
 * costs one signature per `ttl_s * 0.8`, not one per request.
 */
import { createHash, randomUUID } from 'node:crypto';
import { SignJWT, exportJWK, generateKeyPair, importJWK, importPKCS8, type JWK, type CryptoKey as JoseKey } from 'jose';
import type { Credential, OutgoingRequest } from './types.js';

export interface GatewayJwtConfig {
  readonly issuer: string;
  readonly audience: string;
  readonly ttl_s: number;
  readonly alg: 'ES256' | 'RS256' | 'EdDSA' | 'PS256';
  /** PKCS#8 PEM or a private JWK (JSON); absent = an ephemeral key generated at start-up */
  readonly private_key?: string;
  readonly kid?: string;
  readonly header?: string;
  readonly cache_entries?: number;
}

export interface GatewayJwtCredential extends Credential {
  /** public JWKS for upstreams to verify with */
  jwks(): { keys: JWK[] };
}

interface Cached {
  value: Record<string, string>;
  refreshAt: number;
}

export async function createGatewayJwtCredential(name: string, cfg: GatewayJwtConfig): Promise<GatewayJwtCredential> {
  if (!(cfg.ttl_s > 0 && cfg.ttl_s <= 3600)) throw new TypeError(`credential ${name}: ttl_s must be in (0, 3600]`);
  let privateKey: JoseKey | Uint8Array;
  let publicJwk: JWK;
  if (cfg.private_key === undefined) {
    const pair = await generateKeyPair(cfg.alg, { extractable: true });
    privateKey = pair.privateKey;
    publicJwk = await exportJWK(pair.publicKey);
  } else {
    const text = cfg.private_key.trim();
    const key = text.startsWith('{') ? await importJWK(JSON.parse(text) as JWK, cfg.alg, { extractable: true }) : await importPKCS8(text, cfg.alg, { extractable: true });
    privateKey = key;
    const jwk = await exportJWK(key as JoseKey);
    // Keep only the public members.
    const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...pub } = jwk;
    publicJwk = pub;
  }
  const kid = cfg.kid ?? createHash('sha256').update(JSON.stringify(publicJwk)).digest('base64url').slice(0, 16);
  publicJwk = { ...publicJwk, kid, alg: cfg.alg, use: 'sig' };
  const headerName = (cfg.header ?? 'authorization').toLowerCase();
  const maxEntries = cfg.cache_entries ?? 10_000;
  const cache = new Map<string, Cached>();

  async function mint(req: OutgoingRequest, key: string, now: number): Promise<Record<string, string>> {
    const claims: Record<string, unknown> = {};
    if (req.clientId !== undefined) claims.client_id = req.clientId;
    if (req.scope !== undefined && req.scope.length > 0) claims.scope = req.scope.join(' ');
    let jwt = new SignJWT(claims)
      .setProtectedHeader({ alg: cfg.alg, kid, typ: 'JWT' })
      .setIssuer(cfg.issuer)
      .setAudience(cfg.audience)
      .setIssuedAt(Math.floor(now / 1000))
      .setExpirationTime(Math.floor(now / 1000) + cfg.ttl_s)
      .setJti(randomUUID());
    if (req.sub !== undefined) jwt = jwt.setSubject(req.sub);
    const token = await jwt.sign(privateKey);
    const value = { [headerName]: headerName === 'authorization' ? `Bearer ${token}` : token };
    if (cache.size >= maxEntries) cache.delete(cache.keys().next().value as string);
    cache.set(key, { value, refreshAt: now + cfg.ttl_s * 800 });
    return value;
  }

  return {
    name,
    type: 'jwt',
    jwks: () => ({ keys: [publicJwk] }),
    headersFor(req) {
      const key = `${req.sub ?? ''}\u0000${req.clientId ?? ''}\u0000${(req.scope ?? []).join(' ')}`;
      const now = Date.now();
      const hit = cache.get(key);
      if (hit && hit.refreshAt > now) return hit.value;
      return mint(req, key, now);
    },
  };
}
