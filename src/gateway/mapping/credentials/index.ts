/**
 * Builds the named backend credentials declared under `credentials:` in regate.yaml.
 *
 * | type   | what the upstream receives                                              |
 * |--------|-------------------------------------------------------------------------|
 * | basic  | `Authorization: Basic …` (RFC 7617)                                     |
 * | bearer | `Authorization: Bearer <static token>`                                  |
 * | header | one static header (`header`, `value`)                                   |
 * | jwt    | a short-lived JWT signed by the gateway for the caller (verify via JWKS) |
 * | hmac   | an RFC 9421 HTTP Message Signature with a shared secret                 |
 * | oauth2_client_credentials | `Authorization: Bearer` with a token the gateway gets from a token endpoint (client-credentials.ts) |
 */
import { createBasicCredential } from './basic.js';
import { createGatewayJwtCredential, type GatewayJwtCredential, type GatewayJwtConfig } from './gateway-jwt.js';
import { createHmacCredential } from './http-signature.js';
import { createClientCredentialsCredential, type ClientCredentialsConfig } from './client-credentials.js';
import type { Credential } from './types.js';

export type { Credential, OutgoingRequest } from './types.js';
export { verifyHmacSignature, contentDigest } from './http-signature.js';

export interface CredentialSpec {
  readonly type: string;
  readonly [key: string]: unknown;
}

function str(spec: CredentialSpec, key: string, name: string): string {
  const v = spec[key];
  if (typeof v !== 'string' || v.length === 0) throw new TypeError(`credentials.${name}.${key} must be a non-empty string`);
  return v;
}

function staticCredential(name: string, type: string, header: string, value: string): Credential {
  const headers = Object.freeze({ [header.toLowerCase()]: value });
  return { name, type, headersFor: () => headers, staticHeaders: headers };
}

export async function createCredentials(specs: Readonly<Record<string, CredentialSpec>>): Promise<Map<string, Credential>> {
  const out = new Map<string, Credential>();
  for (const [name, spec] of Object.entries(specs)) {
    switch (spec.type) {
      case 'basic':
        out.set(name, createBasicCredential(name, { username: str(spec, 'username', name), password: str(spec, 'password', name) }));
        break;
      case 'bearer':
        out.set(name, staticCredential(name, 'bearer', 'authorization', `Bearer ${str(spec, 'token', name)}`));
        break;
      case 'header':
        out.set(name, staticCredential(name, 'header', str(spec, 'header', name), str(spec, 'value', name)));
        break;
      case 'jwt':
        out.set(name, await createGatewayJwtCredential(name, {
          issuer: str(spec, 'issuer', name),
          audience: str(spec, 'audience', name),
          ttl_s: typeof spec.ttl_s === 'number' ? spec.ttl_s : 60,
          alg: (typeof spec.alg === 'string' ? spec.alg : 'ES256') as GatewayJwtConfig['alg'],
          ...(typeof spec.private_key === 'string' ? { private_key: spec.private_key } : {}),
          ...(typeof spec.kid === 'string' ? { kid: spec.kid } : {}),
          ...(typeof spec.header === 'string' ? { header: spec.header } : {}),
        }));
        break;
      case 'hmac':
        out.set(name, createHmacCredential(name, {
          key_id: str(spec, 'key_id', name),
          secret: str(spec, 'secret', name),
          ...(typeof spec.label === 'string' ? { label: spec.label } : {}),
        }));
        break;
      case 'oauth2_client_credentials': {
        const { type: _type, ...rest } = spec;
        str(spec, 'token_endpoint', name);
        str(spec, 'client_id', name);
        out.set(name, createClientCredentialsCredential(name, rest as unknown as ClientCredentialsConfig));
        break;
      }
      default:
        throw new TypeError(`credentials.${name}.type ${JSON.stringify(spec.type)} is not one of basic, bearer, header, jwt, hmac, oauth2_client_credentials`);
    }
  }
  return out;
}

/** The JWKS of every gateway-signed JWT credential, for the admin listener's /.well-known/jwks.json. */
export function gatewayJwks(creds: ReadonlyMap<string, Credential>): { keys: unknown[] } {
  const keys: unknown[] = [];
  for (const c of creds.values()) if (c.type === 'jwt') keys.push(...(c as GatewayJwtCredential).jwks().keys);
  return { keys };
}
