/**
 * Encrypts an answer body to the client: to its `rsp` public key with `ECDH-ES+A256KW` (a fresh
 * ephemeral key per answer, RFC 7518 §4.6), or with the session key (`dir`). The protected
 * header names the media type (`cty`) and the request it answers (`req`: the request's `jti`),
 * so a client can refuse an answer swapped from another request.
 */
import { CompactEncrypt } from 'jose';
import type { AnswerTarget } from './open-request.js';

/** @example const jwe = await sealAnswer(bytes, 'application/json', opened.answer); */
export async function sealAnswer(body: Uint8Array, cty: string | undefined, to: AnswerTarget): Promise<string> {
  const base = { enc: 'A256GCM', req: to.jti, iat: Math.floor(Date.now() / 1000), ...(cty !== undefined ? { cty } : {}) };
  if (to.kind === 'session') return new CompactEncrypt(body).setProtectedHeader({ ...base, alg: 'dir', kid: to.session.kid }).encrypt(to.session.aead);
  return new CompactEncrypt(body).setProtectedHeader({ ...base, alg: 'ECDH-ES+A256KW' }).encrypt(to.key);
}
