/**
 * The `Regate-Session` answer header: a new session's key, sealed to the client's `rsp` key
 * (`ECDH-ES+A256KW`/`A256GCM`), so only the holder of the `rsp` private key can read it. The
 * plaintext is `{"kid","k","exp"}` (`k` base64url, `exp` unix seconds); `req` binds it to the
 * request that asked for it, like a sealed answer (seal-answer.ts).
 */
import { CompactEncrypt, base64url } from 'jose';
import type { AnswerTarget } from './open-request.js';
import type { PayloadSession } from './sessions.js';

/** @example headers.push('regate-session', await sealSessionGrant(session, opened.answer)); */
export async function sealSessionGrant(s: PayloadSession, to: Extract<AnswerTarget, { kind: 'rsp' }>): Promise<string> {
  const grant = new TextEncoder().encode(JSON.stringify({ kid: s.kid, k: base64url.encode(s.key), exp: s.exp }));
  return new CompactEncrypt(grant).setProtectedHeader({ alg: 'ECDH-ES+A256KW', enc: 'A256GCM', cty: 'application/json', req: to.jti }).encrypt(to.key);
}
