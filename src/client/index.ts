/**
 * `regate/client`: a `fetch` wrapper that encrypts request bodies to a regate gateway and
 * decrypts its answers (README "Payload encryption"). It runs wherever WebCrypto and `fetch`
 * do — browsers, React Native with a WebCrypto polyfill, Node 20+ — and does all its
 * cryptography through jose.
 *
 * What it does per call with a body:
 * 1. first call: fetches the gateway's JWKS (`use: enc`) and makes one P-256 answer key pair;
 * 2. encrypts the body as a compact JWE — to the gateway's first key (`ECDH-ES+A256KW`, or
 *    `RSA-OAEP-256`) with `rsp` (its answer key) and `ses: "new"`, or, once the gateway granted
 *    a session, with the session key (`dir`) — with `cty`, `iat`, a fresh `jti` and `ath`;
 * 3. decrypts a sealed answer (`Content-Type: application/jose`), checks it answers this request
 *    (`req` = the request's `jti`), and returns a plain `Response` with the original type;
 * 4. on the generic refusal (400 GW_ERR_PAYLOAD_DECRYPT: a rotated key, an expired session) it
 *    forgets the session and the JWKS and retries once.
 * A call without a body (GET, DELETE) sends the same JWE, of an empty plaintext, in the
 * `Regate-JWE` header: its answer is sealed and it cannot be replayed either.
 *
 * @example
 * const api = createRegateClient({ baseUrl: 'https://api.example.com', token: () => auth.accessToken() });
 * const res = await api.fetch('/payments', { method: 'POST', body: JSON.stringify({ amount: 12 }), headers: { 'content-type': 'application/json' } });
 * console.log(res.status, await res.json());
 */
import { CompactEncrypt, base64url, compactDecrypt, decodeProtectedHeader, exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';

export interface RegateClientOptions {
  /** the gateway's origin, e.g. `https://api.example.com` */
  baseUrl: string;
  /** the access token, or a function that returns the current one; sent as `Authorization: Bearer` */
  token?: string | (() => string | Promise<string>);
  /** where the gateway serves its encryption keys (`payload_encryption.jwks_path`) */
  jwksPath?: string;
  /** ask for a session after the first exchange (default true): later calls cost AES-GCM only */
  sessions?: boolean;
  /** the fetch to use (default globalThis.fetch) */
  fetch?: typeof fetch;
}

export interface RegateClient {
  /** like `fetch(baseUrl + path, init)`, with the body encrypted and the answer decrypted */
  fetch(path: string, init?: RequestInit): Promise<Response>;
  /** drops the session and the cached JWKS (the next call starts with ECDH again) */
  reset(): void;
  /** the current session's kid, if any (for diagnostics) */
  readonly sessionKid: string | undefined;
}

type AnyKey = Awaited<ReturnType<typeof importJWK>>;
interface GatewayKey {
  kid: string;
  alg: string;
  key: AnyKey;
}
interface Session {
  kid: string;
  /** imported once (non-extractable AES-GCM): given raw bytes, jose would import them on every call */
  key: Awaited<ReturnType<typeof crypto.subtle.importKey>>;
  exp: number;
  ath: string | undefined;
}

const enc = new TextEncoder();
const dec = new TextDecoder();

export function createRegateClient(opts: RegateClientOptions): RegateClient {
  if (typeof opts.baseUrl !== 'string' || !/^https?:\/\//.test(opts.baseUrl)) throw new TypeError('baseUrl must be an http(s) URL');
  const base = opts.baseUrl.replace(/\/+$/, '');
  const doFetch = opts.fetch ?? globalThis.fetch.bind(globalThis);
  const jwksUrl = base + (opts.jwksPath ?? '/.well-known/regate/jwks.json');
  const wantSessions = opts.sessions !== false;
  let gatewayKey: Promise<GatewayKey> | null = null;
  let answerKeys: Promise<{ privateKey: AnyKey; jwk: JWK }> | null = null;
  let session: Session | null = null;

  const loadGatewayKey = async (): Promise<GatewayKey> => {
    const res = await doFetch(jwksUrl, { headers: { accept: 'application/jwk-set+json, application/json' } });
    if (!res.ok) throw new Error(`regate: JWKS ${jwksUrl} answered ${res.status}`);
    const { keys } = (await res.json()) as { keys?: JWK[] };
    const jwk = keys?.find((k) => k.use === undefined || k.use === 'enc');
    if (jwk === undefined || typeof jwk.kid !== 'string') throw new Error('regate: the JWKS has no encryption key');
    const alg = jwk.alg ?? (jwk.kty === 'RSA' ? 'RSA-OAEP-256' : 'ECDH-ES+A256KW');
    return { kid: jwk.kid, alg, key: await importJWK(jwk, alg) };
  };
  const makeAnswerKeys = async () => {
    const { privateKey, publicKey } = await generateKeyPair('ECDH-ES+A256KW', { crv: 'P-256', extractable: true });
    const { kty, crv, x, y } = await exportJWK(publicKey);
    return { privateKey, jwk: { kty, crv, x, y } as JWK };
  };
  const tokenOf = async (): Promise<string | undefined> => (typeof opts.token === 'function' ? await opts.token() : opts.token);

  /** `bytes` null: a bodyless call, whose JWE (of an empty plaintext) travels in `Regate-JWE` */
  const once = async (path: string, init: RequestInit, bytes: Uint8Array | null, cty: string | undefined, token: string | undefined): Promise<Response> => {
    const ath = token !== undefined ? base64url.encode(new Uint8Array(await crypto.subtle.digest('SHA-256', enc.encode(token)))) : undefined;
    const jti = base64url.encode(crypto.getRandomValues(new Uint8Array(18)));
    const now = Math.floor(Date.now() / 1000);
    const common = { enc: 'A256GCM', iat: now, jti, ...(cty !== undefined ? { cty } : {}), ...(ath !== undefined ? { ath } : {}) };
    const sealedBody = bytes ?? new Uint8Array(0);
    let jwe: string;
    const s = session !== null && session.exp > now + 5 && session.ath === ath ? session : null;
    const answer = await (answerKeys ??= makeAnswerKeys());
    if (s !== null) jwe = await new CompactEncrypt(sealedBody).setProtectedHeader({ ...common, alg: 'dir', kid: s.kid }).encrypt(s.key);
    else {
      const gk = await (gatewayKey ??= loadGatewayKey());
      jwe = await new CompactEncrypt(sealedBody)
        .setProtectedHeader({ ...common, alg: gk.alg, kid: gk.kid, rsp: answer.jwk, ...(wantSessions ? { ses: 'new' } : {}) })
        .encrypt(gk.key);
    }
    const headers = new Headers(init.headers);
    if (token !== undefined) headers.set('authorization', `Bearer ${token}`);
    let res: Response;
    if (bytes === null) {
      headers.set('regate-jwe', jwe);
      res = await doFetch(base + path, { ...init, headers });
    } else {
      headers.set('content-type', 'application/jose');
      res = await doFetch(base + path, { ...init, headers, body: jwe });
    }

    const grant = res.headers.get('regate-session');
    if (grant !== null) {
      const { plaintext, protectedHeader } = await compactDecrypt(grant, answer.privateKey, { keyManagementAlgorithms: ['ECDH-ES+A256KW'], contentEncryptionAlgorithms: ['A256GCM'] });
      if ((protectedHeader as { req?: unknown }).req !== jti) throw new Error('regate: a session grant for another request');
      const g = JSON.parse(dec.decode(plaintext)) as { kid: string; k: string; exp: number };
      const key = await crypto.subtle.importKey('raw', base64url.decode(g.k), 'AES-GCM', false, ['encrypt', 'decrypt']);
      session = { kid: g.kid, key, exp: g.exp, ath };
    }
    const type = res.headers.get('content-type') ?? '';
    if (!/^application\/jose\s*(;|$)/i.test(type)) return res;
    const text = await res.text();
    const h = decodeProtectedHeader(text);
    const key = h.alg === 'dir' ? (s !== null && h.kid === s.kid ? s.key : undefined) : answer.privateKey;
    if (key === undefined) throw new Error('regate: an answer sealed with a session this call did not use');
    const { plaintext, protectedHeader } = await compactDecrypt(text, key, { keyManagementAlgorithms: [h.alg === 'dir' ? 'dir' : 'ECDH-ES+A256KW'], contentEncryptionAlgorithms: ['A256GCM'] });
    if ((protectedHeader as { req?: unknown }).req !== jti) throw new Error('regate: an answer to another request');
    const out = new Headers(res.headers);
    out.delete('content-length');
    if (protectedHeader.cty !== undefined) out.set('content-type', protectedHeader.cty);
    else out.delete('content-type');
    const nullBody = res.status === 204 || res.status === 304 || init.method === 'HEAD';
    return new Response(nullBody ? null : plaintext, { status: res.status, statusText: res.statusText, headers: out });
  };

  return {
    get sessionKid() {
      return session?.kid;
    },
    reset() {
      session = null;
      gatewayKey = null;
    },
    async fetch(path, init = {}) {
      const token = await tokenOf();
      const body = init.body;
      let bytes: Uint8Array | null = null;
      let cty: string | undefined;
      if (body !== undefined && body !== null) {
        const b = typeof body === 'string' ? enc.encode(body) : body instanceof Uint8Array ? body : body instanceof ArrayBuffer ? new Uint8Array(body) : undefined;
        if (b === undefined) throw new TypeError('regate: the body must be a string, a Uint8Array or an ArrayBuffer');
        bytes = b;
        cty = new Headers(init.headers).get('content-type') ?? (typeof body === 'string' ? 'text/plain;charset=UTF-8' : 'application/octet-stream');
      }
      const res = await once(path, init, bytes, cty, token);
      if (res.status !== 400) return res;
      // One retry on the generic refusal: the key may have rotated or the session expired.
      const copy = res.clone();
      const refused = await copy.json().then((j: unknown) => (j as { error?: unknown } | null)?.error === 'GW_ERR_PAYLOAD_DECRYPT', () => false);
      if (!refused) return res;
      session = null;
      gatewayKey = null;
      return once(path, init, bytes, cty, token);
    },
  };
}
