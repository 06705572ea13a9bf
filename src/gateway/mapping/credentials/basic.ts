/**
 * HTTP Basic credentials (RFC 7617) for backends that trust the gateway as one client.
 * The header is computed once: the per-request cost is returning a constant object.
 */
import type { Credential } from './types.js';

export interface BasicCredentialConfig {
  readonly username: string;
  readonly password: string;
}

export function createBasicCredential(name: string, cfg: BasicCredentialConfig): Credential {
  if (cfg.username.includes(':')) throw new TypeError(`credential ${name}: a basic-auth username may not contain ":" (RFC 7617 §2)`);
  const headers = Object.freeze({ authorization: 'Basic ' + Buffer.from(`${cfg.username}:${cfg.password}`, 'utf8').toString('base64') });
  return { name, type: 'basic', headersFor: () => headers, staticHeaders: headers };
}
