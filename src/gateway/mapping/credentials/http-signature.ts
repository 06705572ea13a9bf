/**
 * HTTP Message Signatures (RFC 9421) with HMAC-SHA256, for backends that authenticate the
 * gateway by a shared secret and want each request bound to its method, target and body.
 *
 * Covered components: `@method`, `@authority`, `@path`, `@query` (when there is one), and
 * `content-digest` (RFC 9530) when the body is known; signature parameters `created`, `keyid`,
 * `alg="hmac-sha256"`. The receiving side recomputes the same signature base (§2.5) — see
 * `verifyHmacSignature`, which the tests and the demo upstream use.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { Credential, OutgoingRequest } from './types.js';

export interface HmacCredentialConfig {
  readonly key_id: string;
  /** the shared secret (use `${ENV}` in the config) */
  readonly secret: string;
  /** signature label (default `sig1`) */
  readonly label?: string;
}

/** RFC 9530 Content-Digest value for a body. */
export function contentDigest(body: Uint8Array): string {
  return `sha-256=:${createHash('sha256').update(body).digest('base64')}:`;
}

function splitTarget(target: string): { path: string; query: string | null } {
  const q = target.indexOf('?');
  return q === -1 ? { path: target, query: null } : { path: target.slice(0, q), query: target.slice(q) };
}

/** Builds the signature base (RFC 9421 §2.5) and the serialised `@signature-params`. */
export function signatureBase(
  req: { method: string; authority: string; target: string; contentDigest?: string | undefined },
  params: { created: number; keyid: string },
): { base: string; params: string } {
  const { path, query } = splitTarget(req.target);
  const lines: [string, string][] = [
    ['@method', req.method.toUpperCase()],
    ['@authority', req.authority.toLowerCase()],
    ['@path', path],
  ];
  if (query !== null) lines.push(['@query', query]);
  if (req.contentDigest !== undefined) lines.push(['content-digest', req.contentDigest]);
  const list = '(' + lines.map(([n]) => JSON.stringify(n)).join(' ') + ')';
  const sigParams = `${list};created=${params.created};keyid=${JSON.stringify(params.keyid)};alg="hmac-sha256"`;
  const base = lines.map(([n, v]) => `${JSON.stringify(n)}: ${v}`).join('\n') + `\n"@signature-params": ${sigParams}`;
  return { base, params: sigParams };
}

export function createHmacCredential(name: string, cfg: HmacCredentialConfig): Credential {
  if (cfg.secret.length < 16) throw new TypeError(`credential ${name}: an HMAC secret needs at least 16 characters`);
  const label = cfg.label ?? 'sig1';
  const secret = Buffer.from(cfg.secret, 'utf8');
  return {
    name,
    type: 'hmac',
    headersFor(req: OutgoingRequest) {
      const created = Math.floor(Date.now() / 1000);
      const { base, params } = signatureBase(req, { created, keyid: cfg.key_id });
      const sig = createHmac('sha256', secret).update(base).digest('base64');
      const headers: Record<string, string> = { 'signature-input': `${label}=${params}`, signature: `${label}=:${sig}:` };
      if (req.contentDigest !== undefined) headers['content-digest'] = req.contentDigest;
      return headers;
    },
  };
}

export interface VerifyResult {
  ok: boolean;
  reason?: string;
  keyid?: string;
  created?: number;
}

/**
 * Verifies a request signed by `createHmacCredential` (for upstreams written in Node, the demo
 * APIs and the tests). `maxAgeS` bounds replay of a captured request.
 */
export function verifyHmacSignature(
  req: { method: string; authority: string; target: string; headers: Record<string, string | string[] | undefined>; body?: Uint8Array },
  secrets: Readonly<Record<string, string>>,
  opts: { maxAgeS?: number; now?: number } = {},
): VerifyResult {
  const input = String(req.headers['signature-input'] ?? '');
  const sigHeader = String(req.headers['signature'] ?? '');
  const m = /^([a-z0-9_-]+)=(\([^)]*\));created=(\d+);keyid="([^"]*)";alg="hmac-sha256"$/.exec(input);
  if (!m) return { ok: false, reason: 'missing or unsupported Signature-Input' };
  const [, label, , createdText, keyid] = m as unknown as [string, string, string, string, string];
  const s = new RegExp(`^${label}=:([A-Za-z0-9+/=]+):$`).exec(sigHeader);
  if (!s) return { ok: false, reason: 'missing Signature for label' };
  const secret = secrets[keyid];
  if (secret === undefined) return { ok: false, reason: 'unknown keyid' };
  const created = Number(createdText);
  const now = opts.now ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - created) > (opts.maxAgeS ?? 300)) return { ok: false, reason: 'signature too old' };
  const digestHeader = req.headers['content-digest'];
  const digest = digestHeader === undefined ? undefined : String(digestHeader);
  if (digest !== undefined && req.body !== undefined && digest !== contentDigest(req.body)) return { ok: false, reason: 'content-digest mismatch' };
  const { base, params } = signatureBase({ method: req.method, authority: req.authority, target: req.target, contentDigest: digest }, { created, keyid });
  if (`${label}=${params}` !== input) return { ok: false, reason: 'covered components differ' };
  const expected = createHmac('sha256', Buffer.from(secret, 'utf8')).update(base).digest();
  const got = Buffer.from((s[1] as string), 'base64');
  if (got.length !== expected.length || !timingSafeEqual(got, expected)) return { ok: false, reason: 'bad signature' };
  return { ok: true, keyid, created };
}
