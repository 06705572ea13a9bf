/**
 * Opens one encrypted request body: checks the compact JWE's protected header, finds the key,
 * decrypts with jose, and enforces freshness (`iat`), single use (`jti`) and the binding to the
 * access token (`ath`). Every refusal is the one generic GW_ERR_PAYLOAD_DECRYPT (400): which
 * check failed goes to the log through the error's `cause`, never to the client — a client that
 * learns "wrong key" from "bad tag" from "replayed" has an oracle.
 *
 * The header is read and checked before any key operation, so a malformed, compressed (`zip`),
 * unknown-algorithm or stale JWE costs no ECDH; `ath` is checked before decryption too, so a JWE
 * captured from one caller costs nothing when replayed under another token.
 */
import { createHash, type KeyObject } from 'node:crypto';
import { compactDecrypt, decodeProtectedHeader, type CompactJWEHeaderParameters, type JWK } from 'jose';
import { GatewayError } from '../errors.js';
import type { RequestContext } from '../pipeline/context.js';
import type { PayloadKeySet } from './keys.js';
import type { ReplayGuard } from './replay.js';
import type { PayloadSession, SessionStore } from './sessions.js';

import { createAnswerKeyCache, type KeyLike } from './answer-keys.js';

export type { KeyLike } from './answer-keys.js';

/** Where the answer is encrypted to: the client's `rsp` public key, or the session. */
export type AnswerTarget = { kind: 'rsp'; key: KeyLike; jwk: JWK; jti: string } | { kind: 'session'; session: PayloadSession; jti: string };

export interface OpenedRequest {
  plaintext: Uint8Array;
  /** the original media type (`cty`), when the client named one */
  cty: string | undefined;
  kid: string;
  alg: string;
  session: PayloadSession | null;
  answer: AnswerTarget | null;
  /** the client asked for a session (`ses: "new"`) */
  wantsSession: boolean;
  /** what a new session is bound to */
  binding: { sub: string | null; tid: string | null };
}

export interface RequestOpener {
  open(jwe: string, ctx: RequestContext, nowMs: number): Promise<OpenedRequest>;
}

const JTI = /^[A-Za-z0-9_-]{16,128}$/;
const CTY = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+\/[!#$%&'*+.^_`|~0-9A-Za-z-]+(?:\s*;[\x20-\x7e]*)?$/;
const RSP_CURVES = new Set(['P-256', 'P-384', 'X25519']);
const SESSION_KID = /^s\.[A-Za-z0-9_-]{22}$/;
/** clients' answer keys kept imported (answer-keys.ts): one per live SDK instance is the common case */
const ANSWER_KEY_CACHE_ENTRIES = 4096;

/** base64url(SHA-256(token)), as DPoP's `ath` (RFC 9449 §4.2) */
export function accessTokenHash(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

/** The bearer token of the Authorization header, or undefined. */
export function bearerOf(ctx: RequestContext): string | undefined {
  const h = ctx.headers.authorization;
  if (h === undefined || h.length < 8 || h.slice(0, 7).toLowerCase() !== 'bearer ') return undefined;
  return h.slice(7).trim();
}

const refuse = (cause: string | Error): GatewayError => new GatewayError('GW_ERR_PAYLOAD_DECRYPT', { cause });

/**
 * @example const opener = createRequestOpener({ keys, replay, sessions, windowMs: 300_000 });
 */
export function createRequestOpener(opts: { keys: PayloadKeySet; replay: ReplayGuard; sessions: SessionStore | null; windowMs: number }): RequestOpener {
  const { keys, replay, sessions, windowMs } = opts;
  const answerKeys = createAnswerKeyCache(ANSWER_KEY_CACHE_ENTRIES);
  return {
    async open(jwe, ctx, now) {
      let h: CompactJWEHeaderParameters;
      try {
        if (jwe.split('.').length !== 5) throw new Error('not a compact JWE (5 parts)');
        h = decodeProtectedHeader(jwe) as CompactJWEHeaderParameters;
      } catch (err) {
        throw refuse(err as Error);
      }
      // Header checks, before any key operation.
      if (h.zip !== undefined) throw refuse('zip is refused (a compressed plaintext can be a bomb)');
      if (h.enc !== 'A256GCM') throw refuse(`enc ${String(h.enc)} is not A256GCM`);
      if (typeof h.alg !== 'string') throw refuse('no alg');
      if (typeof h.kid !== 'string') throw refuse('no kid');
      if (h.crit !== undefined) throw refuse('crit is not supported');
      const iat = (h as { iat?: unknown }).iat;
      if (typeof iat !== 'number' || !Number.isFinite(iat) || Math.abs(now - iat * 1000) > windowMs) throw refuse(`iat ${String(iat)} outside the replay window`);
      const jti = (h as { jti?: unknown }).jti;
      if (typeof jti !== 'string' || !JTI.test(jti)) throw refuse('jti missing or malformed (16-128 base64url characters)');
      const cty = h.cty;
      if (cty !== undefined && (typeof cty !== 'string' || cty.length > 200 || !CTY.test(cty))) throw refuse('cty is not a media type');
      // ath: the body is bound to the access token it travels with (RFC 9449's `ath`).
      const token = bearerOf(ctx);
      const ath = (h as { ath?: unknown }).ath;
      if (ctx.route.auth !== 'none') {
        if (token === undefined) throw refuse('an authenticated route needs the token in the Authorization header to check ath');
        if (typeof ath !== 'string' || ath !== accessTokenHash(token)) throw refuse('ath does not match the access token');
      } else if (ath !== undefined && (token === undefined || ath !== accessTokenHash(token))) throw refuse('ath does not match the access token');
      const claims = ctx.auth?.token.claims;
      const binding = { sub: ctx.auth?.token.sub ?? null, tid: typeof claims?.jti === 'string' ? claims.jti : token !== undefined && ctx.route.auth !== 'none' ? accessTokenHash(token) : null };

      let key: KeyObject | Uint8Array | KeyLike;
      let session: PayloadSession | null = null;
      if (h.alg === 'dir') {
        if (sessions === null) throw refuse('dir without sessions enabled');
        // the shape sessions.ts issues: anything else is refused without a Redis round trip
        if (!SESSION_KID.test(h.kid)) throw refuse('dir with a kid that is no session');
        session = await sessions.find(h.kid, Math.floor(now / 1000)).catch((err: unknown) => {
          throw new GatewayError('GW_ERR_PAYLOAD_UNAVAILABLE', { cause: err });
        });
        if (session === null) throw refuse(`no live session ${h.kid}`);
        if (session.sub !== binding.sub || session.tid !== binding.tid) throw refuse('the session belongs to another token');
        key = session.aead;
      } else {
        const k = keys.byKid(h.kid);
        if (k === undefined) throw refuse(`unknown kid ${h.kid}`);
        if (!k.algs.includes(h.alg)) throw refuse(`alg ${h.alg} does not fit key ${k.kid} (${k.kind})`);
        key = k.privateKey;
      }
      // rsp: the client's public key for the answer (checked before decryption: cheap).
      let answer: AnswerTarget | null = null;
      const rsp = (h as { rsp?: unknown }).rsp as JWK | undefined;
      if (rsp !== undefined) {
        if (typeof rsp !== 'object' || rsp === null || 'd' in rsp || (rsp.kty !== 'EC' && rsp.kty !== 'OKP') || !RSP_CURVES.has(String(rsp.crv))) throw refuse('rsp is not a public EC P-256/P-384 or X25519 JWK');
        try {
          const pub = await answerKeys.import(rsp);
          answer = { kind: 'rsp', key: pub, jwk: rsp, jti };
        } catch (err) {
          throw refuse(err as Error);
        }
      } else if (session !== null) answer = { kind: 'session', session, jti };

      let plaintext: Uint8Array;
      try {
        const r = await compactDecrypt(jwe, key, { keyManagementAlgorithms: [h.alg], contentEncryptionAlgorithms: ['A256GCM'], maxDecompressedLength: 0 });
        plaintext = r.plaintext;
      } catch (err) {
        throw refuse(err as Error);
      }
      // Single use, only once the JWE proved authentic: garbage cannot fill the jti set.
      let fresh: boolean;
      try {
        fresh = await replay.claim(jti, now);
      } catch (err) {
        throw new GatewayError('GW_ERR_PAYLOAD_UNAVAILABLE', { cause: err });
      }
      if (!fresh) throw refuse(`jti ${jti} replayed within the window`);
      const wantsSession = (h as { ses?: unknown }).ses === 'new' && answer?.kind === 'rsp';
      return { plaintext, cty, kid: h.kid, alg: h.alg, session, answer, wantsSession, binding };
    },
  };
}
